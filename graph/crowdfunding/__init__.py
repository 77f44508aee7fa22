"""Crowdfunding as clients see it."""
