"""Ledger use cases: opening accounts, posting transfers, holds, verification."""
