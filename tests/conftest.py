"""The harness: one real PostgreSQL database migrated per run, a real Redis, apps and servers.

Integration tests get a clean database (every table emptied) and an empty Redis database
before each test; e2e tests share one `agora serve` process per worker, on stores of their own
(tests/e2e/conftest.py). Under pytest-xdist each worker has its own stores (support/stores.py).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from starlette.applications import Starlette

from api.app import create_app
from domain.clock import SystemClock
from support.examples import register_profiles
from support.factories import register_operator
from support.graphql import Person, log_in, unique_email
from support.server import ServerProcess, server_env
from support.stores import StoreUrls, empty_stores, locate_stores, make_settings, migrated_database

register_profiles()  # before any test module is imported: their settings read it


@pytest.fixture(scope="session")
async def stores() -> StoreUrls:
    located = await locate_stores()
    await migrated_database(located.database_url)
    # Event streams of an earlier run hold positions the recreated database gives again.
    return await empty_stores(located)


@pytest.fixture
async def clean_stores(stores: StoreUrls) -> StoreUrls:
    """The stores, emptied: no test sees another's rows or keys."""
    return await empty_stores(stores)


@pytest.fixture
async def app(clean_stores: StoreUrls) -> AsyncIterator[Starlette]:
    """The ASGI app with its lifespan running (stores open), in this process."""
    application = create_app(make_settings(clean_stores))
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def client(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://agora.test") as http:
        yield http


def shared_server_env(stores: StoreUrls) -> dict[str, str]:
    # Sockets are re-checked against revocations too rarely to matter within a test: a
    # revocation must close them by its own push (tests/e2e/test_revoked_sockets.py); the
    # periodic re-check is tested in process (tests/integration/identity/test_open_sockets.py).
    return server_env(stores, AGORA_REVOCATION_RECHECK_SECONDS="300")


@pytest.fixture(scope="session")
def server(stores: StoreUrls) -> Iterator[ServerProcess]:
    """One real `agora serve` for the e2e suite."""
    process = ServerProcess(shared_server_env(stores))
    process.start()
    yield process
    process.stop()


@pytest.fixture(scope="session")
def other_server(stores: StoreUrls, server: ServerProcess) -> Iterator[ServerProcess]:
    """A second `agora serve` on the same stores, for what crosses processes."""
    process = ServerProcess(shared_server_env(stores))
    process.start()
    yield process
    process.stop()


@pytest.fixture
async def operator(app: Starlette, client: httpx.AsyncClient) -> Person:
    """A signed-in operator (made the way `agora create-operator` makes one)."""
    email = unique_email("operator")
    services = app.state.services
    async with services.stores.sessions() as session:
        await register_operator(
            session, clock=SystemClock(), hasher=services.identity.hasher, email=email
        )
        await session.commit()
    tokens = await log_in(client, email)
    return Person(tokens["participant"]["id"], email, tokens["accessToken"], tokens["refreshToken"])
