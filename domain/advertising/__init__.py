"""Advertising: promoted placements, their auction, counting and charging (pure rules first)."""
