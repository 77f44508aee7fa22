"""Attacks on /graphql refused before anything runs, each with a typed error (OWASP cheat sheet).

The app here is /graphql alone: our GraphQLOverHTTP view over build_schema(policy=...), with
a context of just what `platform` and `quoteLoan` read (no stores needed).
"""

from __future__ import annotations

import functools
import json
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.websockets import WebSocket
from strawberry.extensions import SchemaExtension
from strawberry.extensions.validation_cache import _get_validate_cache

from api.graphql_http import GraphQLOverHTTP
from domain.clock import Clock, FixedClock
from domain.platform import PlatformProfile
from graph.hardening import HardeningPolicy
from graph.schema import DOCUMENT_CACHE_SIZE, build_schema

GRAPHQL_RESPONSE = "application/graphql-response+json"
PRODUCTION = HardeningPolicy.for_environment("production")
DEV = HardeningPolicy.for_environment("dev")
QUOTE_FIELDS = """installments { number dueDate principal { amount currency } interest { amount }
                   total { amount } remainingPrincipal { amount } }
    totalInterest { amount currency } totalPayment { amount currency } apr"""
QUOTE_INPUT = {
    "principal": "10000.00",
    "currency": "CNY",
    "annualRate": "0.0435",
    "termMonths": 12,
    "method": "EQUAL_INSTALLMENT",
    "firstDueDate": "2030-01-31",
}


@dataclass
class BareContext:
    request: Request | WebSocket
    response: Response | WebSocket
    clock: Clock
    platform: PlatformProfile


class BareGraphQL(GraphQLOverHTTP):
    async def get_context(self, request: Any, response: Any) -> Any:
        return BareContext(request, response, self.clock, self.platform)


class ResolverSpy(SchemaExtension):
    """Records every field resolved: an attack refused before execution resolves none."""

    def __init__(self, resolved: list[str]) -> None:
        self.resolved = resolved

    def resolve(
        self, _next: Callable[..., Any], root: Any, info: Any, *args: Any, **kwargs: Any
    ) -> Any:
        self.resolved.append(info.field_name)
        return _next(root, info, *args, **kwargs)


@dataclass
class Hardened:
    http: httpx.AsyncClient
    resolved: list[str]

    async def post(self, query: str, **fields: object) -> httpx.Response:
        body = {"query": query, **fields}
        headers = {"content-type": "application/json", "accept": GRAPHQL_RESPONSE}
        return await self.http.post("/graphql", content=json.dumps(body), headers=headers)


@functools.cache
def hardened_app(policy: HardeningPolicy) -> tuple[Starlette, list[str]]:
    """One app per policy for the module (building the schema is most of a test's CPU), and
    the list its spy fills; each client empties it first."""
    resolved: list[str] = []
    schema = build_schema(policy=policy, extra_extensions=[lambda: ResolverSpy(resolved)])
    graphql = BareGraphQL(
        schema,
        clock=FixedClock(datetime(2029, 6, 1, tzinfo=UTC)),
        platform=PlatformProfile("Agora", "test", "CNY"),
        graphiql=False,
        allowed_origins=[],
        max_subscriptions_per_connection=10,
        hardening=policy,
    )
    return Starlette(routes=[Route("/graphql", graphql)]), resolved


async def client_for(policy: HardeningPolicy) -> AsyncIterator[Hardened]:
    app, resolved = hardened_app(policy)
    resolved.clear()
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://agora.test") as http:
        yield Hardened(http, resolved)


@pytest.fixture
async def production() -> AsyncIterator[Hardened]:
    async for client in client_for(PRODUCTION):
        yield client


@pytest.fixture
async def dev() -> AsyncIterator[Hardened]:
    async for client in client_for(DEV):
        yield client


def refused(response: httpx.Response) -> list[dict[str, Any]]:
    """The errors of a request error: 400, no data, no paths."""
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith(GRAPHQL_RESPONSE)
    payload = response.json()
    assert "data" not in payload
    assert all("path" not in error for error in payload["errors"])
    return list(payload["errors"])


def code_of(response: httpx.Response) -> str:
    [error] = refused(response)
    return str(error["extensions"]["code"])


def aliased(count: int, selection: str) -> str:
    return "{ " + " ".join(f"a{n}: {selection}" for n in range(count)) + " }"


async def test_ordinary_queries_pass_in_production(production: Hardened) -> None:
    quote = f"query Q($input: LoanQuoteInput!) {{ quoteLoan(input: $input) {{ {QUOTE_FIELDS} }} }}"

    response = await production.post(quote, variables={"input": QUOTE_INPUT})
    typename = await production.post("{ __typename platform { name } }")

    assert response.status_code == 200
    assert len(response.json()["data"]["quoteLoan"]["installments"]) == 12
    assert typename.json() == {"data": {"__typename": "Query", "platform": {"name": "Agora"}}}


async def test_deep_nesting_is_refused_unexecuted() -> None:
    # given a policy tighter than the schema's depth (the schema nests 3 deep today)
    async for client in client_for(HardeningPolicy(max_depth=2)):
        # when a query nests 3 deep
        query = (
            "{ platform { name } quoteLoan(input: $i) { installments { principal { amount } } } }"
        )
        response = await client.post(query.replace("$i", "{" + _literal(QUOTE_INPUT) + "}"))

        # then it is refused, naming depth and limit, and nothing resolved
        [error] = refused(response)
        assert error["extensions"] == {"code": "QUERY_TOO_DEEP", "depth": 3, "limit": 2}
        assert error["message"] == "Query depth 3 exceeds the limit of 2"
        assert client.resolved == []


async def test_nesting_beyond_the_parser_limit_is_a_syntax_error(dev: Hardened) -> None:
    query = '{ __type(name: "Query") ' + "{ ofType " * 250 + "{ name }" + " }" * 250 + " }"

    [error] = refused(await dev.post(query))

    assert "nested too deeply" in error["message"]
    assert dev.resolved == []


async def test_nested_introspection_lists_are_refused_in_dev(dev: Hardened) -> None:
    query = "{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }"

    [error] = refused(await dev.post(query))

    assert error["extensions"] == {"code": "INTROSPECTION_TOO_DEEP"}


async def test_cyclic_fragments_are_a_validation_error(production: Hardened) -> None:
    query = """{ ...A }
        fragment A on Query { platform { name } ...B }
        fragment B on Query { ...A }"""

    started = time.perf_counter()
    errors = refused(await production.post(query))

    assert time.perf_counter() - started < 1
    assert [e["message"] for e in errors] == ["Cannot spread fragment 'A' within itself via 'B'."]
    assert production.resolved == []


async def test_an_alias_flood_is_refused(production: Hardened) -> None:
    response = await production.post(aliased(100, "platform { name }"))

    [error] = refused(response)
    assert error["extensions"] == {"code": "TOO_MANY_ALIASES", "aliases": 100, "limit": 30}
    assert production.resolved == []


async def test_a_token_flood_is_refused_while_parsing(production: Hardened) -> None:
    response = await production.post("{ platform { " + "name " * 5000 + "} }")

    [error] = refused(response)
    assert error["extensions"] == {"code": "TOO_MANY_TOKENS"}
    assert "more than 3000 tokens" in error["message"]
    assert production.resolved == []


async def test_an_operation_over_the_cost_budget_is_refused_unexecuted() -> None:
    # given room for 50 aliases, and 50 full quotes of a 600-month loan in one request
    async for client in client_for(HardeningPolicy(max_aliases=50)):
        quotes = aliased(50, f"quoteLoan(input: $long) {{ {QUOTE_FIELDS} }}")
        query = "query Quotes($long: LoanQuoteInput!) " + quotes
        long_loan = {**QUOTE_INPUT, "termMonths": 600}

        # when sent twice (the second validation comes from the cache)
        responses = [await client.post(query, variables={"long": long_loan}) for _ in range(2)]

        # then both are refused with their cost, and no quote was computed
        for response in responses:
            [error] = refused(response)
            assert error["message"] == "Query cost 5950 exceeds the budget of 5000"
            assert error["extensions"] == {
                "code": "QUERY_TOO_COMPLEX",
                "cost": 50 * 119,
                "budget": 5000,
            }
        assert client.resolved == []


async def test_a_fragment_bomb_is_priced_not_walked(production: Hardened) -> None:
    # given 40 fragments each spreading the next twice: 2^40 `platform { name }`
    fragments = " ".join(f"fragment F{k} on Query {{ ...F{k + 1} ...F{k + 1} }}" for k in range(40))
    query = "{ ...F0 } " + fragments + " fragment F40 on Query { platform { name } }"

    started = time.perf_counter()
    [error] = refused(await production.post(query))

    assert time.perf_counter() - started < 1
    assert error["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    assert error["extensions"]["cost"] == 2**40 * 2


@pytest.mark.parametrize("field", ["__schema { types { name } }", '__type(name: "Query") { name }'])
async def test_introspection_is_refused_in_production_and_served_in_dev(
    production: Hardened, dev: Hardened, field: str
) -> None:
    query = "{ " + field + " }"

    assert code_of(await production.post(query)) == "INTROSPECTION_DISABLED"
    served = await dev.post(query)
    assert served.status_code == 200
    assert "errors" not in served.json()


async def test_the_standard_introspection_query_is_served_in_dev(dev: Hardened) -> None:
    from graphql import get_introspection_query

    response = await dev.post(get_introspection_query(descriptions=True))

    assert response.status_code == 200, response.text
    assert response.json()["data"]["__schema"]["queryType"]["name"] == "Query"


QUOTE_APR = "query Q($input: LoanQuoteInput!) { quoteLoan(input: $input) { apr } }"


@pytest.mark.parametrize(
    ("query", "variables", "hidden"),
    [
        ("{ platfrom { name } }", None, "Cannot query field 'platfrom' on type 'Query'."),
        ("{ quoteLoan(inptu: {}) { apr } }", None, "Unknown argument 'inptu' on field"),
        ("query Q($i: LoanQuot) { __typename }", None, "Variable '$i' is never used"),
        (  # coercing variables happens after validation: hints there too
            QUOTE_APR,
            {"input": {**QUOTE_INPUT, "method": "EQUAL_INSTALMENT"}},
            "Variable '$input' has invalid value at .method: Value 'EQUAL_INSTALMENT' does not "
            "exist in 'RepaymentMethod' enum.",
        ),
        (
            QUOTE_APR,
            {"input": {**QUOTE_INPUT, "termMonth": 12}},
            "Variable '$input' has invalid value: Expected value of type 'LoanQuoteInput' not to "
            "include unknown field 'termMonth'. Found: {",
        ),
    ],
)
async def test_did_you_mean_hints_only_outside_production(
    production: Hardened,
    dev: Hardened,
    query: str,
    variables: dict[str, object] | None,
    hidden: str,
) -> None:
    in_production = refused(await production.post(query, variables=variables))
    in_dev = refused(await dev.post(query, variables=variables))

    assert any("Did you mean" in error["message"] for error in in_dev)
    assert all("Did you mean" not in error["message"] for error in in_production)
    assert any(error["message"].startswith(hidden) for error in in_production)
    assert len(in_production) == len(in_dev)


async def test_a_batched_array_body_is_refused(production: Hardened) -> None:
    batch = [{"query": "{ platform { name } }"}] * 2

    response = await production.http.post(
        "/graphql", json=batch, headers={"accept": GRAPHQL_RESPONSE}
    )

    assert response.status_code == 400
    assert response.json()["errors"][0]["message"]
    assert production.resolved == []


async def test_hardening_keeps_the_validation_cache_hitting(production: Hardened) -> None:
    cache = _get_validate_cache(DOCUMENT_CACHE_SIZE)
    query = "query CacheProbe { platform { name version } }"
    await production.post(query)
    hits = cache.cache_info().hits

    await production.post(query)

    assert cache.cache_info().hits == hits + 1


def _literal(value: dict[str, object]) -> str:
    """A GraphQL object literal's fields: strings quoted, enums and ints bare."""
    enums = {"method"}
    return ", ".join(
        f"{key}: {item}" if isinstance(item, int) or key in enums else f'{key}: "{item}"'
        for key, item in value.items()
    )
