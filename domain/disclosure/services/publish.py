"""The worker's `disclosure` job: the live figures recomputed, and each month frozen.

Every run recomputes each currency's figures in one REPEATABLE READ snapshot and replaces
its live row. The first run of a new month, when the live row it replaces was computed in the
month just ended (the worker was running then), also freezes the fresh figures as that
month's snapshot: written once (a conflict keeps the first), never changed (a trigger
refuses UPDATE and DELETE). Queries read these rows; none computes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.clock import Clock
from domain.disclosure.figures import canonical_text, content_hash, document_of
from domain.disclosure.services.compute import compute_figures, month_of
from domain.disclosure.tables import DisclosureLive, DisclosureSnapshot
from domain.unit_of_work import transaction

LIVE = DisclosureLive.__table__  # type: ignore[attr-defined]
SNAPSHOTS = DisclosureSnapshot.__table__  # type: ignore[attr-defined]
_CURRENCIES = text("SELECT DISTINCT currency FROM loan_product ORDER BY currency")
_LAST_LIVE = text("SELECT computed_at FROM disclosure_live WHERE currency = :c FOR UPDATE")


@dataclass(frozen=True, slots=True)
class Published:
    currency: str
    computed_at: datetime
    content_hash: str
    frozen_month: date | None  # the month this run froze, if it froze one


async def publish_currency(session: AsyncSession, *, currency: str, now: datetime) -> Published:
    """Recompute `currency`'s live figures; freeze the month just ended if it is due."""
    conn = await session.connection()
    await conn.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ"))
    last = (await conn.execute(_LAST_LIVE, {"c": currency})).scalar()
    figures = await compute_figures(session, currency=currency, now=now)
    document = canonical_text(document_of(figures, month_of(now.date())))
    digest = content_hash(document)
    row = {"currency": currency, "computed_at": now, "document": document, "content_hash": digest}
    await conn.execute(
        insert(LIVE)
        .values(**row)
        .on_conflict_do_update(
            index_elements=[LIVE.c.currency],
            set_={"computed_at": now, "document": document, "content_hash": digest},
        )
    )
    ended = month_of(month_of(now.date()) - timedelta(days=1))
    frozen = None
    if last is not None and month_of(last.date()) == ended:
        written = await conn.execute(
            insert(SNAPSHOTS)
            .values(month=ended, **row)
            .on_conflict_do_nothing()
            .returning(SNAPSHOTS.c.month)
        )
        frozen = written.scalar()
    return Published(currency, now, digest, frozen)


async def publish_disclosure(sessions: async_sessionmaker[AsyncSession], clock: Clock) -> int:
    """Every currency with a loan product, each in its own transaction; how many months were
    frozen."""
    async with sessions() as session:
        currencies = list((await (await session.connection()).execute(_CURRENCIES)).scalars())
    frozen = 0
    for currency in currencies:
        async with transaction(sessions) as session:
            published = await publish_currency(session, currency=currency, now=clock.now())
        frozen += published.frozen_month is not None
    return frozen
