"""Supply-chain factories on the service layer: suppliers, core enterprises, banks, invoices.

Suppliers verify their business licence through the real KYC use cases (a distinct licence
number each, unless several accounts of one company are asked for); an invoice's registration
number is its supplier's licence number unless a test types another.
"""

from __future__ import annotations

import dataclasses
import itertools
import os
from collections.abc import Awaitable
from datetime import date, timedelta
from decimal import Decimal
from uuid import UUID

from sqlalchemy import text
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from api.security.vault import AesGcmVault
from domain.actors import Actor
from domain.clock import FixedClock
from domain.errors import DomainError
from domain.lending.funding_terms import OfferKind, OfferTerms
from domain.lending.services import funding_offers
from domain.money import Money
from domain.participants.credentials import ParticipantKind
from domain.participants.kyc import DocumentType, KycDecision
from domain.participants.roles import Role
from domain.participants.services.kyc_submissions import decide_kyc, submit_kyc
from domain.supply_chain.programme import ProgrammeTerms
from domain.supply_chain.services import (
    confirmations,
    financing,
    invoices,
    maturity,
    programmes,
    recourse,
    splitting,
)
from domain.supply_chain.services.financing import EarlyPayment, EarlyPaymentOffer
from domain.supply_chain.services.invoices import NewInvoice
from domain.supply_chain.services.reads import ReceivableView
from domain.supply_chain.services.splitting import PartTransfer, SplitView
from domain.supply_chain.tables import Certificate
from support.lending_world import participant

Sessions = async_sessionmaker[AsyncSession]
_keys = itertools.count(1)
_invoices = itertools.count(1)
_licences = itertools.count(1)
VAULT = AesGcmVault(os.urandom(32))
# Each supplier's verified licence number, which its invoices carry unless a test says otherwise.
LICENCES: dict[UUID, str] = {}


def cny(minor: int) -> Money:
    return Money(minor, "CNY")


def key(prefix: str = "scf") -> str:
    return f"{prefix}-{next(_keys)}"


def licence_number() -> str:
    """A fresh, valid unified social credit code (统一社会信用代码)."""
    return f"91310000MA{next(_licences):07d}X"


async def submit_licence(sessions: Sessions, clock: FixedClock, who: Actor, number: str) -> UUID:
    """`who` submits its business licence to KYC: the pending (or refused) submission's id."""
    async with sessions() as session:
        submission = await submit_kyc(
            session=session,
            clock=clock,
            actor=who,
            vault=VAULT,
            document_type=DocumentType.BUSINESS_LICENSE,
            legal_name="上海钢材有限公司",
            document_number=number,
        )
        await session.commit()
    return submission.id


async def verify(sessions: Sessions, clock: FixedClock, submission_id: UUID) -> None:
    async with sessions() as session:
        await decide_kyc(
            session=session,
            clock=clock,
            actor=Actor.system(),
            submission_id=submission_id,
            decision=KycDecision.VERIFY,
            reason=None,
        )
        await session.commit()


async def unverified_business(sessions: Sessions, clock: FixedClock) -> Actor:
    return await participant(
        sessions, clock, {Role.MERCHANT}, kind=ParticipantKind.BUSINESS, kyc_level=0
    )


async def company_accounts(
    sessions: Sessions, clock: FixedClock, accounts: int, *, licence: str | None = None
) -> list[Actor]:
    """`accounts` businesses verified on one business licence: all submit before the
    operator decides, as KYC refuses a licence verified on another account already."""
    number = licence or licence_number()
    made = [await unverified_business(sessions, clock) for _ in range(accounts)]
    submissions = [await submit_licence(sessions, clock, who, number) for who in made]
    for submission_id in submissions:
        await verify(sessions, clock, submission_id)
    for who in made:
        LICENCES[who.participant_id] = number  # type: ignore[index]
    return made


async def supplier(sessions: Sessions, clock: FixedClock) -> Actor:
    """A business whose licence KYC verified (it registers invoices, or receives parts of
    certificates)."""
    [made] = await company_accounts(sessions, clock, 1)
    return made


async def core(sessions: Sessions, clock: FixedClock) -> Actor:
    return await participant(sessions, clock, {Role.CORE_ENTERPRISE}, kind=ParticipantKind.BUSINESS)


def invoice(
    buyer: Actor,
    clock: FixedClock,
    amount: int = 1_000_000_00,
    *,
    number: str | None = None,
    days: int = 90,
    registration: str = "",
) -> NewInvoice:
    """An invoice on `buyer`; with no `registration`, `register` types its supplier's."""
    today: date = clock.now().date()
    assert buyer.participant_id is not None
    return NewInvoice(
        buyer_id=buyer.participant_id,
        registration_number=registration,
        invoice_number=number or f"INV-{next(_invoices):06d}",
        amount=cny(amount),
        issued_on=today - timedelta(days=5),
        due_on=today + timedelta(days=days),
        goods_reference="PO-2026-77 steel coils",
    )


async def register(
    sessions: Sessions, clock: FixedClock, who: Actor, new: NewInvoice, *, idem: str | None = None
) -> ReceivableView:
    if not new.registration_number:  # one without a licence types some valid number
        typed = LICENCES.get(who.participant_id) or licence_number()  # type: ignore[arg-type]
        new = dataclasses.replace(new, registration_number=typed)
    async with sessions() as session:
        view = await invoices.register_invoice(
            session=session,
            clock=clock,
            actor=who,
            vault=VAULT,
            new=new,
            idempotency_key=idem or key(),
        )
        await session.commit()
    return view


async def confirm(
    sessions: Sessions, clock: FixedClock, buyer: Actor, receivable_id: UUID
) -> ReceivableView:
    async with sessions() as session:
        view = await confirmations.confirm_invoice(
            session=session, clock=clock, actor=buyer, receivable_id=receivable_id
        )
        await session.commit()
    return view


async def confirmed(
    sessions: Sessions,
    clock: FixedClock,
    who: Actor,
    buyer: Actor,
    amount: int = 1_000_000_00,
    *,
    days: int = 90,
) -> ReceivableView:
    """An invoice registered by `who` and confirmed by `buyer`: one HELD certificate."""
    view = await register(sessions, clock, who, invoice(buyer, clock, amount, days=days))
    return await confirm(sessions, clock, buyer, view.receivable.id)


async def split(
    sessions: Sessions,
    clock: FixedClock,
    holder: Actor,
    certificate_id: UUID,
    parts: list[tuple[Actor, int]],
) -> SplitView:
    transfers = tuple(
        PartTransfer(who.participant_id, cny(amount))  # type: ignore[arg-type]
        for who, amount in parts
    )
    async with sessions() as session:
        view = await splitting.split_certificate(
            session=session,
            clock=clock,
            actor=holder,
            certificate_id=certificate_id,
            transfers=transfers,
            idempotency_key=key("split"),
        )
        await session.commit()
    return view


async def bank(sessions: Sessions, clock: FixedClock) -> Actor:
    return await participant(sessions, clock, {Role.PARTNER_BANK}, kind=ParticipantKind.BUSINESS)


def scf_terms(
    rate: str,
    *,
    credit_line: int = 10_000_000_00,
    capacity: int = 100_000_000_00,
    tenor: int = 180,
    cores: frozenset[UUID] = frozenset(),
    min_amount: int = 1_000_00,
    max_amount: int = 50_000_000_00,
) -> OfferTerms:
    return OfferTerms(
        currency="CNY",
        capacity=capacity,
        rate_floor=Decimal(rate),
        spread=None,
        grades=frozenset(),
        min_term_months=0,
        max_term_months=0,
        min_amount=min_amount,
        max_amount=max_amount,
        per_borrower_cap=credit_line,
        expires_at=None,
        kind=OfferKind.SUPPLY_CHAIN.value,
        max_tenor_days=tenor,
        core_enterprise_ids=cores,
    )


async def scf_offer(sessions: Sessions, clock: FixedClock, who: Actor, terms: OfferTerms) -> UUID:
    async with sessions() as session:
        row = await funding_offers.create_funding_offer(
            session=session, clock=clock, actor=who, terms=terms, idempotency_key=key("offer")
        )
        await session.commit()
    return row.id


async def finance(
    sessions: Sessions,
    clock: FixedClock,
    holder: Actor,
    certificate_id: UUID,
    *,
    idem: str | None = None,
) -> EarlyPayment:
    async with sessions() as session:
        paid = await financing.request_early_payment(
            session=session,
            clock=clock,
            actor=holder,
            certificate_id=certificate_id,
            idempotency_key=idem or key("early"),
        )
        await session.commit()
    return paid


async def quote(
    sessions: Sessions, clock: FixedClock, holder: Actor, certificate_id: UUID
) -> EarlyPaymentOffer:
    async with sessions() as session:
        return await financing.quote_early_payment(
            session=session, clock=clock, actor=holder, certificate_id=certificate_id
        )


async def account_balance(
    sessions: Sessions, kind: str, *, owner: UUID | None = None, label: str = ""
) -> int:
    """credits - debits posted of one CNY account (0 if it was never opened)."""
    async with sessions() as session:
        found = await (await session.connection()).execute(
            text(
                "SELECT credits_posted - debits_posted FROM ledger_account WHERE kind = :kind"
                " AND currency = 'CNY' AND owner_id IS NOT DISTINCT FROM :owner AND label = :label"
            ),
            {"kind": kind, "owner": owner, "label": label},
        )
        return int(found.scalar() or 0)


async def parties(sessions: Sessions, clock: FixedClock) -> tuple[Actor, Actor, Actor]:
    """A supplier, a core enterprise and a bank."""
    return await supplier(sessions, clock), await core(sessions, clock), await bank(sessions, clock)


async def pay(sessions: Sessions, clock: FixedClock, buyer: Actor, receivable_id: UUID) -> None:
    """The core enterprise pays a confirmed invoice by hand."""
    async with sessions() as session:
        await maturity.pay_receivable(
            session=session,
            clock=clock,
            actor=buyer,
            receivable_id=receivable_id,
            idempotency_key=key("pay"),
        )
        await session.commit()


async def with_recourse(
    sessions: Sessions, clock: FixedClock, buyer: Actor, *, after_days: int = 30
) -> None:
    """The operators set the core enterprise's programme with recourse after `after_days`."""
    async with sessions() as session:
        await programmes.set_programme(
            session=session,
            clock=clock,
            actor=Actor.system(),
            core_enterprise_id=buyer.participant_id,  # type: ignore[arg-type]
            terms=ProgrammeTerms(
                with_recourse=True,
                recourse_after_days=after_days,
                penalty_daily_rate=Decimal("0.0005"),
            ),
        )
        await session.commit()


async def take_recourse(
    sessions: Sessions, clock: FixedClock, financier: Actor, certificate_id: UUID
) -> Certificate:
    async with sessions() as session:
        row = await recourse.exercise_recourse(
            session=session,
            clock=clock,
            actor=financier,
            certificate_id=certificate_id,
            idempotency_key=key("recourse"),
        )
        await session.commit()
    return row


async def committed(sessions: Sessions, offer_id: UUID) -> tuple[int, int]:
    """(the offer's committed capacity, what it owns unpaid at face value)."""
    async with sessions() as session:
        found = await (await session.connection()).execute(
            text(
                "SELECT o.committed, (SELECT coalesce(sum(c.amount), 0) FROM scf_certificate c"
                " WHERE c.offer_id = o.id AND c.state IN ('FINANCED', 'OVERDUE'))"
                " FROM bank_funding_offer o WHERE o.id = :offer"
            ),
            {"offer": offer_id},
        )
        used, owned = found.one()
    return int(used), int(owned)


async def outcome(work: Awaitable[object]) -> str:
    """ "OK", or the code of the business refusal `work` met (for racing requests)."""
    try:
        await work
    except DomainError as error:
        return error.code
    return "OK"


async def held_certificates(
    sessions: Sessions, clock: FixedClock, buyer: Actor, count: int, amount: int = 100_000_00
) -> list[tuple[Actor, UUID]]:
    """`count` suppliers, each holding one confirmed certificate of `amount` on `buyer`."""
    holders = [await supplier(sessions, clock) for _ in range(count)]
    return [
        (who, (await confirmed(sessions, clock, who, buyer, amount)).certificates[0].id)
        for who in holders
    ]
