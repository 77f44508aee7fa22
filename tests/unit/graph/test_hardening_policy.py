"""The hardening policy per environment, and the page-size cap every connection applies."""

from __future__ import annotations

import pytest

from domain.errors import InvalidInput
from graph.hardening import HardeningPolicy, page_size


def test_defaults_follow_the_owasp_budgets_and_hide_the_schema() -> None:
    policy = HardeningPolicy()

    assert (policy.max_depth, policy.max_aliases, policy.max_tokens, policy.max_cost) == (
        12,
        30,
        3000,
        5000,
    )
    assert (policy.default_page_size, policy.max_page_size) == (20, 100)
    assert not policy.introspection
    assert not policy.field_suggestions


@pytest.mark.parametrize(
    ("env", "open_schema"), [("production", False), ("dev", True), ("test", True)]
)
def test_production_hides_the_schema_dev_and_test_show_it(env: str, open_schema: bool) -> None:
    policy = HardeningPolicy.for_environment(env)

    assert policy.introspection is open_schema
    assert policy.field_suggestions is open_schema
    assert policy.max_cost == HardeningPolicy().max_cost


def test_an_unknown_environment_is_refused() -> None:
    with pytest.raises(ValueError, match="staging"):
        HardeningPolicy.for_environment("staging")


def test_inconsistent_limits_are_refused() -> None:
    with pytest.raises(ValueError, match="max_depth"):
        HardeningPolicy(max_depth=-1)
    with pytest.raises(ValueError, match="default_page_size"):
        HardeningPolicy(default_page_size=200, max_page_size=100)


@pytest.mark.parametrize(("first", "expected"), [(None, 20), (0, 0), (1, 1), (100, 100)])
def test_page_size_defaults_and_keeps_what_is_within_the_cap(
    first: int | None, expected: int
) -> None:
    assert page_size(first, HardeningPolicy()) == expected


@pytest.mark.parametrize("first", [-1, 101, 10**9])
def test_page_size_beyond_the_cap_is_invalid_input_naming_the_argument(first: int) -> None:
    with pytest.raises(InvalidInput) as refused:
        page_size(first, HardeningPolicy())

    assert refused.value.field == "first"
    assert refused.value.message == "must be within 0..100"
    assert refused.value.code == "INVALID_INPUT"


def test_page_size_names_last_when_asked() -> None:
    with pytest.raises(InvalidInput) as refused:
        page_size(500, HardeningPolicy(), field="last")

    assert refused.value.field == "last"
