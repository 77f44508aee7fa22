"""Crowdfunding mutations: creators draft, submit, amend, cancel, refund and fulfil; operators
review; backers pledge, cancel, reduce and reconfirm. Each that moves money takes an
idempotencyKey."""

from __future__ import annotations

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
from domain.crowdfunding.services.pledge_batch import PledgeOrder
from domain.errors import DomainError
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
from graph.errors import user_errors
from graph.idempotency import IdempotencyKey, with_key_use
from graph.payloads import in_unit_of_work, run_mutation
from graph.permissions import SIGNED_IN, allow
from graph.relay import uuid_of


async def _pledge_payload(session: AsyncSession, view: reads.PledgeView) -> PledgePayload:
    [campaign] = await reads.views(session, [view.campaign])
    return PledgePayload(view=view, campaign_view=campaign)


@strawberry.type
class CrowdfundingMutations:
    @allow(SIGNED_IN)
    @strawberry.mutation(
        description="Verified creators: draft a campaign (equity and debt: verified businesses)."
    )
    @in_unit_of_work
    async def create_campaign(
        self, info: Info, session: AsyncSession, input: CreateCampaignInput
    ) -> CampaignPayload:
        ctx = info.context
        return CampaignPayload(
            campaign=Campaign.of(
                await campaigns.create_campaign(
                    session=session, clock=ctx.clock, actor=ctx.actor, new=new_campaign(input)
                )
            )
        )

    @allow(SIGNED_IN)
    @strawberry.mutation(description="Creators: hand your draft to the operators for review.")
    @in_unit_of_work
    async def submit_campaign(
        self, info: Info, session: AsyncSession, campaign_id: strawberry.ID
    ) -> CampaignPayload:
        ctx = info.context
        return CampaignPayload(
            campaign=Campaign.of(
                await campaigns.submit_campaign(
                    session=session,
                    clock=ctx.clock,
                    actor=ctx.actor,
                    campaign_id=uuid_of(campaign_id, "Campaign"),
                )
            )
        )

    @allow(Role.OPERATOR)
    @strawberry.mutation(
        description="Operators: approve a submitted campaign (it goes live) or reject it, "
        "with a reason."
    )
    @in_unit_of_work
    async def review_campaign(
        self, info: Info, session: AsyncSession, input: ReviewCampaignInput
    ) -> CampaignPayload:
        ctx = info.context
        return CampaignPayload(
            campaign=Campaign.of(
                await campaigns.review_campaign(
                    session=session,
                    clock=ctx.clock,
                    actor=ctx.actor,
                    campaign_id=uuid_of(input.campaign_id, "Campaign"),
                    approve=input.approve,
                    reason=input.reason,
                )
            )
        )

    @allow(SIGNED_IN)
    @strawberry.mutation(
        description="Creators (or operators): call a live campaign off; every hold is released."
    )
    @in_unit_of_work
    async def cancel_campaign(
        self, info: Info, session: AsyncSession, campaign_id: strawberry.ID, reason: str
    ) -> CampaignPayload:
        ctx = info.context
        return CampaignPayload(
            campaign=Campaign.of(
                await outcome.cancel_campaign(
                    session=session,
                    clock=ctx.clock,
                    actor=ctx.actor,
                    campaign_id=uuid_of(campaign_id, "Campaign"),
                    reason=reason,
                )
            )
        )

    @allow(SIGNED_IN)
    @strawberry.mutation(
        description="Issuers: a material change to a live equity campaign; every investor "
        "must reconfirm within 5 days or is refunded."
    )
    @in_unit_of_work
    async def amend_campaign(
        self, info: Info, session: AsyncSession, input: AmendCampaignInput
    ) -> CampaignPayload:
        ctx = info.context
        return CampaignPayload(
            campaign=Campaign.of(
                await amendments.amend_campaign(
                    session=session,
                    clock=ctx.clock,
                    actor=ctx.actor,
                    campaign_id=uuid_of(input.campaign_id, "Campaign"),
                    description=input.description,
                    change=input.change,
                )
            )
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
        try:
            order = PledgeOrder(ctx.actor, pledge_request(input), idempotency_key)
            result = await ctx.pledges.submit(order)  # batched with the campaign's other pledges
        except DomainError as error:
            return PledgePayload(errors=user_errors(error))
        try:
            kept = result.unwrap()
        except DomainError as error:
            return with_key_use(PledgePayload(errors=user_errors(error)), result.key_use)
        if result.view is not None and result.campaign is not None:  # as its batch left them
            first = PledgePayload(view=result.view, campaign_view=result.campaign)
            return with_key_use(first, result.key_use)

        async def answer(session: AsyncSession) -> PledgePayload:  # read after the commit
            return await _pledge_payload(
                session, await pledging.pledge_now(session, kept.pledge_id)
            )

        payload = await run_mutation(info, lambda errors: PledgePayload(errors=errors), answer)
        return with_key_use(payload, result.key_use)

    @allow(SIGNED_IN)
    @strawberry.mutation(
        description="Withdraw your live pledge (not in an equity campaign's last 48 hours, nor "
        "in an all-or-nothing campaign's last 24 if it would fall below its goal)."
    )
    @in_unit_of_work
    async def cancel_pledge(
        self,
        info: Info,
        session: AsyncSession,
        pledge_id: strawberry.ID,
        idempotency_key: IdempotencyKey,
    ) -> PledgePayload:
        ctx = info.context
        return await _pledge_payload(
            session,
            await pledge_changes.cancel_pledge(
                session=session,
                clock=ctx.clock,
                actor=ctx.actor,
                pledge_id=uuid_of(pledge_id, "Pledge"),
                idempotency_key=idempotency_key,
            ),
        )

    @allow(SIGNED_IN)
    @strawberry.mutation(description="Lower your live pledge (the same windows as cancelling).")
    @in_unit_of_work
    async def reduce_pledge(
        self,
        info: Info,
        session: AsyncSession,
        input: ReducePledgeInput,
        idempotency_key: IdempotencyKey,
    ) -> PledgePayload:
        ctx = info.context
        return await _pledge_payload(
            session,
            await pledge_changes.reduce_pledge(
                session=session,
                clock=ctx.clock,
                actor=ctx.actor,
                pledge_id=uuid_of(input.pledge_id, "Pledge"),
                amount=amount_of(input.amount, input.currency, "amount"),
                idempotency_key=idempotency_key,
            ),
        )

    @allow(SIGNED_IN)
    @strawberry.mutation(description="Investors: confirm your pledge under changed terms.")
    @in_unit_of_work
    async def reconfirm_pledge(
        self, info: Info, session: AsyncSession, pledge_id: strawberry.ID
    ) -> PledgeChangePayload:
        ctx = info.context
        return PledgeChangePayload(
            pledge=Pledge.of(
                await pledge_changes.reconfirm_pledge(
                    session=session,
                    clock=ctx.clock,
                    actor=ctx.actor,
                    pledge_id=uuid_of(pledge_id, "Pledge"),
                )
            )
        )

    @allow(SIGNED_IN)
    @strawberry.mutation(
        description="Creators: refund a backer of a successful reward or donation campaign "
        "from your wallet; the platform's fee is reversed in proportion."
    )
    @in_unit_of_work
    async def refund_pledge(
        self,
        info: Info,
        session: AsyncSession,
        input: RefundPledgeInput,
        idempotency_key: IdempotencyKey,
    ) -> PledgePayload:
        ctx = info.context
        return await _pledge_payload(
            session,
            await after_success.refund_pledge(
                session=session,
                clock=ctx.clock,
                actor=ctx.actor,
                pledge_id=uuid_of(input.pledge_id, "Pledge"),
                amount=refund_amount(input),
                idempotency_key=idempotency_key,
            ),
        )

    @allow(SIGNED_IN)
    @strawberry.mutation(description="Creators: the pledge's reward was delivered.")
    @in_unit_of_work
    async def mark_reward_fulfilled(
        self, info: Info, session: AsyncSession, pledge_id: strawberry.ID
    ) -> PledgeChangePayload:
        ctx = info.context
        return PledgeChangePayload(
            pledge=Pledge.of(
                await after_success.mark_reward_fulfilled(
                    session=session,
                    clock=ctx.clock,
                    actor=ctx.actor,
                    pledge_id=uuid_of(pledge_id, "Pledge"),
                )
            )
        )
