"""Wallet use cases: balances and statements, deposits, withdrawals and transfers."""
