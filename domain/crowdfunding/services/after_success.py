"""After a reward campaign succeeds: the creator refunds a backer from its wallet (the
platform's fee reversed in proportion, as payments' refunds do: domain/revenue/refunds.py),
and marks rewards fulfilled.
"""

from __future__ import annotations

from uuid import UUID, uuid4

from sqlmodel.ext.asyncio.session import AsyncSession

from domain.actors import Actor, NotFound
from domain.clock import Clock
from domain.crowdfunding.errors import CampaignStateConflict, PledgeStateConflict
from domain.crowdfunding.services.accounts import FEE_STREAM, revenue_key, wallet_key
from domain.crowdfunding.services.pledge_checks import PledgeKept
from domain.crowdfunding.services.pledging import pledge_now
from domain.crowdfunding.services.reads import PledgeView
from domain.crowdfunding.services.updates import (
    audit,
    campaign_updated,
    lock_campaign,
    pledge_updated,
)
from domain.crowdfunding.states import CampaignChange, CampaignKind, PledgeState
from domain.crowdfunding.tables import Campaign, Pledge
from domain.errors import InvalidInput
from domain.idempotency.service import run_once
from domain.ledger.services.account_locks import lock_accounts_by_key
from domain.ledger.services.posting import Leg, post_transfers
from domain.money import Money
from domain.revenue.refund_reversal import CapturedSplit, RefundExceedsRemaining, reverse_for_refund
from domain.revenue.splits import Party, Role, SplitLeg

REFUNDABLE = (CampaignKind.REWARD.value, CampaignKind.DONATION.value)


async def creators_pledge(
    session: AsyncSession, actor: Actor, pledge_id: UUID
) -> tuple[Pledge, Campaign]:
    """A pledge to one of the caller's campaigns, the campaign's row locked first."""
    creator_id = actor.require_person()
    found = await session.get(Pledge, pledge_id)
    campaign = None if found is None else await lock_campaign(session, found.campaign_id)
    if campaign is None or campaign.creator_id != creator_id:
        raise NotFound("no such pledge", field="pledge_id")
    row = await session.get(Pledge, pledge_id, populate_existing=True)
    assert row is not None
    return row, campaign


def captured_split(row: Pledge, creator_id: UUID) -> CapturedSplit:
    """How the pledge was shared at capture: the platform's fee and the creator's part."""
    creator = SplitLeg(
        Party(Role.MERCHANT, str(creator_id)), Money(row.captured - row.fee, row.currency)
    )
    return CapturedSplit(fee=Money(row.fee, row.currency), legs=(creator,))


async def refund_pledge(
    *,
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    pledge_id: UUID,
    amount: Money | None,
    idempotency_key: str,
) -> PledgeView:
    """The creator gives `amount` (all that remains when None) of a captured pledge back:
    from its wallet and, in proportion, from the platform's fee."""
    if amount is not None and amount.minor <= 0:
        raise InvalidInput("must be greater than zero", field="amount")

    async def execute() -> PledgeKept:
        now = clock.now()
        row, campaign = await creators_pledge(session, actor, pledge_id)
        if campaign.kind not in REFUNDABLE:
            raise CampaignStateConflict(
                "only rewards and donations are refunded", field="pledge_id"
            )
        if row.state != PledgeState.CAPTURED.value:
            raise PledgeStateConflict(f"the pledge is {row.state}", field="pledge_id")
        if amount is not None and amount.currency != row.currency:
            raise InvalidInput(f"the pledge is in {row.currency}", field="amount")
        refund = Money(
            row.captured - row.refunded if amount is None else amount.minor, row.currency
        )
        try:
            reversal = reverse_for_refund(
                captured_split(row, campaign.creator_id),
                refunded_before=Money(row.refunded, row.currency),
                refund=refund,
            )
        except RefundExceedsRemaining as error:
            raise InvalidInput(str(error), field="amount") from None
        currency = row.currency
        backer, creator = (
            wallet_key(row.backer_id, currency),
            wallet_key(campaign.creator_id, currency),
        )
        fees = revenue_key(FEE_STREAM, currency)
        accounts = await lock_accounts_by_key(session, {backer, creator, fees}, now=now)
        tag = {"campaign": str(campaign.id), "pledge": str(row.id)}
        gives = [(creator, reversal.legs[0].amount.minor), (fees, reversal.fee.minor)]
        legs = [
            Leg(accounts[k].id, accounts[backer].id, n, "CROWDFUNDING_REFUND", tag)
            for k, n in gives
            if n > 0
        ]
        # Largest remainder may hand a party one unit back (domain/revenue/refunds.py).
        legs += [
            Leg(accounts[backer].id, accounts[k].id, -n, "CROWDFUNDING_REFUND", tag)
            for k, n in gives
            if n < 0
        ]
        await post_transfers(
            session,
            legs=legs,
            now=now,
            journal_id=uuid4(),
            locked={a.id: a for a in accounts.values()},
        )
        row.refunded += refund.minor
        if row.refunded == row.captured:
            row.state = PledgeState.REFUNDED.value
        row.updated_at = now
        campaign.refunded += refund.minor
        campaign.updated_at = now
        session.add_all([row, campaign])
        await session.flush()
        await campaign_updated(
            session, campaign, CampaignChange.REFUNDED, now=now, audience=[row.backer_id]
        )
        await pledge_updated(session, row, creator_id=campaign.creator_id, now=now)
        audit(
            session,
            actor,
            "refund",
            at=now,
            target=row,
            details={"amount": refund.minor, "fee_reversed": reversal.fee.minor},
        )
        return PledgeKept(pledge_id=row.id, campaign_id=campaign.id)

    answer = await run_once(
        session,
        actor=actor,
        clock=clock,
        key=idempotency_key,
        operation="crowdfunding.refund",
        request={
            "pledge": str(pledge_id),
            "amount": amount.minor if amount else None,
            "currency": amount.currency if amount else None,
        },
        execute=execute,
        answer=PledgeKept,
    )
    return await pledge_now(session, answer.pledge_id)


async def mark_reward_fulfilled(
    *, session: AsyncSession, clock: Clock, actor: Actor, pledge_id: UUID
) -> PledgeView:
    """The creator says a captured pledge's reward was delivered."""
    row, campaign = await creators_pledge(session, actor, pledge_id)
    if row.tier_id is None or row.state != PledgeState.CAPTURED.value:
        raise PledgeStateConflict(
            "only a captured pledge for a reward is fulfilled", field="pledge_id"
        )
    if row.fulfilled_at is not None:
        raise PledgeStateConflict("the reward was marked fulfilled already", field="pledge_id")
    now = clock.now()
    row.fulfilled_at, row.updated_at = now, now
    session.add(row)
    await session.flush()
    await pledge_updated(session, row, creator_id=campaign.creator_id, now=now)
    audit(session, actor, "fulfil", at=now, target=row)
    return PledgeView(row, campaign)
