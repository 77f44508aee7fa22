"""Receivables, certificates, early-payment quotes and payables as clients see them."""

from __future__ import annotations

from datetime import date, datetime

import strawberry
from strawberry.scalars import JSON

from domain.money import Money as DomainMoney
from domain.supply_chain import states
from domain.supply_chain.services.financing import EarlyPayment, EarlyPaymentOffer, QuotedPart
from domain.supply_chain.services.platform_book import PlatformBookLine
from domain.supply_chain.services.reads import PayablesTotal as Total
from domain.supply_chain.services.reads import ReceivableView
from domain.supply_chain.tables import Certificate as CertificateRow
from graph.errors import UserError
from graph.idempotency import IdempotentPayload
from graph.lending.inputs import rate_text
from graph.money import Money
from graph.relay import Node, to_global_id

InvoiceState = states.InvoiceState
CertificateState = states.CertificateState
strawberry.enum(
    InvoiceState, description="Where an invoice is: waiting, confirmed, rejected, paid."
)
strawberry.enum(
    CertificateState, description="Where a certificate is: held, split, financed, late, paid."
)


def money(minor: int, currency: str) -> Money:
    return Money.of(DomainMoney(minor, currency))


def participant_id(key: object) -> strawberry.ID:
    return to_global_id("Participant", key)  # type: ignore[arg-type]


@strawberry.type(
    description="A receivable certificate: a confirmed invoice's transferable claim on its core "
    "enterprise, or a part of one. Its holder is paid at maturity."
)
class Certificate(Node):
    id: strawberry.ID
    receivable_id: strawberry.ID = strawberry.field(description="The Receivable it is part of.")
    parent_id: strawberry.ID | None = strawberry.field(description="The Certificate split.")
    state: CertificateState
    amount: Money
    due_on: date
    holder_id: strawberry.ID = strawberry.field(description="Who is paid at maturity.")
    buyer_id: strawberry.ID = strawberry.field(description="The core enterprise that pays.")
    seller_id: strawberry.ID | None = strawberry.field(
        description="Who sold it to a financier early."
    )
    financier_id: strawberry.ID | None = strawberry.field(
        description="The Participant that financed it early (a bank, or the platform's book); "
        "null while unfinanced."
    )
    funding_offer_id: strawberry.ID | None = strawberry.field(
        description="The FundingOffer that financed it."
    )
    discount_rate: str | None = strawberry.field(description="The financier's annual rate.")
    discount: Money | None
    fee: Money | None = strawberry.field(description="The platform's service fee (scf_fee).")
    financed_at: datetime | None
    days_past_due: int
    bucket: str = strawberry.field(description="CURRENT, DPD_1_30, ... as lending ages.")
    penalty_accrued: Money
    paid_at: datetime | None

    @classmethod
    def of(cls, row: CertificateRow) -> Certificate:
        c = row.currency
        financed = row.offer_id is not None
        return cls(
            id=to_global_id("Certificate", row.id),
            receivable_id=to_global_id("Receivable", row.receivable_id),
            parent_id=None if row.parent_id is None else to_global_id("Certificate", row.parent_id),
            state=CertificateState(row.state),
            amount=money(row.amount, c),
            due_on=row.due_on,
            holder_id=participant_id(row.holder_id),
            buyer_id=participant_id(row.buyer_id),
            seller_id=None if row.seller_id is None else participant_id(row.seller_id),
            financier_id=None if row.financier_id is None else participant_id(row.financier_id),
            funding_offer_id=None
            if row.offer_id is None
            else to_global_id("FundingOffer", row.offer_id),
            discount_rate=None if row.annual_rate is None else f"{row.annual_rate.normalize():f}",
            discount=money(row.discount, c) if financed else None,
            fee=money(row.fee, c) if financed else None,
            financed_at=row.financed_at,
            days_past_due=row.days_past_due,
            bucket=row.bucket,
            penalty_accrued=money(row.penalty_accrued, c),
            paid_at=row.paid_at,
        )


@strawberry.type(description="An invoice a supplier registered on a core enterprise.")
class Receivable(Node):
    id: strawberry.ID
    state: InvoiceState
    supplier_id: strawberry.ID
    buyer_id: strawberry.ID = strawberry.field(description="The core enterprise.")
    invoice_number: str
    goods_reference: str
    face_amount: Money = strawberry.field(description="As invoiced.")
    amount: Money = strawberry.field(description="What the buyer owes, after credit notes.")
    issued_on: date
    due_on: date
    reason: str | None = strawberry.field(description="Why the core enterprise rejected it.")
    decided_at: datetime | None
    paid_at: datetime | None
    created_at: datetime
    certificates: list[Certificate] = strawberry.field(
        description="Issued at confirmation; then its parts, as it is split."
    )

    @classmethod
    def of(cls, view: ReceivableView) -> Receivable:
        row = view.receivable
        return cls(
            id=to_global_id("Receivable", row.id),
            state=InvoiceState(row.state),
            supplier_id=participant_id(row.supplier_id),
            buyer_id=participant_id(row.buyer_id),
            invoice_number=row.invoice_number,
            goods_reference=row.goods_reference,
            face_amount=money(row.face_amount, row.currency),
            amount=money(row.amount, row.currency),
            issued_on=row.issued_on,
            due_on=row.due_on,
            reason=row.reason,
            decided_at=row.decided_at,
            paid_at=row.paid_at,
            created_at=row.created_at,
            certificates=[Certificate.of(c) for c in view.certificates],
        )


@strawberry.type(
    description="One offer's part of a certificate that no offer would buy whole, priced at "
    "that offer's rate."
)
class EarlyPaymentQuotePart:
    funding_offer_id: strawberry.ID
    amount: Money
    discount_rate: str
    discount: Money
    fee: Money
    net: Money

    @classmethod
    def of(cls, part: QuotedPart, currency: str) -> EarlyPaymentQuotePart:
        q = part.quote
        return cls(
            funding_offer_id=to_global_id("FundingOffer", part.offer_id),
            amount=money(q.amount, currency),
            discount_rate=f"{q.annual_rate.normalize():f}",
            discount=money(q.discount, currency),
            fee=money(q.fee, currency),
            net=money(q.net, currency),
        )


@strawberry.type(
    description="What a holder would receive for a certificate now: discount = amount x annual "
    "rate x days / 365 (half-up), the platform's fee, the net, and the implied APR. When no "
    "offer would buy it whole, several would buy it in parts: the figures are their totals."
)
class EarlyPaymentQuote:
    certificate: Certificate
    funding_offer_id: strawberry.ID = strawberry.field(
        description="The offer that would buy it (the cheapest, when several would)."
    )
    discount_rate: str = strawberry.field(
        description="The offer's annual rate (amount-weighted over the parts, when several)."
    )
    parts: list[EarlyPaymentQuotePart] = strawberry.field(
        description="Each offer's part, cheapest first, when several would buy it; else empty."
    )
    days: int = strawberry.field(description="To maturity, actual/365.")
    discount: Money
    fee: Money
    net: Money = strawberry.field(description="What you receive now.")
    implied_apr: str = strawberry.field(
        description="(discount + fee) / net x 365 / days, to four decimals."
    )
    explanation: JSON = strawberry.field(
        description="Why this offer: its rank, and why each cheaper one could not take it."
    )

    @classmethod
    def of(cls, offer: EarlyPaymentOffer) -> EarlyPaymentQuote:
        q, c = offer.quote, offer.certificate.currency
        return cls(
            certificate=Certificate.of(offer.certificate),
            funding_offer_id=to_global_id("FundingOffer", offer.offer_id),
            discount_rate=f"{q.annual_rate.normalize():f}",
            parts=[EarlyPaymentQuotePart.of(p, c) for p in offer.parts if len(offer.parts) > 1],
            days=q.days,
            discount=money(q.discount, c),
            fee=money(q.fee, c),
            net=money(q.net, c),
            implied_apr=f"{q.implied_apr:f}",
            explanation=JSON(offer.explanation),
        )


@strawberry.type(description="What a core enterprise owes the programme in one currency.")
class PayablesTotal:
    buyer_id: strawberry.ID
    amount: Money
    certificates: int
    overdue: int = strawberry.field(description="Of which past due.")

    @classmethod
    def of(cls, total: Total) -> PayablesTotal:
        return cls(
            buyer_id=participant_id(total.buyer_id),
            amount=money(total.amount, total.currency),
            certificates=total.certificates,
            overdue=total.overdue,
        )


@strawberry.type
class ReceivablePayload(IdempotentPayload):
    receivable: Receivable | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class CertificatePayload(IdempotentPayload):
    certificate: Certificate | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class SplitCertificatePayload(IdempotentPayload):
    certificate: Certificate | None = strawberry.field(default=None, description="Now SPLIT.")
    parts: list[Certificate] = strawberry.field(
        default_factory=list, description="In the order asked; your rest last."
    )
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class EarlyPaymentPayload(IdempotentPayload):
    certificate: Certificate | None = strawberry.field(
        default=None,
        description="Now the financier's; or SPLIT, when several offers bought it in parts.",
    )
    parts: list[Certificate] = strawberry.field(
        default_factory=list,
        description="The parts several offers bought, each its financier's; else empty.",
    )
    net: Money | None = strawberry.field(default=None, description="Paid to you now.")
    implied_apr: str | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)

    @classmethod
    def of(cls, paid: EarlyPayment) -> EarlyPaymentPayload:
        return cls(
            certificate=Certificate.of(paid.certificate),
            parts=[Certificate.of(p) for p in paid.parts],
            net=money(paid.net, paid.certificate.currency),
            implied_apr=paid.implied_apr,
        )


@strawberry.type(description="A core enterprise's programme terms.")
class SupplyChainProgramme:
    core_enterprise_id: strawberry.ID
    with_recourse: bool
    recourse_after_days: int
    penalty_daily_rate: str
    grace_days: int
    default_days: int


@strawberry.type
class SupplyChainProgrammePayload:
    programme: SupplyChainProgramme | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type(
    description="The platform's own book as a financier of one core enterprise's certificates: "
    "a supply-chain FundingOffer of the platform, weighed by the matching engine like a bank's."
)
class SupplyChainPlatformBook:
    core_enterprise_id: strawberry.ID
    allowed: bool
    discount_rate: str
    limit: Money = strawberry.field(description="Its credit line to the core enterprise.")
    used: Money = strawberry.field(description="Financed and not yet paid at maturity.")
    max_tenor_days: int
    funding_offer_id: strawberry.ID

    @classmethod
    def of(cls, line: PlatformBookLine) -> SupplyChainPlatformBook:
        o = line.offer
        return cls(
            core_enterprise_id=participant_id(line.core_enterprise_id),
            allowed=line.allowed,
            discount_rate=rate_text(o.rate_floor) or "0",
            limit=money(o.per_borrower_cap or 0, o.currency),
            used=money(line.used, o.currency),
            max_tenor_days=o.max_tenor_days or 0,
            funding_offer_id=to_global_id("FundingOffer", o.id),
        )


@strawberry.type
class SupplyChainPlatformBookPayload:
    platform_book: SupplyChainPlatformBook | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)
