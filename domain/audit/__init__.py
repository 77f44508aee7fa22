"""The audit log: who did what, when, from where, and how it ended. Append-only."""
