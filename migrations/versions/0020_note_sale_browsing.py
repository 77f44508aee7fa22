"""The secondary market as investors browse it: open sales newest first.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06 13:50:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0020'
down_revision: str | None = '0019'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index('note_sale_open_newest', 'note_sale', [sa.text('created_at DESC'), sa.text('id DESC')], unique=False, postgresql_where=sa.text("status = 'OPEN'"))


def downgrade() -> None:
    op.drop_index('note_sale_open_newest', table_name='note_sale', postgresql_where=sa.text("status = 'OPEN'"))
