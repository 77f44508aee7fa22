"""Supply-chain finance over GraphQL: suppliers, core enterprises, financiers, operators."""
