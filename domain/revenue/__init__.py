"""Revenue: split rules that share a payment among its parties, and their refund reversals."""
