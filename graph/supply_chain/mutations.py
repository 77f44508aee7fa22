"""Supply-chain mutations: suppliers register invoices, credit, split and ask to be paid early;
core enterprises confirm, reject and pay; banks take recourse; operators set programmes.
Each that moves money or creates an obligation takes an idempotencyKey."""

from __future__ import annotations

import strawberry
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.participants.roles import Role, Scope
from domain.supply_chain.services import (
    confirmations,
    financing,
    invoices,
    maturity,
    platform_book,
    programmes,
    recourse,
    splitting,
)
from graph.context import Info
from graph.idempotency import IdempotencyKey
from graph.payloads import in_unit_of_work
from graph.permissions import SIGNED_IN, allow
from graph.relay import to_global_id, uuid_of
from graph.supply_chain.inputs import (
    CreditNoteInput,
    RegisterInvoiceInput,
    SplitCertificateInput,
    SupplyChainPlatformBookInput,
    SupplyChainProgrammeInput,
    money_of,
)
from graph.supply_chain.types import (
    Certificate,
    CertificatePayload,
    EarlyPaymentPayload,
    Receivable,
    ReceivablePayload,
    SplitCertificatePayload,
    SupplyChainPlatformBook,
    SupplyChainPlatformBookPayload,
    SupplyChainProgramme,
    SupplyChainProgrammePayload,
)


@strawberry.type
class SupplyChainMutations:
    @allow(SIGNED_IN)
    @strawberry.mutation(
        description="Businesses with a verified business licence: register an invoice on a "
        "core enterprise (DUPLICATE_INVOICE if the same invoice is registered already, by "
        "anyone; BUSINESS_LICENSE_REQUIRED without a verified licence)."
    )
    @in_unit_of_work
    async def register_invoice(
        self,
        info: Info,
        session: AsyncSession,
        input: RegisterInvoiceInput,
        idempotency_key: IdempotencyKey,
    ) -> ReceivablePayload:
        ctx = info.context
        view = await invoices.register_invoice(
            session=session,
            clock=ctx.clock,
            actor=ctx.actor,
            vault=ctx.identity.vault,
            new=input.to_domain(),
            idempotency_key=idempotency_key,
        )
        return ReceivablePayload(receivable=Receivable.of(view))

    @allow(SIGNED_IN)
    @strawberry.mutation(
        description="The supplier or the core enterprise: reduce a submitted invoice "
        "(DILUTION_REFUSED once it is confirmed)."
    )
    @in_unit_of_work
    async def apply_credit_note(
        self, info: Info, session: AsyncSession, input: CreditNoteInput
    ) -> ReceivablePayload:
        ctx = info.context
        view = await invoices.apply_credit_note(
            session=session,
            clock=ctx.clock,
            actor=ctx.actor,
            receivable_id=uuid_of(input.receivable_id, "Receivable"),
            amount=money_of(input.amount, input.currency, "amount"),
            reason=input.reason,
        )
        return ReceivablePayload(receivable=Receivable.of(view))

    @allow(Role.CORE_ENTERPRISE)
    @strawberry.mutation(
        description="Core enterprises: confirm an invoice, an irrevocable undertaking to pay "
        "its amount on its due date; its certificate is issued to the supplier."
    )
    @in_unit_of_work
    async def confirm_invoice(
        self, info: Info, session: AsyncSession, receivable_id: strawberry.ID
    ) -> ReceivablePayload:
        ctx = info.context
        view = await confirmations.confirm_invoice(
            session=session,
            clock=ctx.clock,
            actor=ctx.actor,
            receivable_id=uuid_of(receivable_id, "Receivable"),
        )
        return ReceivablePayload(receivable=Receivable.of(view))

    @allow(Role.CORE_ENTERPRISE)
    @strawberry.mutation(description="Core enterprises: reject an invoice, saying why.")
    @in_unit_of_work
    async def reject_invoice(
        self, info: Info, session: AsyncSession, receivable_id: strawberry.ID, reason: str
    ) -> ReceivablePayload:
        ctx = info.context
        view = await confirmations.reject_invoice(
            session=session,
            clock=ctx.clock,
            actor=ctx.actor,
            receivable_id=uuid_of(receivable_id, "Receivable"),
            reason=reason,
        )
        return ReceivablePayload(receivable=Receivable.of(view))

    @allow(SIGNED_IN)
    @strawberry.mutation(
        description="Holders: pay your own suppliers with parts of a certificate (exact: the "
        "parts and your rest sum to it)."
    )
    @in_unit_of_work
    async def split_certificate(
        self,
        info: Info,
        session: AsyncSession,
        input: SplitCertificateInput,
        idempotency_key: IdempotencyKey,
    ) -> SplitCertificatePayload:
        ctx = info.context
        view = await splitting.split_certificate(
            session=session,
            clock=ctx.clock,
            actor=ctx.actor,
            certificate_id=uuid_of(input.certificate_id, "Certificate"),
            transfers=input.transfers(),
            idempotency_key=idempotency_key,
        )
        return SplitCertificatePayload(
            certificate=Certificate.of(view.certificate),
            parts=[Certificate.of(part) for part in view.parts],
        )

    @allow(SIGNED_IN)
    @strawberry.mutation(
        description="Holders: be paid now; the cheapest supply-chain offer that takes the "
        "certificate buys it (see quoteEarlyPayment)."
    )
    @in_unit_of_work
    async def request_early_payment(
        self,
        info: Info,
        session: AsyncSession,
        certificate_id: strawberry.ID,
        idempotency_key: IdempotencyKey,
    ) -> EarlyPaymentPayload:
        ctx = info.context
        paid = await financing.request_early_payment(
            session=session,
            clock=ctx.clock,
            actor=ctx.actor,
            certificate_id=uuid_of(certificate_id, "Certificate"),
            idempotency_key=idempotency_key,
        )
        return EarlyPaymentPayload.of(paid)

    @allow(Role.CORE_ENTERPRISE)
    @strawberry.mutation(
        description="Core enterprises: pay a confirmed invoice: each certificate's owner "
        "receives its amount (and any late penalty)."
    )
    @in_unit_of_work
    async def pay_receivable(
        self,
        info: Info,
        session: AsyncSession,
        receivable_id: strawberry.ID,
        idempotency_key: IdempotencyKey,
    ) -> ReceivablePayload:
        ctx = info.context
        view = await maturity.pay_receivable(
            session=session,
            clock=ctx.clock,
            actor=ctx.actor,
            receivable_id=uuid_of(receivable_id, "Receivable"),
            idempotency_key=idempotency_key,
        )
        return ReceivablePayload(receivable=Receivable.of(view))

    @allow(Role.PARTNER_BANK, Role.OPERATOR, key=Scope.OFFERS_WRITE)
    @strawberry.mutation(
        description="Financiers, in programmes with recourse: be repaid an overdue certificate "
        "by the supplier that sold it (offers:write); operators, for the platform's book."
    )
    @in_unit_of_work
    async def exercise_recourse(
        self,
        info: Info,
        session: AsyncSession,
        certificate_id: strawberry.ID,
        idempotency_key: IdempotencyKey,
    ) -> CertificatePayload:
        ctx = info.context
        row = await recourse.exercise_recourse(
            session=session,
            clock=ctx.clock,
            actor=ctx.actor,
            certificate_id=uuid_of(certificate_id, "Certificate"),
            idempotency_key=idempotency_key,
        )
        return CertificatePayload(certificate=Certificate.of(row))

    @allow(Role.OPERATOR)
    @strawberry.mutation(description="Operators: a core enterprise's programme terms.")
    @in_unit_of_work
    async def set_supply_chain_programme(
        self, info: Info, session: AsyncSession, input: SupplyChainProgrammeInput
    ) -> SupplyChainProgrammePayload:
        ctx = info.context
        terms = await programmes.set_programme(
            session=session,
            clock=ctx.clock,
            actor=ctx.actor,
            core_enterprise_id=uuid_of(input.core_enterprise_id, "Participant"),
            terms=input.terms(),
        )
        return SupplyChainProgrammePayload(
            programme=SupplyChainProgramme(
                core_enterprise_id=to_global_id(
                    "Participant", uuid_of(input.core_enterprise_id, "Participant")
                ),
                with_recourse=terms.with_recourse,
                recourse_after_days=terms.recourse_after_days,
                penalty_daily_rate=f"{terms.penalty_daily_rate.normalize():f}",
                grace_days=terms.grace_days,
                default_days=terms.default_days,
            )
        )

    @allow(Role.OPERATOR)
    @strawberry.mutation(
        description="Operators: let the platform's own book finance a core enterprise's "
        "certificates at a discount rate within a limit, or stop it (what it financed still "
        "matures and is paid back to the book)."
    )
    @in_unit_of_work
    async def set_supply_chain_platform_book(
        self, info: Info, session: AsyncSession, input: SupplyChainPlatformBookInput
    ) -> SupplyChainPlatformBookPayload:
        ctx = info.context
        line = await platform_book.set_platform_book(
            session=session,
            clock=ctx.clock,
            actor=ctx.actor,
            core_enterprise_id=uuid_of(input.core_enterprise_id, "Participant"),
            terms=input.terms(),
        )
        return SupplyChainPlatformBookPayload(platform_book=SupplyChainPlatformBook.of(line))
