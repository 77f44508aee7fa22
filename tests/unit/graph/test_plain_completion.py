"""PlainCompletion answers exactly what graphql-core's own completion answers, errors included."""

from dataclasses import dataclass
from typing import Any

import pytest
import strawberry

from graph.plain_completion import PlainCompletion


@strawberry.type
class Leafy:
    name: str
    count: int
    note: str | None


@strawberry.type
class Row:
    number: int
    leafy: Leafy
    maybe: Leafy | None
    tags: list[str]

    @strawberry.field
    def doubled(self) -> int:
        return self.number * 2


@dataclass
class Broken:
    number: Any
    leafy: Any
    maybe: Any = None
    tags: Any = ()

    def doubled(self) -> int:
        return 0


def leafy(name: Any, count: Any = 1, note: str | None = None) -> Leafy:
    return Leafy(name=name, count=count, note=note)


def _rows() -> list[Any]:
    return [
        Row(number=1, leafy=leafy("a"), maybe=None, tags=["x", "y"]),
        Row(number=2, leafy=leafy("b", 2, "n"), maybe=leafy("c", 3, "m"), tags=[]),
    ]


@strawberry.type
class Query:
    @strawberry.field
    def rows(self) -> list[Row]:
        rows: list[Row] = _rows()
        return rows

    @strawberry.field
    def null_inside(self) -> list[Row]:
        rows: list[Any] = [*_rows(), Broken(number=3, leafy=leafy(None))]
        return rows

    @strawberry.field
    def bad_scalar(self) -> list[Row] | None:
        rows: list[Any] = [Broken(number="not a number", leafy=leafy("z"))]
        return rows

    @strawberry.field
    def null_tag(self) -> Row:
        tags: list[str] = ["x", None]  # type: ignore[list-item]
        return Row(number=1, leafy=leafy("a"), maybe=None, tags=tags)

    @strawberry.field
    def one(self) -> Row:
        row: Row = _rows()[1]
        return row


PLAIN = strawberry.Schema(query=Query, execution_context_class=PlainCompletion)
STOCK = strawberry.Schema(query=Query)

QUERIES = [
    "{ rows { number leafy { name count note } maybe { name } tags } }",
    "{ rows { __typename n: number l: leafy { __typename c: count } doubled } }",
    "query($skip: Boolean!) { rows { number @skip(if: $skip) leafy @include(if: $skip) "
    "{ name } } }",
    "{ one { ... on Row { number leafy { ...L } } } } fragment L on Leafy { name count }",
    "{ nullInside { number leafy { name count } } }",
    "{ badScalar { number leafy { name } } }",
    "{ nullTag { number tags } }",
    "{ rows { number } one { maybe { name note } tags } }",
]


@pytest.mark.parametrize("query", QUERIES)
@pytest.mark.parametrize("skip", [True, False])
async def test_plain_completion_answers_as_graphql_core_does(query: str, skip: bool) -> None:
    plain = await PLAIN.execute(query, variable_values={"skip": skip})
    stock = await STOCK.execute(query, variable_values={"skip": skip})

    assert plain.data == stock.data
    assert [(e.message, e.path) for e in plain.errors or []] == [
        (e.message, e.path) for e in stock.errors or []
    ]
