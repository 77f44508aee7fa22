"""Investors buy notes of a listed loan: held in their wallets, within the listing's rules,
idempotent, and never more than the loan's principal even when many buy at once."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import func
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.actors import Actor
from domain.clock import FixedClock
from domain.lending.services.notes import buy_note
from domain.lending.tables import Loan, LoanNote
from domain.money import Money
from domain.participants.roles import Role
from domain.wallets.services.accounts import wallet_balances
from support.lending_world import fund_wallet, listed_loan, outcome, participant

Sessions = async_sessionmaker[AsyncSession]


async def _buy(
    sessions: Sessions, clock: FixedClock, investor: Actor, loan: Loan, minor: int, key: str
) -> str:
    """OK, or the refusal's code."""
    return await outcome(
        sessions,
        lambda session: buy_note(
            session=session,
            clock=clock,
            actor=investor,
            loan_id=loan.id,
            amount=Money(minor, "CNY"),
            idempotency_key=key,
        ),
    )


async def _investor(sessions: Sessions, clock: FixedClock, minor: int = 10_000_000) -> Actor:
    investor = await participant(sessions, clock, {Role.INVESTOR})
    assert investor.participant_id is not None
    await fund_wallet(sessions, clock, investor.participant_id, minor)
    return investor


async def test_a_purchase_holds_the_wallet_and_raises_what_is_committed(
    sessions: Sessions, clock: FixedClock
) -> None:
    borrower = await participant(sessions, clock, {Role.BORROWER})
    assert borrower.participant_id
    loan = await listed_loan(sessions, clock, borrower.participant_id)
    investor = await _investor(sessions, clock, 1_000_000)

    assert await _buy(sessions, clock, investor, loan, 200_000, "k1") == "OK"
    assert await _buy(sessions, clock, investor, loan, 200_000, "k1") == "OK"  # a replay

    async with sessions() as session:
        [wallet] = await wallet_balances(session, owner_id=investor.participant_id)  # type: ignore[arg-type]
        stored = await session.get(Loan, loan.id)
        notes = (await session.exec(select(LoanNote))).all()  # type: ignore[call-overload]
    assert wallet.available == Money(800_000, "CNY")
    assert wallet.held == Money(200_000, "CNY")
    assert stored is not None
    assert stored.committed == 200_000
    assert [(n.principal, n.status) for n in notes] == [(200_000, "HELD")]


async def test_the_listing_rules_refuse_what_they_must(
    sessions: Sessions, clock: FixedClock
) -> None:
    borrower = await participant(sessions, clock, {Role.BORROWER, Role.INVESTOR})
    assert borrower.participant_id
    await fund_wallet(sessions, clock, borrower.participant_id, 1_000_000)
    loan = await listed_loan(sessions, clock, borrower.participant_id)  # 10,000.00, 50 % cap
    investor = await _investor(sessions, clock)
    poor = await _investor(sessions, clock, 4_000)

    assert await _buy(sessions, clock, investor, loan, 7_500, "odd") == "INVALID_INPUT"
    assert await _buy(sessions, clock, investor, loan, 505_000, "cap") == "FUNDING_REFUSED"
    assert await _buy(sessions, clock, borrower, loan, 5_000, "own") == "FUNDING_REFUSED"
    assert await _buy(sessions, clock, poor, loan, 5_000, "poor") == "INSUFFICIENT_FUNDS"
    clock.advance(timedelta(days=8))
    assert await _buy(sessions, clock, investor, loan, 5_000, "late") == "FUNDING_REFUSED"


async def test_many_investors_racing_for_the_last_notes_never_overfund(
    sessions: Sessions, clock: FixedClock
) -> None:
    borrower = await participant(sessions, clock, {Role.BORROWER})
    assert borrower.participant_id
    loan = await listed_loan(sessions, clock, borrower.participant_id, principal=1_000_000)
    first = await _investor(sessions, clock)
    assert await _buy(sessions, clock, first, loan, 500_000, "half") == "OK"
    second = await _investor(sessions, clock)
    assert await _buy(sessions, clock, second, loan, 450_000, "most") == "OK"
    racers = [await _investor(sessions, clock) for _ in range(20)]

    # when twenty investors each try to buy 250.00 of the last 500.00
    outcomes = await asyncio.gather(
        *(_buy(sessions, clock, racer, loan, 25_000, f"race-{n}") for n, racer in enumerate(racers))
    )

    assert outcomes.count("OK") == 2
    # The losers waited on the loan's lock: funded, it is no longer public, so it is no loan
    # at all to them (NOT_FOUND), unless they came while it was open but full.
    assert set(outcomes) - {"OK"} <= {"FUNDING_REFUSED", "NOT_FOUND"}
    async with sessions() as session:
        stored = await session.get(Loan, loan.id)
        total = (await session.exec(select(func.sum(LoanNote.principal)))).one()  # type: ignore[call-overload,arg-type]
    assert stored is not None
    assert stored.committed == total == stored.principal == 1_000_000
    assert stored.state == "ACTIVE"  # funded and disbursed in the same transaction
