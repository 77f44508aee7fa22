"""The platform's own book as a supply-chain financier, where an operator allows it.

An operator allows (or stops) the book per core enterprise and currency, at a discount rate
and within a limit: the book then stands as one SUPPLY_CHAIN funding offer owned by the
platform participant (lending's `PLATFORM_ID`), listing that core enterprise alone, whose
credit line to it is the limit. The matching engine weighs it as it weighs any bank's offer
(cheapest first, with explanations); early payment then pays from the platform book's ledger
account (`PLATFORM_BOOK`, label "supply_chain", keyed as lending keys its book) and the core
enterprise's payment at maturity returns there, restoring the line and the offer's capacity:
what the book has committed is what it still has outstanding, as lending's book counts it.
Stopping withdraws the offer: nothing new is financed, what is financed still matures.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from uuid import UUID

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.actors import Actor
from domain.audit.service import Outcome, record
from domain.clock import Clock
from domain.lending.funding_terms import OfferKind, OfferTerms, check_offer
from domain.lending.services.platform_book import PLATFORM_ID, platform_participant
from domain.lending.tables import BankFundingOffer
from domain.money import currency_of
from domain.participants.tables import Participant
from domain.supply_chain.services.parties import core_enterprise
from domain.supply_chain.tables import CreditLine

OFFERS = BankFundingOffer.__table__  # type: ignore[attr-defined]
OPEN, WITHDRAWN = "OPEN", "WITHDRAWN"
DEFAULT_TENOR_DAYS = 180


@dataclass(frozen=True, slots=True)
class BookTerms:
    """Whether the book finances a core enterprise's certificates in `currency`, at what
    annual discount rate, up to what outstanding (`limit`) and tenor."""

    allowed: bool
    currency: str
    discount_rate: Decimal
    limit: int
    max_tenor_days: int = DEFAULT_TENOR_DAYS


@dataclass(frozen=True, slots=True)
class PlatformBookLine:
    """The book's standing on one core enterprise: its offer, and how much of it is used."""

    core_enterprise_id: UUID
    offer: BankFundingOffer
    used: int

    @property
    def allowed(self) -> bool:
        return self.offer.status == OPEN


def is_platform(financier_id: UUID | None) -> bool:
    return financier_id == PLATFORM_ID


def _offer_terms(terms: BookTerms, core_enterprise_id: UUID, committed: int) -> OfferTerms:
    return OfferTerms(
        currency=terms.currency,
        capacity=max(terms.limit, committed),  # the line binds; capacity never below committed
        rate_floor=terms.discount_rate,
        spread=None,
        grades=frozenset(),
        min_term_months=0,
        max_term_months=0,
        min_amount=1,
        max_amount=terms.limit,
        per_borrower_cap=terms.limit,
        expires_at=None,
        kind=OfferKind.SUPPLY_CHAIN.value,
        max_tenor_days=terms.max_tenor_days,
        core_enterprise_ids=frozenset({core_enterprise_id}),
    )


async def _book_offer(
    session: AsyncSession, core_enterprise_id: UUID, currency: str
) -> BankFundingOffer | None:
    query = (
        select(BankFundingOffer)
        .where(
            OFFERS.c.bank_id == PLATFORM_ID,
            OFFERS.c.kind == OfferKind.SUPPLY_CHAIN.value,
            OFFERS.c.currency == currency,
            OFFERS.c.core_enterprise_ids == [core_enterprise_id],
        )
        .with_for_update()
    )
    return (await session.exec(query)).first()


async def _used(session: AsyncSession, offer_id: UUID, core_enterprise_id: UUID) -> int:
    line = await session.get(CreditLine, (offer_id, core_enterprise_id))
    return 0 if line is None else line.used


async def set_platform_book(
    *,
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    core_enterprise_id: UUID,
    terms: BookTerms,
) -> PlatformBookLine:
    """Operators: allow the platform's book to finance the core enterprise's certificates
    (or stop it), at a discount rate within a limit. Setting again revises the same offer."""
    actor.require_operator()
    currency_of(terms.currency)
    now = clock.now()
    await core_enterprise(session, core_enterprise_id)
    # One book offer per core enterprise and currency: concurrent settings queue here.
    await session.get(Participant, core_enterprise_id, with_for_update=True)
    await platform_participant(session, now=now)
    offer = await _book_offer(session, core_enterprise_id, terms.currency)
    committed = 0 if offer is None else offer.committed
    offer_terms = _offer_terms(terms, core_enterprise_id, committed)
    check_offer(offer_terms, now=now)
    if offer is None:
        offer = BankFundingOffer(
            bank_id=PLATFORM_ID,
            currency=terms.currency,
            min_term_months=0,
            max_term_months=0,
            status=OPEN,
            created_at=now,
        )
    offer.currency, offer.capacity = offer_terms.currency, offer_terms.capacity
    offer.rate_floor, offer.spread = offer_terms.rate_floor, None
    offer.grades, offer.min_term_months, offer.max_term_months = [], 0, 0
    offer.min_amount, offer.max_amount = offer_terms.min_amount, offer_terms.max_amount
    offer.per_borrower_cap, offer.expires_at = offer_terms.per_borrower_cap, None
    offer.kind, offer.max_tenor_days = offer_terms.kind, offer_terms.max_tenor_days
    offer.core_enterprise_ids = [core_enterprise_id]
    offer.status = OPEN if terms.allowed else WITHDRAWN
    offer.version, offer.updated_at = (offer.version or 0) + 1, now
    session.add(offer)
    await session.flush()
    record(
        session,
        actor=actor,
        action="supply_chain.platform_book.set",
        outcome=Outcome.SUCCESS,
        at=now,
        target_type="Participant",
        target_id=core_enterprise_id,
        details={
            "allowed": terms.allowed,
            "currency": terms.currency,
            "discount_rate": str(terms.discount_rate),
            "limit": terms.limit,
            "offer": str(offer.id),
        },
    )
    used = await _used(session, offer.id, core_enterprise_id)
    return PlatformBookLine(core_enterprise_id, offer, used)


async def platform_books(session: AsyncSession, *, actor: Actor) -> list[PlatformBookLine]:
    """Operators: the book's standing on every core enterprise it was ever set on."""
    actor.require_operator()
    offers = (
        await session.exec(
            select(BankFundingOffer)
            .where(
                OFFERS.c.bank_id == PLATFORM_ID,
                OFFERS.c.kind == OfferKind.SUPPLY_CHAIN.value,
            )
            .order_by(OFFERS.c.created_at, OFFERS.c.id)
        )
    ).all()
    lines = []
    for offer in offers:
        [core] = offer.core_enterprise_ids
        lines.append(PlatformBookLine(core, offer, await _used(session, offer.id, core)))
    return lines
