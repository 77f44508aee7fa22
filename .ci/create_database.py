"""Create the database named in a PostgreSQL URL afresh (CI's `alembic check`).

Dropped first: a database left migrated by an older checkout (or by a migration chain that
was reordered since) would make `alembic check` compare the models with the wrong tables.
"""

import asyncio
import sys

import asyncpg
from sqlalchemy.engine import make_url


async def recreate(url: str) -> None:
    parsed = make_url(url).set(drivername="postgresql")
    admin = await asyncpg.connect(parsed.set(database="postgres").render_as_string(False))
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{parsed.database}"')
    finally:
        await admin.close()


if __name__ == "__main__":
    asyncio.run(recreate(sys.argv[1]))
