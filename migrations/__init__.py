"""Alembic migrations, shipped as a package so `agora migrate` finds them in any install."""
