"""Payments: intents with escrow, merchant fees, auto-release and settlement rules."""
