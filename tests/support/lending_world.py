"""Lending factories on the service layer: participants, funded wallets, products, loans.

Loans are inserted as the listing use case leaves them, so tests of funding and repayment
do not depend on the scorecard; the application tests go through the real use cases.
"""

from __future__ import annotations

import itertools
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import text
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from api.security.passwords import Argon2Hasher
from domain.actors import Actor, ActorKind
from domain.clock import FixedClock
from domain.errors import DomainError
from domain.lending.debt_transfer import TransferRules
from domain.lending.fees import FeeRule, FeeTiming
from domain.lending.products import FundingChannel, LoanProduct
from domain.lending.schedule import RepaymentMethod
from domain.lending.services.product_terms import Marketplace, row_values
from domain.lending.states import ApplicationStatus, LoanState
from domain.lending.tables import (
    BankFundingOffer,
    Loan,
    LoanApplication,
    LoanInstallment,
    LoanProductRow,
)
from domain.money import Money
from domain.participants.credentials import ParticipantKind
from domain.participants.roles import Role
from domain.participants.services.registration import register
from domain.wallets.services.operations import adjust_wallet
from support.graphql import PASSWORD, unique_email

Sessions = async_sessionmaker[AsyncSession]
_keys = itertools.count(1)
# Hashing is not what these tests are about: the cheapest settings argon2 accepts.
HASHER = Argon2Hasher(time_cost=1, memory_cost_kib=8)


async def participant(
    sessions: Sessions,
    clock: FixedClock,
    roles: set[Role],
    *,
    kyc_level: int = 1,
    kind: ParticipantKind = ParticipantKind.PERSON,
) -> Actor:
    """A registered participant (KYC at `kyc_level`), as the actor they sign in as."""
    async with sessions() as session:
        person = await register(
            session=session,
            clock=clock,
            actor=Actor.system(),
            hasher=HASHER,
            kind=kind,
            display_name="P",
            email=unique_email("lend"),
            phone=None,
            password=PASSWORD,
            roles=frozenset(roles),
        )
        await (await session.connection()).execute(
            text("UPDATE participant SET kyc_level = :level, kyc_status = :status WHERE id = :id"),
            {
                "level": kyc_level,
                "status": "VERIFIED" if kyc_level else "NOT_SUBMITTED",
                "id": person.id,
            },
        )
        await session.commit()
    return Actor(ActorKind.PERSON, participant_id=person.id, roles=frozenset(roles))


async def fund_wallet(sessions: Sessions, clock: FixedClock, owner: UUID, minor: int) -> None:
    async with sessions() as session:
        await adjust_wallet(
            session=session,
            clock=clock,
            actor=Actor.system(),
            participant_id=owner,
            amount=Money(minor, "CNY"),
            reason="test funds",
            idempotency_key=f"seed-{next(_keys)}",
        )
        await session.commit()


def product_row(now: datetime, **changes: object) -> LoanProductRow:
    """A product row as createLoanProduct writes one: 2 % origination upfront, 18 % a year
    (0.05 % a day) of penalty after 3 days' grace, default at 90 days past due."""
    product = LoanProduct(
        code=f"P{next(_keys)}",
        name="Personal loan",
        currency="CNY",
        min_amount=100_000,
        max_amount=10_000_000,
        min_term=3,
        max_term=36,
        method=RepaymentMethod.EQUAL_INSTALLMENT,
        min_rate=Decimal("0.05"),
        max_rate=Decimal("0.24"),
        fees=(FeeRule("origination", FeeTiming.UPFRONT, percent=Decimal("0.02")),),
        funding_channels=frozenset({FundingChannel.INVESTOR_NOTES, FundingChannel.BANK_OFFERS}),
        transfer=TransferRules(max_premium=Decimal("0.01"), fee_rate=Decimal("0.005")),
    )
    values = {
        "code": product.code,
        "version": 1,
        "created_at": now,
        **row_values(product, Marketplace()),
    }
    values.update(changes)
    return LoanProductRow(**values)


async def listed_loan(
    sessions: Sessions,
    clock: FixedClock,
    borrower: UUID,
    *,
    principal: int = 1_000_000,
    grade: str = "B",
    rate: Decimal = Decimal("0.10"),
    term_months: int = 12,
    product: LoanProductRow | None = None,
) -> Loan:
    """A loan as acceptLoanOffer lists it: product, approved application, loan."""
    now = clock.now()
    product = product or product_row(now)
    async with sessions() as session:
        session.add(product)
        await session.flush()  # no ORM relationships: rows go in the order they are flushed
        application = LoanApplication(
            borrower_id=borrower,
            product_id=product.id,
            amount=principal,
            currency="CNY",
            term_months=term_months,
            repayment_method="EQUAL_INSTALLMENT",
            purpose="test",
            declared_monthly_income=2_000_000,
            status=ApplicationStatus.ACCEPTED.value,
            score=700,
            grade=grade,
            annual_rate=rate,
            credit_limit=principal,
            scorecard_version="test",
            fraud_action="ALLOW",
            fraud_rules_version="test",
            created_at=now,
            accepted_at=now,
        )
        session.add(application)
        await session.flush()
        loan = Loan(
            application_id=application.id,
            borrower_id=borrower,
            product_id=product.id,
            currency="CNY",
            principal=principal,
            term_months=term_months,
            repayment_method="EQUAL_INSTALLMENT",
            rounding="HALF_UP",
            grade=grade,
            borrower_rate=rate,
            funder_rate=rate - product.platform_spread,
            state=LoanState.LISTED.value,
            listed_at=now,
            funding_deadline=now + timedelta(days=product.funding_days),
        )
        session.add(loan)
        await session.commit()
    return loan


async def outcome(sessions: Sessions, use_case: Callable[[AsyncSession], Awaitable[object]]) -> str:
    """Run a use case in its own transaction: "OK", or the code of its refusal (whose
    bookkeeping is committed, as the unit of work would)."""
    async with sessions() as session:
        try:
            await use_case(session)
        except DomainError as error:
            if error.keeps_changes:
                await session.commit()
            return error.code
        await session.commit()
        return "OK"


async def installments_of(sessions: Sessions, loan_id: UUID) -> list[LoanInstallment]:
    async with sessions() as session:
        rows = await session.exec(
            select(LoanInstallment)
            .where(col(LoanInstallment.loan_id) == loan_id)
            .order_by(col(LoanInstallment.number))
        )
        return list(rows.all())


def offer_row(bank: UUID, now: datetime, **changes: Any) -> BankFundingOffer:
    """An open LOAN offer row: 6 % floor, grades A and B, 3 to 24 months, 1,000.00 to
    50,000.00 a loan, 1,000,000.00 of capacity; `changes` override any column."""
    terms: dict[str, Any] = {
        "bank_id": bank,
        "currency": "CNY",
        "capacity": 100_000_000,
        "committed": 0,
        "rate_floor": Decimal("0.06"),
        "grades": ["A", "B"],
        "min_term_months": 3,
        "max_term_months": 24,
        "min_amount": 100_000,
        "max_amount": 5_000_000,
        "status": "OPEN",
        "created_at": now,
        "updated_at": now,
    }
    return BankFundingOffer(**{**terms, **changes})
