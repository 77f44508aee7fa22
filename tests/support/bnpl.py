"""BNPL test helpers: verified shoppers, intents and checkouts, partner banks' offers."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from uuid import UUID

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.actors import Actor, ActorKind
from domain.consumer_credit.services import checkout, credit_decisions
from domain.consumer_credit.tables import BnplCreditDecisionRow
from domain.ledger.account_kinds import AccountKind
from domain.ledger.services.posting import ACCOUNTS
from domain.lending.tables import BankFundingOffer
from domain.money import Money
from domain.participants.roles import Role, Scope
from domain.payments.services import intents
from support.ledger import NOW
from support.payments import Shop, attempt, make_participant

# What verified shoppers declare: 4,000.00 a month (grade B: a 8,000.00 line; C: 6,000.00).
MONTHLY_INCOME = 400_000


async def verify(
    shop: Shop, shopper_id: UUID | None = None, level: int = 1, income: int = MONTHLY_INCOME
) -> BnplCreditDecisionRow:
    """Verify the shopper's identity, then let them ask the risk engine for BNPL credit."""
    shopper_id = shopper_id or shop.shopper_id
    async with shop.sessions() as session:
        await (await session.connection()).execute(
            text("UPDATE participant SET kyc_level = :level WHERE id = :id"),
            {"id": shopper_id, "level": level},
        )
        shopper = Actor(
            ActorKind.PERSON, participant_id=shopper_id, roles=frozenset({Role.INVESTOR})
        )
        decision = await credit_decisions.decide_bnpl_credit(
            session=session,
            clock=shop.clock,
            actor=shopper,
            currency="CNY",
            declared_monthly_income=income,
        )
        await session.commit()
        return decision


async def another_shopper(shop: Shop, name: str) -> Actor:
    """A second verified shopper."""
    async with shop.sessions() as session:
        shopper_id = await make_participant(session, name, Role.INVESTOR)
        await session.commit()
    await verify(shop, shopper_id)
    return Actor(ActorKind.PERSON, participant_id=shopper_id, roles=frozenset({Role.INVESTOR}))


async def create_bnpl_intent(shop: Shop, minor: int, order: str, payer: str = "BUYER") -> UUID:
    answers: list[UUID] = []

    async def create(session: AsyncSession) -> None:
        answer = await intents.create_payment_intent(
            session=session,
            clock=shop.clock,
            actor=shop.merchant,
            new=intents.NewIntent(Money(minor, "CNY"), order, installment_fee_payer=payer),
            idempotency_key=f"create-{order}",
        )
        answers.append(answer.id)

    assert await attempt(shop.sessions, create) == "OK"
    return answers[0]


async def buy(
    shop: Shop, payment: UUID, count: int = 3, key: str = "", shopper: Actor | None = None
) -> str:
    return await attempt(
        shop.sessions,
        lambda session: checkout.pay_in_installments(
            session=session,
            clock=shop.clock,
            actor=shopper or shop.shopper,
            payment_id=payment,
            installments=count,
            idempotency_key=f"bnpl-{payment}{key}",
        ),
    )


async def bank_with_offer(
    sessions: async_sessionmaker[AsyncSession], name: str, *, rate: str, **terms: object
) -> tuple[UUID, UUID]:
    """(a partner bank, its open CNY offer at `rate`): grades B and C, 3 to 12 months,
    10.00 to 5,000.00 a purchase, 10,000.00 of capacity unless `terms` say otherwise."""
    async with sessions() as session:
        bank_id = await make_participant(session, name, Role.PARTNER_BANK)
        values: dict[str, object] = {
            "currency": "CNY",
            "capacity": 1_000_000,
            "rate_floor": Decimal(rate),
            "grades": ["B", "C"],
            "min_term_months": 3,
            "max_term_months": 12,
            "min_amount": 1_000,
            "max_amount": 500_000,
            "status": "OPEN",
            "created_at": NOW - timedelta(days=1),
            "updated_at": NOW,
        }
        values.update(terms)
        offer = BankFundingOffer(bank_id=bank_id, **values)
        session.add(offer)
        await session.commit()
        return bank_id, offer.id


def bank_key(bank_id: UUID) -> Actor:
    """The bank's API key with offers:read."""
    return Actor(
        ActorKind.API_KEY,
        participant_id=bank_id,
        roles=frozenset({Role.PARTNER_BANK}),
        scopes=frozenset({Scope.OFFERS_READ}),
        api_key_id=bank_id,
    )


async def bank_balance(sessions: async_sessionmaker[AsyncSession], bank_id: UUID) -> int:
    """What the bank has got back through the platform less what it advanced (credits - debits)."""
    return await _balance(
        sessions, ACCOUNTS.c.kind == AccountKind.BANK_FUNDING.value, ACCOUNTS.c.owner_id == bank_id
    )


async def escrow_balance(sessions: async_sessionmaker[AsyncSession], plan_id: UUID) -> int:
    return await _balance(
        sessions, ACCOUNTS.c.kind == AccountKind.ESCROW.value, ACCOUNTS.c.label == f"bnpl:{plan_id}"
    )


async def _balance(sessions: async_sessionmaker[AsyncSession], *where: object) -> int:
    async with sessions() as session:
        row = (
            await (await session.connection()).execute(
                select(ACCOUNTS).where(ACCOUNTS.c.currency == "CNY", *where)
            )
        ).first()  # type: ignore[arg-type]
    return 0 if row is None else int(row.credits_posted - row.debits_posted)


def at(days: int) -> datetime:
    return NOW + timedelta(days=days)
