"""Wallets: each participant's money on the platform, per currency, and money in and out."""
