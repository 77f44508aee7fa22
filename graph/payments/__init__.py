"""The GraphQL face of merchant commerce: payment intents, refunds, disputes, split rules."""
