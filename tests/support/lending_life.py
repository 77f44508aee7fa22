"""A funded, disbursed loan for repayment tests, and the worker's lending jobs on a clock."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.actors import Actor
from domain.clock import FixedClock
from domain.ledger.account_kinds import AccountKind
from domain.ledger.services.accounts import open_account
from domain.ledger.services.posting import Leg, post_transfers
from domain.lending.services.age_installments import age_overdue_installments
from domain.lending.services.notes import buy_note
from domain.lending.services.repay_loan import debit_due_installments, repay_loan
from domain.lending.tables import Loan
from domain.money import Money
from domain.participants.roles import Role
from support.lending_world import fund_wallet, listed_loan, outcome, participant, product_row

Sessions = async_sessionmaker[AsyncSession]


async def disbursed_loan(
    sessions: Sessions,
    clock: FixedClock,
    *,
    principal: int = 1_000_000,
    shares: tuple[int, ...] = (600_000, 400_000),
    rate: Decimal = Decimal("0.12"),
    borrower: Actor | None = None,
    grade: str = "B",
    investors: Sequence[Actor] = (),
    **product: object,
) -> tuple[Loan, Actor, list[Actor]]:
    """A loan funded by one investor per share and disbursed now: (loan, borrower, investors).

    New investors, each funded with its share, unless `investors` are given (one per share,
    funded enough already): tests that make dozens of loans need no new people for each."""
    borrower = borrower or await participant(sessions, clock, {Role.BORROWER})
    assert borrower.participant_id
    row = product_row(clock.now(), max_investor_share=Decimal(1), **product)
    loan = await listed_loan(
        sessions,
        clock,
        borrower.participant_id,
        principal=principal,
        rate=rate,
        product=row,
        grade=grade,
    )
    assert not investors or len(investors) == len(shares), "one investor per share"
    funders = list(investors)
    for n, share in enumerate(shares):
        if not investors:
            funder = await participant(sessions, clock, {Role.INVESTOR})
            assert funder.participant_id
            await fund_wallet(sessions, clock, funder.participant_id, share)
            funders.append(funder)
        investor = funders[n]
        async with sessions() as session:
            await buy_note(
                session=session,
                clock=clock,
                actor=investor,
                loan_id=loan.id,
                amount=Money(share, "CNY"),
                idempotency_key=f"fund-{loan.id}-{n}",
            )
            await session.commit()
    async with sessions() as session:
        stored = await session.get(Loan, loan.id)
    assert stored is not None
    assert stored.state == "ACTIVE"
    return stored, borrower, funders


async def repay(
    sessions: Sessions,
    clock: FixedClock,
    borrower: Actor,
    loan: Loan,
    minor: int,
    key: str,
    *,
    prepay: bool = False,
) -> str:
    """The borrower's repayLoan use case in its own transaction: "OK" or the refusal's code."""
    return await outcome(
        sessions,
        lambda session: repay_loan(
            session=session,
            clock=clock,
            actor=borrower,
            loan_id=loan.id,
            amount=Money(minor, "CNY"),
            idempotency_key=key,
            prepay=prepay,
        ),
    )


async def seed_guarantee_fund(sessions: Sessions, clock: FixedClock, minor: int) -> None:
    async with sessions() as session:
        now = clock.now()
        bank = await open_account(
            session, kind=AccountKind.SETTLEMENT, currency="CNY", now=now, label="guarantee-seed"
        )
        fund = await open_account(session, kind=AccountKind.GUARANTEE_FUND, currency="CNY", now=now)
        await post_transfers(session, legs=[Leg(bank, fund, minor, "GUARANTEE_SEED")], now=now)
        await session.commit()


async def run_daily_jobs(sessions: Sessions, clock: FixedClock) -> None:
    """What the worker runs each day: automatic debits, then aging."""
    await debit_due_installments(sessions, clock)
    await age_overdue_installments(sessions, clock)
