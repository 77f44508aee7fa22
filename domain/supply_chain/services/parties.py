"""Who may take part: suppliers and their own suppliers are verified businesses; a buyer
holds the CORE_ENTERPRISE role."""

from __future__ import annotations

from uuid import UUID

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.actors import NotFound
from domain.participants.credentials import ParticipantKind
from domain.participants.kyc import DocumentType, KycLevel, KycStatus
from domain.participants.ports import SecretVault
from domain.participants.roles import Role
from domain.participants.tables import KycSubmission, Participant
from domain.supply_chain.errors import (
    BusinessLicenseRequired,
    NotACoreEnterprise,
    RegistrationNumberMismatch,
    SupplierNotEligible,
)
from domain.supply_chain.fingerprint import normalized


async def verified_business(
    session: AsyncSession, participant_id: UUID, *, field: str, any_level: bool = False
) -> None:
    """SupplierNotEligible unless the participant is a business whose identity is verified
    (NotFound when there is no such participant). With `any_level`, only that it is a
    business: a caller that checks the verification itself (verified_licence)."""
    who = await session.get(Participant, participant_id)
    if who is None:
        raise NotFound("no such participant", field=field)
    unverified = KycLevel(who.kyc_level) is KycLevel.UNVERIFIED and not any_level
    if who.kind != ParticipantKind.BUSINESS.value or unverified:
        raise SupplierNotEligible("only a verified business takes part", field=field)


async def core_enterprise(session: AsyncSession, buyer_id: UUID) -> None:
    """NotACoreEnterprise unless the buyer holds the CORE_ENTERPRISE role."""
    who = await session.get(Participant, buyer_id)
    if who is None or Role.CORE_ENTERPRISE.value not in who.roles:
        raise NotACoreEnterprise(
            "the buyer is not a core enterprise of a supply-chain programme", field="buyer_id"
        )


async def verified_licence(
    session: AsyncSession, vault: SecretVault, supplier_id: UUID, registration_number: str
) -> str:
    """The fingerprint of the supplier's verified business licence, which an invoice's
    fingerprint is made of; BusinessLicenseRequired without one, RegistrationNumberMismatch
    when the number typed on the invoice is not that licence's."""
    found = await session.exec(
        select(KycSubmission.document_fingerprint)
        .where(
            col(KycSubmission.participant_id) == supplier_id,
            col(KycSubmission.document_type) == DocumentType.BUSINESS_LICENSE.value,
            col(KycSubmission.status) == KycStatus.VERIFIED.value,
        )
        .order_by(col(KycSubmission.decided_at).desc())
        .limit(1)
    )
    licence = found.first()
    if licence is None:
        raise BusinessLicenseRequired(
            "verify your business licence (KYC) before registering invoices", field="supplier"
        )
    # KYC fingerprints the licence number as letters and digits, upper case: so do we.
    typed_number = normalized(registration_number)
    typed = vault.fingerprint(f"{DocumentType.BUSINESS_LICENSE.value}:{typed_number}")
    if typed != licence:
        raise RegistrationNumberMismatch(
            "is not the number of your verified business licence", field="registration_number"
        )
    return licence
