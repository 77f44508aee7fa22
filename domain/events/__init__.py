"""Domain events: what happened, recorded in the outbox in the same transaction as the change."""
