"""Payments test helpers: participants made directly, funded wallets, balances by role."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from uuid import UUID, uuid4

from sqlalchemy import select
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.actors import Actor, ActorKind
from domain.clock import FixedClock
from domain.errors import DomainError
from domain.ledger.account_kinds import AccountKind
from domain.ledger.services.posting import ACCOUNTS
from domain.ledger.services.verification import verify_ledger
from domain.money import Money
from domain.participants.roles import Role, Scope
from domain.participants.tables import Participant
from domain.payments.services import intents, paying
from domain.payments.services.paying import PaymentSource
from domain.payments.tables import PaymentIntent
from domain.revenue.services.split_rules import ShareInput
from domain.revenue.splits import Role as SplitRole
from domain.wallets.rails import SimulatedRail
from domain.wallets.services.accounts import WalletBalance, wallet_balances
from domain.wallets.services.operations import adjust_wallet
from support.ledger import NOW


async def make_participant(session: AsyncSession, name: str, role: Role) -> UUID:
    """A participant row with `role` (no password to sign in with: use-case tests only)."""
    participant = Participant(
        kind="BUSINESS" if role is Role.MERCHANT else "PERSON",
        display_name=name,
        email=f"{name.lower()}-{uuid4().hex[:8]}@example.com",
        password_hash="-",
        roles=[role.value],
        created_at=NOW,
        updated_at=NOW,
    )
    session.add(participant)
    await session.flush()
    return participant.id


async def fund(sessions: async_sessionmaker[AsyncSession], owner: UUID, minor: int) -> None:
    """Credit `owner`'s CNY wallet by an operator adjustment."""
    async with sessions() as session:
        await adjust_wallet(
            session=session,
            clock=FixedClock(NOW),
            actor=Actor.system(),
            participant_id=owner,
            amount=Money(minor, "CNY"),
            reason="funding for a payments test",
            idempotency_key=f"fund-{uuid4().hex}",
        )
        await session.commit()


async def wallet(sessions: async_sessionmaker[AsyncSession], owner: UUID) -> WalletBalance:
    async with sessions() as session:
        found = [w for w in await wallet_balances(session, owner_id=owner) if w.currency == "CNY"]
    return found[0] if found else WalletBalance("CNY", Money.zero("CNY"), Money.zero("CNY"))


async def revenue(sessions: async_sessionmaker[AsyncSession], label: str) -> int:
    """The platform's CNY revenue in the stream `label` (credits less debits, posted)."""
    async with sessions() as session:
        row = (
            await (await session.connection()).execute(
                select(ACCOUNTS).where(
                    ACCOUNTS.c.kind == AccountKind.PLATFORM_REVENUE.value,
                    ACCOUNTS.c.label == label,
                    ACCOUNTS.c.currency == "CNY",
                )
            )
        ).first()
    return 0 if row is None else int(row.credits_posted - row.debits_posted)


@dataclass
class Shop:
    sessions: async_sessionmaker[AsyncSession]
    clock: FixedClock
    merchant: Actor  # the merchant's API key with payments:read and payments:write
    shopper: Actor
    referrer: UUID
    operator: Actor

    @property
    def shopper_id(self) -> UUID:
        return self.shopper.require_participant()

    @property
    def merchant_id(self) -> UUID:
        return self.merchant.require_participant()


async def open_shop(sessions: async_sessionmaker[AsyncSession], clock: FixedClock) -> Shop:
    """A merchant (by its API key), a shopper with 10,000.00, a referrer and an operator."""
    async with sessions() as session:
        merchant = await make_participant(session, "Shop", Role.MERCHANT)
        shopper = await make_participant(session, "Shopper", Role.INVESTOR)
        referrer = await make_participant(session, "Referrer", Role.INVESTOR)
        operator = await make_participant(session, "Operator", Role.OPERATOR)
        await session.commit()
    await fund(sessions, shopper, 1_000_000)
    merchant_key = Actor(
        ActorKind.API_KEY,
        participant_id=merchant,
        roles=frozenset({Role.MERCHANT}),
        scopes=frozenset({Scope.PAYMENTS_READ, Scope.PAYMENTS_WRITE}),
        api_key_id=merchant,
    )
    return Shop(
        sessions,
        clock,
        merchant_key,
        Actor(ActorKind.PERSON, participant_id=shopper, roles=frozenset({Role.INVESTOR})),
        referrer,
        Actor(ActorKind.PERSON, participant_id=operator, roles=frozenset({Role.OPERATOR})),
    )


async def books_balance(sessions: async_sessionmaker[AsyncSession]) -> bool:
    """`agora ledger verify` on the test database: every balance and every currency adds up."""
    async with sessions() as session:
        return (await verify_ledger(session)).consistent


async def create_intent(
    shop: Shop,
    minor: int,
    *,
    order: str,
    split: bool = True,
    mode: str = "ESCROW",
    return_shipping_product_id: UUID | None = None,
) -> UUID:
    """The merchant's intent, split 90/10 with the referrer unless `split` is False (insured
    by the merchant with `return_shipping_product_id`, if given)."""
    merchant = str(shop.merchant.participant_id)
    shares = (
        (
            ShareInput(SplitRole.MERCHANT, merchant, percent_bps=9000),
            ShareInput(SplitRole.REFERRER, str(shop.referrer), percent_bps=1000),
        )
        if split
        else ()
    )
    async with shop.sessions() as session:
        answer = await intents.create_payment_intent(
            session=session,
            clock=shop.clock,
            actor=shop.merchant,
            new=intents.NewIntent(
                Money(minor, "CNY"),
                order,
                mode=mode,
                split=shares,
                return_shipping_product_id=return_shipping_product_id,
            ),
            idempotency_key=f"create-{order}",
        )
        await session.commit()
    return answer.id


async def pay(
    shop: Shop,
    payment: UUID,
    source: PaymentSource = PaymentSource.WALLET,
    rail: SimulatedRail | None = None,
    cover_product_id: UUID | None = None,
) -> str:
    """The shopper pays; the intent's state after."""
    async with shop.sessions() as session:
        answer = await paying.pay_intent(
            session=session,
            clock=shop.clock,
            actor=shop.shopper,
            rail=rail or SimulatedRail(),
            payment_id=payment,
            source=source,
            idempotency_key=f"pay-{payment}",
            cover_product_id=cover_product_id,
        )
        await session.commit()
    return str(answer.state)


async def intent(shop: Shop, payment: UUID) -> PaymentIntent:
    async with shop.sessions() as session:
        found = await session.get(PaymentIntent, payment)
        assert found is not None
        return found


async def ship(shop: Shop, payment: UUID) -> None:
    async with shop.sessions() as session:
        await intents.confirm_shipment(
            session=session, clock=shop.clock, actor=shop.merchant, payment_id=payment
        )
        await session.commit()


async def create_and_pay(shop: Shop, minor: int, *, order: str) -> UUID:
    payment = await create_intent(shop, minor, order=order)
    assert await pay(shop, payment) == "HELD"
    return payment


async def attempt(
    sessions: async_sessionmaker[AsyncSession],
    use_case: Callable[[AsyncSession], Awaitable[object]],
) -> str:
    """Run a use case in its own transaction as the unit of work does: "OK", or the code of
    the refusal (committing what a refusal keeps, such as its idempotency record)."""
    async with sessions() as session:
        try:
            await use_case(session)
        except DomainError as error:
            if error.keeps_changes:
                await session.commit()
            return error.code
        await session.commit()
        return "OK"
