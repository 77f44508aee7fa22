"""The hardening extensions on a bare strawberry schema: no caches, no Agora extensions."""

from __future__ import annotations

import strawberry

from graph.hardening import HardeningPolicy, hardening_extensions

resolved: list[str] = []


@strawberry.type
class Item:
    @strawberry.field
    def name(self) -> str:
        resolved.append("name")
        return "item"


@strawberry.type
class Query:
    @strawberry.field
    def items(self, first: int | None = None) -> list[Item]:
        resolved.append("items")
        return [Item()] * (first or 0)


def bare_schema(policy: HardeningPolicy) -> strawberry.Schema:
    return strawberry.Schema(Query, extensions=hardening_extensions(policy))


async def test_the_cost_counts_the_variables_of_the_request() -> None:
    # given a budget of 100 and a list whose page size comes in a variable
    schema = bare_schema(HardeningPolicy(max_cost=100))
    query = "query Items($n: Int) { items(first: $n) { name } }"
    resolved.clear()

    # when the same document asks for 99 items, then for 100
    within = await schema.execute(query, variable_values={"n": 99})
    over = await schema.execute(query, variable_values={"n": 100})

    # then the first runs (1 + 99 x 1) and the second is refused (1 + 100 x 1) unexecuted
    assert within.errors is None
    assert over.data is None
    [error] = over.errors or []
    assert error.extensions == {"code": "QUERY_TOO_COMPLEX", "cost": 101, "budget": 100}
    assert resolved.count("items") == 1


async def test_validation_errors_come_first_and_are_not_priced() -> None:
    schema = bare_schema(HardeningPolicy(max_cost=1))

    result = await schema.execute("{ items(first: 50) { nme } }")

    [error] = result.errors or []
    assert error.message == "Cannot query field 'nme' on type 'Item'."
    assert error.extensions == {}


async def test_the_token_limit_is_coded_when_strawberry_parses_too() -> None:
    schema = bare_schema(HardeningPolicy(max_tokens=5))

    result = await schema.execute("{ items { name name name name name } }")

    [error] = result.errors or []
    assert error.extensions == {"code": "TOO_MANY_TOKENS"}


async def test_field_suggestions_follow_the_policy() -> None:
    query = "{ itemz { name } }"

    shown = await bare_schema(HardeningPolicy(field_suggestions=True)).execute(query)
    hidden = await bare_schema(HardeningPolicy(field_suggestions=False)).execute(query)

    assert [e.message for e in shown.errors or []] == [
        "Cannot query field 'itemz' on type 'Query'. Did you mean 'items'?"
    ]
    assert [e.message for e in hidden.errors or []] == [
        "Cannot query field 'itemz' on type 'Query'."
    ]
