"""Channel partners as clients see them: referral codes, agreements, monthly statements."""

from __future__ import annotations

from datetime import date, datetime

import strawberry

from domain.money import Money as DomainMoney
from domain.partners.tables import PartnerAgreement as AgreementRow
from domain.partners.tables import PartnerStatement as StatementRow
from graph.errors import UserError
from graph.money import Money
from graph.relay import to_global_id


def _money(minor: int, currency: str) -> Money:
    return Money.of(DomainMoney(minor, currency))


@strawberry.type(description="A partner's share of its referred participants' revenue.")
class PartnerAgreement:
    id: strawberry.ID
    partner_id: strawberry.ID
    currency: str
    version: int = strawberry.field(description="Each new agreement is the next version.")
    streams: list[str] = strawberry.field(description='Revenue streams shared, e.g. "mdr".')
    share_bps: int = strawberry.field(description="1500 = 15 % of the streams' net revenue.")
    valid_from: date = strawberry.field(description="The first month it governs.")
    valid_to: date | None = strawberry.field(description="The last month; null: open.")
    created_at: datetime

    @classmethod
    def of(cls, row: AgreementRow) -> PartnerAgreement:
        return cls(
            id=to_global_id("PartnerAgreement", row.id),
            partner_id=to_global_id("Participant", row.partner_id),
            currency=row.currency,
            version=row.version,
            streams=list(row.streams),
            share_bps=row.share_bps,
            valid_from=row.valid_from,
            valid_to=row.valid_to,
            created_at=row.created_at,
        )


@strawberry.type(description="One stream of a statement.")
class PartnerStatementLine:
    stream: str
    referred_revenue: Money = strawberry.field(
        description="Net revenue of the stream from participants the partner referred: fees "
        "earned in the month less those refunded or reversed in it."
    )
    share: Money = strawberry.field(
        description="The partner's part (negative: given back), by largest remainder."
    )


@strawberry.type(description="A month's share booked to a partner by the worker.")
class PartnerStatement:
    month: str = strawberry.field(description='e.g. "2026-11".')
    currency: str
    agreement_version: int
    share_bps: int
    lines: list[PartnerStatementLine]
    referred_revenue: Money
    share: Money = strawberry.field(description="Paid to (or, negative, taken from) its wallet.")
    booked_at: datetime

    @classmethod
    def of(cls, row: StatementRow) -> PartnerStatement:
        c = row.currency
        return cls(
            month=row.month.isoformat()[:7],
            currency=c,
            agreement_version=row.agreement_version,
            share_bps=row.share_bps,
            lines=[
                PartnerStatementLine(
                    stream=line["stream"],
                    referred_revenue=_money(line["revenue"], c),
                    share=_money(line["share"], c),
                )
                for line in row.lines
            ],
            referred_revenue=_money(row.revenue, c),
            share=_money(row.share, c),
            booked_at=row.booked_at,
        )


@strawberry.type
class ReferralCodePayload:
    code: str | None = strawberry.field(
        default=None, description="Give it to those you refer: register(input: {referralCode})."
    )
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class PartnerAgreementPayload:
    agreement: PartnerAgreement | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)
