"""Open sources kept ranked, so one match reads a handful of them instead of ranking them all.

`OpenSources` holds the open bank offers and auto-invest rules, changed as they change
(`put_offer`, `put_rule`, `remove_offer`, `remove_rule`) and rebuilt from the tables with
`OpenSources.of`. A loan's currency, grade and term pick one view: the sources that accept
all three, in three streams each already in the engine's order (rate floors by floor, spreads
by spread, rules by time), built the first time a loan asks for it and kept up to date
after. A match merges the streams' heads best first, exactly as `match_loan` ranks, and
stops at the fill. When nothing fits it stops as soon as every source left would refuse on
price (the streams are sorted by it): those are counted by reason, not read one by one.

The outcome is `match_loan`'s for the same sources: the same fills in the same order, the
same decision and rank for every source used; the sources refused are counted by reason
(`refused`), those that cannot take the loan at all by the first condition they fail
(`screened`), and no object is made for either.
"""

from __future__ import annotations

import heapq
from bisect import bisect_left, bisect_right, insort
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from itertools import islice

from domain.matching.engine import (
    _bank_take,
    _check_loan,
    _Funders,
    _platform_book,
    _rule_take,
    common_skip,
)
from domain.matching.outcome import Decision, DecisionCode, Fill
from domain.matching.sources import (
    AutoInvestRule,
    BankOffer,
    LoanToFund,
    PlatformBook,
    SourceKind,
)

_NO_PRICE = Decimal("Infinity")
# (floor or spread, created_at, id, expires_at, offer); ids are unique, so a comparison
# never reaches the last two.
_OfferEntry = tuple[Decimal, datetime, str, datetime | None, BankOffer]
_RuleEntry = tuple[datetime, str, AutoInvestRule]
_FLOORS, _SPREADS, _UNPRICED, _RULES = 0, 1, 2, 3
_BANK, _AUTO = 0, 1  # the kind's rank in the engine's order


@dataclass(slots=True)
class _View:
    """The sources accepting one currency, grade and term, each stream in ranking order."""

    floors: list[_OfferEntry] = field(default_factory=list)
    spreads: list[_OfferEntry] = field(default_factory=list)
    unpriced: list[_OfferEntry] = field(default_factory=list)  # neither floor nor spread
    rules: list[_RuleEntry] = field(default_factory=list)
    min_rates: list[Decimal] = field(default_factory=list)  # the rules', sorted
    expiries: list[datetime] = field(default_factory=list)  # the offers' that expire, sorted

    def __len__(self) -> int:
        return len(self.floors) + len(self.spreads) + len(self.unpriced) + len(self.rules)


@dataclass(frozen=True, slots=True)
class IndexedMatch:
    loan_id: str
    fills: tuple[Fill, ...]  # best price first
    unfilled: int
    chosen: tuple[Decision, ...]  # the decision for each source used, as `match_loan` makes it
    ranks: tuple[int, ...]  # each chosen source's place among the sources read (1 = first)
    refused: Mapping[DecisionCode, int]  # sources read (or priced out) and not used, by reason
    screened: Mapping[DecisionCode, int]  # sources that cannot take the loan at all, by reason
    not_considered: int  # sources accepting the loan left unread once it was filled
    read: tuple[str, ...] = ()  # the ids of the sources read, in order (the platform book's too)

    @property
    def filled(self) -> int:
        return sum(fill.amount for fill in self.fills)

    def passed_over(self) -> Counter[DecisionCode]:
        """Every source neither used nor left unread, by reason."""
        return Counter(self.refused) + Counter(self.screened)


class OpenSources:
    """The open bank offers and auto-invest rules, indexed by currency, grade and term."""

    def __init__(self) -> None:
        self._offers: dict[str, BankOffer] = {}
        self._rules: dict[str, AutoInvestRule] = {}
        self._views: dict[tuple[str, str, int], _View] = {}
        # By kind, so a listing open to one kind counts only that kind's (screen).
        self._by_currency: Counter[tuple[SourceKind, str]] = Counter()
        self._by_grade: Counter[tuple[SourceKind, str, str]] = Counter()
        self._by_funder: dict[tuple[SourceKind, str], set[str]] = {}  # each one's ids

    @classmethod
    def of(cls, offers: Iterable[BankOffer], rules: Iterable[AutoInvestRule]) -> OpenSources:
        index = cls()
        for offer in offers:
            index.put_offer(offer)
        for rule in rules:
            index.put_rule(rule)
        return index

    def __len__(self) -> int:
        return len(self._offers) + len(self._rules)

    def offer(self, offer_id: str) -> BankOffer | None:
        return self._offers.get(offer_id)

    def rule(self, rule_id: str) -> AutoInvestRule | None:
        return self._rules.get(rule_id)

    def put_offer(self, offer: BankOffer) -> None:
        """Add the offer, or replace the one with its id (its room, rate or terms changed)."""
        self.remove_offer(offer.offer_id)
        self._offers[offer.offer_id] = offer
        self._count(offer, 1)
        for key, view in self._views.items():
            if _accepts(offer, key):
                insort(_stream(view, offer), _offer_entry(offer))
                if offer.expires_at is not None:
                    insort(view.expiries, offer.expires_at)

    def put_rule(self, rule: AutoInvestRule) -> None:
        """Add the rule, or replace the one with its id."""
        self.remove_rule(rule.rule_id)
        self._rules[rule.rule_id] = rule
        self._count(rule, 1)
        for key, view in self._views.items():
            if _accepts(rule, key):
                insort(view.rules, _rule_entry(rule))
                insort(view.min_rates, rule.min_rate)

    def remove_offer(self, offer_id: str) -> None:
        """Forget the offer (closed, used up, expired); nothing if it is not here."""
        offer = self._offers.pop(offer_id, None)
        if offer is None:
            return
        self._count(offer, -1)
        entry = _offer_entry(offer)
        for key, view in self._views.items():
            if _accepts(offer, key):
                stream = _stream(view, offer)
                del stream[bisect_left(stream, entry)]
                if offer.expires_at is not None:
                    del view.expiries[bisect_left(view.expiries, offer.expires_at)]

    def remove_rule(self, rule_id: str) -> None:
        rule = self._rules.pop(rule_id, None)
        if rule is None:
            return
        self._count(rule, -1)
        entry = _rule_entry(rule)
        for key, view in self._views.items():
            if _accepts(rule, key):
                del view.rules[bisect_left(view.rules, entry)]
                del view.min_rates[bisect_left(view.min_rates, rule.min_rate)]

    def _count(self, source: BankOffer | AutoInvestRule, sign: int) -> None:
        kind = _kind(source)
        self._by_currency[kind, source.currency] += sign
        for grade in source.grades:
            self._by_grade[kind, source.currency, grade] += sign
        ids = self._by_funder.setdefault((kind, _funder(source)), set())
        if sign > 0:
            ids.add(_id(source))
        else:
            ids.discard(_id(source))

    def _view(self, currency: str, grade: str, term: int) -> _View:
        key = (currency, grade, term)
        view = self._views.get(key)
        if view is None:
            view = _View()
            for offer in self._offers.values():
                if _accepts(offer, key):
                    _stream(view, offer).append(_offer_entry(offer))
            view.rules = [_rule_entry(r) for r in self._rules.values() if _accepts(r, key)]
            for stream in (view.floors, view.spreads, view.unpriced):
                stream.sort()
            view.rules.sort()
            view.min_rates = sorted(entry[2].min_rate for entry in view.rules)
            view.expiries = sorted(
                o.expires_at
                for stream in (view.floors, view.spreads, view.unpriced)
                for *_, o in stream
                if o.expires_at is not None
            )
            self._views[key] = view
        return view

    def match(
        self,
        loan: LoanToFund,
        *,
        now: datetime,
        reference_rate: Decimal | None = None,
        platform_book: PlatformBook | None = None,
        offers: bool = True,
        rules: bool = True,
        exclude_funder: str | None = None,
    ) -> IndexedMatch:
        """What `match_loan(loan, offers, rules, ...)` decides over the sources held here.

        `offers=False` or `rules=False` leaves that kind out of the walk, and
        `exclude_funder`'s sources are skipped (a borrower never funds their own loan): the
        fills, decisions and `read` are then `match_loan`'s over the sources left; the
        counts (refused, screened, not_considered) still include the ones left out."""
        _check_loan(loan)
        view = self._view(loan.currency, loan.grade, loan.term_months)
        walk = _Match(loan, view, now, reference_rate, offers, rules, exclude_funder)
        return walk.run(platform_book, self._screened(loan))

    def screen(
        self,
        loan: LoanToFund,
        *,
        now: datetime,
        offers: bool = True,
        rules: bool = True,
        exclude_funder: str | None = None,
    ) -> tuple[Counter[DecisionCode], int]:
        """The sources held here of the kinds asked (`offers`, `rules`), `exclude_funder`'s
        left out, that cannot take the loan at all, by the first condition they fail:
        currency, grade, term, then an offer's expiry or a rule's rate (`screen_code`); and
        how many pass them all. Counted, not read one by one: what a listing's explanation
        says of every open source besides those the match read."""
        view = self._view(loan.currency, loan.grade, loan.term_months)
        counts: Counter[DecisionCode] = Counter()
        passing = 0
        for kind, asked in ((SourceKind.BANK_OFFER, offers), (SourceKind.AUTO_INVEST, rules)):
            if not asked:
                continue
            in_currency = self._by_currency[kind, loan.currency]
            in_grade = self._by_grade[kind, loan.currency, loan.grade]
            if kind is SourceKind.BANK_OFFER:
                in_view = len(view.floors) + len(view.spreads) + len(view.unpriced)
                last_code = DecisionCode.EXPIRED
                failing = bisect_right(view.expiries, now)  # expires_at <= now
            else:
                in_view = len(view.rules)
                last_code = DecisionCode.RATE_TOO_LOW
                failing = len(view.min_rates) - bisect_right(view.min_rates, loan.note_rate)
            counts[DecisionCode.CURRENCY_MISMATCH] += self._of_kind(kind) - in_currency
            counts[DecisionCode.GRADE_NOT_ACCEPTED] += in_currency - in_grade
            counts[DecisionCode.TERM_OUT_OF_RANGE] += in_grade - in_view
            counts[last_code] += failing
            passing += in_view - failing
            for source_id in self._by_funder.get((kind, exclude_funder or ""), ()):
                source = (self._offers if kind is SourceKind.BANK_OFFER else self._rules)[source_id]
                code = screen_code(source, loan, now)
                if code is None:
                    passing -= 1
                else:
                    counts[code] -= 1
        return +counts, passing

    def _of_kind(self, kind: SourceKind) -> int:
        return len(self._offers) if kind is SourceKind.BANK_OFFER else len(self._rules)

    def _screened(self, loan: LoanToFund) -> dict[DecisionCode, int]:
        in_currency = sum(self._by_currency[kind, loan.currency] for kind in _KINDS)
        in_grade = sum(self._by_grade[kind, loan.currency, loan.grade] for kind in _KINDS)
        counts = {
            DecisionCode.CURRENCY_MISMATCH: len(self) - in_currency,
            DecisionCode.GRADE_NOT_ACCEPTED: in_currency - in_grade,
            DecisionCode.TERM_OUT_OF_RANGE: in_grade
            - len(self._view(loan.currency, loan.grade, loan.term_months)),
        }
        return {code: n for code, n in counts.items() if n}


class _Match:
    """One loan's walk over one view, best first."""

    def __init__(
        self,
        loan: LoanToFund,
        view: _View,
        now: datetime,
        reference: Decimal | None,
        offers: bool = True,
        rules: bool = True,
        exclude: str | None = None,
    ) -> None:
        self.loan, self.view, self.now, self.reference = loan, view, now, reference
        self.exclude = exclude
        # A kind left out starts at its streams' ends: never read, never counted.
        self.positions = [
            0 if offers else len(view.floors),
            0 if offers else len(view.spreads),
            0 if offers else len(view.unpriced),
            0 if rules else len(view.rules),
        ]
        self.refused: Counter[DecisionCode] = Counter()
        rate = loan.annual_rate
        # How many sources could still be used: those priced at or under the loan's rate.
        self.live = 0
        if offers:
            self.live += bisect_right(view.floors, rate, key=_first)
            if reference is not None:
                self.live += bisect_right(view.spreads, rate, key=lambda e: reference + e[0])
        if rules:
            self.live += bisect_right(view.min_rates, loan.note_rate)

    def _head(self, stream: int) -> tuple[Decimal, datetime, str, int, int] | None:
        view, n = self.view, self.positions[stream]
        if stream == _RULES:
            if n == len(view.rules):
                return None
            created, rule_id, _ = view.rules[n]
            return (self.loan.note_rate, created, rule_id, _AUTO, stream)
        entries = (view.floors, view.spreads, view.unpriced)[stream]
        if n == len(entries):
            return None
        price, created, offer_id, _, _ = entries[n]
        if stream == _SPREADS:
            price = _NO_PRICE if self.reference is None else self.reference + price
        elif stream == _UNPRICED:
            price = _NO_PRICE
        return (price, created, offer_id, _BANK, stream)

    def run(
        self, platform_book: PlatformBook | None, screened: dict[DecisionCode, int]
    ) -> IndexedMatch:
        loan, view = self.loan, self.view
        heads = [h for h in map(self._head, (_FLOORS, _SPREADS, _UNPRICED, _RULES)) if h]
        heapq.heapify(heads)
        funders = _Funders(loan)
        remaining = loan.amount
        fills: list[Fill] = []
        chosen: list[Decision] = []
        ranks: list[int] = []
        read_ids: list[str] = []
        read = 0
        exclude = self.exclude
        while heads and remaining and self.live:
            price, _, source_id, _, stream = heads[0]
            n = self.positions[stream]
            self.positions[stream] = n + 1
            following = self._head(stream)
            if following is None:
                heapq.heappop(heads)
            else:
                heapq.heapreplace(heads, following)
            if stream == _RULES:
                rule = view.rules[n][2]
                kind, funder_id, asking = SourceKind.AUTO_INVEST, rule.investor_id, price
                if funder_id == exclude:  # not a source for this loan at all
                    self.live -= loan.note_rate >= rule.min_rate
                    continue
                read += 1
                read_ids.append(source_id)
                if loan.note_rate < rule.min_rate:
                    self.refused[DecisionCode.RATE_TOO_LOW] += 1
                    continue
                self.live -= 1
                code, amount = _rule_take(rule, loan, remaining, funders)
            else:
                offer = (view.floors, view.spreads, view.unpriced)[stream][n][4]
                kind, funder_id = SourceKind.BANK_OFFER, offer.funder_id
                asking = price
                priced_in = price is not _NO_PRICE and price <= loan.annual_rate
                if priced_in:
                    self.live -= 1
                if funder_id == exclude:
                    continue
                read += 1
                read_ids.append(source_id)
                if offer.expires_at is not None and offer.expires_at <= self.now:
                    self.refused[DecisionCode.EXPIRED] += 1
                    continue
                if not priced_in:
                    self.refused[_priced_out(price)] += 1
                    continue
                code, amount = _bank_take(offer, remaining, funders)
            if not amount:
                self.refused[code] += 1
                continue
            chosen.append(Decision(source_id, kind, funder_id, code, amount, asking))
            ranks.append(read)
            fills.append(Fill(source_id, kind, funder_id, amount, asking))
            funders.added[funder_id] += amount
            remaining -= amount
        if remaining:  # nothing left could be used: what is left refuses on price
            read += self._count_the_rest()
        if platform_book is not None and remaining:
            book = platform_book
            code, amount = _platform_book(book, loan, remaining, funders)
            rate = loan.note_rate
            read += 1
            read_ids.append(book.book_id)
            if amount:
                kind = SourceKind.PLATFORM_BOOK
                chosen.append(Decision(book.book_id, kind, book.funder_id, code, amount, rate))
                ranks.append(read)
                fills.append(Fill(book.book_id, kind, book.funder_id, amount, rate))
                remaining -= amount
            else:
                self.refused[code] += 1
        sources = len(view) + (platform_book is not None)
        return IndexedMatch(
            loan.loan_id,
            tuple(fills),
            remaining,
            tuple(chosen),
            tuple(ranks),
            {code: n for code, n in self.refused.items() if n},
            screened,
            sources - read,
            tuple(read_ids),
        )

    def _count_the_rest(self) -> int:
        """Count, by reason, the sources not read yet, none of which the loan can use."""
        view, now, positions = self.view, self.now, self.positions
        counted = 0
        for stream, entries in enumerate((view.floors, view.spreads, view.unpriced)):
            rest = len(entries) - positions[stream]
            if not rest:
                continue
            expired = sum(
                1
                for entry in islice(entries, positions[stream], None)
                if entry[3] is not None and entry[3] <= now
            )
            priced = stream == _FLOORS or (stream == _SPREADS and self.reference is not None)
            code = DecisionCode.RATE_TOO_LOW if priced else DecisionCode.NO_REFERENCE_RATE
            self.refused[DecisionCode.EXPIRED] += expired
            self.refused[code] += rest - expired
            counted += rest
        rules = len(view.rules) - positions[_RULES]
        self.refused[DecisionCode.RATE_TOO_LOW] += rules
        return counted + rules


_KINDS = (SourceKind.BANK_OFFER, SourceKind.AUTO_INVEST)


def screen_code(
    source: BankOffer | AutoInvestRule, loan: LoanToFund, now: datetime
) -> DecisionCode | None:
    """The first condition of `OpenSources.screen` the source fails for the loan, if any."""
    common = common_skip(source, loan)
    if common is not None:
        return common
    if isinstance(source, BankOffer):
        expired = source.expires_at is not None and source.expires_at <= now
        return DecisionCode.EXPIRED if expired else None
    return DecisionCode.RATE_TOO_LOW if source.min_rate > loan.note_rate else None


def _kind(source: BankOffer | AutoInvestRule) -> SourceKind:
    return SourceKind.BANK_OFFER if isinstance(source, BankOffer) else SourceKind.AUTO_INVEST


def _funder(source: BankOffer | AutoInvestRule) -> str:
    return source.funder_id if isinstance(source, BankOffer) else source.investor_id


def _id(source: BankOffer | AutoInvestRule) -> str:
    return source.offer_id if isinstance(source, BankOffer) else source.rule_id


def _priced_out(asking: Decimal) -> DecisionCode:
    if asking is _NO_PRICE:
        return DecisionCode.NO_REFERENCE_RATE
    return DecisionCode.RATE_TOO_LOW


def _first(entry: _OfferEntry) -> Decimal:
    return entry[0]


def _accepts(source: BankOffer | AutoInvestRule, key: tuple[str, str, int]) -> bool:
    currency, grade, term = key
    return (
        source.currency == currency
        and grade in source.grades
        and source.min_term <= term <= source.max_term
    )


def _stream(view: _View, offer: BankOffer) -> list[_OfferEntry]:
    if offer.rate_floor is not None:
        return view.floors
    return view.unpriced if offer.spread is None else view.spreads


def _offer_entry(offer: BankOffer) -> _OfferEntry:
    price = offer.rate_floor if offer.rate_floor is not None else offer.spread
    return (
        _NO_PRICE if price is None else price,
        offer.created_at,
        offer.offer_id,
        offer.expires_at,
        offer,
    )


def _rule_entry(rule: AutoInvestRule) -> _RuleEntry:
    return (rule.created_at, rule.rule_id, rule)
