"""The edge's input rules (graph/hardening/inputs.py) on a bare strawberry schema."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
import strawberry

from graph.hardening import HardeningPolicy, hardening_extensions
from graph.hardening.inputs import (
    DEFAULT_MAX_LENGTH,
    MAX_LENGTH,
    field_name,
    moment_fault,
    text_fault,
)

ran: list[str] = []


@strawberry.input
class LineInput:
    name: str
    code: str = strawberry.field(default="", metadata={MAX_LENGTH: 5})
    note: str = strawberry.field(default="", metadata={MAX_LENGTH: 20_000})


@strawberry.input
class OrderInput:
    lines: list[LineInput]
    due: datetime | None = None
    on: date | None = None


@strawberry.type
class Query:
    @strawberry.field
    def echo(self, text: str, count: int = 1) -> str:
        ran.append("echo")
        return text * count


@strawberry.type
class Mutation:
    @strawberry.mutation
    def order(self, input: OrderInput) -> int:
        ran.append("order")
        return len(input.lines)


@strawberry.type
class Subscription:
    @strawberry.subscription
    async def echoes(self, text: str) -> AsyncIterator[str]:
        ran.append("echoes")
        yield text


SCHEMA = strawberry.Schema(
    Query, Mutation, Subscription, extensions=hardening_extensions(HardeningPolicy())
)
ORDER = "mutation O($i: OrderInput!) { order(input: $i) }"


async def refusals(query: str, variables: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    ran.clear()
    result = await SCHEMA.execute(query, variable_values=variables)
    assert result.errors, result
    assert ran == []  # refused before anything ran
    return [error.extensions or {} for error in result.errors]


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("plain", None),
        ("中文 and émoji 😀", None),
        ("a\x00b", "must not contain the NUL character (U+0000)"),
        ("a\ud800b", "must be valid Unicode (it holds a lone surrogate)"),
        ("\udfff", "must be valid Unicode (it holds a lone surrogate)"),
        ("x" * DEFAULT_MAX_LENGTH, None),
        ("x" * (DEFAULT_MAX_LENGTH + 1), f"must be at most {DEFAULT_MAX_LENGTH} characters"),
    ],
)
def test_text_fault(text: str, reason: str | None) -> None:
    assert text_fault(text) == reason


@pytest.mark.parametrize(
    ("value", "fault"),
    [
        (datetime(2030, 1, 1, tzinfo=UTC), False),
        (datetime(2030, 1, 1), True),
        (datetime(9999, 1, 1, tzinfo=UTC), True),
        (datetime(999, 12, 31, tzinfo=UTC), True),
        (datetime(9998, 12, 31, 23, 59, tzinfo=UTC), False),
        (date(9998, 12, 31), False),
        (date(9999, 1, 1), True),
        (date(1, 1, 1), True),
        ("not a moment", False),
    ],
)
def test_moment_fault(value: object, fault: bool) -> None:
    assert (moment_fault(value) is not None) == fault


@pytest.mark.parametrize(
    ("path", "shown"),
    [
        (("input", "expiresAt"), "expiresAt"),
        (("input", "lineItems", 0, "name"), "lineItems[0].name"),
        (("displayName",), "displayName"),
        (("ids", 3), "ids[3]"),
        (("filter", "minRate"), "minRate"),
    ],
)
def test_the_field_is_spelt_as_payload_errors_spell_it(
    path: tuple[str | int, ...], shown: str
) -> None:
    assert field_name(path) == shown


async def test_every_unfit_variable_is_refused_on_its_field() -> None:
    variables = {
        "i": {
            "lines": [{"name": "ok"}, {"name": "a\ud800", "code": "toolong"}],
            "due": "2030-01-01T00:00:00",
            "on": "9999-01-01",
        }
    }

    errors = await refusals(ORDER, variables)

    assert errors == [
        {"code": "INVALID_INPUT", "field": "lines[1].name"},
        {"code": "INVALID_INPUT", "field": "lines[1].code"},
        {"code": "INVALID_INPUT", "field": "due"},
        {"code": "INVALID_INPUT", "field": "on"},
    ]


async def test_a_field_may_declare_a_larger_limit() -> None:
    ran.clear()
    variables = {"i": {"lines": [{"name": "n", "note": "x" * 20_000}]}}

    result = await SCHEMA.execute(ORDER, variable_values=variables)

    assert result.errors is None
    assert result.data == {"order": 1}


async def test_unfit_literals_are_refused_on_their_field() -> None:
    query = """mutation O { order(input: {lines: [{name: "a\\u0000b"}],
                                          due: "2030-01-01T00:00:00"}) }"""

    errors = await refusals(query)

    assert errors == [
        {"code": "INVALID_INPUT", "field": "lines[0].name"},
        {"code": "INVALID_INPUT", "field": "due"},
    ]


async def test_a_variable_inside_a_literal_is_named_where_it_is_passed() -> None:
    query = "mutation O($n: String!) { order(input: {lines: [{name: $n}]}) }"

    errors = await refusals(query, {"n": "a\x00"})

    assert errors == [{"code": "INVALID_INPUT", "field": "lines[0].name"}]


async def test_a_variable_inside_a_literal_keeps_the_limit_of_its_field() -> None:
    query = """mutation O($c: String!) { order(input: {lines: [{name: "n", code: $c}]}) }"""

    errors = await refusals(query, {"c": "toolong"})

    assert errors == [{"code": "INVALID_INPUT", "field": "lines[0].code"}]


async def test_a_plain_argument_is_named_by_itself() -> None:
    errors = await refusals("query Q($t: String!) { echo(text: $t) }", {"t": "\ud800"})

    assert errors == [{"code": "INVALID_INPUT", "field": "text"}]


async def test_subscriptions_are_refused_the_same_way() -> None:
    ran.clear()
    stream = await SCHEMA.subscribe(
        "subscription S($t: String!) { echoes(text: $t) }", variable_values={"t": "x\x00"}
    )

    [result] = [result async for result in stream]

    assert [e.extensions for e in result.errors or []] == [
        {"code": "INVALID_INPUT", "field": "text"}
    ]
    assert ran == []


async def test_fit_input_runs() -> None:
    ran.clear()
    variables = {"i": {"lines": [{"name": "中文"}], "due": "2030-01-01T00:00:00+08:00"}}

    result = await SCHEMA.execute(ORDER, variable_values=variables)

    assert result.errors is None
    assert ran == ["order"]
