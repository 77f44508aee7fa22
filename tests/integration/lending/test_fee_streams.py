"""Fees spread over the installments are booked to each fee's own revenue stream, as the
upfront ones are: origination to origination_fee, service to service_fee."""

from __future__ import annotations

from datetime import datetime, time

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.clock import FixedClock
from domain.ledger.services.verification import verify_ledger
from domain.lending.services.repay_loan import debit_due_installments
from support.lending_life import disbursed_loan, repay
from support.lending_world import fund_wallet, installments_of
from support.payments import revenue

Sessions = async_sessionmaker[AsyncSession]
FEES = [
    {"name": "origination", "timing": "SPREAD", "percent": "0.012", "fixed": 0},
    {"name": "service", "timing": "SPREAD", "percent": "0", "fixed": 1_000},
]


async def _streams(sessions: Sessions) -> tuple[int, int]:
    return await revenue(sessions, "origination_fee"), await revenue(sessions, "service_fee")


async def test_each_spread_fee_goes_to_its_own_stream(
    sessions: Sessions, clock: FixedClock
) -> None:
    loan, borrower, _ = await disbursed_loan(sessions, clock, fees=FEES)
    borrower_id = borrower.require_participant()
    await fund_wallet(sessions, clock, borrower_id, 100_000)
    first, second, *_ = await installments_of(sessions, loan.id)
    # 12,000 and 1,000 over 12 installments: 1,000 + 84 (the first four carry a unit more)
    assert (first.fee_due, second.fee_due) == (1_084, 1_084)

    clock.set(datetime.combine(first.due_date, time(12), tzinfo=clock.now().tzinfo))
    await debit_due_installments(sessions, clock)  # the automatic debit pays the first
    assert await _streams(sessions) == (1_000, 84)
    # a part of the second's fees, early: the origination fee's part first
    assert await repay(sessions, clock, borrower, loan, 500, "part") == "OK"
    assert await _streams(sessions) == (1_500, 84)
    assert await revenue(sessions, "installment_fee") == 0
    assert await repay(sessions, clock, borrower, loan, 584, "rest") == "OK"
    assert await _streams(sessions) == (2_000, 168)
    async with sessions() as session:
        assert (await verify_ledger(session)).consistent
