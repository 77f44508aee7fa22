"""`agora`: serve the API, migrate the database, export the schema, check the setup."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import logging
import os
import signal
import sys
import time
from collections.abc import Sequence

import uvicorn
from pydantic import ValidationError

from api import embedded
from api.logs import configure_logging
from api.schema_migrations import current_revision, head_revision, upgrade_to_head
from api.security.keys import MissingSecret, platform_keys
from api.settings import Settings
from domain.errors import DomainError

logger = logging.getLogger("agora.cli")


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = Settings()
    except ValidationError as error:
        print(f"agora: invalid configuration:\n{error}", file=sys.stderr)
        return 2
    try:
        return int(args.run(settings, args) or 0)
    except (embedded.EmbeddedStoresRefused, MissingSecret) as refusal:
        print(f"agora: {refusal}", file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="agora", description=__doc__)
    commands = parser.add_subparsers(required=True, metavar="command")

    serve = commands.add_parser("serve", help="run the API (embedded stores if no URLs are set)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1, help="API processes (default 1)")
    serve.add_argument(
        "--migrate", action="store_true", help="apply migrations first (always on embedded stores)"
    )
    serve.add_argument(
        "--no-worker",
        action="store_true",
        help="do not run the worker's jobs in this process (on by default only on the "
        "embedded database; AGORA_IN_PROCESS_WORKER=true|false decides otherwise)",
    )
    serve.set_defaults(run=serve_command)

    migrate = commands.add_parser("migrate", help="apply database migrations up to head")
    migrate.set_defaults(run=migrate_command)

    export = commands.add_parser("export-schema", help="print the GraphQL SDL to stdout")
    export.set_defaults(run=export_schema_command)

    check = commands.add_parser("check", help="validate configuration and reach the stores")
    check.set_defaults(run=check_command)

    worker = commands.add_parser("worker", help="run background jobs (hold expiry, ...)")
    worker.add_argument("--once", action="store_true", help="run every job once, then exit")
    worker.set_defaults(run=worker_command)

    relay = commands.add_parser("relay", help="publish outbox events to Redis (any number may run)")
    relay.set_defaults(run=relay_command)

    ledger = commands.add_parser("ledger", help="ledger maintenance")
    ledger_commands = ledger.add_subparsers(required=True, metavar="action")
    verify = ledger_commands.add_parser(
        "verify", help="recompute every balance from the journal; non-zero exit on mismatch"
    )
    verify.set_defaults(run=ledger_verify_command)

    insurance = commands.add_parser("insurance", help="insurance maintenance")
    insurance_commands = insurance.add_subparsers(required=True, metavar="action")
    migrate_covers = insurance_commands.add_parser(
        "migrate-loan-covers",
        help="bind each live loan whose product carries an insurer's share (sold before "
        "policies existed) its zero-premium credit policy; idempotent",
    )
    migrate_covers.set_defaults(run=migrate_loan_covers_command)

    demo = commands.add_parser(
        "demo", help="seed a lively marketplace and simulate N days (dev and test only)"
    )
    demo.add_argument("--days", type=int, default=30, help="simulated days (default 30)")
    demo.add_argument("--seed", type=int, default=1, help="the same seed plays the same story")
    demo.set_defaults(run=demo_command)

    operator = commands.add_parser(
        "create-operator", help="create a platform operator (password from AGORA_OPERATOR_PASSWORD)"
    )
    operator.add_argument("--email", required=True)
    operator.add_argument("--name", default="Platform operator")
    operator.set_defaults(run=create_operator_command)
    return parser


def serve_command(settings: Settings, args: argparse.Namespace) -> int:
    configure_logging(settings.log_level, json=settings.log_json)
    platform_keys(settings)  # refuse to start without keys, before anything else starts
    started = time.perf_counter()
    urls = embedded.store_urls(settings)
    database_url, redis_url = urls.database_url, urls.redis_url
    assert redis_url is not None
    if settings.database_url is None or args.migrate:
        upgrade_to_head(database_url)
    # Worker processes build their app from the environment: hand them the resolved URLs, and
    # whether to run the jobs, decided before the URLs hide that the database is embedded.
    in_process_worker = settings.runs_worker_in_process and not args.no_worker
    os.environ["AGORA_IN_PROCESS_WORKER"] = "true" if in_process_worker else "false"
    os.environ["DATABASE_URL"], os.environ["REDIS_URL"] = database_url, redis_url
    logger.info(
        "starting",
        extra={
            "host": args.host,
            "port": args.port,
            "workers": args.workers,
            "embedded": settings.uses_embedded_stores,
            "in_process_worker": in_process_worker,
            "stores_ready_ms": round((time.perf_counter() - started) * 1000),
        },
    )
    # uvicorn re-raises the SIGTERM it handled once it has drained; exiting through Python
    # instead of dying by the signal lets atexit stop the embedded PostgreSQL and Redis.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    uvicorn.run(
        "api.app:app_from_environment",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=settings.shutdown_grace_seconds,  # type: ignore[arg-type]
        proxy_headers=True,
        forwarded_allow_ips=settings.forwarded_allow_ips,
        ws_max_size=1 << 20,
    )
    return 0


def migrate_command(settings: Settings, _: argparse.Namespace) -> int:
    configure_logging(settings.log_level, json=settings.log_json)
    database_url = embedded.store_urls(settings, with_redis=False).database_url
    upgrade_to_head(database_url)
    print(f"database at revision {head_revision(database_url)}")
    return 0


def export_schema_command(_settings: Settings, _: argparse.Namespace) -> int:
    from graph.schema import build_schema

    sys.stdout.write(build_schema().as_str() + "\n")
    return 0


def check_command(settings: Settings, _: argparse.Namespace) -> int:
    """Configuration, connectivity and migration state, one line each; non-zero if any fails."""
    from api.stores import open_stores

    print(f"environment     {settings.env}")
    print(f"currency        {settings.currency}")
    for store, url in (("database", settings.database_url), ("redis", settings.redis_url)):
        print(f"{store:<16}{'embedded' if url is None else _redact(url)}")
    urls = embedded.store_urls(settings)
    database_url, redis_url = urls.database_url, urls.redis_url
    assert redis_url is not None

    async def probe() -> tuple[bool, bool, str | None]:
        stores = open_stores(settings, database_url=database_url, redis_url=redis_url)
        try:
            database, redis = await stores.database_ready(), await stores.redis_ready()
            revision = await current_revision(database_url) if database else None
            return database, redis, revision
        finally:
            await stores.close()

    database, redis, revision = asyncio.run(probe())
    head = head_revision(database_url)
    print(f"database reach  {'ok' if database else 'FAILED'}")
    print(f"redis reach     {'ok' if redis else 'FAILED'}")
    migrated = revision == head
    state = f"at head {head}" if migrated else f"at {revision}, head is {head}: run agora migrate"
    print(f"migrations      {state}")
    return 0 if database and redis and migrated else 1


def worker_command(settings: Settings, args: argparse.Namespace) -> int:
    from api.worker import run_worker

    configure_logging(settings.log_level, json=settings.log_json)
    database_url = embedded.store_urls(settings, with_redis=False).database_url
    asyncio.run(run_worker(settings, database_url, once=args.once))
    return 0


def relay_command(settings: Settings, _: argparse.Namespace) -> int:
    from api.events.running import run_relay_until_signalled

    configure_logging(settings.log_level, json=settings.log_json)
    urls = embedded.store_urls(settings)
    assert urls.redis_url is not None
    asyncio.run(run_relay_until_signalled(settings, urls.database_url, urls.redis_url))
    return 0


def ledger_verify_command(settings: Settings, _: argparse.Namespace) -> int:
    from sqlalchemy.ext.asyncio import async_sessionmaker
    from sqlmodel.ext.asyncio.session import AsyncSession

    from api.database_urls import database_engine
    from api.ledger_verdict import verdict_lines
    from domain.ledger.services.verification import verify_ledger

    database_url = embedded.store_urls(settings, with_redis=False).database_url

    async def run() -> bool:
        engine = database_engine(database_url)
        try:
            async with async_sessionmaker(engine, class_=AsyncSession)() as session:
                report = await verify_ledger(session)
        finally:
            await engine.dispose()
        print("\n".join(verdict_lines(report)))
        return report.consistent

    return 0 if asyncio.run(run()) else 1


def migrate_loan_covers_command(settings: Settings, _: argparse.Namespace) -> int:
    """Bind every uninsured loan its carried cover's policy, a batch per transaction."""
    from sqlalchemy.ext.asyncio import async_sessionmaker
    from sqlmodel.ext.asyncio.session import AsyncSession

    from api.database_urls import database_engine
    from domain.clock import SystemClock
    from domain.insurance.services.carried_cover import migrate_carried_covers

    database_url = embedded.store_urls(settings, with_redis=False).database_url

    async def run() -> int:
        engine = database_engine(database_url)
        total, clock = 0, SystemClock()
        try:
            sessions = async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)
            while True:
                async with sessions() as session:
                    bound = await migrate_carried_covers(session, now=clock.now())
                    await session.commit()
                if not bound:
                    return total
                total += bound
        finally:
            await engine.dispose()

    print(f"loans bound their carried cover's policy: {asyncio.run(run())}")
    return 0


def demo_command(settings: Settings, args: argparse.Namespace) -> int:
    """Seed the stores (the embedded default unless URLs are set) and simulate `--days` days."""
    from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
    from sqlmodel.ext.asyncio.session import AsyncSession

    from api.demo.run import DEMO_PASSWORD, AlreadyPlayed, account_lines, play, summary
    from api.ledger_verdict import verdict_lines

    if settings.env == "production":
        print("agora: the demo never runs in production", file=sys.stderr)
        return 2
    if not 1 <= args.days <= 366:
        print("agora: --days must be 1..366", file=sys.stderr)
        return 2
    configure_logging("warning", json=settings.log_json)
    database_url = embedded.store_urls(settings, with_redis=False).database_url
    if settings.database_url is None:
        upgrade_to_head(database_url)

    async def run() -> int:
        engine = create_async_engine(database_url)
        sessions = async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)
        try:
            result = await play(
                sessions=sessions,
                settings=settings,
                days=args.days,
                seed=args.seed,
                say=lambda line: print(line, flush=True),
            )
        except AlreadyPlayed as refusal:
            print(f"agora: {refusal}", file=sys.stderr)
            return 1
        finally:
            await engine.dispose()
        print("\n".join(summary(result)))
        print("\nagora ledger verify")
        print("\n".join(verdict_lines(result.ledger)))
        print("\n".join(account_lines(result, DEMO_PASSWORD)))
        return 0 if result.ledger.consistent else 1

    return asyncio.run(run())


def create_operator_command(settings: Settings, args: argparse.Namespace) -> int:
    """Operators cannot sign up through the API: they are made here, by whoever runs the box."""
    from api.operators import create_operator

    password = os.environ.get("AGORA_OPERATOR_PASSWORD") or getpass.getpass("Password: ")
    urls = embedded.store_urls(settings)
    assert urls.redis_url is not None
    try:
        participant_id = asyncio.run(
            create_operator(
                settings, urls.database_url, urls.redis_url, args.email, args.name, password
            )
        )
    except DomainError as error:
        print(f"agora: {error}", file=sys.stderr)
        return 1
    print(f"operator {participant_id} created")
    return 0


def _redact(url: str) -> str:
    """Hide the password in a URL before printing it."""
    scheme, sep, rest = url.partition("://")
    credentials, at, host = rest.rpartition("@")
    if not at or ":" not in credentials:
        return url
    user = credentials.split(":", 1)[0]
    return f"{scheme}{sep}{user}:***@{host}"


if __name__ == "__main__":
    raise SystemExit(main())
