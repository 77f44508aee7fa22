"""A note holder sells a note within its price bounds; the buyer pays, the seller receives
the price less the transfer fee, and the next repayment goes to the buyer. Until then the
seller may cancel the sale, and a cancel racing a purchase leaves exactly one of them done."""

from __future__ import annotations

import asyncio
from datetime import datetime, time, timedelta

import pytest
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.actors import Actor, NotFound
from domain.audit.tables import AuditEntry
from domain.clock import FixedClock
from domain.errors import DomainError
from domain.lending.errors import SaleNotOpen
from domain.lending.services.repay_loan import repay_loan
from domain.lending.services.secondary_market import (
    buy_listed_note,
    cancel_note_sale,
    list_note_for_sale,
)
from domain.lending.tables import LoanInstallment, LoanNote, NoteSale
from domain.money import Money
from domain.participants.roles import Role
from domain.wallets.services.accounts import wallet_balances
from support.lending_life import disbursed_loan
from support.lending_world import fund_wallet, participant

Sessions = async_sessionmaker[AsyncSession]


async def test_a_sold_note_pays_its_next_repayment_to_the_buyer(
    sessions: Sessions, clock: FixedClock
) -> None:
    loan, borrower, [seller, _] = await disbursed_loan(sessions, clock)
    buyer = await participant(sessions, clock, {Role.INVESTOR})
    assert buyer.participant_id
    assert seller.participant_id
    await fund_wallet(sessions, clock, buyer.participant_id, 1_000_000)
    async with sessions() as session:
        [note] = (
            await session.exec(
                select(LoanNote).where(col(LoanNote.holder_id) == seller.participant_id)
            )
        ).all()
    clock.advance(timedelta(days=10))

    async with sessions() as session:
        with pytest.raises(DomainError, match="must be within"):
            await list_note_for_sale(
                session=session,
                clock=clock,
                actor=seller,
                note_id=note.id,
                price=Money(700_000, "CNY"),
            )
    async with sessions() as session:
        sale = await list_note_for_sale(
            session=session, clock=clock, actor=seller, note_id=note.id, price=Money(601_000, "CNY")
        )
        await session.commit()
    async with sessions() as session:
        answer = await buy_listed_note(
            session=session, clock=clock, actor=buyer, sale_id=sale.id, idempotency_key="buy"
        )
        await session.commit()

    async with sessions() as session:
        sold = await session.get(NoteSale, sale.id)
        first = (
            await session.exec(
                select(LoanInstallment).where(
                    col(LoanInstallment.loan_id) == loan.id, col(LoanInstallment.number) == 1
                )
            )
        ).one()
        [seller_wallet] = await wallet_balances(session, owner_id=seller.participant_id)
    assert sold is not None
    assert sold.status == "SOLD"
    assert sold.transfer_fee == 3_005  # 0.5 % of 6,010.00, half-up
    assert seller_wallet.available == Money(601_000 - 3_005, "CNY")

    clock.set(datetime.combine(first.due_date, time(12), tzinfo=clock.now().tzinfo))
    async with sessions() as session:
        await repay_loan(
            session=session,
            clock=clock,
            actor=borrower,
            loan_id=loan.id,
            amount=Money(first.principal_due + first.interest_due, "CNY"),
            idempotency_key="r1",
        )
        await session.commit()
    async with sessions() as session:
        notes = {n.id: n for n in (await session.exec(select(LoanNote))).all()}
    bought = notes[answer.note_id]
    assert notes[note.id].status == "SOLD"
    assert notes[note.id].interest_received == 0
    assert bought.holder_id == buyer.participant_id
    assert bought.principal_received > 0
    assert bought.interest_received > 0


async def _note_on_sale(sessions: Sessions, clock: FixedClock) -> tuple[Actor, Actor, NoteSale]:
    """A seller's note listed at its outstanding principal, and a funded buyer."""
    _, _, [seller, _] = await disbursed_loan(sessions, clock)
    buyer = await participant(sessions, clock, {Role.INVESTOR})
    assert buyer.participant_id
    assert seller.participant_id
    await fund_wallet(sessions, clock, buyer.participant_id, 1_000_000)
    async with sessions() as session:
        [note] = (
            await session.exec(
                select(LoanNote).where(col(LoanNote.holder_id) == seller.participant_id)
            )
        ).all()
        sale = await list_note_for_sale(
            session=session, clock=clock, actor=seller, note_id=note.id, price=Money(600_000, "CNY")
        )
        await session.commit()
    return seller, buyer, sale


async def test_a_cancelled_sale_cannot_be_bought_and_only_its_seller_cancels(
    sessions: Sessions, clock: FixedClock
) -> None:
    seller, buyer, sale = await _note_on_sale(sessions, clock)

    async with sessions() as session:  # somebody else's sale looks like no sale at all
        with pytest.raises(NotFound):
            await cancel_note_sale(session=session, clock=clock, actor=buyer, sale_id=sale.id)
    async with sessions() as session:
        cancelled = await cancel_note_sale(
            session=session, clock=clock, actor=seller, sale_id=sale.id
        )
        await session.commit()
    assert cancelled.status == "CANCELLED"

    async with sessions() as session:
        with pytest.raises(SaleNotOpen):
            await cancel_note_sale(session=session, clock=clock, actor=seller, sale_id=sale.id)
    async with sessions() as session:
        with pytest.raises(NotFound):
            await buy_listed_note(
                session=session,
                clock=clock,
                actor=buyer,
                sale_id=sale.id,
                idempotency_key="after-cancel",
            )
    async with sessions() as session:
        [wallet] = await wallet_balances(session, owner_id=buyer.participant_id)
        entries = (
            await session.exec(
                select(AuditEntry).where(col(AuditEntry.action) == "lending.cancel_note_sale")
            )
        ).all()
    assert wallet.available == Money(1_000_000, "CNY")  # nothing moved
    assert [e.target_id for e in entries] == [str(sale.id)]


async def test_a_cancel_racing_a_purchase_leaves_exactly_one_done(
    sessions: Sessions, clock: FixedClock
) -> None:
    seller, buyer, sale = await _note_on_sale(sessions, clock)

    async def cancel() -> None:
        async with sessions() as session:
            await cancel_note_sale(session=session, clock=clock, actor=seller, sale_id=sale.id)
            await session.commit()

    async def buy() -> None:
        async with sessions() as session:
            await buy_listed_note(
                session=session, clock=clock, actor=buyer, sale_id=sale.id, idempotency_key="race"
            )
            await session.commit()

    outcomes = await asyncio.gather(cancel(), buy(), return_exceptions=True)

    failures = [o for o in outcomes if isinstance(o, BaseException)]
    assert len(failures) == 1
    assert isinstance(failures[0], DomainError)
    async with sessions() as session:
        final = await session.get(NoteSale, sale.id)
        [wallet] = await wallet_balances(session, owner_id=buyer.participant_id)
    assert final is not None
    bought = final.status == "SOLD"
    assert final.status == ("SOLD" if outcomes[1] is None else "CANCELLED")
    assert wallet.available == Money(1_000_000 - (600_000 if bought else 0), "CNY")
