"""Every input position of the schema, sent what no column or hasher can hold (issue 17).

Generated from the schema, not a hand list: every text, date and number position of every root
field (inside input objects and lists too) gets, as an operator and as a signed-in person,
a lone surrogate, a NUL, 100,000 characters, years 9999 and 0001, a datetime without a time
zone and an Int beyond 32 bits — all refused at the edge, so one request per root field and
probe carries the probe in every position at once and must list each as INVALID_INPUT — and,
one position at a time with the other arguments valid-looking, what the edge lets through to
the use cases (as a merchant too): decimals of 30 digits, a string of exactly the length limit,
the first and last moments of the accepted years. No answer may be an INTERNAL_ERROR or a 5xx,
and nothing may be logged at ERROR. New fields are covered without anyone adding them.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from api.graphql_http import GraphQLOverHTTP
from support.schema_walk import POSITIONS, Position, request
from support.security import LEAKS, Caller, create_person, running_app
from support.stores import StoreUrls

# One at a time, these run: a signed-in fuzzer must not end the session it fuzzes with.
ENDS_THE_SESSION = {"logOut", "changePassword"}
TEXT = ("String", "ID")
MOMENTS = ("DateTime", "Date")


@dataclass
class Fuzz:
    app: Starlette
    client: httpx.AsyncClient
    callers: dict[str, Caller]
    # What broke, each shown with its request: one failure must not hide the others.
    broken: list[str] = dataclasses.field(default_factory=list)

    async def send(
        self, operation: str, query: str, variables: dict[str, Any], caller: str
    ) -> list[dict[str, Any]]:
        """The errors of the answer (subscriptions: of its first result, if one comes soon)."""
        if operation == "subscription":
            status, errors = 200, await self._subscribe(query, variables, caller)
            text = json.dumps(errors)
        else:
            headers = {"content-type": "application/json"}
            headers["authorization"] = f"Bearer {self.callers[caller].token}"
            body = json.dumps({"query": query, "variables": variables}).encode()
            response = await self.client.post("/graphql", content=body, headers=headers)
            status, text = response.status_code, response.text
            errors = response.json().get("errors") or []
        if (
            status >= 500
            or any(leak in text for leak in LEAKS)
            or any(_unexpected(error) for error in errors)
        ):
            shown = f"{query} {json.dumps(variables)[:300]} as {caller}\n-> {text[:500]}"
            self.broken.append(shown)
        return errors

    async def _subscribe(
        self, query: str, variables: dict[str, Any], caller: str
    ) -> list[dict[str, Any]]:
        """A subscription the way the WebSocket transport runs it (schema.subscribe, with
        the caller's context): refused input ends it at once with its errors."""
        view = next(
            r.endpoint
            for r in self.app.routes
            if isinstance(r, Route) and isinstance(r.endpoint, GraphQLOverHTTP)
        )
        token = self.callers[caller].token
        request = Request(
            {
                "type": "http",
                "app": self.app,
                "method": "POST",
                "path": "/graphql",
                "headers": [(b"authorization", f"Bearer {token}".encode())],
                "client": ("127.0.0.1", 1),
                "query_string": b"",
            }
        )
        context = await view.get_context(request, Response())
        stream = await view.schema.subscribe(query, variables, context_value=context)
        try:
            # An accepted subscription waits for events: it broke nothing.
            result = await asyncio.wait_for(anext(stream), timeout=2)
        except TimeoutError:
            return []
        finally:
            await stream.aclose()
        return [error.formatted for error in result.errors or []]


def _unexpected(error: dict[str, Any]) -> bool:
    code = (error.get("extensions") or {}).get("code")
    return code == "INTERNAL_ERROR" or error.get("message") == "Unexpected error."


@pytest.fixture(scope="module")
async def fuzz(stores: StoreUrls) -> AsyncIterator[Fuzz]:
    async with running_app(stores) as (app, client):
        callers = {
            "operator": await create_person(app, "operator", roles=["OPERATOR"]),
            "person": await create_person(app, "person", roles=["BORROWER", "INVESTOR"]),
            "merchant": await create_person(app, "merchant", roles=["MERCHANT"], kind="BUSINESS"),
        }
        yield Fuzz(app, client, callers)


@pytest.fixture
def errors_logged(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    caplog.set_level(logging.ERROR, logger="agora")
    return caplog.records


# Refused at the edge wherever they go: (scalars they go in, the value).
EDGE_PROBES: dict[str, tuple[tuple[str, ...], Callable[[Position], Any]]] = {
    "lone surrogate": (TEXT, lambda p: "a\ud800b"),
    "NUL": (TEXT, lambda p: "a\x00b"),
    "100,000 characters": (TEXT, lambda p: "x" * 100_000),
    "one past the length limit": (TEXT, lambda p: "x" * (p.limit + 1)),
    "year 9999": (MOMENTS, lambda p: "9999-06-01" + ("T00:00:00+00:00" * (p.scalar != "Date"))),
    "year 0001": (MOMENTS, lambda p: "0001-06-01" + ("T00:00:00+00:00" * (p.scalar != "Date"))),
    "no time zone": (("DateTime",), lambda p: "2030-01-01T00:00:00"),
    "Int beyond 32 bits": (("Int",), lambda p: 2**31),
    "Int below 32 bits": (("Int",), lambda p: -(2**31) - 1),
}
# Let through by the edge: the use cases must refuse them (or take them) in their own words.
THROUGH_PROBES: dict[str, tuple[tuple[str, ...], Callable[[Position], Any]]] = {
    "30 nines": (TEXT, lambda p: "9" * 30),
    "a decimal beyond NUMERIC": (TEXT, lambda p: "999999999999999999999.99"),
    "a negative decimal of 30 digits": (TEXT, lambda p: "-" + "9" * 30),
    "the length limit": (TEXT, lambda p: "x" * p.limit),
    "the last accepted moment": (
        MOMENTS,
        lambda p: "9998-12-31" + ("T23:59:59-12:00" * (p.scalar != "Date")),
    ),
    "the first accepted moment": (
        MOMENTS,
        lambda p: "1000-01-01" + ("T00:00:00+14:00" * (p.scalar != "Date")),
    ),
    "the largest Int": (("Int",), lambda p: 2**31 - 1),
}


def by_root_field(scalars: tuple[str, ...]) -> dict[tuple[str, str], list[Position]]:
    found: dict[tuple[str, str], list[Position]] = {}
    for position in POSITIONS:
        if position.scalar in scalars:
            found.setdefault((position.operation, position.field), []).append(position)
    return found


def test_the_schema_has_positions_of_every_kind() -> None:
    scalars = {p.scalar for p in POSITIONS}
    assert {"String", "ID", "Int", "DateTime", "Date"} <= scalars
    assert len(POSITIONS) > 200


# A request body may hold 1 MiB: long probes go in a few positions per request.
BODY_BUDGET = 600_000


def batches(where: list[Position], make: Callable[[Position], Any]) -> Iterator[list[Position]]:
    batch: list[Position] = []
    size = 0
    for position in where:
        length = len(json.dumps(make(position)))
        if batch and size + length > BODY_BUDGET:
            yield batch
            batch, size = [], 0
        batch.append(position)
        size += length
    if batch:
        yield batch


@pytest.mark.parametrize("caller", ["operator", "person"])
@pytest.mark.parametrize("probe", list(EDGE_PROBES))
async def test_what_no_column_can_hold_is_refused_at_the_edge_in_every_position(
    fuzz: Fuzz, errors_logged: list[logging.LogRecord], caller: str, probe: str
) -> None:
    scalars, make = EDGE_PROBES[probe]
    fuzz.broken.clear()
    unrefused = []
    for (operation, field), where in by_root_field(scalars).items():
        for batch in batches(where, make):
            query, variables = request(operation, field, {p.path: make(p) for p in batch})

            errors = await fuzz.send(operation, query, variables, caller)

            codes = [(e.get("extensions") or {}).get("code") for e in errors]
            if probe.startswith("Int"):
                # graphql-core's coercion refuses it, in its own words
                if not errors:
                    unrefused.append(field)
            elif codes != ["INVALID_INPUT"] * len(batch):
                unrefused.append(f"{field}: {[e['message'] for e in errors]}")
    assert fuzz.broken == []
    assert unrefused == []
    assert errors_logged == []


@pytest.mark.parametrize("caller", ["operator", "person", "merchant"])
async def test_what_the_edge_lets_through_breaks_no_use_case(
    fuzz: Fuzz, errors_logged: list[logging.LogRecord], caller: str
) -> None:
    fuzz.broken.clear()
    waiting = []
    for scalars, make in THROUGH_PROBES.values():
        for position in POSITIONS:
            if position.scalar not in scalars or position.field in ENDS_THE_SESSION:
                continue
            query, variables = request(
                position.operation, position.field, {position.path: make(position)}
            )

            sent = fuzz.send(position.operation, query, variables, caller)
            if position.operation == "subscription":
                waiting.append(sent)  # an accepted one waits its 2 s: they wait together
            else:
                await sent
    await asyncio.gather(*waiting)

    assert fuzz.broken == [], "\n\n".join(fuzz.broken)
    assert [r.getMessage() for r in errors_logged] == []
