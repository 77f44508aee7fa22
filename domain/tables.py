"""Imports every table module so `SQLModel.metadata` is complete for Alembic and tests.

Each context that adds tables adds its module here.
"""

from sqlmodel import SQLModel

metadata = SQLModel.metadata
