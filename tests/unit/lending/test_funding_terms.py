"""What a bank's funding offer and an investor's auto-invest rule may say: every broken rule
named at once, on its field."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from domain.errors import InputRejected
from domain.lending.funding_terms import (
    MAX_TERM_MONTHS,
    AutoInvestTerms,
    OfferTerms,
    check_auto_invest,
    check_offer,
)

NOW = datetime(2026, 12, 7, tzinfo=UTC)
OFFER = OfferTerms(
    currency="CNY",
    capacity=10_000_000,
    rate_floor=Decimal("0.06"),
    spread=None,
    grades=frozenset({"A", "B"}),
    min_term_months=3,
    max_term_months=24,
    min_amount=100_000,
    max_amount=500_000,
    per_borrower_cap=None,
    expires_at=None,
)
RULE = AutoInvestTerms(
    currency="CNY",
    grades=frozenset({"C"}),
    min_term_months=6,
    max_term_months=12,
    min_rate=Decimal("0.08"),
    max_per_loan=10_000,
    daily_budget=100_000,
)


def fields_refused(check: object, terms: object) -> set[str]:
    with pytest.raises(InputRejected) as rejected:
        check(terms)  # type: ignore[operator]
    return {violation.field or "" for violation in rejected.value.violations}


def test_sound_terms_pass() -> None:
    check_offer(OFFER, now=NOW)
    check_auto_invest(RULE)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"capacity": 0}, "capacity"),
        ({"rate_floor": None}, "rate_floor"),  # neither a floor nor a spread
        ({"spread": Decimal("0.01")}, "rate_floor"),  # both
        ({"rate_floor": Decimal("1.5")}, "rate_floor"),
        ({"rate_floor": None, "spread": Decimal("-1.5")}, "spread"),
        ({"grades": frozenset()}, "grades"),
        ({"grades": frozenset({"Z"})}, "grades"),
        ({"min_term_months": 0}, "min_term_months"),
        ({"max_term_months": 2}, "max_term_months"),
        ({"max_term_months": MAX_TERM_MONTHS + 1}, "max_term_months"),
        ({"min_amount": 0}, "min_amount"),
        ({"max_amount": 99_999}, "max_amount"),
        ({"per_borrower_cap": 0}, "per_borrower_cap"),
        ({"expires_at": NOW}, "expires_at"),
    ],
)
def test_each_broken_offer_rule_names_its_field(change: dict[str, object], field: str) -> None:
    terms = replace(OFFER, **change)  # type: ignore[arg-type]

    assert field in fields_refused(lambda t: check_offer(t, now=NOW), terms)


def test_a_negative_spread_is_a_discount_the_bank_may_give() -> None:
    check_offer(replace(OFFER, rate_floor=None, spread=Decimal("-0.01")), now=NOW)
    check_offer(replace(OFFER, expires_at=NOW + timedelta(days=1)), now=NOW)


def test_every_broken_rule_is_reported_at_once() -> None:
    terms = replace(OFFER, capacity=0, grades=frozenset(), min_amount=0, max_amount=-1)

    assert fields_refused(lambda t: check_offer(t, now=NOW), terms) == {
        "capacity",
        "grades",
        "min_amount",
        "max_amount",
    }


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"grades": frozenset({"F"})}, "grades"),
        ({"min_term_months": 13}, "max_term_months"),
        ({"min_rate": Decimal("-0.01")}, "min_rate"),
        ({"min_rate": Decimal("1.01")}, "min_rate"),
        ({"max_per_loan": 0}, "max_per_loan"),
        ({"daily_budget": -5}, "daily_budget"),
    ],
)
def test_each_broken_auto_invest_rule_names_its_field(
    change: dict[str, object], field: str
) -> None:
    assert field in fields_refused(check_auto_invest, replace(RULE, **change))  # type: ignore[arg-type]
