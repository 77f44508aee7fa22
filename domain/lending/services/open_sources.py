"""Each process's index of the open bank offers and auto-invest rules, so a listing reads a
handful of sources from PostgreSQL instead of every open one.

The index (domain.matching.index.OpenSources) only narrows the candidates; PostgreSQL
decides. A listing walks the index best first, as the engine would, then reads the sources
the walk read again, by id, in its own transaction: if any differs from the index (changed,
used up, withdrawn, expired, a wallet or a day's budget spent) the index takes the fresh
rows and the walk runs again; once every source it read is as PostgreSQL has it, those rows
are what the engine matches, and the chosen bank offers are then locked and checked as
before (services/matching.py). So a stale entry never funds anything: it costs a walk.

Keeping up (several API processes, each with its own index): a trigger stamps every written
offer and rule with its transaction's id and a per-row increasing number (migration 0061).
Before each walk a process reads the rows written by transactions its previous read did not
see (`source_xid` not visible in the snapshot that read took: those that committed since,
whatever their order, and none twice-missed as a sequence read by position would miss a
late commit; a snapshot counts its own transaction as seen, so the rows that transaction
writes are read again too), one indexed statement per table, usually returning nothing.
Chosen over the outbox (rules and offers do not all record events, and fixtures and
operators write rows directly) and over a version counter (one hot row every write would
update, and a counter read does not say what changed). A row replaces an entry only
if its number is not older, so a slow read never undoes a newer one. What no row stamp
shows (a deleted rule, a wallet spent, a day's budget) is caught by the re-read above.

The index is built from the tables on first use in a process (one read of every open offer
and active rule), and again if a listing's walks keep finding it wrong (the listing then
reads its sources from the tables, as without the index).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.lending.funding_terms import OfferKind
from domain.lending.services.match_sources import (
    OFFER_COLUMNS,
    OFFERS,
    RULES,
    offers_of,
    rule_budgets,
)
from domain.lending.tables import Loan
from domain.matching.index import OpenSources
from domain.matching.sources import AutoInvestRule, BankOffer, LoanToFund

_WALKS = 3  # walks that may find the index wrong before a listing reads the tables instead


class _Snapshot(sa.types.UserDefinedType[str]):
    cache_ok = True

    def get_col_spec(self, **kw: Any) -> str:
        return "txid_snapshot"


_OFFER_OPEN = sa.and_(
    OFFERS.c.status == "OPEN",
    OFFERS.c.kind == OfferKind.LOAN.value,
    OFFERS.c.committed < OFFERS.c.capacity,
)
_RULE_COLUMNS = (
    RULES.c.id,
    RULES.c.investor_id,
    RULES.c.currency,
    RULES.c.grades,
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


def _since(table: sa.Table, seen: _Seen | None, member: sa.ColumnElement[bool]) -> Any:
    """Every member row if nothing was `seen`, else every row written by a transaction that
    read did not see; with this statement's snapshot and transaction on each row (a left
    join keeps them when no row comes)."""
    if seen is None:
        written: sa.ColumnElement[bool] = member
    else:
        snapshot = sa.cast(sa.literal(seen[0]), _Snapshot())
        written = sa.and_(
            table.c.source_xid >= sa.func.txid_snapshot_xmin(snapshot),
            ~sa.func.txid_visible_in_snapshot(table.c.source_xid, snapshot),
        )
        if seen[1] is not None:
            written = sa.or_(written, table.c.source_xid == seen[1])
    current = sa.select(
        sa.cast(sa.func.txid_current_snapshot(), sa.Text).label("snap"),
        sa.func.txid_current_if_assigned().label("mine"),
    )
    return current.subquery(), written


class SourceCache:
    """One process's index of one database's open sources, and how far it has read."""

    def __init__(self) -> None:
        self._reset()

    def _reset(self) -> None:
        self.index = OpenSources()
        self.seqs: dict[str, int] = {}  # each entry's row number as last applied
        self.offers_seen: _Seen | None = None  # what the last read of offers saw
        self.rules_seen: _Seen | None = None
        self.rebuild = False

    async def refresh(self, session: AsyncSession, now: datetime) -> None:
        """Take in what was written since the last read (everything, the first time)."""
        if self.rebuild:
            self._reset()
        connection = await session.connection()
        snap, written = _since(OFFERS, self.offers_seen, _OFFER_OPEN)
        rows = (
            await connection.execute(
                sa.select(
                    snap.c.snap, snap.c.mine, *OFFER_COLUMNS, _OFFER_OPEN, OFFERS.c.source_seq
                )
                .select_from(snap.outerjoin(OFFERS, written))
                .order_by(OFFERS.c.id)
            )
        ).all()
        self._take_offers([row[2:] for row in rows if row[2] is not None])
        offers_seen = (rows[0][0], rows[0][1])
        snap, written = _since(RULES, self.rules_seen, RULES.c.active)
        rule_rows = (
            await connection.execute(
                sa.select(
                    snap.c.snap, snap.c.mine, *_RULE_COLUMNS, RULES.c.active, RULES.c.source_seq
                )
                .select_from(snap.outerjoin(RULES, written))
                .order_by(RULES.c.id)
            )
        ).all()
        await self._take_rules(session, [row[2:] for row in rule_rows if row[2] is not None], now)
        self.offers_seen, self.rules_seen = offers_seen, (rule_rows[0][0], rule_rows[0][1])

    def _take_offers(self, rows: Sequence[Sequence[Any]]) -> bool:
        """Apply offer rows (OFFER_COLUMNS, open, seq); whether any entry changed."""
        changed = False
        for row, offer in zip(rows, offers_of(rows), strict=True):
            is_open, seq = row[14], row[15] or 0
            if seq < self.seqs.get(offer.offer_id, 0):
                changed = True  # the index already holds a newer write: read again
                continue
            self.seqs[offer.offer_id] = seq
            # Expired offers stay (the walk refuses them at its own `now`): a clock that
            # goes back, as tests' do, finds them open again.
            if is_open:
                if self.index.offer(offer.offer_id) != offer:
                    self.index.put_offer(offer)
                    changed = True
            elif self.index.offer(offer.offer_id) is not None:
                self.index.remove_offer(offer.offer_id)
                changed = True
        return changed

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

    async def read_again(
        self, session: AsyncSession, offer_ids: list[str], rule_ids: list[str], now: datetime
    ) -> tuple[list[BankOffer], list[AutoInvestRule], bool]:
        """The walk's sources as the tables have them now, taken into the index; whether any
        entry was wrong."""
        connection = await session.connection()
        offers: list[BankOffer] = []
        rules: list[AutoInvestRule] = []
        wrong = False
        if offer_ids:
            rows = (
                await connection.execute(
                    sa.select(*OFFER_COLUMNS, _OFFER_OPEN, OFFERS.c.source_seq).where(
                        OFFERS.c.id.in_([UUID(i) for i in offer_ids])
                    )
                )
            ).all()
            gone = set(offer_ids) - {str(row[0]) for row in rows}
            for offer_id in gone:  # not in the table at all any more
                self.index.remove_offer(offer_id)
            wrong = self._take_offers(rows) or bool(gone)
            offers = [
                o
                for i in offer_ids
                if (o := self.index.offer(i)) is not None
                and (o.expires_at is None or o.expires_at > now)
            ]
        if rule_ids:
            rows = (
                await connection.execute(
                    sa.select(*_RULE_COLUMNS, RULES.c.active, RULES.c.source_seq).where(
                        RULES.c.id.in_([UUID(i) for i in rule_ids])
                    )
                )
            ).all()
            gone = set(rule_ids) - {str(row[0]) for row in rows}
            for rule_id in gone:  # deleted: no stamp said so
                self.index.remove_rule(rule_id)
            wrong = await self._take_rules(session, rows, now) or bool(gone) or wrong
            rules = [r for i in rule_ids if (r := self.index.rule(i)) is not None]
        return offers, rules, wrong


def _rule(row: Sequence[Any], budget: int) -> AutoInvestRule:
    return AutoInvestRule(
        rule_id=str(row[0]),
        investor_id=str(row[1]),
        currency=row[2],
        grades=frozenset(row[3]),
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
    `cache`: another index than this process's (tests stand for other processes with it)."""
    cache = cache or await cache_of(session)
    await cache.refresh(session, now)
    for _ in range(_WALKS):
        walk = cache.index.match(
            target,
            now=now,
            reference_rate=loan.borrower_rate,
            offers=offers,
            rules=rules,
            exclude_funder=str(loan.borrower_id),
        )
        offer_ids = [i for i in walk.read if cache.index.offer(i) is not None]
        rule_ids = [i for i in walk.read if cache.index.rule(i) is not None]
        fresh_offers, fresh_rules, wrong = await cache.read_again(session, offer_ids, rule_ids, now)
        if not wrong:
            return fresh_offers, [r for r in fresh_rules if r.min_rate <= loan.funder_rate]
    cache.rebuild = True
    return None
