"""Partner banks' funding offers: post, revise (optimistically, by version), withdraw, list.

A bank acts through an API key with offers:write (offers:read to list). Capacity may not
fall below what is already committed to loans; the table's CHECK refuses it as well.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import or_, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.actors import Actor, NotFound
from domain.audit.service import Outcome, record
from domain.clock import Clock
from domain.errors import InvalidInput
from domain.idempotency.answers import StoredAnswer
from domain.idempotency.service import run_once
from domain.lending.errors import VersionConflict
from domain.lending.funding_terms import OfferTerms, check_offer
from domain.lending.tables import BankFundingOffer
from domain.money import currency_of
from domain.participants.roles import Role, Scope

OFFERS = BankFundingOffer.__table__  # type: ignore[attr-defined]
OPEN, WITHDRAWN = "OPEN", "WITHDRAWN"


def _bank(actor: Actor, scope: Scope) -> UUID:
    bank_id = actor.require_role(Role.PARTNER_BANK)
    actor.require_scope(scope)
    return bank_id


def _columns(terms: OfferTerms) -> dict[str, Any]:
    values = asdict(terms)
    values["grades"] = sorted(terms.grades)
    values["core_enterprise_ids"] = sorted(terms.core_enterprise_ids)
    return values


@dataclass(frozen=True, slots=True)
class OfferPosted(StoredAnswer):
    """What an offer's key keeps: the offer it made."""

    offer_id: UUID


async def create_funding_offer(
    *, session: AsyncSession, clock: Clock, actor: Actor, terms: OfferTerms, idempotency_key: str
) -> BankFundingOffer:
    """Post a standing offer; the same key returns the same offer (as it is now)."""
    bank_id = _bank(actor, Scope.OFFERS_WRITE)
    currency_of(terms.currency)
    check_offer(terms, now=clock.now())

    async def execute() -> OfferPosted:
        now = clock.now()
        offer = BankFundingOffer(
            bank_id=bank_id, status=OPEN, created_at=now, updated_at=now, **_columns(terms)
        )
        session.add(offer)
        await session.flush()
        record(
            session,
            actor=actor,
            action="lending.offer.create",
            outcome=Outcome.SUCCESS,
            at=now,
            target_type="BankFundingOffer",
            target_id=offer.id,
        )
        return OfferPosted(offer_id=offer.id)

    request = {k: str(v) for k, v in _columns(terms).items()}
    answer = await run_once(
        session,
        actor=actor,
        clock=clock,
        key=idempotency_key,
        operation="lending.offer.create",
        request=request,
        execute=execute,
        answer=OfferPosted,
    )
    offer = await session.get(BankFundingOffer, answer.offer_id)  # the row just written
    assert offer is not None  # offers are never deleted
    return offer


async def _own_offer(session: AsyncSession, bank_id: UUID, offer_id: UUID) -> BankFundingOffer:
    offer = await session.get(BankFundingOffer, offer_id)
    if offer is None or offer.bank_id != bank_id:
        raise NotFound("no such offer", field="offer_id")
    return offer


async def update_funding_offer(
    *,
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    offer_id: UUID,
    expected_version: int,
    terms: OfferTerms,
) -> BankFundingOffer:
    """Replace an open offer's terms if nobody changed it since `expected_version`."""
    bank_id = _bank(actor, Scope.OFFERS_WRITE)
    now = clock.now()
    offer = await _own_offer(session, bank_id, offer_id)
    if offer.status != OPEN:
        raise InvalidInput("a withdrawn offer cannot change", field="offer_id")
    check_offer(terms, now=now)
    if terms.currency != offer.currency:
        raise InvalidInput("an offer keeps its currency", field="currency")
    if terms.kind != offer.kind:
        raise InvalidInput("an offer keeps its kind", field="kind")
    # Compare-and-set on the version, and capacity kept above what matching committed.
    changed = await (await session.connection()).execute(
        update(OFFERS)
        .where(
            OFFERS.c.id == offer_id,
            OFFERS.c.version == expected_version,
            OFFERS.c.committed <= terms.capacity,
        )
        .values(**_columns(terms), version=OFFERS.c.version + 1, updated_at=now)
        .returning(OFFERS.c.id)
    )
    if changed.first() is None:
        await session.refresh(offer)
        if offer.version != expected_version:
            raise VersionConflict(
                f"the offer is at version {offer.version}; read it again", field="version"
            )
        raise InvalidInput("must not be below what is already committed", field="capacity")
    record(
        session,
        actor=actor,
        action="lending.offer.update",
        outcome=Outcome.SUCCESS,
        at=now,
        target_type="BankFundingOffer",
        target_id=offer_id,
    )
    await session.refresh(offer)
    return offer


async def withdraw_funding_offer(
    *, session: AsyncSession, clock: Clock, actor: Actor, offer_id: UUID
) -> BankFundingOffer:
    """Stop matching new loans against the offer; loans it already funds are unaffected."""
    bank_id = _bank(actor, Scope.OFFERS_WRITE)
    now = clock.now()
    offer = await _own_offer(session, bank_id, offer_id)
    if offer.status == OPEN:
        await (await session.connection()).execute(
            update(OFFERS)
            .where(OFFERS.c.id == offer_id)
            .values(status=WITHDRAWN, version=OFFERS.c.version + 1, updated_at=now)
        )
        record(
            session,
            actor=actor,
            action="lending.offer.withdraw",
            outcome=Outcome.SUCCESS,
            at=now,
            target_type="BankFundingOffer",
            target_id=offer_id,
        )
        await session.refresh(offer)
    return offer


async def my_funding_offers(session: AsyncSession, *, actor: Actor) -> list[BankFundingOffer]:
    """The calling bank's offers, newest first."""
    bank_id = _bank(actor, Scope.OFFERS_READ)
    rows = await session.exec(
        select(BankFundingOffer)
        .where(col(BankFundingOffer.bank_id) == bank_id)
        .order_by(col(BankFundingOffer.created_at).desc(), col(BankFundingOffer.id))
    )
    return list(rows.all())


async def commit_capacity(
    session: AsyncSession, offer_id: UUID, amount: int, now: datetime
) -> bool:
    """Commit `amount` of the offer if it is still open, unexpired, with that much room; one
    guarded UPDATE, so concurrent requests never commit beyond its capacity."""
    committed = await (await session.connection()).execute(
        update(OFFERS)
        .where(
            OFFERS.c.id == offer_id,
            OFFERS.c.status == OPEN,
            OFFERS.c.committed + amount <= OFFERS.c.capacity,
            or_(OFFERS.c.expires_at.is_(None), OFFERS.c.expires_at > now),
        )
        .values(committed=OFFERS.c.committed + amount)
        .returning(OFFERS.c.id)
    )
    return committed.first() is not None
