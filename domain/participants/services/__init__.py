"""Participant use cases, one module per group: registration, sessions, API keys, KYC."""
