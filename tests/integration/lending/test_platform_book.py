"""The platform's own book funds what bank offers and investors leave of a listing, within the
capacity the operator set; its notes are repaid like any funder's, into the book's account."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlmodel import col, select
from test_concurrent_listings import _match, _offer

from domain.actors import Actor, ActorKind, Forbidden
from domain.clock import FixedClock
from domain.errors import InvalidInput
from domain.ledger.account_kinds import AccountKind
from domain.ledger.services.verification import verify_ledger
from domain.ledger.tables import LedgerAccount
from domain.lending.services.platform_book import (
    PLATFORM_ID,
    platform_book,
    set_platform_book,
)
from domain.lending.tables import BankFundingOffer, Loan, LoanMatch, LoanNote
from domain.participants.roles import Role
from support.lending_life import repay
from support.lending_world import (
    Sessions,
    fund_wallet,
    installments_of,
    listed_loan,
    participant,
    product_row,
)

OPERATOR = Actor.system()


async def _set_book(
    sessions: Sessions, clock: FixedClock, capacity: int, max_per_loan: int | None = None
) -> None:
    async with sessions() as session:
        await set_platform_book(
            session=session,
            clock=clock,
            actor=OPERATOR,
            currency="CNY",
            capacity=capacity,
            max_per_loan=max_per_loan,
        )
        await session.commit()


async def _loans(
    sessions: Sessions, clock: FixedClock, count: int, principal: int, channels: list[str]
) -> list[Loan]:
    product = product_row(clock.now(), funding_channels=channels)
    loans = []
    for _ in range(count):
        borrower = await participant(sessions, clock, {Role.BORROWER})
        assert borrower.participant_id
        loans.append(
            await listed_loan(
                sessions, clock, borrower.participant_id, principal=principal, product=product
            )
        )
    return loans


async def _book_account(sessions: Sessions) -> LedgerAccount:
    async with sessions() as session:
        return (
            await session.exec(
                select(LedgerAccount).where(
                    col(LedgerAccount.kind) == AccountKind.PLATFORM_BOOK.value
                )
            )
        ).one()


async def test_the_book_funds_what_the_banks_leave_and_is_repaid_like_them(
    sessions: Sessions, clock: FixedClock
) -> None:
    await _offer(sessions, clock, "0.05", capacity=10_000_000)  # at most 500,000 of one loan
    await _set_book(sessions, clock, capacity=2_000_000)
    [loan] = await _loans(sessions, clock, 1, 1_200_000, ["BANK_OFFERS", "PLATFORM_BOOK"])

    await _match(sessions, clock, loan.id)

    async with sessions() as session:
        funded = await session.get(Loan, loan.id)
        matches = (await session.exec(select(LoanMatch).order_by(col(LoanMatch.amount)))).all()
        [book_note] = (
            await session.exec(select(LoanNote).where(col(LoanNote.holder_id) == PLATFORM_ID))
        ).all()
        view = await platform_book(session, actor=OPERATOR, currency="CNY")
    assert funded is not None
    assert funded.state == "ACTIVE"
    assert [(m.source_kind, m.amount) for m in matches] == [
        ("BANK_OFFER", 500_000),
        ("PLATFORM_BOOK", 700_000),
    ]
    assert book_note.funder_kind == "PLATFORM"
    assert book_note.annual_rate == funded.funder_rate  # the note rate, as investors earn
    assert view is not None
    assert (view.outstanding, view.available) == (700_000, 1_300_000)
    assert (await _book_account(sessions)).debits_posted == 700_000

    # when the borrower pays the first installment
    [first, *_] = await installments_of(sessions, loan.id)
    due = first.principal_due + first.interest_due + first.fee_due
    borrower = Actor(
        ActorKind.PERSON, participant_id=funded.borrower_id, roles=frozenset({Role.BORROWER})
    )
    await fund_wallet(sessions, clock, funded.borrower_id, due)
    assert await repay(sessions, clock, borrower, funded, due, "first") == "OK"

    async with sessions() as session:
        [book_note] = (
            await session.exec(select(LoanNote).where(col(LoanNote.holder_id) == PLATFORM_ID))
        ).all()
        view = await platform_book(session, actor=OPERATOR, currency="CNY")
    async with sessions() as session:
        assert (await verify_ledger(session)).consistent
    account = await _book_account(sessions)
    assert book_note.principal_received > 0
    assert account.credits_posted == book_note.principal_received + book_note.interest_received
    assert view is not None
    assert view.outstanding == 700_000 - book_note.principal_received  # capacity comes back


async def test_the_book_never_lends_past_its_capacity_even_to_listings_at_once(
    sessions: Sessions, clock: FixedClock
) -> None:
    await _set_book(sessions, clock, capacity=1_000_000, max_per_loan=300_000)
    loans = await _loans(sessions, clock, 6, 500_000, ["PLATFORM_BOOK"])

    await asyncio.gather(*(_match(sessions, clock, loan.id) for loan in loans))

    async with sessions() as session:
        notes = (await session.exec(select(LoanNote))).all()
        funded = (await session.exec(select(Loan))).all()
        view = await platform_book(session, actor=OPERATOR, currency="CNY")
        offers = (await session.exec(select(BankFundingOffer))).all()
    assert sum(n.principal for n in notes) == 1_000_000  # all of it, and no more
    assert all(n.principal <= 300_000 for n in notes)
    assert sum(loan.committed for loan in funded) == 1_000_000
    assert {loan.state for loan in funded} == {"LISTED"}  # none fully funded by 300,000
    assert view is not None
    assert view.available == 0
    assert offers == []


async def test_a_product_without_the_channel_or_a_book_never_set_lends_nothing_of_it(
    sessions: Sessions, clock: FixedClock
) -> None:
    [unset] = await _loans(sessions, clock, 1, 500_000, ["PLATFORM_BOOK"])
    await _match(sessions, clock, unset.id)
    await _set_book(sessions, clock, capacity=5_000_000)
    [other] = await _loans(sessions, clock, 1, 500_000, ["INVESTOR_NOTES"])
    await _match(sessions, clock, other.id)

    async with sessions() as session:
        assert (await session.exec(select(LoanNote))).all() == []


async def test_only_operators_set_the_book_and_only_to_sensible_values(
    sessions: Sessions, clock: FixedClock
) -> None:
    investor = await participant(sessions, clock, {Role.INVESTOR})
    async with sessions() as session:
        with pytest.raises(Forbidden):
            await set_platform_book(
                session=session,
                clock=clock,
                actor=investor,
                currency="CNY",
                capacity=1,
                max_per_loan=None,
            )
        with pytest.raises(InvalidInput):
            await set_platform_book(
                session=session,
                clock=clock,
                actor=OPERATOR,
                currency="CNY",
                capacity=-1,
                max_per_loan=None,
            )
        with pytest.raises(InvalidInput):
            await set_platform_book(
                session=session,
                clock=clock,
                actor=OPERATOR,
                currency="CNY",
                capacity=1,
                max_per_loan=0,
            )
    await _set_book(sessions, clock, capacity=100)
    clock.advance(timedelta(minutes=1))
    await _set_book(sessions, clock, capacity=200, max_per_loan=50)
    async with sessions() as session:
        view = await platform_book(session, actor=OPERATOR, currency="CNY")
    assert view is not None
    assert (view.capacity, view.max_per_loan, view.updated_at) == (200, 50, clock.now())
