"""Prepared operations: the short way answers exactly as the whole pipeline, and refuses
exactly as much (api/graphql_prepared.py, graph/prepared/).

Every request is sent twice: the first takes the long way (strawberry's view and every
extension) and prepares its document; the second may take the short way. The answers must
be the same, and the short way must really have been taken where it can be.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from api.app import create_app
from api.graphql_http import GraphQLOverHTTP
from support.graphql import signed_in
from support.stores import StoreUrls, make_settings

TYPENAME = "{ __typename }"
QUOTE = """
query Quote($input: LoanQuoteInput!) {
  quoteLoan(input: $input) { totalInterest { amount currency } apr installments { number } }
}
"""
TWO_OPERATIONS = "query A { __typename } query B { platform { name } }"
PAGE = "query Page($n: Int) { listings(first: $n) { edges { cursor } } }"
SUBSCRIPTION = "subscription { walletChanged { position } }"
ME = "{ me { id } }"
LOG_OUT = "mutation { logOut { errors { code } } }"


def quote(**changes: object) -> dict[str, Any]:
    fields: dict[str, object] = {
        "principal": "10000.00",
        "currency": "CNY",
        "annualRate": "0.0435",
        "termMonths": 12,
        "method": "EQUAL_INSTALLMENT",
    }
    return {"input": {**fields, **changes}}


@pytest.fixture
def long_ways(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The documents each request that took the long way ran (strawberry's view)."""
    taken: list[str] = []
    run = GraphQLOverHTTP.run

    async def counted(self: GraphQLOverHTTP, request: Any, *args: Any, **kwargs: Any) -> Any:
        taken.append(request.url.path)
        return await run(self, request, *args, **kwargs)

    monkeypatch.setattr(GraphQLOverHTTP, "run", counted)
    return taken


def unseen(query: str) -> str:
    """The document with a comment no other test sends: the schema (and so its prepared
    operations) is shared by every app of the process."""
    return f"{query}\n# {uuid.uuid4().hex}"


async def twice(
    client: httpx.AsyncClient, body: dict[str, Any], **headers: str
) -> tuple[httpx.Response, httpx.Response]:
    body = {**body, "query": unseen(body["query"])}
    first = await client.post("/graphql", json=body, headers=headers)
    second = await client.post("/graphql", json=body, headers=headers)
    return first, second


def same(first: httpx.Response, second: httpx.Response) -> None:
    assert (second.status_code, second.json()) == (first.status_code, first.json())
    assert second.headers["content-type"] == first.headers["content-type"]


@pytest.mark.parametrize(
    "body",
    [
        {"query": TYPENAME},
        {"query": QUOTE, "variables": quote()},
        {"query": QUOTE, "variables": quote(termMonths=0)},  # a business refusal, typed
        {"query": TWO_OPERATIONS, "operationName": "B"},
        {"query": PAGE, "variables": {"n": 5}},  # priced per request: its variable sets the size
        {"query": ME},
    ],
    ids=["typename", "quote", "refused-quote", "named-operation", "page", "anonymous-me"],
)
async def test_the_short_way_answers_as_the_long_way(
    client: httpx.AsyncClient, long_ways: list[str], body: dict[str, Any]
) -> None:
    first, second = await twice(client, body)

    assert first.status_code == 200, first.text
    same(first, second)
    assert len(long_ways) == 1  # the second request took the short way


@pytest.mark.parametrize(
    "second_body",
    [
        {"query": QUOTE, "variables": quote(termMonths="twelve")},  # does not coerce
        {"query": QUOTE, "variables": quote(principal="1\x00")},  # unfit for any column
        {"query": QUOTE, "variables": {}},  # a required variable missing
        {"query": PAGE, "variables": {"n": 100_000}},  # over the cost budget
        {"query": TYPENAME, "variables": [1]},  # malformed: variables must be an object
    ],
    ids=["uncoercible", "nul", "missing", "over-budget", "malformed"],
)
async def test_what_the_pipeline_refuses_a_prepared_document_refuses_alike(
    client: httpx.AsyncClient, long_ways: list[str], second_body: dict[str, Any]
) -> None:
    second_body = {**second_body, "query": unseen(second_body["query"])}
    await client.post("/graphql", json={**second_body, "variables": _fit(second_body)})
    long_ways.clear()

    refused = await client.post("/graphql", json=second_body)

    assert refused.status_code in (200, 400)
    assert refused.json().get("errors")
    assert long_ways == ["/graphql"]  # the long way answered, in its own words


def _fit(body: dict[str, Any]) -> dict[str, Any]:
    """Variables that pass, for the same document, to prepare it first."""
    query = body["query"]
    return quote() if "quoteLoan" in query else {"n": 5} if "listings" in query else {}


async def test_ambiguous_documents_and_subscriptions_never_take_the_short_way(
    client: httpx.AsyncClient, long_ways: list[str]
) -> None:
    ambiguous = await twice(client, {"query": TWO_OPERATIONS})
    subscription = await twice(client, {"query": SUBSCRIPTION})

    same(*ambiguous)
    same(*subscription)
    assert subscription[0].status_code == 400
    assert len(long_ways) == 4


async def test_a_bad_token_is_refused_on_the_short_way(client: httpx.AsyncClient) -> None:
    await client.post("/graphql", json={"query": TYPENAME})  # prepared

    refused = await client.post(
        "/graphql", json={"query": TYPENAME}, headers={"authorization": "Bearer not-a-token"}
    )

    assert refused.status_code == 401
    assert refused.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_a_logged_out_token_is_refused_on_the_short_way(client: httpx.AsyncClient) -> None:
    person = await signed_in(client, roles=["INVESTOR"])
    bearer = {"authorization": f"Bearer {person.access_token}"}
    before = await client.post("/graphql", json={"query": ME}, headers=bearer)
    await client.post("/graphql", json={"query": LOG_OUT}, headers=bearer)

    after = await client.post("/graphql", json={"query": ME}, headers=bearer)

    assert before.json()["data"]["me"]["id"] == person.id
    assert after.status_code == 401


async def test_too_deep_json_is_refused_on_the_short_way(client: httpx.AsyncClient) -> None:
    await client.post("/graphql", json={"query": TYPENAME})
    deep: object = 1
    for _ in range(100):
        deep = [deep]

    refused = await client.post("/graphql", json={"query": TYPENAME, "variables": {"x": deep}})

    assert refused.status_code == 400


@pytest.fixture
async def strict_app(clean_stores: StoreUrls) -> AsyncIterator[Starlette]:
    settings = make_settings(
        clean_stores, rate_limit_per_ip="6/minute", rate_limit_per_client="3/minute"
    )
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


async def test_rate_limits_count_every_request_on_the_short_way(strict_app: Starlette) -> None:
    transport = httpx.ASGITransport(app=strict_app, client=("9.9.9.9", 1))
    async with httpx.AsyncClient(transport=transport, base_url="http://agora.test") as client:
        person = await signed_in(client, roles=["INVESTOR"])  # 2 requests from this address
        bearer = {"authorization": f"Bearer {person.access_token}"}
        answers = [
            await client.post("/graphql", json={"query": ME}, headers=bearer) for _ in range(4)
        ]

    # The per-client limit (3/minute) refuses the fourth, as the per-IP one would the seventh.
    assert [a.status_code for a in answers] == [200, 200, 200, 429]


async def test_an_oversized_body_is_refused_on_the_short_way(app: Starlette) -> None:
    transport = httpx.ASGITransport(app=app)
    query = unseen(TYPENAME)
    async with httpx.AsyncClient(transport=transport, base_url="http://agora.test") as client:
        await client.post("/graphql", json={"query": query})  # prepared
        limit = app.state.settings.max_body_bytes

        refused = await client.post(
            "/graphql", json={"query": query, "variables": {"pad": "x" * limit}}
        )

    assert refused.status_code == 413
