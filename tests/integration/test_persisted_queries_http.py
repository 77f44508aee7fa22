"""Automatic persisted queries over HTTP (Apollo's protocol), shared by processes through Redis."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from api.app import create_app
from api.persisted_queries import REDIS_PREFIX
from support.stores import StoreUrls, make_settings

GRAPHQL_RESPONSE = "application/graphql-response+json"


def unseen(query: str) -> str:
    """A document no other test sent (every app of the process shares the schema)."""
    return f"{query}\n# {uuid.uuid4().hex}"


def sha(query: str) -> str:
    return hashlib.sha256(query.encode()).hexdigest()


def persisted(query: str) -> dict[str, Any]:
    return {"persistedQuery": {"version": 1, "sha256Hash": sha(query)}}


def codes(response: httpx.Response) -> list[str]:
    return [e["extensions"]["code"] for e in response.json().get("errors", ())]


@pytest.mark.parametrize("accept", ["application/json", GRAPHQL_RESPONSE])
async def test_the_apollo_exchange_over_post(client: httpx.AsyncClient, accept: str) -> None:
    query = unseen("{ platform { name } }")
    headers = {"accept": accept}
    by_hash = {"extensions": persisted(query)}

    unknown = await client.post("/graphql", json=by_hash, headers=headers)
    registered = await client.post("/graphql", json={**by_hash, "query": query}, headers=headers)
    known = await client.post("/graphql", json=by_hash, headers=headers)

    assert unknown.status_code == 200  # what Apollo's clients expect, to resend the query
    assert unknown.json()["errors"][0]["message"] == "PersistedQueryNotFound"
    assert codes(unknown) == ["PERSISTED_QUERY_NOT_FOUND"]
    assert "data" not in unknown.json()
    assert registered.json() == known.json() == {"data": {"platform": {"name": "Agora"}}}


async def test_a_hash_that_is_not_the_querys_is_a_400(client: httpx.AsyncClient) -> None:
    query = unseen("{ __typename }")
    body = {"query": query, "extensions": persisted(query + " ")}

    refused = await client.post("/graphql", json=body)
    later = await client.post("/graphql", json={"extensions": persisted(query + " ")})

    assert refused.status_code == 400
    assert codes(refused) == ["BAD_PERSISTED_QUERY"]
    assert codes(later) == ["PERSISTED_QUERY_NOT_FOUND"]  # nothing was stored


async def test_another_version_is_a_400(client: httpx.AsyncClient) -> None:
    body = {"extensions": {"persistedQuery": {"version": 2, "sha256Hash": sha("{ a }")}}}

    refused = await client.post("/graphql", json=body)

    assert refused.status_code == 400
    assert codes(refused) == ["BAD_PERSISTED_QUERY"]


async def test_get_runs_a_persisted_query_by_its_hash(client: httpx.AsyncClient) -> None:
    query = unseen("{ platform { currency } }")
    params = {"extensions": json.dumps(persisted(query))}

    unknown = await client.get("/graphql", params=params)
    await client.post("/graphql", json={"query": query, "extensions": persisted(query)})
    known = await client.get("/graphql", params=params)

    assert codes(unknown) == ["PERSISTED_QUERY_NOT_FOUND"]
    assert known.json() == {"data": {"platform": {"currency": "CNY"}}}


async def test_get_still_refuses_a_persisted_mutation(client: httpx.AsyncClient) -> None:
    mutation = unseen("mutation { logOut { errors { code } } }")
    await client.post("/graphql", json={"query": mutation, "extensions": persisted(mutation)})

    refused = await client.get("/graphql", params={"extensions": json.dumps(persisted(mutation))})

    assert refused.status_code == 405
    assert refused.headers["allow"] == "POST"


@pytest.fixture
async def second_app(clean_stores: StoreUrls) -> AsyncIterator[Starlette]:
    """Another process's app on the same stores (its own persisted-query LRU)."""
    application = create_app(make_settings(clean_stores))
    async with application.router.lifespan_context(application):
        yield application


async def test_a_query_sent_to_one_process_is_known_to_another(
    client: httpx.AsyncClient, second_app: Starlette
) -> None:
    query = unseen("{ platform { name } }")
    await client.post("/graphql", json={"query": query, "extensions": persisted(query)})
    transport = httpx.ASGITransport(app=second_app)

    async with httpx.AsyncClient(transport=transport, base_url="http://b.test") as other:
        known = await other.post("/graphql", json={"extensions": persisted(query)})

    assert known.json() == {"data": {"platform": {"name": "Agora"}}}


async def test_a_document_in_redis_that_is_not_its_hashs_is_never_run(
    app: Starlette, client: httpx.AsyncClient
) -> None:
    wanted = unseen("{ platform { name } }")
    planted = "{ me { id } }"  # whoever could write to Redis must not choose what runs
    await app.state.stores.redis.set(REDIS_PREFIX + sha(wanted), planted)

    answer = await client.post("/graphql", json={"extensions": persisted(wanted)})

    assert codes(answer) == ["PERSISTED_QUERY_NOT_FOUND"]
