"""Liquidity and risk: what the platform owes against what it holds, cover and concentration."""
