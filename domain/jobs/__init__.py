"""Scheduled work shared by every context: how the worker walks many rows."""
