"""Participants, KYC submissions and API keys as clients see them; personal data masked."""

from __future__ import annotations

from datetime import datetime

import strawberry

from domain.participants import kyc, roles
from domain.participants.credentials import ParticipantKind as DomainKind
from domain.participants.tables import ApiKey as ApiKeyRow
from domain.participants.tables import KycSubmission as KycRow
from domain.participants.tables import Participant as ParticipantRow
from graph.context import Info
from graph.relay import Node, to_global_id

# The domain's enums serve as GraphQL enums as they are (strawberry registers them in place),
# so resolvers receive and return domain values with no translation.
Role = strawberry.enum(roles.Role, description="What a participant does on the platform.")
Scope = strawberry.enum(
    roles.Scope, description="What an API key may do: PAYMENTS_WRITE is `payments:write`, ..."
)


def _describe(enum: type, descriptions: dict[str, str]) -> None:
    """Give registered domain enum values their schema descriptions (the domain stays free of
    strawberry)."""
    for value in enum.__strawberry_definition__.values:  # type: ignore[attr-defined]
        value.description = descriptions.get(value.name, value.description)


_describe(
    roles.Role,
    {
        "INSURER": "Publishes INSURANCE cover offers for loan products (publishCoverOffer).",
        "GUARANTOR": "Publishes GUARANTEE cover offers for loan products (publishCoverOffer).",
        "ASSET_MANAGER": "Runs money-market funds: publishes each day's income per 10,000 "
        "units (publishFundIncome) and sees its funds (managedFunds).",
        "CORE_ENTERPRISE": "Reserved for a later capability (confirming supply-chain "
        "receivables): nothing accepts or needs this role yet.",
        "CHANNEL_PARTNER": "Refers participants with its referral code (issueReferralCode) and "
        "is paid a share of their fees under its agreement (partnerStatements).",
    },
)
_describe(
    roles.Scope,
    {
        "POLICIES_WRITE": "An insurer's cover offers: publishCoverOffer, withdrawCoverOffer.",
        "GUARANTEES_WRITE": "A guarantor's cover offers: publishCoverOffer, withdrawCoverOffer.",
        "FUNDS_READ": "An asset manager's funds, their days and redemptions: managedFunds.",
        "FUNDS_WRITE": "An asset manager's daily income per 10,000 units: publishFundIncome.",
    },
)
ParticipantKind = strawberry.enum(DomainKind)
KycStatus = strawberry.enum(kyc.KycStatus)
KycDecision = strawberry.enum(kyc.KycDecision)
DocumentType = strawberry.enum(kyc.DocumentType)


@strawberry.type(description="A person or business on the platform.")
class Participant(Node):
    row: strawberry.Private[ParticipantRow]
    # True where the caller has just proved to be this participant (sign-up, sign-in),
    # before the request's own credentials say so.
    is_caller: strawberry.Private[bool] = False

    def _shows_contact(self, info: Info) -> bool:
        return self.is_caller or info.context.actor.may_see(self.row.id)

    @strawberry.field
    def display_name(self) -> str:
        return self.row.display_name

    @strawberry.field
    def kind(self) -> DomainKind:
        return DomainKind(self.row.kind)

    @strawberry.field
    def roles(self) -> list[roles.Role]:
        return [roles.Role(r) for r in self.row.roles]

    @strawberry.field(description="Only the participant and the operator see it.")
    def email(self, info: Info) -> str | None:
        return self.row.email if self._shows_contact(info) else None

    @strawberry.field(description="Only the participant and the operator see it.")
    def phone(self, info: Info) -> str | None:
        return self.row.phone if self._shows_contact(info) else None

    @strawberry.field
    def kyc_status(self) -> kyc.KycStatus:
        return kyc.KycStatus(self.row.kyc_status)

    @strawberry.field(description="0 unverified, 1 person verified, 2 business verified.")
    def kyc_level(self) -> int:
        return self.row.kyc_level

    @strawberry.field
    def created_at(self) -> datetime:
        return self.row.created_at

    @classmethod
    def of(cls, row: ParticipantRow, *, is_caller: bool = False) -> Participant:
        return cls(id=to_global_id("Participant", row.id), row=row, is_caller=is_caller)


@strawberry.type(description="Identity documents sent for verification; the number only masked.")
class KycSubmission(Node):
    row: strawberry.Private[KycRow]

    @strawberry.field
    def participant_id(self) -> strawberry.ID:
        return to_global_id("Participant", self.row.participant_id)

    @strawberry.field
    def document_type(self) -> kyc.DocumentType:
        return kyc.DocumentType(self.row.document_type)

    @strawberry.field
    def legal_name(self) -> str:
        return self.row.legal_name

    @strawberry.field(description='e.g. "110***********1234"; operators may reveal it.')
    def document_number_masked(self) -> str:
        return self.row.document_number_masked

    @strawberry.field
    def status(self) -> kyc.KycStatus:
        return kyc.KycStatus(self.row.status)

    @strawberry.field(description="Why it was rejected.")
    def reason(self) -> str | None:
        return self.row.reason

    @strawberry.field
    def submitted_at(self) -> datetime:
        return self.row.submitted_at

    @strawberry.field
    def decided_at(self) -> datetime | None:
        return self.row.decided_at

    @classmethod
    def of(cls, row: KycRow) -> KycSubmission:
        return cls(id=to_global_id("KycSubmission", row.id), row=row)


@strawberry.type(description="A machine client's key; the secret itself is shown only once.")
class ApiKey(Node):
    row: strawberry.Private[ApiKeyRow]

    @strawberry.field
    def name(self) -> str:
        return self.row.name

    @strawberry.field(description="Identifies the key in logs and listings; not a secret.")
    def prefix(self) -> str:
        return self.row.prefix

    @strawberry.field
    def scopes(self) -> list[roles.Scope]:
        return [roles.Scope(s) for s in self.row.scopes]

    @strawberry.field
    def created_at(self) -> datetime:
        return self.row.created_at

    @strawberry.field
    def expires_at(self) -> datetime | None:
        return self.row.expires_at

    @strawberry.field
    def last_used_at(self) -> datetime | None:
        return self.row.last_used_at

    @classmethod
    def of(cls, row: ApiKeyRow) -> ApiKey:
        return cls(id=to_global_id("ApiKey", row.id), row=row)
