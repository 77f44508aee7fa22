"""What insurers and operators read: an insurer's book by product, every insurer's solvency,
and the claims waiting."""

from __future__ import annotations

from datetime import timedelta
from fractions import Fraction

from domain.actors import Actor
from domain.clock import FixedClock
from domain.insurance.claims import Decision
from domain.insurance.services import reads
from domain.insurance.states import ClaimState
from support.insurance import (
    Sessions,
    buy,
    buyer,
    decide,
    file,
    insurer,
    publish,
)


async def test_an_insurers_book_and_the_operators_solvency_view(
    sessions: Sessions, clock: FixedClock
) -> None:
    # given two policies of 30.00 and a claim approved beyond what the insurer holds
    company = await insurer(sessions, clock)
    product = await publish(sessions, clock, company)
    holder = await buyer(sessions, clock)
    policy = await buy(sessions, clock, holder, product.id, 100_000)
    await buy(sessions, clock, holder, product.id, 100_000)
    later = FixedClock(clock.now() + timedelta(days=73))  # a fifth of the year run
    claim = await file(sessions, later, holder, policy.id, 20_000)
    await decide(
        sessions, later, company, claim.id, Decision.PARTIAL, 10_000, "the case was not original"
    )

    async with sessions() as session:
        [line] = await reads.book(session, actor=company, now=later.now())
        [solvency] = await reads.solvency(session, actor=Actor.system())
        waiting = await reads.insurance_claims(
            session, actor=Actor.system(), limit=10, state=ClaimState.APPROVED_UNPAID
        )

    # then the book: 60.00 written, a fifth earned, 100.00 outstanding, 9.00 commission
    assert (line.policies, line.written, line.earned, line.commission) == (2, 6_000, 1_200, 900)
    assert (line.claims_paid, line.claims_outstanding) == (0, 10_000)
    assert line.loss_ratio == Fraction(10_000, 1_200)
    # and the operator sees the insurer short: 51.00 held against 100.00 owed
    assert (solvency.balance, solvency.outstanding, solvency.unpaid_claims) == (5_100, 10_000, 1)
    assert not solvency.covered
    assert [c.id for c in waiting] == [claim.id]
