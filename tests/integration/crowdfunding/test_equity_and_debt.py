"""Equity offerings (investor limits, pro-rata allotment, the cap table, reconfirmation) and
debt campaigns that become loans repaid to their backers through lending."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import col, select

from domain.actors import Actor
from domain.clock import FixedClock
from domain.crowdfunding.errors import InvestorLimitExceeded, PledgeLocked, PledgeRefused
from domain.crowdfunding.services import amendments, pledge_changes, reads
from domain.crowdfunding.services.outcome import close_due_campaigns
from domain.crowdfunding.tables import Campaign, Pledge
from domain.lending.tables import Loan, LoanNote
from domain.participants.credentials import ParticipantKind
from domain.participants.roles import Role
from support.crowdfunding import (
    Sessions,
    backer,
    balance,
    cny,
    debt_campaign,
    equity_campaign,
    ledger_consistent,
    live_campaign,
    past_deadline,
    pledge,
    revenue,
)
from support.lending_life import repay
from support.lending_world import fund_wallet, installments_of, participant, product_row

DECLARED = {"annual_income": cny(0), "net_worth": cny(0)}  # the floor: 20,000.00


async def business(sessions: Sessions, clock: FixedClock) -> Actor:
    return await participant(sessions, clock, {Role.BORROWER}, kind=ParticipantKind.BUSINESS)


async def test_an_oversubscribed_offering_allots_its_shares_pro_rata_to_the_share(
    sessions: Sessions, clock: FixedClock
) -> None:
    issuer = await business(sessions, clock)
    live = await live_campaign(sessions, clock, issuer, equity_campaign(price=10_000, shares=100))
    investors = [await backer(sessions, clock, funds=2_000_000) for _ in range(4)]
    for who, amount in zip(investors, [500_000, 300_000, 200_000, 100_000], strict=True):
        await pledge(sessions, clock, who, live.campaign.id, amount, **DECLARED)

    await past_deadline(sessions, clock, live)

    # 110 shares asked for 100: quotas 45.45, 27.27, 18.18, 9.09; the one share left over
    # goes to the largest remainder (the first).
    async with sessions() as session:
        campaign, lines = await reads.cap_table(session, actor=issuer, campaign_id=live.campaign.id)
    assert [line.shares for line in lines] == [46, 27, 18, 9]
    assert sum(line.shares for line in lines) == campaign.shares_offered == 100
    assert [line.paid for line in lines] == [460_000, 270_000, 180_000, 90_000]
    for who, paid in zip(investors, [460_000, 270_000, 180_000, 90_000], strict=True):
        assert await balance(sessions, who) == (2_000_000 - paid, 0)
    assert (campaign.captured, campaign.fee) == (1_000_000, 70_000)
    assert await balance(sessions, issuer) == (930_000, 0)
    assert await revenue(sessions, "crowdfunding_fee") == 70_000
    assert await ledger_consistent(sessions)


async def test_an_investor_beyond_the_12_month_limit_is_told_which_limit_and_the_room_left(
    sessions: Sessions, clock: FixedClock
) -> None:
    issuer = await business(sessions, clock)
    first = await live_campaign(sessions, clock, issuer, equity_campaign(shares=1_000))
    second = await live_campaign(sessions, clock, issuer, equity_campaign(shares=1_000))
    investor = await backer(sessions, clock, funds=5_000_000)
    await pledge(sessions, clock, investor, first.campaign.id, 1_500_000, **DECLARED)

    with pytest.raises(InvestorLimitExceeded) as refused:
        await pledge(sessions, clock, investor, second.campaign.id, 600_000, **DECLARED)

    assert "20000.00 CNY (the floor)" in refused.value.message
    assert "500000" not in refused.value.message
    assert "5000.00 CNY is left" in refused.value.message
    await pledge(sessions, clock, investor, second.campaign.id, 500_000, **DECLARED)
    assert await balance(sessions, investor) == (3_000_000, 2_000_000)


async def test_equity_pledges_lock_48_hours_before_the_deadline(
    sessions: Sessions, clock: FixedClock
) -> None:
    issuer = await business(sessions, clock)
    live = await live_campaign(sessions, clock, issuer, equity_campaign())
    investor = await backer(sessions, clock)
    mine = await pledge(sessions, clock, investor, live.campaign.id, 100_000, **DECLARED)
    assert live.campaign.deadline is not None
    clock.set(live.campaign.deadline - timedelta(hours=47))

    async with sessions() as session:
        with pytest.raises(PledgeLocked):
            await pledge_changes.cancel_pledge(
                session=session,
                clock=clock,
                actor=investor,
                pledge_id=mine.pledge.id,
                idempotency_key="late",
            )


async def test_a_material_change_releases_the_investors_who_do_not_reconfirm(
    sessions: Sessions, clock: FixedClock
) -> None:
    issuer = await business(sessions, clock)
    live = await live_campaign(sessions, clock, issuer, equity_campaign(minimum=100_000))
    keen, silent = await backer(sessions, clock), await backer(sessions, clock)
    kept = await pledge(sessions, clock, keen, live.campaign.id, 100_000, **DECLARED)
    await pledge(sessions, clock, silent, live.campaign.id, 200_000, **DECLARED)

    async with sessions() as session:
        await amendments.amend_campaign(
            session=session,
            clock=clock,
            actor=issuer,
            campaign_id=live.campaign.id,
            description="Now with a garden.",
            change="the valuation includes the garden lease",
        )
        await pledge_changes.reconfirm_pledge(
            session=session, clock=clock, actor=keen, pledge_id=kept.pledge.id
        )
        await session.commit()
    clock.advance(timedelta(days=5, seconds=1))
    await close_due_campaigns(sessions, clock)

    assert await balance(sessions, silent) == (1_000_000, 0)
    assert await balance(sessions, keen) == (900_000, 100_000)
    async with sessions() as session:
        campaign = await session.get(Campaign, live.campaign.id)
        assert campaign is not None
        assert (campaign.pledged, campaign.backers, campaign.state) == (100_000, 1, "LIVE")


async def test_a_debt_campaign_becomes_a_loan_repaid_to_its_backers_through_lending(
    sessions: Sessions, clock: FixedClock
) -> None:
    product = product_row(clock.now())
    async with sessions() as session:
        session.add(product)
        await session.commit()
    issuer = await business(sessions, clock)
    live = await live_campaign(sessions, clock, issuer, debt_campaign(product.id, goal=1_000_000))
    lenders = [await backer(sessions, clock) for _ in range(3)]
    for who, amount in zip(lenders, [500_000, 300_000, 200_000], strict=True):
        await pledge(sessions, clock, who, live.campaign.id, amount)
    with pytest.raises(PledgeRefused):  # the loan is fully pledged
        await pledge(sessions, clock, await backer(sessions, clock), live.campaign.id, 100)

    await past_deadline(sessions, clock, live)

    async with sessions() as session:
        campaign = await session.get(Campaign, live.campaign.id)
        assert campaign is not None
        assert campaign.loan_id is not None
        loan = await session.get(Loan, campaign.loan_id)
        assert loan is not None
        notes = (await session.exec(select(LoanNote).where(col(LoanNote.loan_id) == loan.id))).all()
        pledges = (
            await session.exec(select(Pledge).where(col(Pledge.campaign_id) == campaign.id))
        ).all()
    assert (loan.state, loan.principal, loan.borrower_id) == (
        "ACTIVE",
        1_000_000,
        issuer.participant_id,
    )
    assert sorted(n.principal for n in notes) == [200_000, 300_000, 500_000]
    assert {p.note_id for p in pledges} == {n.id for n in notes}
    # 2 % origination (the product's) and 3 % crowdfunding fee (the campaign's kind).
    assert await balance(sessions, issuer) == (1_000_000 - 20_000 - 30_000, 0)
    for who, amount in zip(lenders, [500_000, 300_000, 200_000], strict=True):
        assert await balance(sessions, who) == (1_000_000 - amount, 0)

    assert issuer.participant_id is not None
    await fund_wallet(sessions, clock, issuer.participant_id, 200_000)
    for number, installment in enumerate(await installments_of(sessions, loan.id), start=1):
        due = installment.principal_due + installment.interest_due + installment.fee_due
        assert await repay(sessions, clock, issuer, loan, due, f"repay-{number}") == "OK"

    async with sessions() as session:
        closed = await session.get(Loan, loan.id)
        assert closed is not None
        assert closed.state == "CLOSED"
        notes = (await session.exec(select(LoanNote).where(col(LoanNote.loan_id) == loan.id))).all()
    for note in notes:
        assert note.principal_received == note.principal
        assert note.interest_received > 0
    received = [await balance(sessions, who) for who in lenders]
    assert all(available > 1_000_000 for available, _ in received)
    assert await ledger_consistent(sessions)


async def test_a_full_debt_campaign_still_lets_a_backer_reduce(
    sessions: Sessions, clock: FixedClock
) -> None:
    product = product_row(clock.now())
    async with sessions() as session:
        session.add(product)
        await session.commit()
    issuer = await business(sessions, clock)
    live = await live_campaign(sessions, clock, issuer, debt_campaign(product.id, goal=300_000))
    lender = await backer(sessions, clock)
    mine = await pledge(sessions, clock, lender, live.campaign.id, 300_000)

    async with sessions() as session:
        reduced = await pledge_changes.reduce_pledge(
            session=session,
            clock=clock,
            actor=lender,
            pledge_id=mine.pledge.id,
            amount=cny(200_000),
            idempotency_key="less",
        )
        await session.commit()

    assert reduced.campaign.pledged == 200_000


async def test_a_campaign_that_cannot_settle_does_not_hold_up_the_others(
    sessions: Sessions, clock: FixedClock
) -> None:
    # A product whose upfront fee takes the whole loan: nothing reaches the creator, so the
    # crowdfunding fee cannot be paid and the debt campaign's settlement fails.
    greedy = product_row(
        clock.now(),
        fees=[{"name": "origination", "timing": "UPFRONT", "percent": "1", "fixed": 0}],
    )
    async with sessions() as session:
        session.add(greedy)
        await session.commit()
    issuer = await business(sessions, clock)
    stuck = await live_campaign(sessions, clock, issuer, debt_campaign(greedy.id, goal=200_000))
    await pledge(sessions, clock, await backer(sessions, clock), stuck.campaign.id, 200_000)
    fine = await live_campaign(sessions, clock, issuer, equity_campaign(minimum=100_000))
    await pledge(
        sessions, clock, await backer(sessions, clock), fine.campaign.id, 100_000, **DECLARED
    )

    assert fine.campaign.deadline is not None
    clock.set(fine.campaign.deadline + timedelta(seconds=1))
    assert await close_due_campaigns(sessions, clock) == 1

    async with sessions() as session:
        states = {
            c.id: c.state
            for c in [
                await session.get(Campaign, stuck.campaign.id),
                await session.get(Campaign, fine.campaign.id),
            ]
            if c is not None
        }
    assert states == {stuck.campaign.id: "LIVE", fine.campaign.id: "SETTLED"}
    assert await ledger_consistent(sessions)
