"""Automatic persisted queries in one process: hashes named, checked, stored within bounds."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
import redis.asyncio as redis

from api.persisted_queries import (
    BadPersistedQuery,
    PersistedQueries,
    PersistedQueryNotFound,
    requested_hash,
)

QUERY = "{ __typename }"


def sha(query: str) -> str:
    return hashlib.sha256(query.encode()).hexdigest()


def persisted(query: str = QUERY, **changes: object) -> dict[str, Any]:
    return {"persistedQuery": {"version": 1, "sha256Hash": sha(query), **changes}}


async def test_a_request_without_a_persisted_query_runs_its_own_text() -> None:
    store = PersistedQueries()

    assert await store.document_for(QUERY, None) == QUERY
    assert await store.document_for(QUERY, {"other": 1}) == QUERY
    assert len(store) == 0


async def test_an_unknown_hash_is_not_found_until_sent_with_its_query() -> None:
    store = PersistedQueries()

    with pytest.raises(PersistedQueryNotFound):
        await store.document_for(None, persisted())
    assert await store.document_for(QUERY, persisted()) == QUERY
    assert await store.document_for(None, persisted()) == QUERY


async def test_a_hash_that_is_not_the_querys_is_refused_and_stores_nothing() -> None:
    store = PersistedQueries()
    other = "{ platform { name } }"

    with pytest.raises(BadPersistedQuery, match="does not match"):
        await store.document_for(other, persisted(QUERY))
    with pytest.raises(PersistedQueryNotFound):
        await store.document_for(None, persisted(QUERY))


@pytest.mark.parametrize(
    "extensions",
    [
        {"persistedQuery": "abc"},
        {"persistedQuery": {"version": 2, "sha256Hash": sha(QUERY)}},
        {"persistedQuery": {"sha256Hash": sha(QUERY)}},
        {"persistedQuery": {"version": 1, "sha256Hash": sha(QUERY).upper()}},
        {"persistedQuery": {"version": 1, "sha256Hash": sha(QUERY)[:-1]}},
        {"persistedQuery": {"version": 1, "sha256Hash": 12}},
    ],
    ids=["not-an-object", "version-2", "no-version", "uppercase", "short", "not-text"],
)
def test_malformed_persisted_queries_are_refused(extensions: dict[str, Any]) -> None:
    with pytest.raises(BadPersistedQuery):
        requested_hash(extensions)


async def test_the_store_keeps_the_most_recently_used_documents() -> None:
    store = PersistedQueries(max_documents=2)
    first, second, third = "{ a }", "{ b }", "{ c }"
    await store.document_for(first, persisted(first))
    await store.document_for(second, persisted(second))
    await store.document_for(None, persisted(first))  # used: `second` is now the oldest

    await store.document_for(third, persisted(third))

    assert len(store) == 2
    assert await store.document_for(None, persisted(first)) == first
    with pytest.raises(PersistedQueryNotFound):
        await store.document_for(None, persisted(second))


async def test_the_store_is_bounded_by_characters_too() -> None:
    store = PersistedQueries(max_documents=100, max_characters=250)
    documents = [f"{{ a{n} }}" + " " * 100 for n in range(3)]  # ~107 characters each

    for document in documents:
        await store.document_for(document, persisted(document))

    assert len(store) == 2
    with pytest.raises(PersistedQueryNotFound):
        await store.document_for(None, persisted(documents[0]))


async def test_redis_out_of_reach_is_the_same_as_not_knowing_the_hash() -> None:
    store = PersistedQueries()
    nowhere = redis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.5)
    store.share_through(nowhere)

    try:
        registered = await store.document_for(QUERY, persisted())  # kept in the process only
        other = PersistedQueries()
        other.share_through(nowhere)
        with pytest.raises(PersistedQueryNotFound):
            await other.document_for(None, persisted())
    finally:
        await nowhere.aclose()

    assert registered == QUERY
    assert await store.document_for(None, persisted()) == QUERY
