"""A backer changes a live pledge: cancels it, reduces it, or reconfirms it after a material
change of an equity campaign. Cancelling and reducing release money (idempotent, under the
backer's key), except inside the lock windows (domain/crowdfunding/pledge_locks.py).
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlmodel.ext.asyncio.session import AsyncSession

from domain.actors import Actor, NotFound
from domain.clock import Clock
from domain.crowdfunding.errors import PledgeLocked, PledgeRefused, PledgeStateConflict
from domain.crowdfunding.pledge_locks import cancellation_lock
from domain.crowdfunding.services.holds import hold_pledge, release_pledge
from domain.crowdfunding.services.pledge_checks import (
    PledgeKept,
    PledgeRequest,
    check_amount,
    check_live,
    give_back_unit,
)
from domain.crowdfunding.services.pledging import pledge_now
from domain.crowdfunding.services.reads import PledgeView
from domain.crowdfunding.services.updates import (
    audit,
    campaign_updated,
    lock_campaign,
    pledge_updated,
)
from domain.crowdfunding.states import CampaignChange, CampaignKind, FundingModel, PledgeState
from domain.crowdfunding.tables import Campaign, Pledge, RewardTier
from domain.errors import InvalidInput
from domain.idempotency.service import run_once
from domain.money import Money

TIERS = RewardTier.__table__  # type: ignore[attr-defined]


async def own_pledge(
    session: AsyncSession, actor: Actor, pledge_id: UUID
) -> tuple[Pledge, Campaign]:
    """The caller's pledge and its campaign, the campaign's row locked first."""
    backer_id = actor.require_person()
    found = await session.get(Pledge, pledge_id)
    if found is None or found.backer_id != backer_id:
        raise NotFound("no such pledge", field="pledge_id")
    campaign = await lock_campaign(session, found.campaign_id)
    row = await session.get(Pledge, pledge_id, populate_existing=True)
    assert row is not None
    return row, campaign


def _check_change(campaign: Campaign, row: Pledge, reduction: int, now: datetime) -> None:
    if row.state != PledgeState.ACTIVE.value:
        raise PledgeStateConflict(f"the pledge is {row.state}", field="pledge_id")
    check_live(campaign, now)
    assert campaign.deadline is not None  # live
    locked = cancellation_lock(
        kind=CampaignKind(campaign.kind),
        funding_model=FundingModel(campaign.funding_model),
        deadline=campaign.deadline,
        now=now,
        pledged=campaign.pledged,
        threshold=campaign.threshold,
        reduction=reduction,
    )
    if locked is not None:
        raise PledgeLocked(locked, field="pledge_id")


async def cancel_pledge(
    *, session: AsyncSession, clock: Clock, actor: Actor, pledge_id: UUID, idempotency_key: str
) -> PledgeView:
    """Withdraw a live pledge: its hold is released and its tier's unit given back."""

    async def execute() -> PledgeKept:
        now = clock.now()
        row, campaign = await own_pledge(session, actor, pledge_id)
        _check_change(campaign, row, row.amount, now)
        row.state, row.updated_at = PledgeState.CANCELLED.value, now
        campaign.pledged -= row.amount
        campaign.tips -= row.tip
        campaign.backers -= 1
        campaign.updated_at = now
        tier = await give_back_unit(session, row.tier_id)
        session.add_all([row, campaign])
        await session.flush()
        await campaign_updated(
            session,
            campaign,
            CampaignChange.PLEDGE_CANCELLED,
            now=now,
            audience=[row.backer_id],
            tier=tier,
        )
        await pledge_updated(session, row, creator_id=campaign.creator_id, now=now)
        audit(session, actor, "cancel_pledge", at=now, target=row)
        assert row.hold_id is not None  # a live pledge holds its money
        await release_pledge(session, row.hold_id, now)
        return PledgeKept(pledge_id=row.id, campaign_id=campaign.id)

    answer = await run_once(
        session,
        actor=actor,
        clock=clock,
        key=idempotency_key,
        operation="crowdfunding.cancel_pledge",
        request={"pledge": str(pledge_id)},
        execute=execute,
        answer=PledgeKept,
    )
    return await pledge_now(session, answer.pledge_id)


async def reduce_pledge(
    *,
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    pledge_id: UUID,
    amount: Money,
    idempotency_key: str,
) -> PledgeView:
    """Lower a live pledge to `amount` (still at least its tier's minimum): the old hold is
    released and the new amount held, in one transaction."""

    async def execute() -> PledgeKept:
        now = clock.now()
        row, campaign = await own_pledge(session, actor, pledge_id)
        if not 0 < amount.minor < row.amount:
            least = Money(row.amount, row.currency).text()
            raise InvalidInput(f"must be more than zero and less than {least}", field="amount")
        _check_change(campaign, row, row.amount - amount.minor, now)
        request = PledgeRequest(campaign.id, amount)
        check_amount(campaign, request, replacing=row.amount)
        if row.tier_id is not None:
            tier = await session.get(RewardTier, row.tier_id)
            assert tier is not None
            if amount.minor < tier.minimum:
                least = Money(tier.minimum, campaign.currency).text()
                raise PledgeRefused(f"the tier takes at least {least}", field="amount")
        campaign.pledged -= row.amount - amount.minor
        campaign.updated_at = now
        old_hold, row.amount, row.updated_at = row.hold_id, amount.minor, now
        session.add_all([row, campaign])
        await session.flush()
        await campaign_updated(
            session, campaign, CampaignChange.PLEDGE_REDUCED, now=now, audience=[row.backer_id]
        )
        await pledge_updated(session, row, creator_id=campaign.creator_id, now=now)
        audit(session, actor, "reduce_pledge", at=now, target=row, details={"amount": amount.minor})
        assert old_hold is not None
        await release_pledge(session, old_hold, now)
        row.hold_id = await hold_pledge(
            session, campaign, backer_id=row.backer_id, amount=row.amount + row.tip, now=now
        )
        session.add(row)
        return PledgeKept(pledge_id=row.id, campaign_id=campaign.id)

    answer = await run_once(
        session,
        actor=actor,
        clock=clock,
        key=idempotency_key,
        operation="crowdfunding.reduce_pledge",
        request={"pledge": str(pledge_id), "amount": amount.minor, "currency": amount.currency},
        execute=execute,
        answer=PledgeKept,
    )
    return await pledge_now(session, answer.pledge_id)


async def reconfirm_pledge(
    *, session: AsyncSession, clock: Clock, actor: Actor, pledge_id: UUID
) -> PledgeView:
    """An investor confirms a live equity pledge under the campaign's changed terms."""
    now = clock.now()
    row, campaign = await own_pledge(session, actor, pledge_id)
    if row.state != PledgeState.ACTIVE.value:
        raise PledgeStateConflict(f"the pledge is {row.state}", field="pledge_id")
    check_live(campaign, now)
    if row.terms_version >= campaign.terms_version:
        raise PledgeStateConflict("the pledge stands under the current terms", field="pledge_id")
    row.terms_version, row.updated_at = campaign.terms_version, now
    session.add(row)
    await session.flush()
    await pledge_updated(session, row, creator_id=campaign.creator_id, now=now)
    audit(session, actor, "reconfirm_pledge", at=now, target=row)
    return PledgeView(row, campaign)
