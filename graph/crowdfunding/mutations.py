"""Crowdfunding mutations: creators draft, submit, amend, cancel, refund and fulfil; operators
review; backers pledge, cancel, reduce and reconfirm. Each that moves money takes an
idempotencyKey."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import strawberry
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.crowdfunding.services import (
    after_success,
    amendments,
    campaigns,
    outcome,
    pledge_changes,
    pledging,
    reads,
)
from domain.participants.roles import Role
from graph.context import Info
from graph.crowdfunding.inputs import (
    AmendCampaignInput,
    CreateCampaignInput,
    PledgeInput,
    ReducePledgeInput,
    RefundPledgeInput,
    ReviewCampaignInput,
    amount_of,
    new_campaign,
    pledge_request,
    refund_amount,
)
from graph.crowdfunding.types import (
    Campaign,
    CampaignPayload,
    Pledge,
    PledgeChangePayload,
    PledgePayload,
)
from graph.idempotency import IdempotencyKey
from graph.payloads import run_mutation
from graph.permissions import SIGNED_IN, allow
from graph.relay import uuid_of


async def _pledge_payload(session: AsyncSession, view: reads.PledgeView) -> PledgePayload:
    [campaign] = await reads.views(session, [view.campaign])
    return PledgePayload(pledge=Pledge.of(view), campaign=Campaign.of(campaign))


async def _campaign(
    info: Info, use_case: Callable[[AsyncSession], Awaitable[reads.CampaignView]]
) -> CampaignPayload:
    async def run(session: AsyncSession) -> CampaignPayload:
        return CampaignPayload(campaign=Campaign.of(await use_case(session)))

    return await run_mutation(info, lambda e: CampaignPayload(errors=e), run)


async def _pledge(
    info: Info, use_case: Callable[[AsyncSession], Awaitable[reads.PledgeView]]
) -> PledgePayload:
    async def run(session: AsyncSession) -> PledgePayload:
        return await _pledge_payload(session, await use_case(session))

    return await run_mutation(info, lambda e: PledgePayload(errors=e), run)


async def _change(
    info: Info, use_case: Callable[[AsyncSession], Awaitable[reads.PledgeView]]
) -> PledgeChangePayload:
    async def run(session: AsyncSession) -> PledgeChangePayload:
        return PledgeChangePayload(pledge=Pledge.of(await use_case(session)))

    return await run_mutation(info, lambda e: PledgeChangePayload(errors=e), run)


@strawberry.type
class CrowdfundingMutations:
    @allow(SIGNED_IN)
    @strawberry.mutation(
        description="Verified creators: draft a campaign (equity and debt: verified businesses)."
    )
    async def create_campaign(self, info: Info, input: CreateCampaignInput) -> CampaignPayload:
        ctx = info.context
        return await _campaign(
            info,
            lambda s: campaigns.create_campaign(
                session=s, clock=ctx.clock, actor=ctx.actor, new=new_campaign(input)
            ),
        )

    @allow(SIGNED_IN)
    @strawberry.mutation(description="Creators: hand your draft to the operators for review.")
    async def submit_campaign(self, info: Info, campaign_id: strawberry.ID) -> CampaignPayload:
        ctx = info.context
        return await _campaign(
            info,
            lambda s: campaigns.submit_campaign(
                session=s,
                clock=ctx.clock,
                actor=ctx.actor,
                campaign_id=uuid_of(campaign_id, "Campaign"),
            ),
        )

    @allow(Role.OPERATOR)
    @strawberry.mutation(
        description="Operators: approve a submitted campaign (it goes live) or reject it, "
        "with a reason."
    )
    async def review_campaign(self, info: Info, input: ReviewCampaignInput) -> CampaignPayload:
        ctx = info.context
        return await _campaign(
            info,
            lambda s: campaigns.review_campaign(
                session=s,
                clock=ctx.clock,
                actor=ctx.actor,
                campaign_id=uuid_of(input.campaign_id, "Campaign"),
                approve=input.approve,
                reason=input.reason,
            ),
        )

    @allow(SIGNED_IN)
    @strawberry.mutation(
        description="Creators (or operators): call a live campaign off; every hold is released."
    )
    async def cancel_campaign(
        self, info: Info, campaign_id: strawberry.ID, reason: str
    ) -> CampaignPayload:
        ctx = info.context
        return await _campaign(
            info,
            lambda s: outcome.cancel_campaign(
                session=s,
                clock=ctx.clock,
                actor=ctx.actor,
                campaign_id=uuid_of(campaign_id, "Campaign"),
                reason=reason,
            ),
        )

    @allow(SIGNED_IN)
    @strawberry.mutation(
        description="Issuers: a material change to a live equity campaign; every investor "
        "must reconfirm within 5 days or is refunded."
    )
    async def amend_campaign(self, info: Info, input: AmendCampaignInput) -> CampaignPayload:
        ctx = info.context
        return await _campaign(
            info,
            lambda s: amendments.amend_campaign(
                session=s,
                clock=ctx.clock,
                actor=ctx.actor,
                campaign_id=uuid_of(input.campaign_id, "Campaign"),
                description=input.description,
                change=input.change,
            ),
        )

    @allow(SIGNED_IN)
    @strawberry.mutation(
        description="Back a live campaign: the amount (and any tip) is held in your wallet "
        "until the outcome; nothing is captured before."
    )
    async def pledge(
        self, info: Info, input: PledgeInput, idempotency_key: IdempotencyKey
    ) -> PledgePayload:
        ctx = info.context
        return await _pledge(
            info,
            lambda s: pledging.pledge(
                session=s,
                clock=ctx.clock,
                actor=ctx.actor,
                request=pledge_request(input),
                idempotency_key=idempotency_key,
            ),
        )

    @allow(SIGNED_IN)
    @strawberry.mutation(
        description="Withdraw your live pledge (not in an equity campaign's last 48 hours, nor "
        "in an all-or-nothing campaign's last 24 if it would fall below its goal)."
    )
    async def cancel_pledge(
        self, info: Info, pledge_id: strawberry.ID, idempotency_key: IdempotencyKey
    ) -> PledgePayload:
        ctx = info.context
        return await _pledge(
            info,
            lambda s: pledge_changes.cancel_pledge(
                session=s,
                clock=ctx.clock,
                actor=ctx.actor,
                pledge_id=uuid_of(pledge_id, "Pledge"),
                idempotency_key=idempotency_key,
            ),
        )

    @allow(SIGNED_IN)
    @strawberry.mutation(description="Lower your live pledge (the same windows as cancelling).")
    async def reduce_pledge(
        self, info: Info, input: ReducePledgeInput, idempotency_key: IdempotencyKey
    ) -> PledgePayload:
        ctx = info.context
        return await _pledge(
            info,
            lambda s: pledge_changes.reduce_pledge(
                session=s,
                clock=ctx.clock,
                actor=ctx.actor,
                pledge_id=uuid_of(input.pledge_id, "Pledge"),
                amount=amount_of(input.amount, input.currency, "amount"),
                idempotency_key=idempotency_key,
            ),
        )

    @allow(SIGNED_IN)
    @strawberry.mutation(description="Investors: confirm your pledge under changed terms.")
    async def reconfirm_pledge(self, info: Info, pledge_id: strawberry.ID) -> PledgeChangePayload:
        ctx = info.context
        return await _change(
            info,
            lambda s: pledge_changes.reconfirm_pledge(
                session=s, clock=ctx.clock, actor=ctx.actor, pledge_id=uuid_of(pledge_id, "Pledge")
            ),
        )

    @allow(SIGNED_IN)
    @strawberry.mutation(
        description="Creators: refund a backer of a successful reward or donation campaign "
        "from your wallet; the platform's fee is reversed in proportion."
    )
    async def refund_pledge(
        self, info: Info, input: RefundPledgeInput, idempotency_key: IdempotencyKey
    ) -> PledgePayload:
        ctx = info.context
        return await _pledge(
            info,
            lambda s: after_success.refund_pledge(
                session=s,
                clock=ctx.clock,
                actor=ctx.actor,
                pledge_id=uuid_of(input.pledge_id, "Pledge"),
                amount=refund_amount(input),
                idempotency_key=idempotency_key,
            ),
        )

    @allow(SIGNED_IN)
    @strawberry.mutation(description="Creators: the pledge's reward was delivered.")
    async def mark_reward_fulfilled(
        self, info: Info, pledge_id: strawberry.ID
    ) -> PledgeChangePayload:
        ctx = info.context
        return await _change(
            info,
            lambda s: after_success.mark_reward_fulfilled(
                session=s, clock=ctx.clock, actor=ctx.actor, pledge_id=uuid_of(pledge_id, "Pledge")
            ),
        )
