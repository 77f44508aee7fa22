"""What suppliers, core enterprises and operators send: amounts as decimal strings."""

from __future__ import annotations

from datetime import date

import strawberry

from domain.money import Money, currency_of, parse_money
from domain.supply_chain.programme import ProgrammeTerms
from domain.supply_chain.services.invoices import NewInvoice
from domain.supply_chain.services.splitting import PartTransfer
from graph.lending.inputs import rate
from graph.relay import uuid_of


def money_of(amount: str, currency: str, field: str) -> Money:
    return parse_money(amount, currency_of(currency), field=field)


@strawberry.input(description="An invoice to a core enterprise.")
class RegisterInvoiceInput:
    buyer_id: strawberry.ID = strawberry.field(description="The core enterprise (a Participant).")
    registration_number: str = strawberry.field(
        description="Your registration number as on the invoice (统一社会信用代码)."
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
