"""Create the database named in a PostgreSQL URL if it does not exist (CI's `alembic check`)."""

import asyncio
import sys

import asyncpg
from sqlalchemy.engine import make_url


async def create(url: str) -> None:
    parsed = make_url(url).set(drivername="postgresql")
    admin = await asyncpg.connect(parsed.set(database="postgres").render_as_string(False))
    try:
        if not await admin.fetchval(
            "SELECT 1 FROM pg_database WHERE datname = $1", parsed.database
        ):
            await admin.execute(f'CREATE DATABASE "{parsed.database}"')
    finally:
        await admin.close()


if __name__ == "__main__":
    asyncio.run(create(sys.argv[1]))
