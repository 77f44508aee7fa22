"""Browsing campaigns (a Relay connection), one by id, my campaigns and pledges, a
campaign's backers and an equity campaign's cap table."""

from __future__ import annotations

import strawberry

from domain.advertising.items import ItemKind
from domain.crowdfunding.services import reads
from domain.errors import DomainError
from domain.participants.roles import Scope
from graph.advertising.browsing import promoted_page
from graph.context import Info
from graph.crowdfunding.types import (
    Campaign,
    CampaignKind,
    CampaignState,
    CapTableEntry,
    Pledge,
    PledgeState,
)
from graph.hardening.policy import page_size
from graph.pagination import Connection, connection, time_and_id
from graph.permissions import ANYONE, SIGNED_IN, allow
from graph.relay import uuid_of


@strawberry.input(description="Which campaigns to browse; all public ones by default.")
class CampaignFilterInput:
    kind: CampaignKind | None = None
    state: CampaignState | None = None
    category: str | None = None
    ending_soon: bool = strawberry.field(
        default=False, description="Live campaigns only, the soonest deadline first."
    )

    def to_domain(self) -> reads.CampaignFilter:
        return reads.CampaignFilter(self.kind, self.state, self.category, self.ending_soon)


def _campaign_key(filter: reads.CampaignFilter):  # type: ignore[no-untyped-def]
    if filter.ending_soon:
        return lambda v: (v.campaign.deadline.isoformat(), v.campaign.id)
    return lambda v: (v.campaign.created_at.isoformat(), v.campaign.id)


def _pledge_key(view: reads.PledgeView) -> tuple[str, object]:
    return view.pledge.created_at.isoformat(), view.pledge.id


@strawberry.type
class CrowdfundingQueries:
    @allow(ANYONE)
    @strawberry.field(
        description="Campaigns anyone may see (from the moment they go live), newest first "
        "or ending soonest, promoted ones (sponsored) first; operators see every campaign."
    )
    async def campaigns(
        self,
        info: Info,
        filter: CampaignFilterInput | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Campaign]:
        page = page_size(first, info.context.hardening)
        wanted = (filter or CampaignFilterInput()).to_domain()
        async with info.context.browsing_db() as session:  # a standby's, if configured
            rows = await reads.browse_campaigns(
                session,
                actor=info.context.actor,
                where=wanted,
                after=time_and_id(after),
                limit=page + 1,
            )
        listed = connection(rows, page=page, key=_campaign_key(wanted), node=Campaign.of)
        return await promoted_page(info, ItemKind.CAMPAIGN, listed)

    @allow(ANYONE)
    @strawberry.field(description="A campaign by id (null if there is none you may see).")
    async def campaign(self, info: Info, id: strawberry.ID) -> Campaign | None:
        async with info.context.db() as session:
            try:
                view = await reads.get_campaign(
                    session, actor=info.context.actor, campaign_id=uuid_of(id, "Campaign")
                )
            except DomainError:
                return None
        return Campaign.of(view)

    @allow(SIGNED_IN, key=Scope.PROFILE_READ)
    @strawberry.field(description="Your campaigns, whatever their state, newest first.")
    async def my_campaigns(self, info: Info, first: int | None = None) -> list[Campaign]:
        limit = page_size(first, info.context.hardening)
        async with info.context.db() as session:
            rows = await reads.my_campaigns(session, actor=info.context.actor, limit=limit)
        return [Campaign.of(row) for row in rows]

    @allow(SIGNED_IN, key=Scope.PROFILE_READ)
    @strawberry.field(description="Your pledges, newest first.")
    async def my_pledges(
        self,
        info: Info,
        state: PledgeState | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Pledge]:
        page = page_size(first, info.context.hardening)
        async with info.context.db() as session:
            rows = await reads.my_pledges(
                session,
                actor=info.context.actor,
                after=time_and_id(after),
                limit=page + 1,
                state=state,
            )
        return connection(rows, page=page, key=_pledge_key, node=Pledge.of)

    @allow(SIGNED_IN, key=Scope.PROFILE_READ, looks_missing=True)
    @strawberry.field(
        description="Your campaign's backers, newest first (null if it is not yours)."
    )
    async def campaign_pledges(
        self,
        info: Info,
        campaign_id: strawberry.ID,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Pledge] | None:
        page = page_size(first, info.context.hardening)
        async with info.context.db() as session:
            try:
                rows = await reads.campaign_pledges(
                    session,
                    actor=info.context.actor,
                    campaign_id=uuid_of(campaign_id, "Campaign"),
                    after=time_and_id(after),
                    limit=page + 1,
                )
            except DomainError:
                return None
        return connection(rows, page=page, key=_pledge_key, node=Pledge.of)

    @allow(SIGNED_IN, key=Scope.PROFILE_READ, looks_missing=True)
    @strawberry.field(
        description="An equity campaign's cap table, largest holding first: its issuer sees "
        "every line, an investor its own (empty if none you may see)."
    )
    async def cap_table(self, info: Info, campaign_id: strawberry.ID) -> list[CapTableEntry]:
        async with info.context.db() as session:
            try:
                campaign, lines = await reads.cap_table(
                    session, actor=info.context.actor, campaign_id=uuid_of(campaign_id, "Campaign")
                )
            except DomainError:
                return []
        return [CapTableEntry.of(line, campaign.currency) for line in lines]
