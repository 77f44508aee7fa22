"""A material change to a live equity campaign: every investor must reconfirm.

The issuer states what changed; the campaign's terms version goes up and its investors have
RECONFIRM_DAYS to reconfirm (the deadline moves out if it would come first). The deadline
job releases the pledges of those who did not (services/outcome.py).
"""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

from sqlmodel.ext.asyncio.session import AsyncSession

from domain.actors import Actor, NotFound
from domain.clock import Clock
from domain.crowdfunding.errors import CampaignStateConflict
from domain.crowdfunding.services.outcome import live_pledges
from domain.crowdfunding.services.pledge_checks import check_live
from domain.crowdfunding.services.reads import CampaignView, views
from domain.crowdfunding.services.updates import audit, campaign_updated, lock_campaign
from domain.crowdfunding.states import CampaignChange, CampaignKind
from domain.crowdfunding.terms import DESCRIPTION_LENGTH
from domain.errors import InvalidInput

RECONFIRM_DAYS = 5


async def amend_campaign(
    *,
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    campaign_id: UUID,
    description: str,
    change: str,
) -> CampaignView:
    """The issuer restates a live equity campaign's description and says what changed."""
    creator_id = actor.require_person()
    if not change.strip() or len(change) > 500:
        raise InvalidInput("say what changed, in at most 500 characters", field="change")
    if len(description) > DESCRIPTION_LENGTH:
        raise InvalidInput(f"must be at most {DESCRIPTION_LENGTH} characters", field="description")
    campaign = await lock_campaign(session, campaign_id)
    if campaign.creator_id != creator_id:
        raise NotFound("no such campaign", field="campaign_id")
    now = clock.now()
    check_live(campaign, now)
    if campaign.kind != CampaignKind.EQUITY.value:
        raise CampaignStateConflict(
            "only an equity offering asks for reconfirmation", field="campaign_id"
        )
    campaign.description = description
    campaign.terms_version += 1
    campaign.reconfirm_by = now + timedelta(days=RECONFIRM_DAYS)
    assert campaign.deadline is not None  # live
    campaign.deadline = max(campaign.deadline, campaign.reconfirm_by)
    campaign.updated_at = now
    session.add(campaign)
    await session.flush()
    investors = [p.backer_id for p in await live_pledges(session, campaign.id)]
    await campaign_updated(session, campaign, CampaignChange.AMENDED, now=now, audience=investors)
    audit(session, actor, "amend", at=now, target=campaign, details={"change": change.strip()})
    [view] = await views(session, [campaign])
    return view
