"""DATABASE_READ_URL: lists people browse read there (a standby's, in a replicated cluster);
everything else, and every money decision, reads the primary. Off by default."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from starlette.applications import Starlette

from api.app import create_app
from support.graphql import gql, signed_in
from support.server import free_port
from support.stores import StoreUrls, make_settings

CAMPAIGNS = "{ campaigns(first: 5) { edges { node { id } } } }"
LISTINGS = "{ listings(first: 5) { edges { node { id } } } }"


async def running(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://agora.test") as http:
            yield http


@pytest.fixture
async def read_url_gone(clean_stores: StoreUrls) -> AsyncIterator[httpx.AsyncClient]:
    """The read URL names a server that does not answer: whatever reads there shows it."""
    nowhere = f"postgresql+asyncpg://postgres@127.0.0.1:{free_port()}/agora"
    async for http in running(create_app(make_settings(clean_stores, database_read_url=nowhere))):
        yield http


async def test_browsing_reads_the_read_url_and_money_the_primary(
    read_url_gone: httpx.AsyncClient,
) -> None:
    investor = await signed_in(read_url_gone, roles=["INVESTOR"])  # written to the primary

    for query in (CAMPAIGNS, LISTINGS):
        body = await gql(read_url_gone, query, token=investor.access_token)
        assert [e["extensions"]["code"] for e in body["errors"]] == ["TRY_AGAIN"]
    wallet = await gql(
        read_url_gone, "{ wallets { available { amount } } }", token=investor.access_token
    )
    assert "errors" not in wallet


async def test_without_a_read_url_browsing_reads_the_primary(client: httpx.AsyncClient) -> None:
    body = await gql(client, CAMPAIGNS)

    assert body["data"]["campaigns"]["edges"] == []
