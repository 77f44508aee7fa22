"""Idempotent money mutations (Stripe's model): one key, one execution, one answer."""
