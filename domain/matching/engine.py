"""The matching engine: fund a loan from the cheapest sources first, then the earliest; and
(`match_receivable`) buy a supply-chain receivable whole from the cheapest offer that takes it,
or in parts from several when none can.

Every source is ranked by what it costs the platform (a bank's asking rate, the note rate
for investors), then by time priority (created first), then by id, so the outcome does not
depend on the order sources arrive in. The platform's own book, when given, comes after
all of them: it lends only what they leave. The ranking is a heap: building it is linear and
only the sources read before the loan is filled pay the log n of a pop, so one loan
against 100k offers costs about one pass over them.
"""

from __future__ import annotations

import gc
import heapq
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from decimal import Decimal

from domain.matching.outcome import Decision, DecisionCode, Fill, MatchResult
from domain.matching.sources import (
    AutoInvestRule,
    BankOffer,
    LoanToFund,
    PlatformBook,
    ReceivableToFinance,
    SourceKind,
    SupplyChainOffer,
)

_NO_PRICE = Decimal("Infinity")  # a spread offer with no reference rate ranks last
Source = BankOffer | AutoInvestRule
_Room = tuple[DecisionCode, int | None]  # how much more a constraint allows; None: no limit


class _Funders:
    """What each funder has taken so far: in this loan and from this borrower."""

    def __init__(self, loan: LoanToFund) -> None:
        self.loan = loan
        self.added: defaultdict[str, int] = defaultdict(int)

    def in_loan(self, funder_id: str) -> int:
        return self.loan.loan_share_by_funder.get(funder_id, 0) + self.added[funder_id]

    def to_borrower(self, funder_id: str) -> int:
        return self.loan.borrower_debt_by_funder.get(funder_id, 0) + self.added[funder_id]


def match_loan(
    loan: LoanToFund,
    offers: Iterable[BankOffer],
    rules: Iterable[AutoInvestRule],
    *,
    now: datetime,
    reference_rate: Decimal | None = None,
    platform_book: PlatformBook | None = None,
) -> MatchResult:
    """Fills for `loan` by best price then time priority, every constraint respected; then
    from `platform_book`, if given, what is still unfilled."""
    _check_loan(loan)
    with _collector_paused():
        return _match(loan, list(offers), list(rules), now, reference_rate, platform_book)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Matching makes a Decision per source it reads and no reference cycles: with 100k
    sources, the cyclic collector's passes over the live heap during the match (young ones
    and one full one, ~80 ms of a ~450 ms worst case) can free nothing the match made."""
    paused = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()


def _match(
    loan: LoanToFund,
    bank_offers: list[BankOffer],
    auto_rules: list[AutoInvestRule],
    now: datetime,
    reference_rate: Decimal | None,
    platform_book: PlatformBook | None,
) -> MatchResult:
    queue = _ranked(loan, bank_offers, auto_rules, reference_rate)
    funders = _Funders(loan)
    remaining = loan.amount
    fills: list[Fill] = []
    decisions: list[Decision] = []
    for price, _, source_id, kind_rank, index in _best_first(queue):
        if remaining == 0:
            break
        if kind_rank == _BANK:
            kind = SourceKind.BANK_OFFER
            offer = bank_offers[index]
            asking = None if price is _NO_PRICE else price  # as ranked: asked once per offer
            funder_id = offer.funder_id
            refusal = _bank_refusal(offer, loan, asking, now)
            if refusal is None:
                code, amount = _bank_take(offer, remaining, funders)
        else:
            kind = SourceKind.AUTO_INVEST
            rule = auto_rules[index]
            asking = price  # the note rate
            funder_id = rule.investor_id
            refusal = _rule_refusal(rule, loan)
            if refusal is None:
                code, amount = _rule_take(rule, loan, remaining, funders)
        if refusal is not None:  # most sources, when many are read: nothing else to build
            decisions.append(Decision(source_id, kind, funder_id, refusal, 0, asking))
            continue
        decisions.append(Decision(source_id, kind, funder_id, code, amount, asking))
        if amount:
            assert asking is not None
            fills.append(Fill(source_id, kind, funder_id, amount, asking))
            funders.added[funder_id] += amount
            remaining -= amount
    if platform_book is not None and remaining:
        book = platform_book
        code, amount = _platform_book(book, loan, remaining, funders)
        rate = loan.note_rate
        decisions.append(
            Decision(book.book_id, SourceKind.PLATFORM_BOOK, book.funder_id, code, amount, rate)
        )
        if amount:
            fills.append(Fill(book.book_id, SourceKind.PLATFORM_BOOK, book.funder_id, amount, rate))
            remaining -= amount
    sources = len(bank_offers) + len(auto_rules) + (platform_book is not None)
    unread = sources - len(decisions)
    return MatchResult(loan.loan_id, tuple(fills), remaining, tuple(decisions), unread)


def _best_first(queue: list[_Ranked]) -> Iterator[_Ranked]:
    """The ranked sources best first: popped from the heap while few are read, then sorted.

    A pop costs ~2 log n comparisons, a sort ~log n per item: once a loan has read more than
    a handful of sources it is likely to read many (nothing fits it), and sorting the rest
    at once is cheaper than popping each.
    """
    for _ in range(min(_POPS_BEFORE_SORTING, len(queue))):
        yield heapq.heappop(queue)
    queue.sort()
    yield from queue


# (price, created_at, source id, kind, index in its kind's list). Only atomic values, no
# source object nor enum: the garbage collector stops tracking such tuples, so ranking 100k
# sources does not make every later collection walk them (that cost more than the ranking).
_Ranked = tuple[Decimal, datetime, str, int, int]
_POPS_BEFORE_SORTING = 256
_BANK, _AUTO = 0, 1  # the kind's rank: a bank offer before a rule with the same id and time


def _ranked(
    loan: LoanToFund,
    offers: list[BankOffer],
    rules: list[AutoInvestRule],
    reference_rate: Decimal | None,
) -> list[_Ranked]:
    if len({o.offer_id for o in offers}) != len(offers):
        raise ValueError("offer ids must be unique")
    if len({r.rule_id for r in rules}) != len(rules):
        raise ValueError("auto-invest rule ids must be unique")
    note_rate = loan.note_rate
    queue: list[_Ranked] = [
        (_price(o.asking_rate(reference_rate)), o.created_at, o.offer_id, _BANK, n)
        for n, o in enumerate(offers)
    ]
    queue += [(note_rate, r.created_at, r.rule_id, _AUTO, n) for n, r in enumerate(rules)]
    heapq.heapify(queue)
    return queue


def _bank_refusal(
    offer: BankOffer, loan: LoanToFund, asking: Decimal | None, now: datetime
) -> DecisionCode | None:
    """Why the offer cannot fund this loan at all; None if it may."""
    common = common_skip(offer, loan)
    if common is not None:
        return common
    if offer.expires_at is not None and offer.expires_at <= now:
        return DecisionCode.EXPIRED
    if asking is None:
        return DecisionCode.NO_REFERENCE_RATE
    if asking > loan.annual_rate:
        return DecisionCode.RATE_TOO_LOW
    return None


def _bank_take(offer: BankOffer, remaining: int, funders: _Funders) -> tuple[DecisionCode, int]:
    cap = offer.per_borrower_cap
    rooms = (
        (DecisionCode.NO_CAPACITY, offer.capacity),
        (DecisionCode.LOAN_LIMIT_REACHED, offer.max_amount - funders.in_loan(offer.funder_id)),
        (DecisionCode.BORROWER_CAP_REACHED, _room(cap, funders.to_borrower(offer.funder_id))),
    )
    return _take(rooms, remaining, granule=1, minimum=max(offer.min_amount, 1))


def _rule_refusal(rule: AutoInvestRule, loan: LoanToFund) -> DecisionCode | None:
    """Why the rule cannot buy notes of this loan at all; None if it may."""
    common = common_skip(rule, loan)
    if common is not None:
        return common
    if loan.note_rate < rule.min_rate:
        return DecisionCode.RATE_TOO_LOW
    return None


def _rule_take(
    rule: AutoInvestRule, loan: LoanToFund, remaining: int, funders: _Funders
) -> tuple[DecisionCode, int]:
    held = funders.in_loan(rule.investor_id)
    rooms = (
        (DecisionCode.NO_CAPACITY, rule.budget_remaining),
        (DecisionCode.LOAN_LIMIT_REACHED, rule.max_per_loan - held),
        (DecisionCode.LOAN_LIMIT_REACHED, _room(loan.max_per_investor, held)),
    )
    return _take(rooms, remaining, granule=loan.note_size, minimum=loan.min_investment)


def _platform_book(
    book: PlatformBook, loan: LoanToFund, remaining: int, funders: _Funders
) -> tuple[DecisionCode, int]:
    if book.currency != loan.currency:
        return DecisionCode.CURRENCY_MISMATCH, 0
    rooms = (
        (DecisionCode.NO_CAPACITY, book.capacity),
        (
            DecisionCode.LOAN_LIMIT_REACHED,
            _room(book.max_per_loan, funders.in_loan(book.funder_id)),
        ),
    )
    return _take(rooms, remaining, granule=1, minimum=1)


def common_skip(source: Source, loan: LoanToFund) -> DecisionCode | None:
    """What refuses any source, offer or rule, before its own conditions: currency, grade, term."""
    if source.currency != loan.currency:
        return DecisionCode.CURRENCY_MISMATCH
    if loan.grade not in source.grades:
        return DecisionCode.GRADE_NOT_ACCEPTED
    if not source.min_term <= loan.term_months <= source.max_term:
        return DecisionCode.TERM_OUT_OF_RANGE
    return None


def _take(
    rooms: tuple[tuple[DecisionCode, int | None], ...],
    remaining: int,
    *,
    granule: int,
    minimum: int,
) -> tuple[DecisionCode, int]:
    """As much as every room allows, in whole granules; the first full room names a refusal."""
    amount = remaining
    for code, room in rooms:
        if room is None:
            continue
        if room <= 0:
            return code, 0
        amount = min(amount, room)
    amount -= amount % granule
    if amount < minimum:
        return DecisionCode.BELOW_MINIMUM, 0
    return DecisionCode.TAKEN, amount


def _price(asking: Decimal | None) -> Decimal:
    return _NO_PRICE if asking is None else asking


def _room(cap: int | None, used: int) -> int | None:
    return None if cap is None else cap - used


def match_receivable(
    receivable: ReceivableToFinance,
    offers: Iterable[SupplyChainOffer],
    *,
    now: datetime,
    excluded: frozenset[str] = frozenset(),
) -> MatchResult:
    """Who buys the certificate: the one cheapest offer that takes it whole (discount rate,
    then time priority, then id), among the offers that accept its buyer, tenor and amount
    within their capacity and credit line to the buyer; when none can, several offers in
    that order, each its part (as several offers fund a loan), all of it or nothing. Each
    offer read is explained. `excluded`: offers a previous attempt found taken by a
    concurrent request (they are passed over as NO_CAPACITY)."""
    if receivable.amount <= 0:
        raise ValueError("a receivable to finance needs a positive amount")
    ranked = sorted(offers, key=lambda o: (o.discount_rate, o.created_at, o.offer_id))
    if len({o.offer_id for o in ranked}) != len(ranked):
        raise ValueError("offer ids must be unique")
    decisions: list[Decision] = []
    fills: tuple[Fill, ...] = ()
    kind = SourceKind.SUPPLY_CHAIN_OFFER
    for offer in ranked:
        code = _supply_chain_refusal(offer, receivable, now, excluded)
        taken = receivable.amount if code is DecisionCode.TAKEN else 0
        decisions.append(
            Decision(offer.offer_id, kind, offer.funder_id, code, taken, offer.discount_rate)
        )
        if taken:
            fills = (Fill(offer.offer_id, kind, offer.funder_id, taken, offer.discount_rate),)
            break
    if not fills:
        parts = _in_parts(receivable, ranked, now, excluded)
        if parts is not None:
            return parts
    unfilled = 0 if fills else receivable.amount
    unread = len(ranked) - len(decisions)
    return MatchResult(receivable.certificate_id, fills, unfilled, tuple(decisions), unread)


def _in_parts(
    receivable: ReceivableToFinance,
    ranked: list[SupplyChainOffer],
    now: datetime,
    excluded: frozenset[str],
) -> MatchResult | None:
    """The certificate bought in parts, cheapest offer first, each taking what its capacity,
    credit line and maximum leave (at least its minimum); None unless the parts make the
    whole. Greedy, as loans are funded: a remainder below every later offer's minimum fails."""
    kind = SourceKind.SUPPLY_CHAIN_OFFER
    left = receivable.amount
    decisions: list[Decision] = []
    fills: list[Fill] = []
    for offer in ranked:
        if not left:
            break
        code, take = _supply_chain_part(offer, receivable, left, now, excluded)
        decisions.append(
            Decision(offer.offer_id, kind, offer.funder_id, code, take, offer.discount_rate)
        )
        if take:
            fills.append(Fill(offer.offer_id, kind, offer.funder_id, take, offer.discount_rate))
            left -= take
    if left or len(fills) < 2:
        return None
    unread = len(ranked) - len(decisions)
    return MatchResult(receivable.certificate_id, tuple(fills), 0, tuple(decisions), unread)


def _supply_chain_part(
    offer: SupplyChainOffer,
    receivable: ReceivableToFinance,
    left: int,
    now: datetime,
    excluded: frozenset[str],
) -> tuple[DecisionCode, int]:
    """(TAKEN, what the offer takes of the `left` amount), or the first reason it takes none."""
    whole = _supply_chain_refusal(offer, receivable, now, excluded)
    if whole not in (DecisionCode.TAKEN, *_ROOM):
        return whole, 0
    take = min(left, offer.capacity, offer.credit_line_room, offer.max_amount)
    if offer.offer_id in excluded or offer.capacity <= 0:
        return DecisionCode.NO_CAPACITY, 0
    if offer.credit_line_room <= 0:
        return DecisionCode.CREDIT_LINE_REACHED, 0
    if take < offer.min_amount:
        return DecisionCode.BELOW_MINIMUM, 0
    return DecisionCode.TAKEN, take


# What stops an offer buying the whole certificate but not a part of it.
_ROOM = (
    DecisionCode.BELOW_MINIMUM,
    DecisionCode.ABOVE_MAXIMUM,
    DecisionCode.NO_CAPACITY,
    DecisionCode.CREDIT_LINE_REACHED,
)


def _supply_chain_refusal(
    offer: SupplyChainOffer,
    receivable: ReceivableToFinance,
    now: datetime,
    excluded: frozenset[str],
) -> DecisionCode:
    """TAKEN if the offer buys the whole certificate, else the first reason it cannot."""
    amount = receivable.amount
    checks = (
        (DecisionCode.CURRENCY_MISMATCH, offer.currency == receivable.currency),
        (
            DecisionCode.BUYER_NOT_ACCEPTED,
            not offer.core_enterprises or receivable.buyer_id in offer.core_enterprises,
        ),
        (DecisionCode.TERM_OUT_OF_RANGE, 0 < receivable.tenor_days <= offer.max_tenor_days),
        (DecisionCode.EXPIRED, offer.expires_at is None or offer.expires_at > now),
        (DecisionCode.BELOW_MINIMUM, amount >= offer.min_amount),
        (DecisionCode.ABOVE_MAXIMUM, amount <= offer.max_amount),
        (DecisionCode.NO_CAPACITY, amount <= offer.capacity and offer.offer_id not in excluded),
        (DecisionCode.CREDIT_LINE_REACHED, amount <= offer.credit_line_room),
    )
    for code, met in checks:
        if not met:
            return code
    return DecisionCode.TAKEN


def _check_loan(loan: LoanToFund) -> None:
    if loan.amount <= 0 or loan.note_size <= 0:
        raise ValueError("a loan to fund needs a positive amount and note size")
    if loan.min_investment < loan.note_size or loan.min_investment % loan.note_size:
        raise ValueError("the minimum investment must be a whole number of notes")
