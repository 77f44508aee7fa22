"""Agora's platform economy: pure business rules, tables and use cases, one folder per context."""
