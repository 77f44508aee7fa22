"""What the matching engine reads to finance a certificate: the open supply-chain offers
that could buy it, each with its credit line to the buyer as it stands; and the guarded
writes that consume a credit line and an offer's capacity (and give both back when the
certificate is paid, or its seller repays it under recourse).

The read screens in SQL what cannot take the certificate at all (currency, expiry, tenor,
amount, buyer, room) and hands the engine the cheapest few in its order; the engine picks
and explains. The writes are single guarded UPDATEs: whatever runs concurrently, a credit
line is never used beyond the offer's `per_borrower_cap`, nor an offer beyond its capacity.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.lending.funding_terms import OfferKind
from domain.lending.tables import BankFundingOffer
from domain.matching.sources import ReceivableToFinance, SupplyChainOffer
from domain.supply_chain.tables import CreditLine

OFFERS = BankFundingOffer.__table__  # type: ignore[attr-defined]
LINES = CreditLine.__table__  # type: ignore[attr-defined]
CANDIDATES = 16  # the cheapest this many: enough for a few concurrent takers to miss


async def open_offers(
    session: AsyncSession, receivable: ReceivableToFinance, *, now: datetime, parts: bool = False
) -> list[SupplyChainOffer]:
    """The cheapest open offers that may buy the certificate whole (or, with `parts`, a part
    of it: any room left, a minimum within its amount), with their room on its buyer."""
    o, line = OFFERS.c, LINES.c
    buyer = UUID(receivable.buyer_id)
    used = sa.func.coalesce(line.used, 0)
    amount = receivable.amount
    room = (
        (o.committed < o.capacity, used < o.per_borrower_cap)
        if parts
        else (
            o.max_amount >= amount,
            o.committed + amount <= o.capacity,
            used + amount <= o.per_borrower_cap,
        )
    )
    query = (
        sa.select(
            o.id,
            o.bank_id,
            o.currency,
            o.capacity - o.committed,
            o.rate_floor,
            o.max_tenor_days,
            o.min_amount,
            o.max_amount,
            o.per_borrower_cap - used,
            o.created_at,
            o.core_enterprise_ids,
            o.expires_at,
        )
        .select_from(
            OFFERS.outerjoin(
                LINES, sa.and_(line.offer_id == o.id, line.core_enterprise_id == buyer)
            )
        )
        .where(
            o.status == "OPEN",
            o.kind == OfferKind.SUPPLY_CHAIN.value,
            o.bank_id != UUID(receivable.holder_id),
            o.currency == receivable.currency,
            sa.or_(o.expires_at.is_(None), o.expires_at > now),
            o.max_tenor_days >= receivable.tenor_days,
            o.min_amount <= amount,
            *room,
            sa.or_(
                o.core_enterprise_ids == sa.text("'{}'::uuid[]"),
                sa.literal(buyer, sa.Uuid()) == sa.any_(o.core_enterprise_ids),
            ),
        )
        .order_by(o.rate_floor, o.created_at, o.id)
        .limit(CANDIDATES)
    )
    rows = await (await session.connection()).execute(query)
    return [
        SupplyChainOffer(
            offer_id=str(offer_id),
            funder_id=str(bank),
            currency=currency,
            capacity=int(room),
            discount_rate=rate,
            max_tenor_days=tenor,
            min_amount=least,
            max_amount=most,
            credit_line_room=int(line_room),
            created_at=created,
            core_enterprises=frozenset(str(c) for c in cores),
            expires_at=expires,
        )
        for (
            offer_id,
            bank,
            currency,
            room,
            rate,
            tenor,
            least,
            most,
            line_room,
            created,
            cores,
            expires,
        ) in rows
    ]


async def consume_credit_line(
    session: AsyncSession, *, offer_id: UUID, buyer_id: UUID, amount: int
) -> bool:
    """Use `amount` of the offer's credit line to the buyer, if that much is left."""
    conn = await session.connection()
    await conn.execute(
        insert(LINES)
        .values(offer_id=offer_id, core_enterprise_id=buyer_id, used=0)
        .on_conflict_do_nothing()
    )
    o, line = OFFERS.c, LINES.c
    cap = sa.select(o.per_borrower_cap).where(o.id == offer_id).scalar_subquery()
    used = await conn.execute(
        sa.update(LINES)
        .where(
            line.offer_id == offer_id,
            line.core_enterprise_id == buyer_id,
            line.used + amount <= cap,
        )
        .values(used=line.used + amount)
        .returning(line.used)
    )
    return used.first() is not None


async def restore_credit_line(
    session: AsyncSession, *, offer_id: UUID, buyer_id: UUID, amount: int
) -> None:
    """Give `amount` back to the offer's credit line to the buyer (it was paid)."""
    line = LINES.c
    await (await session.connection()).execute(
        sa.update(LINES)
        .where(line.offer_id == offer_id, line.core_enterprise_id == buyer_id)
        .values(used=line.used - amount)
    )


async def release_capacity(
    session: AsyncSession, *, offer_id: UUID, amount: int, now: datetime
) -> None:
    """Give `amount` back to the offer's capacity: the financier has its money back, so what
    it committed to the certificate is outstanding no more."""
    await (await session.connection()).execute(
        sa.update(OFFERS)
        .where(OFFERS.c.id == offer_id)
        .values(committed=OFFERS.c.committed - amount, updated_at=now)
    )


async def give_back(
    session: AsyncSession, *, offer_id: UUID, buyer_id: UUID, amount: int, now: datetime
) -> None:
    """The financier was repaid `amount` of a certificate it bought from the offer: its credit
    line to the buyer and its capacity are restored, for the bank and the platform book alike."""
    await restore_credit_line(session, offer_id=offer_id, buyer_id=buyer_id, amount=amount)
    await release_capacity(session, offer_id=offer_id, amount=amount, now=now)
