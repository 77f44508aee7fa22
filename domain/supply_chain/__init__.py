"""Supply-chain finance: receivables confirmed by a core enterprise, financed early, split
down the chain."""
