"""Each process's index of the open bank offers and auto-invest rules, so a listing reads a
handful of sources from PostgreSQL instead of every open one.

The index (domain.matching.index.OpenSources) only narrows the candidates; PostgreSQL
decides. A listing walks the index best first, as the engine would, then sends one
statement (take_in) that brings the index up to date and checks what the walk read: if the
index changed (an offer or rule written since, a walked offer whose row is not the one the
index holds, closed or gone, a walked rule's budget or wallet spent, or deleted) the walk
runs again, and stands if it reads nothing the statement did not check; once it stands, its
sources as the index now holds them are what the engine matches, and the chosen bank offers
are then locked and checked as before (services/matching.py). So a stale entry never funds
anything: it costs a walk.

Keeping up (several API processes, each with its own index): a trigger stamps every written
offer and rule with its transaction's id and a per-row increasing number (migration 0075).
Each take_in reads the rows written by transactions the previous one did not see
(`source_xid` not visible in the snapshot that read took: those that committed since,
whatever their order, and none twice-missed as a sequence read by position would miss a
late commit; a snapshot counts its own transaction as seen, so the rows that transaction
writes are read again too), by index, usually none. Chosen over the outbox (rules and offers
do not all record events, and fixtures and operators write rows directly) and over a
version counter (one hot row every write would update, and a counter read does not say what
changed). A row replaces an entry only if its number is not older, so a slow read never
undoes a newer one. What no row stamp shows (a deleted row, a wallet spent, a day's budget)
is checked for the walked sources in the same statement (rules' budgets: two more).

The index is built as the app starts (api/open_sources_warmup.py; else on first use in a
process: one read of every open offer and active rule), and again if a listing's walks keep
finding it wrong (the listing then reads its sources from the tables, as without the index).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.lending.funding_terms import OfferKind
from domain.lending.services.match_sources import (
    OFFER_COLUMNS,
    OFFERS,
    RULES,
    offers_of,
    rule_budgets,
)
from domain.lending.tables import Loan, OpenSourceDeletion
from domain.matching.index import OpenSources
from domain.matching.outcome import DecisionCode
from domain.matching.sources import AutoInvestRule, BankOffer, LoanToFund

DELETIONS = OpenSourceDeletion.__table__  # type: ignore[attr-defined]
_WALKS = 3  # walks that may find the index wrong before a listing reads the tables instead


class _Snapshot(sa.types.UserDefinedType[str]):
    cache_ok = True

    def get_col_spec(self, **kw: Any) -> str:
        return "txid_snapshot"


# A listed offer is a source; with room left it is an open one (the index), without it
# is kept apart (SourceCache.full), only to be counted in explanations.
_OFFER_LISTED = sa.and_(OFFERS.c.status == "OPEN", OFFERS.c.kind == OfferKind.LOAN.value)
_OFFER_OPEN = sa.and_(_OFFER_LISTED, OFFERS.c.committed < OFFERS.c.capacity)
_RULE_COLUMNS = (
    RULES.c.id,
    RULES.c.investor_id,
    RULES.c.currency,
    # One string, as OFFER_COLUMNS has the offers' grades: an array column's result
    # processing runs on every row of take_in's statement, the offers' too.
    sa.func.array_to_string(RULES.c.grades, ","),
    RULES.c.min_term_months,
    RULES.c.max_term_months,
    RULES.c.min_rate,
    RULES.c.max_per_loan,
    RULES.c.daily_budget,
    RULES.c.created_at,
)


# What a read saw: its snapshot, and the transaction it ran in if that had written (a
# snapshot counts its own transaction's writes as seen, even those it makes after).
_Seen = tuple[str, int | None]


def _written(table: sa.Table, seen: bool, mine: bool, member: sa.ColumnElement[bool]) -> Any:
    """Every member row if nothing was `seen`, else every row written by a transaction the
    last read (its snapshot: parameter `snapshot`) did not see, and if that read's
    transaction had written (parameter `mine`), that transaction's rows."""
    if not seen:
        return member
    snapshot = sa.cast(sa.bindparam("snapshot", type_=sa.Text()), _Snapshot())
    written = sa.and_(
        table.c.source_xid >= sa.func.txid_snapshot_xmin(snapshot),
        ~sa.func.txid_visible_in_snapshot(table.c.source_xid, snapshot),
    )
    if mine:
        written = sa.or_(written, table.c.source_xid == sa.bindparam("mine", type_=sa.BigInteger()))
    return written


def _type_of(column: sa.ColumnElement[Any]) -> Any:
    return sa.Text() if isinstance(column.type, sa.types.NullType) else column.type


# One statement reads everything a listing asks of the tables before matching, so its rows
# are of four kinds (the first column says which), each filling its own slots and NULL in
# the others: the statement's snapshot ("s": snapshot, own transaction), offers written
# since the last read or walked and not as the index holds them ("o": OFFER_COLUMNS, listed,
# seq), rules written since or walked ("r": _RULE_COLUMNS, active, seq), and walked offers
# no longer in the table or offers and rules deleted since ("g": id).
_SNAPSHOT, _OFFER, _RULE = 1, 3, 3 + len(OFFER_COLUMNS) + 2
_SLOT_TYPES = [
    sa.Text(),
    sa.Text(),
    sa.BigInteger(),
    *(_type_of(c) for c in OFFER_COLUMNS),
    sa.Boolean(),
    sa.BigInteger(),
    *(_type_of(c) for c in _RULE_COLUMNS),
    sa.Boolean(),
    sa.BigInteger(),
]


def _rows_of(kind: str, at: int, columns: Sequence[Any]) -> sa.Select[Any]:
    """A select of every slot: `columns` from slot `at`, NULL (of the slot's type) elsewhere."""
    slots: list[Any] = [sa.cast(sa.null(), t) for t in _SLOT_TYPES]
    slots[0] = sa.literal(kind, sa.Text())
    slots[at : at + len(columns)] = columns
    return sa.select(*(slot.label(f"c{n}") for n, slot in enumerate(slots)))


_SEQS = postgresql.ARRAY(sa.BigInteger())


def _ids(name: str) -> Any:
    return sa.bindparam(name, type_=postgresql.ARRAY(sa.Uuid()))


@functools.cache
def _take_in_statement(seen: bool, mine: bool, offers: bool, rules: bool) -> Any:
    """take_in's statement, built once for each shape: whether a read was `seen` before and
    its transaction had written (`mine`), whether walked `offers` (parameter `offer_ids`)
    and `rules` (`rule_ids`) are checked."""
    snapshot = [
        sa.cast(sa.func.txid_current_snapshot(), sa.Text),
        sa.func.txid_current_if_assigned(),
    ]
    parts = [
        _rows_of("s", _SNAPSHOT, snapshot),
        _rows_of("o", _OFFER, [*OFFER_COLUMNS, _OFFER_LISTED, OFFERS.c.source_seq]).where(
            _written(OFFERS, seen, mine, _OFFER_LISTED)
        ),
    ]
    rules_read = _written(RULES, seen, mine, RULES.c.active)
    if rules:
        rules_read = sa.or_(rules_read, RULES.c.id == sa.any_(_ids("rule_ids")))
    parts.append(
        _rows_of("r", _RULE, [*_RULE_COLUMNS, RULES.c.active, RULES.c.source_seq]).where(rules_read)
    )
    if seen:  # deleted since: no row left to stamp (migration 0080)
        deleted = _written(DELETIONS, seen, mine, sa.true())
        parts.append(_rows_of("g", _OFFER, [DELETIONS.c.id]).where(deleted))
    if offers:
        # The walked offers whose row is not the one the index holds (its number differs, or
        # it is closed): a stamp read since says so too, unless a first read that raced
        # another left a closed offer in; and those gone from the table.
        walked = (
            sa.func.unnest(_ids("offer_ids"), sa.bindparam("offer_seqs", type_=_SEQS))
            .table_valued("id", "seq")
            .render_derived("walked")
        )
        parts += [
            _rows_of("o", _OFFER, [*OFFER_COLUMNS, _OFFER_LISTED, OFFERS.c.source_seq])
            .select_from(OFFERS.join(walked, OFFERS.c.id == walked.c.id))
            .where(sa.or_(OFFERS.c.source_seq.is_distinct_from(walked.c.seq), ~_OFFER_OPEN)),
            _rows_of("g", _OFFER, [walked.c.id])
            .select_from(walked)
            .where(~sa.exists().where(OFFERS.c.id == walked.c.id)),
        ]
    return sa.union_all(*parts)


class SourceCache:
    """One process's index of one database's open sources, and how far it has read."""

    def __init__(self) -> None:
        # Counts the index's changes (and rebuilds): a walk made at one count stands only
        # if the index is still at it once the tables have been read (indexed_sources).
        self.version = 0
        self._reset()

    def _reset(self) -> None:
        self.version += 1
        self.index = OpenSources()
        self.full = OpenSources()  # listed offers without room: counted, never matched
        self.seqs: dict[str, int] = {}  # each entry's row number as last applied
        self.seen: _Seen | None = None  # what the last read saw
        self.rebuild = False

    async def refresh(self, session: AsyncSession, now: datetime) -> None:
        """Take in what was written since the last read (everything, the first time)."""
        await self.take_in(session, now, [], [])

    async def take_in(
        self, session: AsyncSession, now: datetime, offer_ids: list[str], rule_ids: list[str]
    ) -> None:
        """Take in, in one statement, what was written since the last read (everything, the
        first time), and what a walk read that the index may not hold as the tables do: the
        offers among `offer_ids` whose row differs (by number: the versions are compared in
        SQL, only those that differ come back), the rules among `rule_ids` with their
        budgets as they stand (rule_budgets: two statements more, only if any rule is read),
        which of them are gone from the tables, and every offer and rule deleted since.
        `version` counts on if any entry changed."""
        if self.rebuild:
            self._reset()
        seen = self.seen
        statement = _take_in_statement(
            seen is not None,
            seen is not None and seen[1] is not None,
            bool(offer_ids),
            bool(rule_ids),
        )
        parameters: dict[str, Any] = {}
        if seen is not None:
            parameters["snapshot"], parameters["mine"] = seen
        if offer_ids:
            parameters["offer_ids"] = [UUID(i) for i in offer_ids]
            parameters["offer_seqs"] = [self.seqs.get(i, 0) for i in offer_ids]
        if rule_ids:
            parameters["rule_ids"] = [UUID(i) for i in rule_ids]
        connection = await session.connection()
        rows = (await connection.execute(statement, parameters)).all()
        offers, rules, gone = [], [], set()
        for row in rows:
            kind = row[0]
            if kind == "o":
                offers.append(row[_OFFER:_RULE])
            elif kind == "r":
                rules.append(row[_RULE:])
            elif kind == "g":
                gone.add(str(row[_OFFER]))
            else:
                seen = (row[_SNAPSHOT], row[_SNAPSHOT + 1])
        changed = self._take_offers(offers)
        for source_id in gone:  # not in the table at all any more
            self.index.remove_offer(source_id)
            self.index.remove_rule(source_id)
            self.full.remove_offer(source_id)
        changed = await self._take_rules(session, rules, now) or changed
        for rule_id in set(rule_ids) - {str(row[0]) for row in rules}:  # deleted: no stamp
            self.index.remove_rule(rule_id)
            changed = True
        self.seen = seen
        if changed or gone:
            self.version += 1

    def _take_offers(self, rows: Sequence[Sequence[Any]]) -> bool:
        """Apply offer rows (OFFER_COLUMNS, listed, seq); whether any entry of the index
        changed (the offers without room, `full`, are not the walk's)."""
        changed = False
        for row, offer in zip(rows, offers_of(rows), strict=True):
            listed, seq = row[14], row[15] or 0
            is_open = listed and offer.capacity > 0
            if seq < self.seqs.get(offer.offer_id, 0):
                changed = True  # the index already holds a newer write: read again
                continue
            self.seqs[offer.offer_id] = seq
            # Expired offers stay (the walk refuses them at its own `now`): a clock that
            # goes back, as tests' do, finds them open again.
            if listed and not is_open:
                self.full.put_offer(offer)
            else:
                self.full.remove_offer(offer.offer_id)
            if is_open:
                if self.index.offer(offer.offer_id) != offer:
                    self.index.put_offer(offer)
                    changed = True
            elif self.index.offer(offer.offer_id) is not None:
                self.index.remove_offer(offer.offer_id)
                changed = True
        return changed

    def screened(
        self, loan: Loan, target: LoanToFund, now: datetime, offers: bool, rules: bool
    ) -> tuple[dict[DecisionCode, int], int]:
        """What `screened_sources` counts over the tables, from the index as the last
        read left it: the listed offers (if `offers`) and active rules (if `rules`) that
        cannot take the loan at all, by the engine's code, and how many can; the
        borrower's own left out. No statement: counts the index keeps, not a scan."""
        borrower = str(loan.borrower_id)
        counts, passing = self.index.screen(
            target, now=now, offers=offers, rules=rules, exclude_funder=borrower
        )
        if offers:  # offers without room: what else they fail first, else NO_CAPACITY
            full, roomless = self.full.screen(target, now=now, rules=False, exclude_funder=borrower)
            counts += full
            counts[DecisionCode.NO_CAPACITY] += roomless
        return dict(+counts), passing

    async def _take_rules(
        self, session: AsyncSession, rows: Sequence[Sequence[Any]], now: datetime
    ) -> bool:
        """Apply rule rows (_RULE_COLUMNS, active, seq), each with its budget as it stands."""
        budgets = await rule_budgets(
            session, [(row[0], row[1], row[2], row[8]) for row in rows if row[10]], now
        )
        changed = False
        for row in rows:
            rule_id, seq = str(row[0]), row[11] or 0
            if seq < self.seqs.get(rule_id, 0):
                changed = True
                continue
            self.seqs[rule_id] = seq
            if not row[10]:
                if self.index.rule(rule_id) is not None:
                    self.index.remove_rule(rule_id)
                    changed = True
                continue
            rule = _rule(row, budgets[row[0]])
            if self.index.rule(rule_id) != rule:
                self.index.put_rule(rule)
                changed = True
        return changed


def _rule(row: Sequence[Any], budget: int) -> AutoInvestRule:
    return AutoInvestRule(
        rule_id=str(row[0]),
        investor_id=str(row[1]),
        currency=row[2],
        grades=frozenset(row[3].split(",")),
        min_term=row[4],
        max_term=row[5],
        min_rate=row[6],
        max_per_loan=row[7],
        budget_remaining=budget,
        created_at=row[9],
    )


_CACHES: dict[str, SourceCache] = {}


async def cache_of(session: AsyncSession) -> SourceCache:
    """This process's index of the session's database (one per database: tests use several)."""
    url = (await session.connection()).engine.url.render_as_string(hide_password=True)
    return _CACHES.setdefault(url, SourceCache())


def forget_indexes() -> None:
    """Drop this process's indexes: a test empties the tables without a trace the index
    could read (rows deleted, not written)."""
    _CACHES.clear()


async def build_index(session: AsyncSession, now: datetime) -> int:
    """Build (or bring up to date) this process's index of the session's database, as a
    process does at start rather than on its first listing; how many sources it holds."""
    cache = await cache_of(session)
    await cache.refresh(session, now)
    return len(cache.index)


async def indexed_sources(
    session: AsyncSession,
    *,
    loan: Loan,
    target: LoanToFund,
    now: datetime,
    offers: bool,
    rules: bool,
    cache: SourceCache | None = None,
) -> tuple[list[BankOffer], list[AutoInvestRule]] | None:
    """The offers and rules the engine needs to match `target` as it would over every open
    source (those it reads before the loan is filled, or every one priced within the loan's
    rate when it is not), as PostgreSQL has them now; None if the index kept being wrong
    (the caller reads every source from the tables, and the index is built again).
    `cache`: another index than this process's (tests stand for other processes with it).

    The walk runs first, on the index as the last read left it; one statement then takes in
    what was written since and checks what no stamp shows (take_in). If nothing changed the
    walk stands. If something did, the walk runs again on the index now as the tables are:
    if it reads no source the first did not (all checked by that statement), it stands;
    else its new sources are checked the same way."""
    cache = cache or await cache_of(session)
    if cache.seen is None or cache.rebuild:
        await cache.refresh(session, now)  # first use in this process: build the index
    version, walk = cache.version, _walk(cache, loan, target, now, offers, rules)
    for _ in range(_WALKS):
        checked = set(walk)
        await cache.take_in(
            session,
            now,
            [i for i in walk if cache.index.offer(i) is not None],
            [i for i in walk if cache.index.rule(i) is not None],
        )
        # Other listings of this process may have changed the index meanwhile too.
        if cache.version != version:
            version, walk = cache.version, _walk(cache, loan, target, now, offers, rules)
            if not checked.issuperset(walk):
                continue
        fresh_offers = [
            o
            for i in walk
            if (o := cache.index.offer(i)) is not None
            and (o.expires_at is None or o.expires_at > now)
        ]
        fresh_rules = [
            r
            for i in walk
            if (r := cache.index.rule(i)) is not None and r.min_rate <= loan.funder_rate
        ]
        return fresh_offers, fresh_rules
    cache.rebuild = True
    return None


def _walk(
    cache: SourceCache,
    loan: Loan,
    target: LoanToFund,
    now: datetime,
    offers: bool,
    rules: bool,
) -> tuple[str, ...]:
    """The ids of the sources the index's walk reads for the loan, in order."""
    return cache.index.match(
        target,
        now=now,
        reference_rate=loan.borrower_rate,
        offers=offers,
        rules=rules,
        exclude_funder=str(loan.borrower_id),
    ).read
