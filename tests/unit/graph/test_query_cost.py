"""Query cost: what an operation would make the server do, priced before it runs."""

from __future__ import annotations

import time

import graphql
import pytest

from graph.hardening import HardeningPolicy, operation_cost
from graph.schema import build_schema

POLICY = HardeningPolicy()  # default_list_size 10, default_page_size 20, max_page_size 100

# A schema with Relay connections and plain lists, as the participants context will have.
CONNECTIONS = graphql.build_schema(
    """
    type Query {
      users(first: Int, last: Int, after: String): UserConnection!
      tags: [String!]!
      teams: [Team!]!
      recent(first: Int = 5): [User!]!
      node(id: ID!): Node
    }
    interface Node { id: ID! }
    type User implements Node { id: ID! name: String! teams: [Team!]! }
    type Team implements Node { id: ID! members(first: Int): UserConnection! }
    type UserConnection { edges: [UserEdge!]! nodes: [User!]! pageInfo: PageInfo! totalCount: Int! }
    type UserEdge { cursor: String! node: User! }
    type PageInfo { hasNextPage: Boolean! endCursor: String }
    """
)


@pytest.fixture(scope="module")
def agora() -> graphql.GraphQLSchema:
    return build_schema()._schema


def cost(schema: graphql.GraphQLSchema, query: str, **variables: object) -> int:
    return operation_cost(schema, graphql.parse(query), None, variables, POLICY)


def test_each_field_costs_one(agora: graphql.GraphQLSchema) -> None:
    assert cost(agora, "{ platform { name } }") == 2
    assert cost(agora, "{ platform { name version currency } __typename }") == 5


def test_a_list_multiplies_its_selection_by_the_default_list_size(
    agora: graphql.GraphQLSchema,
) -> None:
    # given a quote without, then with, its installments (a list of 6 fields costing 11)
    totals = "{ quoteLoan(input: $i) { totalInterest { amount } apr } }"
    with_schedule = """{ quoteLoan(input: $i) { totalInterest { amount } apr
        installments { number dueDate principal { amount currency } interest { amount }
                       total { amount } remainingPrincipal { amount } } } }"""

    # when both are priced
    without, with_ = cost(agora, totals), cost(agora, with_schedule)

    # then the schedule adds 1 for the list and 10 x 11 for its items
    assert without == 1 + 2 + 1
    assert with_ == without + 1 + 10 * 11


def test_aliases_are_priced_each(agora: graphql.GraphQLSchema) -> None:
    aliased = " ".join(
        f"q{n}: quoteLoan(input: $i) {{ installments {{ number }} }}" for n in range(30)
    )

    assert cost(agora, "{" + aliased + "}") == 30 * (1 + 1 + 10 * 1)


def test_fragments_and_inline_fragments_cost_what_they_select(
    agora: graphql.GraphQLSchema,
) -> None:
    inline = "{ quoteLoan(input: $i) { installments { number total { amount } } } }"
    named = """{ quoteLoan(input: $i) { installments { ...Line } } }
        fragment Line on Installment { number ... on Installment { total { amount } } }"""

    assert cost(agora, named) == cost(agora, inline) == 1 + 1 + 10 * 3


def test_only_the_chosen_operation_is_priced(agora: graphql.GraphQLSchema) -> None:
    document = graphql.parse(
        "query Cheap { platform { name } } "
        "query Dear { quoteLoan(input: $i) { installments { number } } }"
    )

    assert operation_cost(agora, document, "Cheap", None, POLICY) == 2
    assert operation_cost(agora, document, "Dear", None, POLICY) == 12
    assert operation_cost(agora, document, "Absent", None, POLICY) == 0
    assert operation_cost(agora, document, None, None, POLICY) == 0  # ambiguous: none runs


def test_cyclic_fragments_end(agora: graphql.GraphQLSchema) -> None:
    # given fragments that spread each other (validation refuses them; pricing must end)
    query = """{ ...A }
        fragment A on Query { platform { name } ...B }
        fragment B on Query { ...A quoteLoan(input: $i) { apr } }"""

    # when priced, then each fragment counts once on the path and the walk ends
    assert cost(agora, query) == 2 + 2


def test_a_fragment_bomb_is_priced_exactly_and_at_once(agora: graphql.GraphQLSchema) -> None:
    # given 60 fragments each spreading the next twice: 2^60 copies of one field
    fragments = " ".join(f"fragment F{k} on Query {{ ...F{k + 1} ...F{k + 1} }}" for k in range(60))
    query = "{ ...F0 } " + fragments + " fragment F60 on Query { platform { name } }"

    # when priced
    started = time.perf_counter()
    price = cost(agora, query)

    # then each fragment was priced once: the exact price, in well under a second
    assert price == 2**60 * 2
    assert time.perf_counter() - started < 0.5


def test_introspection_costs_one_per_root_field(agora: graphql.GraphQLSchema) -> None:
    # bounded by the schema (and refused in production), so not multiplied out
    assert cost(agora, graphql.get_introspection_query()) == 1
    assert cost(agora, '{ __type(name: "Query") { fields { name } } __typename }') == 2


def test_a_connection_page_multiplies_its_edges_and_nodes_not_its_page_info() -> None:
    query = """query ($n: Int) { users(first: $n) {
        edges { cursor node { name } } nodes { id } pageInfo { hasNextPage } totalCount } }"""

    edges, nodes, page_info, total_count = 1 + 7 * (1 + 2), 1 + 7 * 1, 2, 1
    assert cost(CONNECTIONS, query, n=7) == 1 + edges + nodes + page_info + total_count


@pytest.mark.parametrize(
    ("arguments", "variables", "page"),
    [
        ("(first: 3)", {}, 3),
        ("(last: 4)", {}, 4),
        ("(first: 2, last: 9)", {}, 9),
        ("(first: $n)", {"n": 50}, 50),
        ("(first: $n)", {"n": None}, 20),  # null: the default page, as page_size() gives
        ("(first: $n)", {}, 20),
        ("(first: $m)", {}, 8),  # the variable's default
        ("(first: $n)", {"n": "ten"}, 100),  # not an Int: coercion refuses it; max assumed
        ("(first: $n)", {"n": 10**4000}, 100),  # beyond Int: refused by coercion too
        ("(first: $n)", {"n": -5}, 0),
        ("(first: 1000)", {}, 1000),  # priced as asked, not as capped
        ("", {}, 20),
    ],
)
def test_a_page_size_comes_from_the_literal_the_variables_or_the_default(
    arguments: str, variables: dict[str, object], page: int
) -> None:
    query = f"query ($n: Int, $m: Int = 8) {{ users{arguments} {{ nodes {{ id name }} }} }}"

    assert cost(CONNECTIONS, query, **variables) == 1 + 1 + page * 2


def test_a_list_field_with_a_page_argument_uses_it_and_its_schema_default() -> None:
    assert cost(CONNECTIONS, "{ recent(first: 2) { id } }") == 1 + 2
    assert cost(CONNECTIONS, "{ recent { id } }") == 1 + 5


def test_nested_lists_multiply() -> None:
    # 10 teams x 4 members x (node + name): lists below lists grow geometrically
    query = "{ teams { members(first: 4) { nodes { teams { id } } } } }"

    assert cost(CONNECTIONS, query) == 1 + 10 * (1 + (1 + 4 * (1 + 10 * 1)))


def test_a_list_of_scalars_costs_one() -> None:
    assert cost(CONNECTIONS, "{ tags }") == 1


def test_abstract_selections_price_every_branch() -> None:
    query = """{ node(id: "1") { id ... on User { teams { id } } ... on Team { id } } }"""

    assert cost(CONNECTIONS, query) == 1 + 1 + (1 + 10 * 1) + 1


def test_a_query_string_is_parsed() -> None:
    assert operation_cost(CONNECTIONS, "{ tags }", None, None, POLICY) == 1
