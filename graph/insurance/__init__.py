"""Insurance\x27s GraphQL face: insurers\x27 products, quotes and policies, claims, books."""
