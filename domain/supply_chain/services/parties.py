"""Who may take part: suppliers and their own suppliers are verified businesses; a buyer
holds the CORE_ENTERPRISE role."""

from __future__ import annotations

from uuid import UUID

from sqlmodel.ext.asyncio.session import AsyncSession

from domain.actors import NotFound
from domain.participants.credentials import ParticipantKind
from domain.participants.kyc import KycLevel
from domain.participants.roles import Role
from domain.participants.tables import Participant
from domain.supply_chain.errors import NotACoreEnterprise, SupplierNotEligible


async def verified_business(session: AsyncSession, participant_id: UUID, *, field: str) -> None:
    """SupplierNotEligible unless the participant is a business whose identity is verified
    (NotFound when there is no such participant)."""
    who = await session.get(Participant, participant_id)
    if who is None:
        raise NotFound("no such participant", field=field)
    if who.kind != ParticipantKind.BUSINESS.value or KycLevel(who.kyc_level) is KycLevel.UNVERIFIED:
        raise SupplierNotEligible("only a verified business takes part", field=field)


async def core_enterprise(session: AsyncSession, buyer_id: UUID) -> None:
    """NotACoreEnterprise unless the buyer holds the CORE_ENTERPRISE role."""
    who = await session.get(Participant, buyer_id)
    if who is None or Role.CORE_ENTERPRISE.value not in who.roles:
        raise NotACoreEnterprise(
            "the buyer is not a core enterprise of a supply-chain programme", field="buyer_id"
        )
