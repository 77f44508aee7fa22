"""Reading supply-chain finance: my receivables and certificates, a quote, what a core
enterprise must confirm and owes, and the programme totals operators see."""

from __future__ import annotations

from datetime import date

import strawberry

from domain.errors import DomainError
from domain.participants.roles import Role, Scope
from domain.supply_chain.services import financing, platform_book, reads
from domain.supply_chain.services.reads import ReceivableView
from graph.context import Info
from graph.permissions import SIGNED_IN, allow
from graph.relay import uuid_of
from graph.supply_chain.types import (
    Certificate,
    CertificateState,
    EarlyPaymentQuote,
    PayablesTotal,
    Receivable,
    SupplyChainPlatformBook,
)

LIMIT = 100


@strawberry.type
class SupplyChainQueries:
    @allow(SIGNED_IN, key=Scope.OFFERS_READ, looks_missing=True)
    @strawberry.field(description="An invoice by id (null if there is none you may see).")
    async def receivable(self, info: Info, id: strawberry.ID) -> Receivable | None:
        async with info.context.db() as session:
            try:
                view = await reads.receivable(
                    session, info.context.actor, uuid_of(id, "Receivable")
                )
            except DomainError:
                return None
        return Receivable.of(view)

    @allow(SIGNED_IN, key=Scope.OFFERS_READ, looks_missing=True)
    @strawberry.field(description="A certificate by id (null if there is none you may see).")
    async def certificate(self, info: Info, id: strawberry.ID) -> Certificate | None:
        async with info.context.db() as session:
            try:
                row = await reads.certificate(
                    session, info.context.actor, uuid_of(id, "Certificate")
                )
            except DomainError:
                return None
        return Certificate.of(row)

    @allow(SIGNED_IN)
    @strawberry.field(description="Suppliers: the invoices you registered, newest first.")
    async def my_receivables(self, info: Info) -> list[Receivable]:
        async with info.context.db() as session:
            rows = await reads.my_receivables(session, info.context.actor, limit=LIMIT)
            views = [ReceivableView(r, await reads.certificates_of(session, r.id)) for r in rows]
        return [Receivable.of(v) for v in views]

    @allow(SIGNED_IN, key=Scope.OFFERS_READ)
    @strawberry.field(
        description="Certificates you hold, by due date (still owed, unless `states`): a "
        "supplier's, its suppliers', and what a financier funded and what matures."
    )
    async def my_certificates(
        self, info: Info, states: list[CertificateState] | None = None
    ) -> list[Certificate]:
        async with info.context.db() as session:
            rows = await reads.my_certificates(
                session, info.context.actor, states=tuple(states or ())
            )
        return [Certificate.of(r) for r in rows]

    @allow(SIGNED_IN, looks_missing=True)
    @strawberry.field(
        description="Holders: what you would receive for a certificate now, from which offer, "
        "and why (null if it is not yours; NO_FINANCING_OFFER reads as null too)."
    )
    async def quote_early_payment(
        self, info: Info, certificate_id: strawberry.ID
    ) -> EarlyPaymentQuote | None:
        ctx = info.context
        async with ctx.db() as session:
            try:
                offer = await financing.quote_early_payment(
                    session=session,
                    clock=ctx.clock,
                    actor=ctx.actor,
                    certificate_id=uuid_of(certificate_id, "Certificate"),
                )
            except DomainError:
                return None
        return EarlyPaymentQuote.of(offer)

    @allow(Role.CORE_ENTERPRISE)
    @strawberry.field(description="Core enterprises: invoices waiting for your decision.")
    async def invoices_to_confirm(self, info: Info) -> list[Receivable]:
        async with info.context.db() as session:
            rows = await reads.invoices_to_confirm(session, info.context.actor, limit=LIMIT)
        return [Receivable.of(ReceivableView(r, ())) for r in rows]

    @allow(Role.CORE_ENTERPRISE)
    @strawberry.field(
        description="Core enterprises: what you owe, certificate by certificate, by due date."
    )
    async def payables(self, info: Info, due_by: date | None = None) -> list[Certificate]:
        async with info.context.db() as session:
            rows = await reads.payables(session, info.context.actor, due_by=due_by)
        return [Certificate.of(r) for r in rows]

    @allow(Role.CORE_ENTERPRISE)
    @strawberry.field(
        description="Core enterprises: your confirmed payables, one total a currency."
    )
    async def confirmed_payables(self, info: Info) -> list[PayablesTotal]:
        me = info.context.actor.require_participant()
        async with info.context.db() as session:
            rows = await reads.confirmed_payables(session, buyer_id=me)
        return [PayablesTotal.of(r) for r in rows]

    @allow(Role.OPERATOR)
    @strawberry.field(description="Operators: what each core enterprise owes its programme.")
    async def supply_chain_programme_totals(self, info: Info) -> list[PayablesTotal]:
        info.context.actor.require_operator()
        async with info.context.db() as session:
            rows = await reads.confirmed_payables(session)
        return [PayablesTotal.of(r) for r in rows]

    @allow(Role.OPERATOR)
    @strawberry.field(
        description="Operators: the platform book's standing on each core enterprise it may "
        "finance (or was allowed to): rate, limit and what is used."
    )
    async def supply_chain_platform_books(self, info: Info) -> list[SupplyChainPlatformBook]:
        async with info.context.db() as session:
            lines = await platform_book.platform_books(session, actor=info.context.actor)
        return [SupplyChainPlatformBook.of(line) for line in lines]
