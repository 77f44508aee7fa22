"""A partner's referral code; operators' partner agreements."""

from __future__ import annotations

from datetime import date

import strawberry
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.participants.roles import Role
from domain.partners.services import agreements, referrals
from graph.context import Info
from graph.partners.types import PartnerAgreement, PartnerAgreementPayload, ReferralCodePayload
from graph.payloads import in_unit_of_work
from graph.permissions import allow
from graph.relay import uuid_of


@strawberry.input
class SetPartnerAgreementInput:
    partner_id: strawberry.ID
    currency: str
    streams: list[str] = strawberry.field(description='Revenue streams, e.g. ["mdr"].')
    share_bps: int = strawberry.field(description="1500 = 15 %.")
    valid_from: date = strawberry.field(description="Its month is the first it governs.")
    valid_to: date | None = strawberry.field(default=None, description="Its month, the last.")


@strawberry.type
class PartnerMutations:
    @allow(Role.CHANNEL_PARTNER)
    @strawberry.mutation(description="Channel partners: your referral code (the same each time).")
    @in_unit_of_work
    async def issue_referral_code(self, info: Info, session: AsyncSession) -> ReferralCodePayload:
        ctx = info.context
        issued = await referrals.issue_referral_code(
            session=session, clock=ctx.clock, actor=ctx.actor
        )
        return ReferralCodePayload(code=issued.code)

    @allow(Role.OPERATOR)
    @strawberry.mutation(
        description="Operators: a channel partner's next agreement version (months whole)."
    )
    @in_unit_of_work
    async def set_partner_agreement(
        self, info: Info, session: AsyncSession, input: SetPartnerAgreementInput
    ) -> PartnerAgreementPayload:
        ctx = info.context
        row = await agreements.set_partner_agreement(
            session=session,
            clock=ctx.clock,
            actor=ctx.actor,
            partner_id=uuid_of(input.partner_id, "Participant"),
            currency=input.currency,
            streams=input.streams,
            share_bps=input.share_bps,
            valid_from=input.valid_from,
            valid_to=input.valid_to,
        )
        return PartnerAgreementPayload(agreement=PartnerAgreement.of(row))
