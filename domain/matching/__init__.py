"""Matching: choose who funds a loan among partner-bank offers and investors' auto-invest rules."""
