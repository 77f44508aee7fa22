"""The outcome of a campaign, and its settlement: the deadline job, and a cancellation.

At the deadline (a worker job; any number of workers: each claims a due campaign with FOR
UPDATE SKIP LOCKED and settles it in one transaction, so a campaign is settled once):
- success (all-or-nothing: pledged >= the goal, or the minimum raise; keep-it-all: anything
  pledged) captures every hold, then pays out of the campaign's escrow in one journal: the
  creator gets the total less the platform's fee (its kind's rate in the campaign's fee
  version, revenue stream `crowdfunding_fee`), donors' tips go to `crowdfunding_tip`. An
  equity offering allots its shares first (domain/crowdfunding/allotment.py) and captures
  shares x price of each hold, releasing the rest; a debt campaign becomes a loan
  (services/debt.py);
- failure, or a cancellation, releases every hold.
A pledge racing the job either commits before the job locks the campaign (and counts), or
finds the campaign no longer live.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.actors import Actor, NotFound
from domain.clock import Clock
from domain.crowdfunding.allotment import allot_shares
from domain.crowdfunding.fees import fee_shares, platform_fee, schedule_of
from domain.crowdfunding.services.accounts import (
    FEE_STREAM,
    TIP_STREAM,
    escrow_key,
    revenue_key,
    wallet_key,
)
from domain.crowdfunding.services.debt import lend_to_creator
from domain.crowdfunding.services.reads import CampaignView, views
from domain.crowdfunding.services.settled import LivePledge, Settled
from domain.crowdfunding.services.updates import audit, campaign_updated, lock_campaign, step
from domain.crowdfunding.states import (
    CampaignChange,
    CampaignEvent,
    CampaignKind,
    FundingModel,
    PledgeState,
)
from domain.crowdfunding.tables import Campaign, Pledge
from domain.errors import InvalidInput
from domain.jobs.services.batches import each_claimed
from domain.ledger.services.account_locks import lock_accounts_by_key
from domain.ledger.services.holds import post_hold, post_holds, void_holds
from domain.ledger.services.posting import Leg, post_transfers

logger = logging.getLogger("agora.crowdfunding")
CAMPAIGNS = Campaign.__table__  # type: ignore[attr-defined]
PLEDGES = Pledge.__table__  # type: ignore[attr-defined]

_CLAIM_DUE = text(
    """
    SELECT id FROM crowdfunding_campaign
    WHERE state = 'LIVE' AND deadline <= :now AND id <> ALL(CAST(:skip AS uuid[]))
    ORDER BY deadline, id
    LIMIT 1
    FOR UPDATE SKIP LOCKED
    """
)
_CLAIM_LAPSED = text(
    """
    SELECT id FROM crowdfunding_campaign
    WHERE state = 'LIVE' AND reconfirm_by <= :now AND id <> ALL(CAST(:skip AS uuid[]))
    ORDER BY reconfirm_by, id
    LIMIT 1
    FOR UPDATE SKIP LOCKED
    """
)
# Every settled pledge in one statement, whatever their number.
_SETTLE_PLEDGES = text(
    """
    UPDATE crowdfunding_pledge AS p
    SET state = s.state, captured = s.captured, fee = s.fee, shares = s.shares,
        note_id = s.note_id, updated_at = :now
    FROM jsonb_to_recordset(CAST(:settled AS jsonb))
        AS s(id uuid, state text, captured bigint, fee bigint, shares bigint, note_id uuid)
    WHERE p.id = s.id
    """
)


async def live_pledges(session: AsyncSession, campaign_id: UUID) -> list[LivePledge]:
    """The campaign's live pledges, oldest first (the order ties are broken in)."""
    rows = await (await session.connection()).execute(
        select(
            PLEDGES.c.id,
            PLEDGES.c.backer_id,
            PLEDGES.c.amount,
            PLEDGES.c.tip,
            PLEDGES.c.hold_id,
            PLEDGES.c.terms_version,
        )
        .where(PLEDGES.c.campaign_id == campaign_id, PLEDGES.c.state == PledgeState.ACTIVE.value)
        .order_by(PLEDGES.c.created_at, PLEDGES.c.id)
    )
    return [LivePledge(*row) for row in rows]


async def write_settled(session: AsyncSession, settled: Sequence[Settled], now: datetime) -> None:
    if not settled:
        return
    document = json.dumps(
        [
            {
                "id": str(s.pledge.id),
                "state": s.state.value,
                "captured": s.captured,
                "fee": s.fee,
                "shares": s.shares,
                "note_id": str(s.note_id) if s.note_id else None,
            }
            for s in settled
        ]
    )
    await (await session.connection()).execute(_SETTLE_PLEDGES, {"settled": document, "now": now})


async def release_all(
    session: AsyncSession, pledges: Sequence[LivePledge], now: datetime
) -> list[Settled]:
    """Release every pledge's hold, all in one posting: the money is the backers' again."""
    await void_holds(session, hold_ids=[p.hold_id for p in pledges], now=now)
    settled = [Settled(p, PledgeState.RELEASED) for p in pledges]
    await write_settled(session, settled, now)
    return settled


def succeeds(campaign: Campaign) -> bool:
    if campaign.funding_model == FundingModel.KEEP_IT_ALL.value:
        return campaign.pledged > 0
    return campaign.pledged >= campaign.threshold


async def _capture(
    session: AsyncSession, campaign: Campaign, pledges: Sequence[LivePledge], now: datetime
) -> list[Settled]:
    """Capture what each pledge pays (all of it, or shares x price of an equity hold)."""
    settled = [Settled(p, PledgeState.CAPTURED, captured=p.amount) for p in pledges]
    price, offered = campaign.price_per_share, campaign.shares_offered
    if price is not None and offered is not None:
        allotted = allot_shares(
            shares_offered=offered, price_per_share=price, amounts=[p.amount for p in pledges]
        )
        for s, shares in zip(settled, allotted, strict=True):
            s.shares, s.captured = shares, shares * price
            if not shares:
                s.state = PledgeState.RELEASED
    whole = [s.pledge.hold_id for s in settled if s.captured == s.pledge.amount]
    await post_holds(session, hold_ids=whole, now=now)
    await void_holds(
        session, hold_ids=[s.pledge.hold_id for s in settled if s.captured == 0], now=now
    )
    for s in settled:
        if 0 < s.captured < s.pledge.amount:
            await post_hold(session, hold_id=s.pledge.hold_id, now=now, amount=s.captured)
    return settled


async def pay_out(
    session: AsyncSession, campaign: Campaign, settled: Sequence[Settled], now: datetime
) -> None:
    """Out of the escrow, in one journal: the creator's part, the fee and the tips."""
    captured = [s.captured for s in settled]
    total, tips = sum(captured), sum(s.pledge.tip for s in settled if s.captured)
    schedule = schedule_of(campaign.fee_version)
    fee = platform_fee(total, schedule.rate_of(CampaignKind(campaign.kind)))
    for s, share in zip(settled, fee_shares(fee, captured), strict=True):
        s.fee = share
    currency = campaign.currency
    escrow, creator = escrow_key(campaign.id, currency), wallet_key(campaign.creator_id, currency)
    fees, tipped = revenue_key(FEE_STREAM, currency), revenue_key(TIP_STREAM, currency)
    accounts = await lock_accounts_by_key(session, {escrow, creator, fees, tipped}, now=now)
    tag = {"campaign": str(campaign.id)}
    legs = [
        Leg(accounts[escrow].id, accounts[creator].id, total - fee, "CROWDFUNDING_PAYOUT", tag),
        Leg(accounts[escrow].id, accounts[fees].id, fee, "CROWDFUNDING_FEE", tag),
        Leg(accounts[escrow].id, accounts[tipped].id, tips, "CROWDFUNDING_TIP", tag),
    ]
    legs = [leg for leg in legs if leg.amount > 0]
    if legs:
        await post_transfers(
            session,
            legs=legs,
            now=now,
            journal_id=uuid4(),
            locked={a.id: a for a in accounts.values()},
        )
    campaign.captured, campaign.fee = total, fee


async def settle_success(
    session: AsyncSession, campaign: Campaign, pledges: Sequence[LivePledge], now: datetime
) -> list[Settled]:
    if campaign.kind == CampaignKind.DEBT.value:
        settled = await lend_to_creator(session, campaign, pledges, now)
    else:
        settled = await _capture(session, campaign, pledges, now)
        await pay_out(session, campaign, settled, now)
    if campaign.price_per_share is not None:
        campaign.shares_allotted = sum(s.shares or 0 for s in settled)
    await write_settled(session, settled, now)
    return settled


async def decide(session: AsyncSession, campaign: Campaign, now: datetime) -> None:
    """The due campaign's outcome, settled: success or failure, then SETTLED."""
    pledges = await live_pledges(session, campaign.id)
    if succeeds(campaign):
        step(campaign, CampaignEvent.SUCCEED, now)
        settled = await settle_success(session, campaign, pledges, now)
        change = CampaignChange.SUCCEEDED
    else:
        step(campaign, CampaignEvent.FAIL, now)
        settled = await release_all(session, pledges, now)
        change = CampaignChange.FAILED
    await _close(session, campaign, settled, change, now)


async def _close(
    session: AsyncSession,
    campaign: Campaign,
    settled: Sequence[Settled],
    change: CampaignChange,
    now: datetime,
) -> None:
    campaign.ended_at = now
    step(campaign, CampaignEvent.SETTLE, now)
    campaign.settled_at = now
    session.add(campaign)
    await session.flush()
    backers = [s.pledge.backer_id for s in settled]
    await campaign_updated(session, campaign, change, now=now, audience=backers)


async def lapse_reconfirmations(session: AsyncSession, campaign: Campaign, now: datetime) -> None:
    """Release the pledges of investors who did not reconfirm a material change in time."""
    lapsed = [
        p
        for p in await live_pledges(session, campaign.id)
        if p.terms_version < campaign.terms_version
    ]
    await release_all(session, lapsed, now)
    campaign.pledged -= sum(p.amount for p in lapsed)
    campaign.backers -= len(lapsed)
    campaign.reconfirm_by, campaign.updated_at = None, now
    session.add(campaign)
    await session.flush()
    if lapsed:
        await campaign_updated(
            session,
            campaign,
            CampaignChange.PLEDGE_RELEASED,
            now=now,
            audience=[p.backer_id for p in lapsed],
        )


async def _each_claimed(
    sessions: async_sessionmaker[AsyncSession], clock: Clock, claim: Any, work: Any
) -> int:
    """Claim and work one campaign at a time, each in its own transaction (each_claimed)."""

    async def claim_one(session: AsyncSession, skip: list[UUID]) -> UUID | None:
        found = await (await session.connection()).execute(
            claim, {"now": clock.now(), "skip": skip}
        )
        return found.scalar()

    async def work_one(session: AsyncSession, found: UUID) -> None:
        campaign = await session.get(Campaign, found, populate_existing=True)
        assert campaign is not None
        await work(session, campaign, clock.now())

    return await each_claimed(
        sessions, claim_one, work_one, logger=logger, failure="campaign not settled"
    )


async def close_due_campaigns(sessions: async_sessionmaker[AsyncSession], clock: Clock) -> int:
    """The worker's job: lapsed reconfirmations released, then every campaign past its
    deadline decided and settled, each in its own transaction; how many campaigns closed."""
    await _each_claimed(sessions, clock, _CLAIM_LAPSED, lapse_reconfirmations)
    return await _each_claimed(sessions, clock, _CLAIM_DUE, decide)


async def cancel_campaign(
    *, session: AsyncSession, clock: Clock, actor: Actor, campaign_id: UUID, reason: str
) -> CampaignView:
    """The creator (or an operator) calls a live campaign off: every hold is released."""
    participant = actor.require_person()
    reason = reason.strip()
    if not reason or len(reason) > 500:
        raise InvalidInput("say why, in at most 500 characters", field="reason")
    campaign = await lock_campaign(session, campaign_id)
    if campaign.creator_id != participant and not actor.is_operator:
        raise NotFound("no such campaign", field="campaign_id")
    now = clock.now()
    step(campaign, CampaignEvent.CANCEL, now)
    campaign.cancel_reason = reason
    settled = await release_all(session, await live_pledges(session, campaign.id), now)
    await _close(session, campaign, settled, CampaignChange.CANCELLED, now)
    audit(session, actor, "cancel", at=now, target=campaign, details={"reason": reason})
    [view] = await views(session, [campaign])
    return view
