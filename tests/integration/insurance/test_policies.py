"""Buying, cancelling and claiming on a policy sold on its own, against real PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.clock import FixedClock
from domain.insurance.claims import Decision
from domain.insurance.errors import ClaimRefused, PolicyStateConflict, ProductNotOnSale
from domain.insurance.services import cancellation, claims, products, reads
from domain.insurance.services.jobs import insurance_upkeep
from domain.insurance.states import ClaimState, PolicyState
from support.crowdfunding import balance, ledger_consistent, revenue
from support.insurance import (
    RETURN_SHIPPING,
    Sessions,
    buy,
    buyer,
    decide,
    file,
    insurer,
    key,
    publish,
)

STREAM = "insurance_commission"


async def test_a_bought_policy_pays_the_insurer_and_the_platform_exactly_once(
    sessions: Sessions, clock: FixedClock
) -> None:
    # given an insurer's product at 3 % (15 % commission) and a buyer with 10,000.00
    company = await insurer(sessions, clock)
    product = await publish(sessions, clock, company)
    holder = await buyer(sessions, clock)

    # when the buyer insures 1,000.00 twice under the same key
    first = await buy(sessions, clock, holder, product.id, 100_000, idempotency_key="buy-1")
    again = await buy(sessions, clock, holder, product.id, 100_000, idempotency_key="buy-1")

    # then one policy, 30.00 paid: 25.50 to the insurer, 4.50 to insurance_commission
    assert again.id == first.id
    assert (first.premium, first.insurer_premium, first.commission) == (3_000, 2_550, 450)
    assert first.state == PolicyState.ACTIVE.value
    assert await balance(sessions, holder) == (1_000_000 - 3_000, 0)
    assert await balance(sessions, company) == (2_550, 0)
    assert await revenue(sessions, STREAM) == 450
    assert await ledger_consistent(sessions)


async def test_cancelling_in_cooling_off_refunds_all_later_the_unused_days(
    sessions: Sessions, clock: FixedClock
) -> None:
    company = await insurer(sessions, clock)
    product = await publish(sessions, clock, company)
    holder = await buyer(sessions, clock)
    early = await buy(sessions, clock, holder, product.id, 100_000)
    late = await buy(sessions, clock, holder, product.id, 365_000)  # 109.50 premium

    async with sessions() as session:
        cancelled = await cancellation.cancel_policy(
            session=session, clock=clock, actor=holder, policy_id=early.id, idempotency_key=key()
        )
        await session.commit()
    assert cancelled.state == PolicyState.CANCELLED.value
    assert (cancelled.refunded_insurer, cancelled.refunded_commission) == (2_550, 450)

    later = FixedClock(clock.now() + timedelta(days=73))  # 292 of 365 days unused
    async with sessions() as session:
        cancelled = await cancellation.cancel_policy(
            session=session, clock=later, actor=holder, policy_id=late.id, idempotency_key=key()
        )
        await session.commit()
    # 10,950 x 292 / 365 = 8,760, in proportion to the 93.07 and 16.43 each got
    assert cancelled.refunded_insurer + cancelled.refunded_commission == 8_760
    assert (late.insurer_premium, late.commission) == (9_307, 1_643)
    assert (cancelled.refunded_insurer, cancelled.refunded_commission) == (7_446, 1_314)
    assert await revenue(sessions, STREAM) == 1_643 - 1_314
    assert await balance(sessions, holder) == (1_000_000 - 10_950 + 8_760, 0)
    assert await ledger_consistent(sessions)

    async with sessions() as session:
        with pytest.raises(PolicyStateConflict):
            await cancellation.cancel_policy(
                session=session, clock=later, actor=holder, policy_id=late.id, idempotency_key=key()
            )


async def test_claims_are_decided_by_the_insurer_and_paid_or_retried(
    sessions: Sessions, clock: FixedClock
) -> None:
    company = await insurer(sessions, clock)
    product = await publish(sessions, clock, company)
    holder = await buyer(sessions, clock)
    policy = await buy(sessions, clock, holder, product.id, 100_000)  # insurer holds 25.50

    with pytest.raises(ClaimRefused):  # inside the 7 days' waiting period
        await file(sessions, clock, holder, policy.id, 50_000)
    later = FixedClock(clock.now() + timedelta(days=10))
    claim = await file(sessions, later, holder, policy.id, 50_000)
    assert claim.state == ClaimState.OPEN.value

    # the insurer approves 80 % of 500.00 less 10.00 = 390.00 but holds 25.50: unpaid
    decided = await decide(sessions, later, company, claim.id, Decision.APPROVE)
    assert (decided.state, decided.approved, decided.paid) == ("APPROVED_UNPAID", 39_000, 0)

    # topped up, the retry pays it, once
    from support.lending_world import fund_wallet

    assert company.participant_id is not None
    await fund_wallet(sessions, later, company.participant_id, 100_000)
    for _ in range(2):
        async with sessions() as session:
            await claims.retry_unpaid_claims(session, now=later.now())
            await session.commit()
    assert await balance(sessions, company) == (2_550 + 100_000 - 39_000, 0)
    assert await balance(sessions, holder) == (1_000_000 - 3_000 + 39_000, 0)
    assert await ledger_consistent(sessions)


async def test_return_shipping_is_not_sold_alone_and_a_withdrawn_product_not_at_all(
    sessions: Sessions, clock: FixedClock
) -> None:
    company = await insurer(sessions, clock)
    shipping = await publish(sessions, clock, company, RETURN_SHIPPING)
    gadget = await publish(sessions, clock, company)
    holder = await buyer(sessions, clock)
    with pytest.raises(ProductNotOnSale):
        await buy(sessions, clock, holder, shipping.id)
    async with sessions() as session:
        await products.withdraw_product(
            session=session, clock=clock, actor=company, product_id=gadget.id
        )
        await session.commit()
    with pytest.raises(ProductNotOnSale):
        await buy(sessions, clock, holder, gadget.id)
    assert await balance(sessions, holder) == (1_000_000, 0)


async def test_a_policy_past_its_term_expires_once_and_takes_no_claim(
    sessions: Sessions, clock: FixedClock
) -> None:
    company = await insurer(sessions, clock)
    product = await publish(sessions, clock, company)
    holder = await buyer(sessions, clock)
    policy = await buy(sessions, clock, holder, product.id, 100_000)
    year_on = FixedClock(clock.now() + timedelta(days=365))

    assert await insurance_upkeep(sessions, year_on) == 1
    assert await insurance_upkeep(sessions, year_on) == 0

    async with sessions() as session:
        [expired] = await reads.my_policies(session, actor=holder, limit=5)
    assert expired.state == PolicyState.EXPIRED.value
    with pytest.raises(ClaimRefused):
        await file(sessions, year_on, holder, policy.id, 10_000)
    async with sessions() as session:
        with pytest.raises(PolicyStateConflict):
            await cancellation.cancel_policy(
                session=session,
                clock=year_on,
                actor=holder,
                policy_id=policy.id,
                idempotency_key=key(),
            )
