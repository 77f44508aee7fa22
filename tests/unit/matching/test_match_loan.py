"""The matching engine, by example: price, then time priority, and every constraint's refusal."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from random import Random

import pytest

from domain.matching.engine import match_loan
from domain.matching.outcome import DecisionCode
from domain.matching.sources import AutoInvestRule, BankOffer, LoanToFund, SourceKind

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
T0 = NOW - timedelta(days=1)
Code = DecisionCode


def make_loan(**changes: object) -> LoanToFund:
    loan = LoanToFund(
        loan_id="L1",
        borrower_id="B1",
        amount=1_000_000,  # 10,000.00
        currency="CNY",
        grade="B",
        term_months=12,
        annual_rate=Decimal("0.10"),
        investor_rate=Decimal("0.08"),
    )
    return replace(loan, **changes)  # type: ignore[arg-type]


def make_offer(offer_id: str, **changes: object) -> BankOffer:
    offer = BankOffer(
        offer_id=offer_id,
        funder_id=f"bank-{offer_id}",
        currency="CNY",
        capacity=10**9,
        grades=frozenset("ABC"),
        min_term=1,
        max_term=36,
        min_amount=1,
        max_amount=10**9,
        created_at=T0,
        rate_floor=Decimal("0.06"),
    )
    return replace(offer, **changes)  # type: ignore[arg-type]


def make_rule(rule_id: str, **changes: object) -> AutoInvestRule:
    rule = AutoInvestRule(
        rule_id=rule_id,
        investor_id=f"inv-{rule_id}",
        currency="CNY",
        grades=frozenset("ABC"),
        min_term=1,
        max_term=36,
        min_rate=Decimal("0.05"),
        max_per_loan=10**9,
        budget_remaining=10**9,
        created_at=T0,
    )
    return replace(rule, **changes)  # type: ignore[arg-type]


def codes(result: object) -> list[tuple[str, DecisionCode, int]]:
    return [(d.source_id, d.code, d.amount) for d in result.decisions]  # type: ignore[attr-defined]


def test_the_cheapest_offer_funds_first_and_the_next_takes_the_rest() -> None:
    offers = [
        make_offer("dear", rate_floor=Decimal("0.07")),
        make_offer("cheap", rate_floor=Decimal("0.05"), capacity=400_000),
    ]

    result = match_loan(make_loan(), offers, [], now=NOW)

    assert [(f.source_id, f.amount, f.annual_rate) for f in result.fills] == [
        ("cheap", 400_000, Decimal("0.05")),
        ("dear", 600_000, Decimal("0.07")),
    ]
    assert (result.unfilled, result.filled, result.not_considered) == (0, 1_000_000, 0)


def test_at_the_same_price_the_earliest_then_the_smallest_id_goes_first() -> None:
    offers = [
        make_offer("b", capacity=300_000),
        make_offer("a", capacity=300_000),
        make_offer("early", capacity=300_000, created_at=T0 - timedelta(seconds=1)),
    ]

    result = match_loan(make_loan(amount=700_000), offers, [], now=NOW)

    assert [(f.source_id, f.amount) for f in result.fills] == [
        ("early", 300_000),
        ("a", 300_000),
        ("b", 100_000),
    ]


def test_investors_earn_the_note_rate_and_compete_with_banks_on_it() -> None:
    offers = [make_offer("bank", rate_floor=Decimal("0.09"))]
    rules = [make_rule("r1", max_per_loan=300_000), make_rule("r2", max_per_loan=200_000)]

    result = match_loan(make_loan(), offers, rules, now=NOW)

    assert [(f.source_id, f.kind, f.amount, f.annual_rate) for f in result.fills] == [
        ("r1", SourceKind.AUTO_INVEST, 300_000, Decimal("0.08")),
        ("r2", SourceKind.AUTO_INVEST, 200_000, Decimal("0.08")),
        ("bank", SourceKind.BANK_OFFER, 500_000, Decimal("0.09")),
    ]


def test_once_filled_the_rest_is_not_read() -> None:
    offers = [make_offer(f"o{n}", capacity=500_000) for n in range(5)]

    result = match_loan(make_loan(), offers, [], now=NOW)

    assert len(result.decisions) == 2
    assert result.not_considered == 3


def test_each_bank_constraint_names_its_refusal() -> None:
    loan = make_loan(borrower_debt_by_funder={"bank-capped": 250_000})
    offers = [
        make_offer("usd", currency="USD"),
        make_offer("expired", expires_at=NOW),
        make_offer("grades", grades=frozenset("A")),
        make_offer("term", min_term=24),
        make_offer("floor", rate_floor=Decimal("0.1001")),
        make_offer("spread", rate_floor=None, spread=Decimal("0.01")),
        make_offer("empty", capacity=0),
        make_offer("capped", per_borrower_cap=250_000),
        make_offer("minimum", min_amount=1_000_001),
    ]

    result = match_loan(loan, offers, [], now=NOW)

    assert sorted((source, code) for source, code, _ in codes(result)) == [
        ("capped", Code.BORROWER_CAP_REACHED),
        ("empty", Code.NO_CAPACITY),
        ("expired", Code.EXPIRED),
        ("floor", Code.RATE_TOO_LOW),
        ("grades", Code.GRADE_NOT_ACCEPTED),
        ("minimum", Code.BELOW_MINIMUM),
        ("spread", Code.NO_REFERENCE_RATE),
        ("term", Code.TERM_OUT_OF_RANGE),
        ("usd", Code.CURRENCY_MISMATCH),
    ]
    assert result.fills == ()
    assert result.unfilled == 1_000_000
    assert result.decisions[-1].source_id == "spread"  # no price: ranked last


def test_a_spread_offer_asks_the_reference_rate_plus_its_spread() -> None:
    offer = make_offer("spread", rate_floor=None, spread=Decimal("0.0150"))

    result = match_loan(make_loan(), [offer], [], now=NOW, reference_rate=Decimal("0.0345"))

    assert result.fills[0].annual_rate == Decimal("0.0495")


def test_a_spread_against_the_borrowers_own_rate_asks_below_it() -> None:
    below = make_offer("below", rate_floor=None, spread=Decimal("-0.02"))
    above = make_offer("above", rate_floor=None, spread=Decimal("0.01"))
    loan = make_loan()

    result = match_loan(loan, [above, below], [], now=NOW, reference_rate=loan.annual_rate)

    assert [(f.source_id, f.annual_rate) for f in result.fills] == [("below", Decimal("0.08"))]


def test_a_zero_rate_offer_is_the_cheapest() -> None:
    offers = [make_offer("free", rate_floor=Decimal(0), capacity=1), make_offer("paid")]

    result = match_loan(make_loan(), offers, [], now=NOW)

    assert result.fills[0].source_id == "free"


def test_bank_fills_stop_at_the_per_loan_maximum_and_the_borrower_cap() -> None:
    loan = make_loan(
        borrower_debt_by_funder={"bank-capped": 100_000}, loan_share_by_funder={"bank-max": 50_000}
    )
    offers = [
        make_offer("max", max_amount=200_000),
        make_offer("capped", per_borrower_cap=400_000, rate_floor=Decimal("0.065")),
        make_offer("rest", rate_floor=Decimal("0.07")),
    ]

    result = match_loan(loan, offers, [], now=NOW)

    assert [(f.source_id, f.amount) for f in result.fills] == [
        ("max", 150_000),
        ("capped", 300_000),
        ("rest", 550_000),
    ]


def test_investors_buy_whole_notes_within_budget_and_per_loan_caps() -> None:
    loan = make_loan(amount=1_012_345, max_per_investor=600_000)
    rules = [
        make_rule("budget", budget_remaining=12_345),  # 2 notes of 50.00
        make_rule("small", budget_remaining=4_999),  # not one note
        make_rule("cap", max_per_loan=10**9),  # the listing's 6,000.00 per investor
        make_rule("rest"),
    ]

    result = match_loan(loan, [], rules, now=NOW)

    assert codes(result) == [
        ("budget", Code.TAKEN, 10_000),
        ("cap", Code.TAKEN, 600_000),
        ("rest", Code.TAKEN, 400_000),
        ("small", Code.BELOW_MINIMUM, 0),
    ]
    assert result.unfilled == 2_345  # less than a note: left for a bank or unfilled


def test_an_investor_refuses_a_note_rate_below_its_minimum_and_a_full_loan_share() -> None:
    loan = make_loan(loan_share_by_funder={"inv-held": 100_000})
    rules = [
        make_rule("greedy", min_rate=Decimal("0.0801")),
        make_rule("held", max_per_loan=100_000),
        make_rule("spent", budget_remaining=0),
    ]

    result = match_loan(loan, [], rules, now=NOW)

    assert sorted((source, code) for source, code, _ in codes(result)) == [
        ("greedy", Code.RATE_TOO_LOW),
        ("held", Code.LOAN_LIMIT_REACHED),
        ("spent", Code.NO_CAPACITY),
    ]


def test_an_investor_with_two_rules_stays_within_each_rules_loan_maximum() -> None:
    rules = [
        make_rule("first", investor_id="inv", max_per_loan=300_000),
        make_rule("second", investor_id="inv", max_per_loan=400_000, created_at=NOW),
    ]

    result = match_loan(make_loan(), [], rules, now=NOW)

    assert codes(result) == [("first", Code.TAKEN, 300_000), ("second", Code.TAKEN, 100_000)]


def test_bad_inputs_are_refused() -> None:
    with pytest.raises(ValueError, match="ids must be unique"):
        match_loan(make_loan(), [make_offer("x"), make_offer("x")], [], now=NOW)
    with pytest.raises(ValueError, match="whole number of notes"):
        match_loan(make_loan(min_investment=7_500), [], [], now=NOW)
    with pytest.raises(ValueError, match="positive"):
        match_loan(make_loan(amount=0), [], [], now=NOW)


def test_a_long_read_keeps_the_price_time_order_past_the_first_pops() -> None:
    # Past a few hundred sources the engine sorts the rest instead of popping each one.
    rng = Random(3)
    offers = [
        make_offer(
            f"o{n:04d}",
            rate_floor=Decimal(rng.randrange(50, 150)) / 1000,
            created_at=T0 + timedelta(seconds=rng.randrange(100)),
            capacity=rng.choice([0, 1_000]),
        )
        for n in range(1_500)
    ]

    result = match_loan(make_loan(), offers, [], now=NOW)
    shuffled = match_loan(make_loan(), rng.sample(offers, len(offers)), [], now=NOW)

    by_id = {o.offer_id: o for o in offers}
    read = [by_id[d.source_id] for d in result.decisions]
    assert len(read) == 1_500
    assert read == sorted(offers, key=lambda o: (o.rate_floor, o.created_at, o.offer_id))
    assert result.filled == 1_000 * sum(
        1 for o in offers if o.capacity and o.rate_floor <= Decimal("0.10")
    )
    assert shuffled == result
