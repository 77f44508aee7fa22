"""What a prepared operation keeps: its operation, root fields, and a cost priced once when no
variable can change it."""

from __future__ import annotations

from graphql import parse
from strawberry.types.graphql import OperationType

from graph.hardening import HardeningPolicy
from graph.hardening.cost import prices_variables
from graph.prepared import PreparedOperations
from graph.schema import build_schema

SCHEMA = build_schema()


def test_only_a_variable_in_a_page_argument_changes_the_cost() -> None:
    assert not prices_variables(parse("{ __typename }"))
    assert not prices_variables(
        parse("query Q($i: LoanQuoteInput!) { quoteLoan(input: $i) { apr } }")
    )
    assert not prices_variables(parse("{ listings(first: 5) { edges { cursor } } }"))
    assert prices_variables(parse("query P($n: Int) { listings(first: $n) { edges { cursor } } }"))
    assert prices_variables(
        parse("query P($n: Int) { participants(last: $n) { edges { cursor } } }")
    )


def test_a_fixed_cost_is_priced_once_and_a_variable_one_each_time() -> None:
    operations = PreparedOperations(HardeningPolicy(), maxsize=8)
    fixed = "{ listings(first: 5) { edges { cursor } } }"
    variable = "query P($n: Int) { listings(first: $n) { edges { cursor } } }"

    operations.record(fixed, None, parse(fixed), OperationType.QUERY, SCHEMA)
    operations.record(variable, "P", parse(variable), OperationType.QUERY, SCHEMA)

    prepared_fixed = operations.get(fixed, None)
    prepared_variable = operations.get(variable, "P")
    assert prepared_fixed is not None
    assert prepared_variable is not None
    assert prepared_fixed.fixed_cost == 1 + (1 + 5 * 1)  # listings, edges × 5 cursors
    assert prepared_fixed.root_fields == ("listings",)
    assert prepared_variable.fixed_cost is None


def test_the_cache_is_keyed_by_operation_name_and_bounded() -> None:
    operations = PreparedOperations(HardeningPolicy(), maxsize=2)
    two = "query A { __typename } query B { platform { name } }"
    operations.record(two, "A", parse(two), OperationType.QUERY, SCHEMA)
    operations.record(two, "B", parse(two), OperationType.QUERY, SCHEMA)
    operations.record(two, "C", parse(two), OperationType.QUERY, SCHEMA)  # no such operation

    third = "{ __typename }"
    operations.get(two, "A")  # used: B is now the oldest
    operations.record(third, None, parse(third), OperationType.QUERY, SCHEMA)

    assert len(operations) == 2
    assert operations.get(two, "B") is None
    prepared = operations.get(two, "A")
    assert prepared is not None
    assert prepared.operation.name is not None
    assert prepared.operation.name.value == "A"
    assert operations.get(two, "C") is None
