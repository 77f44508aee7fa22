"""Where the tests' PostgreSQL and Redis live: local servers, or the embedded pair if none."""

from __future__ import annotations

import asyncio
import base64
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import redis.asyncio as redis
from sqlalchemy.engine import make_url

from api import embedded
from api.schema_migrations import upgrade_to_head
from api.settings import Settings
from domain.lending.services.open_sources import forget_indexes

DEFAULT_DATABASE_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/agora_test"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/14"
PATIENT_REDIS_SECONDS = 30.0


@dataclass(frozen=True)
class StoreUrls:
    database_url: str
    redis_url: str
    embedded: bool
    template: str | None = None  # stores of their own: the database they were copied from


def _asyncpg_dsn(url: str, database: str | None = None) -> str:
    parsed = make_url(url).set(drivername="postgresql")
    if database is not None:
        parsed = parsed.set(database=database)
    return parsed.render_as_string(hide_password=False)


async def _postgres_reachable(url: str) -> bool:
    try:
        conn = await asyncpg.connect(_asyncpg_dsn(url, "postgres"), timeout=2)
    except (OSError, asyncpg.PostgresError, TimeoutError):
        return False
    await conn.close()
    return True


async def _redis_reachable(url: str) -> bool:
    client = redis.Redis.from_url(url, socket_connect_timeout=2)
    try:
        return bool(await client.ping())
    except (OSError, redis.RedisError):
        return False
    finally:
        await client.aclose()


def for_this_worker(database_url: str, redis_url: str) -> tuple[str, str]:
    """Under pytest-xdist each worker (gw0, gw1, ...) has stores of its own: the database
    `<name>_gw<n>` (its template and siblings follow from that name) and Redis database
    `<db> + n` (mod 16). Without xdist, the URLs as given."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if not worker.startswith("gw"):
        return database_url, redis_url
    n = int(worker.removeprefix("gw"))
    database = make_url(database_url)
    database_url = database.set(database=f"{database.database}_{worker}").render_as_string(False)
    redis_parsed = make_url(redis_url)
    redis_db = (int(redis_parsed.database or 0) + n) % 16
    return database_url, redis_parsed.set(database=str(redis_db)).render_as_string(False)


async def locate_stores() -> StoreUrls:
    """TEST_DATABASE_URL / TEST_REDIS_URL, else the local servers, else embedded ones
    (one set per xdist worker)."""
    database_url, redis_url = for_this_worker(
        os.environ.get("TEST_DATABASE_URL", DEFAULT_DATABASE_URL),
        os.environ.get("TEST_REDIS_URL", DEFAULT_REDIS_URL),
    )
    postgres_up, redis_up = await asyncio.gather(
        _postgres_reachable(database_url), _redis_reachable(redis_url)
    )
    if postgres_up and redis_up:
        return StoreUrls(database_url, redis_url, embedded=False)
    data_dir = Path(tempfile.mkdtemp(prefix="agora-test-"))
    if not postgres_up:  # the embedded server's database is ours; name the test one apart
        embedded_url = await asyncio.to_thread(embedded.start_postgres, data_dir)
        database_url = make_url(embedded_url).set(database="agora_test").render_as_string(False)
    if not redis_up:
        redis_url = await asyncio.to_thread(embedded.start_redis, data_dir)
    return StoreUrls(database_url, redis_url, embedded=True)


async def recreate_database(url: str, *, template: str | None = None) -> None:
    """Drop and create the test database, so every run starts from an empty schema (or a
    copy of the database `template`, which nobody may be connected to).

    Its commits do not wait for the disk (`synchronous_commit = off`, for this throwaway
    database only): a commit is still atomic and visible at once, and only a crash of
    PostgreSQL itself could lose the last few, which no test survives anyway.
    """
    name = make_url(url).database
    assert name, "the test database URL must name a database"
    copy_of = f' TEMPLATE "{template}" STRATEGY WAL_LOG' if template else ""
    admin = await asyncpg.connect(_asyncpg_dsn(url, "postgres"))
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{name}"{copy_of}')
        await admin.execute(f'ALTER DATABASE "{name}" SET synchronous_commit = off')
    finally:
        await admin.close()


def _beside(url: str, suffix: str) -> str:
    """The URL of the database `<name>_<suffix>` on the same server."""
    parsed = make_url(url)
    return parsed.set(database=f"{parsed.database}_{suffix}").render_as_string(False)


async def migrated_database(url: str) -> None:
    """The test database at `url`, recreated at the migrations' head.

    The migrations run once per run, into `<name>_template`, which no test connects to; the
    test database and those of `stores_of_their_own` are copies of it (~0.3 s each, where
    running the migrations took ~6 s of PostgreSQL's time on a loaded machine)."""
    template = _beside(url, "template")
    await recreate_database(template)
    await asyncio.to_thread(upgrade_to_head, template)  # alembic runs its own loop
    await recreate_database(url, template=make_url(template).database)


# Empties the database in one round trip and one short transaction. Most tests leave rows in
# a handful of tables, so only the tables that have any are emptied, by DELETE: TRUNCATE of
# every table cost ~1 s per test (new files for each table and index, an exclusive lock on
# each). Foreign keys are not checked while deleting (replica mode: every table is emptied
# anyway); without the superuser's right to that, the non-empty tables are truncated
# instead. Sequences start again, as TRUNCATE ... RESTART IDENTITY made them.
EMPTY_DATABASE = """
DO $$
DECLARE
    name text;
    filled text[] := '{}';
    has_rows boolean;
BEGIN
    FOR name IN
        SELECT quote_ident(tablename) FROM pg_tables
        WHERE schemaname = 'public' AND tablename <> 'alembic_version'
    LOOP
        EXECUTE format('SELECT EXISTS (SELECT FROM %s)', name) INTO has_rows;
        IF has_rows THEN
            filled := filled || name;
        END IF;
    END LOOP;
    IF cardinality(filled) > 0 THEN
        IF (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
            PERFORM set_config('session_replication_role', 'replica', true);
            FOREACH name IN ARRAY filled LOOP
                EXECUTE format('DELETE FROM %s', name);
            END LOOP;
        ELSE
            EXECUTE format('TRUNCATE %s CASCADE', array_to_string(filled, ', '));
        END IF;
    END IF;
    PERFORM setval(format('%I.%I', schemaname, sequencename), start_value, false)
    FROM pg_sequences WHERE schemaname = 'public' AND last_value IS NOT NULL;
END
$$
"""


async def truncate_all(url: str) -> None:
    """Empty every table but Alembic's, fast enough to run before each test; and this
    process's indexes of open sources, which deleted rows leave no trace for."""
    conn = await asyncpg.connect(_asyncpg_dsn(url))
    try:
        await conn.execute(EMPTY_DATABASE)
    finally:
        await conn.close()
    forget_indexes()


async def stores_of_their_own(stores: StoreUrls, suffix: str, redis_url: str) -> StoreUrls:
    """A migrated database next to the test database (`<name>_<suffix>`), for tests that
    must not share theirs with the e2e server's relay; and the Redis at `redis_url`."""
    database_url = _beside(stores.database_url, suffix)
    template = stores.template or make_url(_beside(stores.database_url, "template")).database
    await recreate_database(database_url, template=template)
    return StoreUrls(database_url, redis_url, embedded=stores.embedded, template=template)


async def empty_stores(stores: StoreUrls) -> StoreUrls:
    """The stores with every table truncated and the Redis database flushed."""
    await truncate_all(stores.database_url)
    client = redis.Redis.from_url(stores.redis_url)
    try:
        await client.flushdb()
    finally:
        await client.aclose()
    return stores


# A key for both production secrets (32 bytes, base64): production refuses to start without.
PRODUCTION_KEY = base64.urlsafe_b64encode(b"agora-test-production-key-32byte").decode()


def make_production_settings(stores: StoreUrls, **overrides: object) -> Settings:
    """Settings of an in-process app as production runs it, on the test stores."""
    keys = {"jwt_secret": PRODUCTION_KEY, "data_key": PRODUCTION_KEY}
    # Production refuses password hashing below argon2id's minimum: hash at that cost.
    floor = {"password_hash_iterations": 2, "password_hash_memory_kib": 19_456}
    return make_settings(stores, env="production", **keys, **floor, **overrides)


def make_settings(stores: StoreUrls, **overrides: object) -> Settings:
    """Settings of an in-process app on the test stores."""
    values: dict[str, object] = {
        "env": "test",
        "database_url": stores.database_url,
        "redis_url": stores.redis_url,
        "log_level": "warning",
        # Redis not answering in time is answered in-process (limits) or by PostgreSQL
        # (revocations): on a loaded machine the default 50 ms can pass in the event loop
        # alone, and limits shared across processes are what most tests count on. The
        # fallbacks are tested on their own (test_rate_limits, test_redis_outage).
        "redis_request_timeout_seconds": PATIENT_REDIS_SECONDS,
        # The cheapest argon2id (as `lending_world.HASHER`): tests sign up and sign in hundreds
        # of people, at ~0.3 s of CPU a hash at the production cost.
        "password_hash_iterations": 1,
        "password_hash_memory_kib": 8,
        **overrides,
    }
    return Settings.model_validate(values)
