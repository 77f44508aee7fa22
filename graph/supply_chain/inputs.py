"""What suppliers, core enterprises and operators send: amounts as decimal strings."""

from __future__ import annotations

from datetime import date

import strawberry

from domain.money import Money, currency_of, parse_money
from domain.supply_chain.programme import ProgrammeTerms
from domain.supply_chain.services.invoices import NewInvoice
from domain.supply_chain.services.platform_book import DEFAULT_TENOR_DAYS, BookTerms
from domain.supply_chain.services.splitting import PartTransfer
from graph.lending.inputs import rate
from graph.relay import uuid_of


def money_of(amount: str, currency: str, field: str) -> Money:
    return parse_money(amount, currency_of(currency), field=field)


@strawberry.input(description="An invoice to a core enterprise.")
class RegisterInvoiceInput:
    buyer_id: strawberry.ID = strawberry.field(description="The core enterprise (a Participant).")
    registration_number: str = strawberry.field(
        description="Your registration number as on the invoice (统一社会信用代码): that of "
        "your verified business licence (REGISTRATION_NUMBER_MISMATCH otherwise)."
    )
    invoice_number: str
    amount: str = strawberry.field(description='"1000000.00"')
    currency: str
    issued_on: date
    due_on: date
    goods_reference: str = ""

    def to_domain(self) -> NewInvoice:
        return NewInvoice(
            buyer_id=uuid_of(self.buyer_id, "Participant"),
            registration_number=self.registration_number,
            invoice_number=self.invoice_number,
            amount=money_of(self.amount, self.currency, "amount"),
            issued_on=self.issued_on,
            due_on=self.due_on,
            goods_reference=self.goods_reference,
        )


@strawberry.input(description="A credit note against a submitted invoice.")
class CreditNoteInput:
    receivable_id: strawberry.ID
    amount: str
    currency: str
    reason: str


@strawberry.input(description="A part of a certificate, for one of your own suppliers.")
class CertificatePartInput:
    recipient_id: strawberry.ID = strawberry.field(description="A verified business.")
    amount: str


@strawberry.input(description="Split a certificate you hold; the rest stays yours.")
class SplitCertificateInput:
    certificate_id: strawberry.ID
    currency: str
    parts: list[CertificatePartInput]

    def transfers(self) -> tuple[PartTransfer, ...]:
        return tuple(
            PartTransfer(
                uuid_of(part.recipient_id, "Participant"),
                money_of(part.amount, self.currency, "parts"),
            )
            for part in self.parts
        )


@strawberry.input(description="A core enterprise's programme terms.")
class SupplyChainProgrammeInput:
    core_enterprise_id: strawberry.ID
    with_recourse: bool
    recourse_after_days: int = 30
    penalty_daily_rate: str = "0.0005"
    grace_days: int = 3
    default_days: int = 90

    def terms(self) -> ProgrammeTerms:
        return ProgrammeTerms(
            with_recourse=self.with_recourse,
            recourse_after_days=self.recourse_after_days,
            penalty_daily_rate=rate(self.penalty_daily_rate, "penalty_daily_rate"),
            grace_days=self.grace_days,
            default_days=self.default_days,
        )


@strawberry.input(
    description="Whether the platform's own book finances a core enterprise's certificates "
    "in one currency, at what annual discount rate, within what limit (a revolving credit line)."
)
class SupplyChainPlatformBookInput:
    core_enterprise_id: strawberry.ID
    allowed: bool
    currency: str
    discount_rate: str = strawberry.field(description='Annual, a fraction: "0.04".')
    limit: str = strawberry.field(description='Most outstanding at once: "5000000.00".')
    max_tenor_days: int = DEFAULT_TENOR_DAYS

    def terms(self) -> BookTerms:
        return BookTerms(
            allowed=self.allowed,
            currency=self.currency,
            discount_rate=rate(self.discount_rate, "discount_rate"),
            limit=money_of(self.limit, self.currency, "limit").minor,
            max_tenor_days=self.max_tenor_days,
        )
