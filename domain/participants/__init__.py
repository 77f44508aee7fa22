"""Participants: who is on the platform, what roles they play, and how they prove it."""
