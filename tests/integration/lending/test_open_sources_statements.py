"""What a listing asks PostgreSQL to choose its sources through this process's index: the
index is built when the app starts, and then the loan's holdings and one statement that
takes in what was written since and checks what the walk read (bench/README.md, "Matching
a listing through the index": each statement costs more CPU than the walk itself)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import event, update
from sqlmodel import col

from api.open_sources_warmup import index_open_sources
from domain.clock import FixedClock
from domain.lending.services.commitments import lock_loan
from domain.lending.services.match_sources import loan_to_fund
from domain.lending.services.open_sources import cache_of, indexed_sources
from domain.lending.tables import BankFundingOffer, LoanProductRow
from domain.participants.credentials import ParticipantKind
from domain.participants.roles import Role
from support.lending_world import Sessions, listed_loan, offer_row, participant, product_row


@contextmanager
def _statements(sessions: Sessions) -> Iterator[list[str]]:
    """The SQL statements the sessions' engine sends meanwhile."""
    engine = sessions.kw["bind"].sync_engine
    sent: list[str] = []

    def count(*args: Any) -> None:
        sent.append(args[2])

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", count)


async def _offers_chosen(sessions: Sessions, clock: FixedClock) -> tuple[set[str], int]:
    """The offers a new borrower's listing gives the engine, and how many statements that
    took (the loan's holdings, then the index)."""
    borrower = await participant(sessions, clock, {Role.BORROWER})
    assert borrower.participant_id is not None
    product = product_row(clock.now(), funding_channels=["BANK_OFFERS"])
    loan = await listed_loan(
        sessions, clock, borrower.participant_id, principal=1_000_000, product=product
    )
    async with sessions() as session:
        locked = await lock_loan(session, loan.id)
        row = await session.get(LoanProductRow, locked.product_id)
        assert row is not None
        with _statements(sessions) as sent:
            target = await loan_to_fund(session, loan=locked, product=row)
            found = await indexed_sources(
                session, loan=locked, target=target, now=clock.now(), offers=True, rules=False
            )
        await session.rollback()
    assert found is not None
    return {offer.offer_id for offer in found[0]}, len(sent)


async def test_an_app_start_builds_the_index_and_a_listing_then_asks_two_statements(
    sessions: Sessions, clock: FixedClock
) -> None:
    # given a bank's cheap and dear offers, and the index built as the app starts
    now = clock.now()
    bank = await participant(sessions, clock, {Role.PARTNER_BANK}, kind=ParticipantKind.BUSINESS)
    assert bank.participant_id is not None
    cheap = offer_row(bank.participant_id, now, rate_floor=Decimal("0.05"), capacity=1_000_000)
    dear = offer_row(bank.participant_id, now, rate_floor=Decimal("0.07"))
    async with sessions() as session:
        session.add_all([cheap, dear])
        await session.commit()
        (await cache_of(session)).rebuild = True  # a new process: nothing indexed yet
    await index_open_sources(sessions, clock)
    async with sessions() as session:
        assert (await cache_of(session)).index.offer(str(cheap.id)) is not None

    # when a loan the cheap offer fills is listed
    chosen, statements = await _offers_chosen(sessions, clock)

    # then the engine is given that offer, after two statements: no build, no re-read
    assert chosen == {str(cheap.id)}
    assert statements == 2

    # and when another process uses the cheap offer up, the next listing follows
    await _use_up(sessions, cheap.id)
    chosen, _ = await _offers_chosen(sessions, clock)
    assert chosen == {str(dear.id)}


async def _use_up(sessions: Sessions, offer_id: UUID) -> None:
    async with sessions() as session:
        await session.exec(
            update(BankFundingOffer)
            .where(col(BankFundingOffer.id) == offer_id)
            .values(committed=BankFundingOffer.capacity)
        )
        await session.commit()
