"""End-to-end tests run `agora serve` on stores of their own.

The shared server's relay and hub keep positions in memory for the whole session; an
integration test that empties the test stores under it (sequences restarted, streams flushed)
would leave it ignoring every new event until positions caught up. With one process the e2e
tests happened to run first; with several workers they interleave with integration tests. So
here `stores` is a database beside the test database and a Redis server of the e2e suite's own.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from support.redis_server import OwnedRedis
from support.stores import StoreUrls, empty_stores, stores_of_their_own


@pytest.fixture(scope="session")
def e2e_redis() -> Iterator[OwnedRedis]:
    server = OwnedRedis()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
async def stores(stores: StoreUrls, e2e_redis: OwnedRedis) -> StoreUrls:
    """The e2e suite's stores (the session's test stores stand beside them)."""
    return await empty_stores(await stores_of_their_own(stores, "e2e", e2e_redis.url))
