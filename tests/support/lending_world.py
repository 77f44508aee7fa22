"""Lending factories on the service layer: participants, funded wallets, products, loans.

Loans are inserted as the listing use case leaves them, so tests of funding and repayment
do not depend on the scorecard; the application tests go through the real use cases.
"""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from decimal import Decimal
from uuid import UUID

from sqlalchemy import text
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from api.security.passwords import Argon2Hasher
from domain.actors import Actor, ActorKind
from domain.clock import FixedClock
from domain.lending.states import ApplicationStatus, LoanState
from domain.lending.tables import Loan, LoanApplication, LoanProductRow
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
    sessions: Sessions, clock: FixedClock, roles: set[Role], *, kyc_level: int = 1,
    kind: ParticipantKind = ParticipantKind.PERSON,
) -> Actor:  # fmt: skip
    """A registered participant (KYC at `kyc_level`), as the actor they sign in as."""
    async with sessions() as session:
        person = await register(
            session=session, clock=clock, actor=Actor.system(), hasher=HASHER, kind=kind,
            display_name="P", email=unique_email("lend"), phone=None, password=PASSWORD,
            roles=frozenset(roles),
        )  # fmt: skip
        await (await session.connection()).execute(
            text("UPDATE participant SET kyc_level = :level, kyc_status = :status WHERE id = :id"),
            {"level": kyc_level, "status": "VERIFIED" if kyc_level else "NOT_SUBMITTED",
             "id": person.id},
        )  # fmt: skip
        await session.commit()
    return Actor(ActorKind.PERSON, participant_id=person.id, roles=frozenset(roles))


async def fund_wallet(sessions: Sessions, clock: FixedClock, owner: UUID, minor: int) -> None:
    async with sessions() as session:
        await adjust_wallet(
            session=session, clock=clock, actor=Actor.system(), participant_id=owner,
            amount=Money(minor, "CNY"), reason="test funds", idempotency_key=f"seed-{next(_keys)}",
        )  # fmt: skip
        await session.commit()


def product_row(now: datetime, **changes: object) -> LoanProductRow:
    values: dict[str, object] = dict(
        code=f"P{next(_keys)}", version=1, name="Personal loan", currency="CNY",
        min_amount=100_000, max_amount=10_000_000, min_term_months=3, max_term_months=36,
        repayment_methods=["EQUAL_INSTALLMENT"], rounding="HALF_UP",
        min_rate=Decimal("0.05"), max_rate=Decimal("0.24"), fee_kind="PERCENT",
        fee_rate=Decimal("0.02"), fee_fixed=0, fee_timing="UPFRONT",
        penalty_rate=Decimal("0.18"), grace_days=3, default_after_days=90,
        funding_channels=["INVESTOR_NOTES", "BANK_OFFERS"], guarantee_cover=Decimal("0"),
        platform_spread=Decimal("0.02"), note_size=5_000, min_investment=5_000,
        max_investor_share=Decimal("0.5"), funding_days=7, created_at=now,
    )  # fmt: skip
    values.update(changes)
    return LoanProductRow(**values)  # type: ignore[arg-type]


async def listed_loan(
    sessions: Sessions, clock: FixedClock, borrower: UUID, *, principal: int = 1_000_000,
    grade: str = "B", rate: Decimal = Decimal("0.10"), term_months: int = 12,
    product: LoanProductRow | None = None,
) -> Loan:  # fmt: skip
    """A loan as acceptLoanOffer lists it: product, approved application, loan."""
    now = clock.now()
    product = product or product_row(now)
    async with sessions() as session:
        session.add(product)
        await session.flush()  # no ORM relationships: rows go in the order they are flushed
        application = LoanApplication(
            borrower_id=borrower, product_id=product.id, amount=principal, currency="CNY",
            term_months=term_months, repayment_method="EQUAL_INSTALLMENT", purpose="test",
            declared_monthly_income=2_000_000, status=ApplicationStatus.ACCEPTED.value,
            score=700, grade=grade, annual_rate=rate, credit_limit=principal,
            scorecard_version="test", fraud_action="ALLOW", created_at=now, accepted_at=now,
        )  # fmt: skip
        session.add(application)
        await session.flush()
        loan = Loan(
            application_id=application.id, borrower_id=borrower, product_id=product.id,
            currency="CNY", principal=principal, term_months=term_months,
            repayment_method="EQUAL_INSTALLMENT", rounding="HALF_UP", grade=grade,
            borrower_rate=rate, funder_rate=rate - product.platform_spread,
            state=LoanState.LISTED.value, listed_at=now,
            funding_deadline=now + timedelta(days=product.funding_days),
        )  # fmt: skip
        session.add(loan)
        await session.commit()
    return loan
