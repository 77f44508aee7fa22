"""Properties of the matching engine on random loans, offers and auto-invest rules."""

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from random import Random

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.matching.engine import match_loan
from domain.matching.outcome import DecisionCode, MatchResult
from domain.matching.sources import (
    AutoInvestRule,
    BankOffer,
    LoanToFund,
    PlatformBook,
    SourceKind,
)
from support.examples import examples

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)

rates = st.integers(0, 20).map(lambda n: Decimal(n) / 100)
times = st.integers(-5, 5).map(lambda m: NOW + timedelta(minutes=m))
grade_sets = st.frozensets(st.sampled_from("ABCDE"), min_size=1)
funders = st.sampled_from(["f1", "f2", "f3", "f4"])
amounts = st.integers(0, 300_000)
currencies = st.sampled_from(["CNY", "CNY", "CNY", "USD"])


@st.composite
def loans(draw: st.DrawFn) -> LoanToFund:
    note = draw(st.sampled_from([1, 100, 5000]))
    return LoanToFund(
        loan_id="L",
        borrower_id="B",
        amount=draw(st.integers(1, 1_000_000)),
        currency="CNY",
        grade=draw(st.sampled_from("ABCDE")),
        term_months=draw(st.integers(1, 36)),
        annual_rate=draw(rates),
        investor_rate=draw(st.none() | rates),
        note_size=note,
        min_investment=note * draw(st.integers(1, 3)),
        max_per_investor=draw(st.none() | amounts),
        borrower_debt_by_funder=draw(st.dictionaries(funders, amounts, max_size=2)),
        loan_share_by_funder=draw(st.dictionaries(funders, amounts, max_size=2)),
    )


@st.composite
def offers(draw: st.DrawFn, offer_id: str) -> BankOffer:
    floor = draw(st.none() | rates)
    low_term = draw(st.integers(1, 36))
    low_amount = draw(st.integers(1, 100_000))
    return BankOffer(
        offer_id=offer_id,
        funder_id=draw(funders),
        currency=draw(currencies),
        capacity=draw(amounts),
        grades=draw(grade_sets),
        min_term=low_term,
        max_term=low_term + draw(st.integers(0, 36)),
        min_amount=low_amount,
        max_amount=low_amount + draw(amounts),
        created_at=draw(times),
        rate_floor=floor,
        spread=draw(rates) if floor is None else None,
        per_borrower_cap=draw(st.none() | amounts),
        expires_at=draw(st.none() | times),
    )


@st.composite
def rules(draw: st.DrawFn, rule_id: str) -> AutoInvestRule:
    low_term = draw(st.integers(1, 36))
    return AutoInvestRule(
        rule_id=rule_id,
        investor_id=draw(funders),
        currency=draw(currencies),
        grades=draw(grade_sets),
        min_term=low_term,
        max_term=low_term + draw(st.integers(0, 36)),
        min_rate=draw(rates),
        max_per_loan=draw(amounts),
        budget_remaining=draw(amounts),
        created_at=draw(times),
    )


@st.composite
def books(draw: st.DrawFn) -> PlatformBook:
    return PlatformBook(
        book_id="book",
        funder_id=draw(st.sampled_from(["platform", "f1"])),  # f1: also a bank, sharing limits
        currency=draw(currencies),
        capacity=draw(st.integers(0, 1_000_000)),
        max_per_loan=draw(st.none() | amounts),
    )


@dataclass(frozen=True)
class Market:
    loan: LoanToFund
    offers: list[BankOffer]
    rules: list[AutoInvestRule]
    reference: Decimal | None
    book: PlatformBook | None = None

    def match(self) -> MatchResult:
        return match_loan(
            self.loan,
            self.offers,
            self.rules,
            now=NOW,
            reference_rate=self.reference,
            platform_book=self.book,
        )

    @property
    def sources(self) -> int:
        return len(self.offers) + len(self.rules) + (self.book is not None)


@st.composite
def markets(draw: st.DrawFn) -> Market:
    n_offers, n_rules = draw(st.integers(0, 12)), draw(st.integers(0, 12))
    return Market(
        draw(loans()),
        [draw(offers(f"s{n}")) for n in range(n_offers)],
        # The same ids as offers on purpose: ids need only be unique within a kind.
        [draw(rules(f"s{n}")) for n in range(n_rules)],
        draw(st.none() | rates),
        draw(st.none() | books()),
    )


@settings(max_examples=examples(50))
@given(markets())
def test_fills_and_remainder_sum_to_the_amount_and_every_fill_was_taken(market: Market) -> None:
    result = market.match()

    assert result.unfilled >= 0
    assert result.filled + result.unfilled == market.loan.amount
    taken = [d for d in result.decisions if d.code is DecisionCode.TAKEN]
    assert [(d.source_id, d.kind, d.amount) for d in taken] == [
        (f.source_id, f.kind, f.amount) for f in result.fills
    ]
    assert all(d.amount == 0 for d in result.decisions if d.code is not DecisionCode.TAKEN)
    assert len(result.decisions) + result.not_considered == market.sources
    assert result.not_considered == 0 or result.unfilled == 0


@settings(max_examples=examples(50))
@given(markets())
def test_every_source_is_filled_passed_over_or_not_considered_exactly_once(
    market: Market,
) -> None:
    result = market.match()

    filled = {(f.kind, f.source_id) for f in result.fills}
    passed = [(d.kind, d.source_id) for d in result.decisions if d.code is not DecisionCode.TAKEN]
    assert len(filled) == len(result.fills)
    assert filled.isdisjoint(passed)
    assert len(set(passed)) == len(passed)
    assert sum(result.passed_over().values()) == len(passed)
    assert len(result.fills) + sum(result.passed_over().values()) + result.not_considered == (
        market.sources
    )


@settings(max_examples=examples(50))
@given(markets())
def test_no_fill_ever_breaks_a_constraint(market: Market) -> None:
    loan = market.loan

    result = market.match()

    by_offer = {o.offer_id: o for o in market.offers}
    by_rule = {r.rule_id: r for r in market.rules}
    in_loan = defaultdict(int, loan.loan_share_by_funder)
    to_borrower = defaultdict(int, loan.borrower_debt_by_funder)
    for fill in result.fills:
        in_loan[fill.funder_id] += fill.amount
        to_borrower[fill.funder_id] += fill.amount
        if fill.kind is SourceKind.BANK_OFFER:
            offer = by_offer[fill.source_id]
            assert fill.funder_id == offer.funder_id
            assert fits_both(offer, loan)
            assert offer.expires_at is None or offer.expires_at > NOW
            assert fill.annual_rate == offer.asking_rate(market.reference) <= loan.annual_rate
            assert offer.min_amount <= fill.amount <= offer.capacity
            assert in_loan[fill.funder_id] <= offer.max_amount
            cap = offer.per_borrower_cap
            assert cap is None or to_borrower[fill.funder_id] <= cap
        elif fill.kind is SourceKind.PLATFORM_BOOK:
            book = market.book
            assert book is not None
            assert fill.source_id == book.book_id
            assert fill.funder_id == book.funder_id
            assert book.currency == loan.currency
            assert fill.annual_rate == loan.note_rate
            assert 0 < fill.amount <= book.capacity
            assert book.max_per_loan is None or in_loan[fill.funder_id] <= book.max_per_loan
        else:
            rule = by_rule[fill.source_id]
            assert fill.funder_id == rule.investor_id
            assert fits_both(rule, loan)
            assert fill.annual_rate == loan.note_rate >= rule.min_rate
            assert fill.amount % loan.note_size == 0
            assert loan.min_investment <= fill.amount <= rule.budget_remaining
            assert in_loan[fill.funder_id] <= rule.max_per_loan
            assert loan.max_per_investor is None or in_loan[fill.funder_id] <= loan.max_per_investor


def fits_both(source: BankOffer | AutoInvestRule, loan: LoanToFund) -> bool:
    return (
        source.currency == loan.currency
        and loan.grade in source.grades
        and source.min_term <= loan.term_months <= source.max_term
    )


@settings(max_examples=examples(30))
@given(markets(), st.randoms(use_true_random=False))
def test_the_same_sources_in_any_order_give_the_same_result(market: Market, random: Random) -> None:
    shuffled_offers, shuffled_rules = list(market.offers), list(market.rules)
    random.shuffle(shuffled_offers)
    random.shuffle(shuffled_rules)

    first = market.match()
    second = replace(market, offers=shuffled_offers, rules=shuffled_rules).match()

    assert first == second


@settings(max_examples=examples(50))
@given(markets())
def test_sources_are_considered_best_price_first_then_earliest_then_by_id(market: Market) -> None:
    result = market.match()

    rank = {
        ("BANK_OFFER", o.offer_id): (
            price(o.asking_rate(market.reference)),
            o.created_at,
            o.offer_id,
            0,
        )
        for o in market.offers
    }
    rank |= {
        ("AUTO_INVEST", r.rule_id): (market.loan.note_rate, r.created_at, r.rule_id, 1)
        for r in market.rules
    }
    considered = [
        rank[(d.kind.value, d.source_id)]
        for d in result.decisions
        if d.kind is not SourceKind.PLATFORM_BOOK
    ]
    assert considered == sorted(rank.values())[: len(considered)]
    others = [f for f in result.fills if f.kind is not SourceKind.PLATFORM_BOOK]
    assert [f.annual_rate for f in others] == sorted(f.annual_rate for f in others)


@settings(max_examples=examples(50))
@given(markets())
def test_the_platform_book_lends_last_and_only_what_the_others_left(market: Market) -> None:
    result = market.match()
    without_book = replace(market, book=None).match()

    book = [d for d in result.decisions if d.kind is SourceKind.PLATFORM_BOOK]
    others = [f for f in result.fills if f.kind is not SourceKind.PLATFORM_BOOK]
    assert others == list(without_book.fills)  # the book changes nobody else's fill
    assert result.decisions[: len(without_book.decisions)] == without_book.decisions
    if book:  # considered only once every other source was read and some is still unfilled
        assert result.decisions[-1] == book[0]
        assert without_book.not_considered == 0
        assert without_book.unfilled > 0
        assert result.unfilled == without_book.unfilled - book[0].amount
    else:
        assert market.book is None or without_book.unfilled == 0


def price(asking: Decimal | None) -> Decimal:
    return Decimal("Infinity") if asking is None else asking
