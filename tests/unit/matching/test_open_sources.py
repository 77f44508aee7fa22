"""The index of open sources decides exactly what the engine decides over the same sources."""

from collections import Counter
from dataclasses import replace
from random import Random

from hypothesis import given, settings
from hypothesis import strategies as st
from test_matching_properties import NOW, Market, markets

from domain.matching.engine import common_skip, match_loan
from domain.matching.index import OpenSources, screen_code
from domain.matching.outcome import DecisionCode
from domain.matching.sources import BankOffer
from support.examples import examples


def _assert_same(index: OpenSources, market: Market) -> None:
    loan = market.loan
    got = index.match(loan, now=NOW, reference_rate=market.reference, platform_book=market.book)
    fitting_offers = [o for o in market.offers if common_skip(o, loan) is None]
    fitting_rules = [r for r in market.rules if common_skip(r, loan) is None]
    want = match_loan(
        loan,
        fitting_offers,
        fitting_rules,
        now=NOW,
        reference_rate=market.reference,
        platform_book=market.book,
    )
    assert got.fills == want.fills
    assert got.unfilled == want.unfilled
    used = [(n, d) for n, d in enumerate(want.decisions, 1) if d.amount]
    assert list(got.chosen) == [d for _, d in used]
    assert list(got.ranks) == [n for n, _ in used]
    assert Counter(got.refused) == want.passed_over()
    assert got.not_considered == want.not_considered
    screened = Counter(
        code
        for code in map(lambda s: common_skip(s, loan), [*market.offers, *market.rules])
        if code is not None
    )
    assert Counter(got.screened) == screened
    everything = match_loan(
        loan,
        market.offers,
        market.rules,
        now=NOW,
        reference_rate=market.reference,
        platform_book=market.book,
    )
    assert got.fills == everything.fills  # sources that cannot take the loan never fill it
    _assert_screened(index, market)


def _assert_screened(index: OpenSources, market: Market) -> None:
    """`screen`'s counts are those of every source, one by one, by its first failed screen."""
    loan = market.loan
    funder = next((o.funder_id for o in market.offers), None)  # as the borrower would be
    for offers, rules in ((True, True), (True, False), (False, True)):
        sources = [*(market.offers if offers else []), *(market.rules if rules else [])]
        codes = Counter(
            screen_code(s, loan, NOW)
            for s in sources
            if (s.funder_id if isinstance(s, BankOffer) else s.investor_id) != funder
        )
        passing = codes.pop(None, 0)
        got = index.screen(loan, now=NOW, offers=offers, rules=rules, exclude_funder=funder)
        assert got == (+codes, passing)


@settings(max_examples=examples(100))
@given(markets())
def test_the_index_matches_as_the_engine_does(market: Market) -> None:
    _assert_same(OpenSources.of(market.offers, market.rules), market)


@settings(max_examples=examples(100))
@given(markets(), markets(), st.randoms(use_true_random=False))
def test_the_index_stays_true_as_sources_come_change_and_go(
    before: Market, after: Market, random: Random
) -> None:
    index = OpenSources.of(before.offers, before.rules)
    index.match(after.loan, now=NOW, reference_rate=after.reference)  # builds the view first
    for offer in before.offers:
        index.remove_offer(offer.offer_id)
    for rule in before.rules:
        index.remove_rule(rule.rule_id)
    kept = [o for o in after.offers if random.random() < 0.5]
    for offer in kept:  # added, then changed to what `after` says
        index.put_offer(replace(offer, capacity=offer.capacity + 1, created_at=NOW))
    for offer in after.offers:
        index.put_offer(offer)
    for rule in after.rules:
        index.put_rule(replace(rule, min_rate=rule.min_rate + 1))
        index.put_rule(rule)
    _assert_same(index, after)


@settings(max_examples=examples(100))
@given(markets(), st.booleans(), st.booleans(), st.randoms(use_true_random=False))
def test_a_walk_without_a_funder_or_a_kind_reads_what_the_engine_reads_without_them(
    market: Market, offers: bool, rules: bool, random: Random
) -> None:
    loan = market.loan
    funders = sorted({o.funder_id for o in market.offers} | {r.investor_id for r in market.rules})
    left_out = random.choice(funders) if funders else None
    index = OpenSources.of(market.offers, market.rules)
    got = index.match(
        loan,
        now=NOW,
        reference_rate=market.reference,
        platform_book=market.book,
        offers=offers,
        rules=rules,
        exclude_funder=left_out,
    )
    fitting = [s for s in (*market.offers, *market.rules) if common_skip(s, loan) is None]
    want = match_loan(
        loan,
        [o for o in market.offers if offers and o in fitting and o.funder_id != left_out],
        [r for r in market.rules if rules and r in fitting and r.investor_id != left_out],
        now=NOW,
        reference_rate=market.reference,
        platform_book=market.book,
    )
    assert got.fills == want.fills
    used = [(n, d) for n, d in enumerate(want.decisions, 1) if d.amount]
    assert list(got.chosen) == [d for _, d in used]
    # the walk reads what the engine reads, but for the sources it stops at once every one
    # left refuses on price (or has expired): a book read last comes after those
    engine_read = [d.source_id for d in want.decisions]
    walk_read = [s for s in got.read if market.book is None or s != market.book.book_id]
    assert engine_read[: len(walk_read)] == walk_read
    unread = {d.code for d in want.decisions[len(walk_read) :] if d.source_id != "book"}
    assert unread <= {
        DecisionCode.RATE_TOO_LOW,
        DecisionCode.EXPIRED,
        DecisionCode.NO_REFERENCE_RATE,
    }
