"""Products on sale, a quote, a buyer's policies and claims, an insurer's policies, claims
to decide and book, every insurer's solvency for operators."""

from __future__ import annotations

import strawberry

from domain.advertising.items import ItemKind
from domain.errors import DomainError
from domain.insurance.services import policies, products, reads
from domain.participants.roles import Role, Scope
from graph.advertising.browsing import promoted_first
from graph.context import Info
from graph.hardening.policy import page_size
from graph.insurance.inputs import money_of
from graph.insurance.types import (
    BookLine,
    Claim,
    ClaimState,
    InsuranceKind,
    InsuranceProduct,
    InsuranceQuote,
    InsurerSolvency,
    Policy,
    PolicyState,
)
from graph.permissions import ANYONE, SIGNED_IN, allow
from graph.relay import uuid_of


@strawberry.type
class InsuranceQueries:
    @allow(ANYONE)
    @strawberry.field(
        description="Insurance products on sale (of one kind), newest first; promoted ones "
        "(sponsored) first."
    )
    async def insurance_products(
        self, info: Info, kind: InsuranceKind | None = None
    ) -> list[InsuranceProduct]:
        async with info.context.db() as session:
            rows = await products.products(session, kind=kind)
        on_sale = [InsuranceProduct.of(row) for row in rows]
        return await promoted_first(info, ItemKind.INSURANCE_PRODUCT, on_sale)

    @allow(ANYONE)
    @strawberry.field(description="A product version by id (null if there is none).")
    async def insurance_product(self, info: Info, id: strawberry.ID) -> InsuranceProduct | None:
        async with info.context.db() as session:
            rows = await reads.products_by_id(session, [uuid_of(id, "InsuranceProduct")])
        return InsuranceProduct.of(rows[0]) if rows else None

    @allow(Role.INSURER, key=Scope.POLICIES_WRITE)
    @strawberry.field(description="Insurers: your products' current versions, on sale or not.")
    async def my_insurance_products(self, info: Info) -> list[InsuranceProduct]:
        actor = info.context.actor
        async with info.context.db() as session:
            rows = await products.products(session, insurer_id=products.require_insurer(actor))
        return [InsuranceProduct.of(row) for row in rows]

    @allow(SIGNED_IN, key=Scope.PROFILE_READ)
    @strawberry.field(
        description="What a policy of the product costs for this amount, now (`grade`: the "
        "borrower's risk grade, A..E, for a product priced by grade)."
    )
    async def insurance_quote(
        self,
        info: Info,
        product_id: strawberry.ID,
        insured_amount: str,
        currency: str,
        grade: str | None = None,
    ) -> InsuranceQuote:
        async with info.context.db() as session:
            quote = await policies.quote_policy(
                session=session,
                clock=info.context.clock,
                product_id=uuid_of(product_id, "InsuranceProduct"),
                insured=money_of(insured_amount, currency, "insured_amount"),
                grade=grade,
            )
        return InsuranceQuote.of(quote)

    @allow(SIGNED_IN, key=Scope.PROFILE_READ)
    @strawberry.field(description="Your policies, newest first.")
    async def my_policies(
        self, info: Info, state: PolicyState | None = None, first: int | None = None
    ) -> list[Policy]:
        limit = page_size(first, info.context.hardening)
        async with info.context.db() as session:
            rows = await reads.my_policies(
                session, actor=info.context.actor, limit=limit, state=state
            )
        return [Policy.of(row) for row in rows]

    @allow(SIGNED_IN, key=Scope.PROFILE_READ)
    @strawberry.field(description="Claims you filed or are paid by, newest first.")
    async def my_claims(self, info: Info, first: int | None = None) -> list[Claim]:
        limit = page_size(first, info.context.hardening)
        async with info.context.db() as session:
            rows = await reads.my_claims(session, actor=info.context.actor, limit=limit)
        return [Claim.of(row) for row in rows]

    @allow(SIGNED_IN, key=Scope.PROFILE_READ, looks_missing=True)
    @strawberry.field(
        description="A policy you hold or underwrite (operators: any); null if none you may see."
    )
    async def policy(self, info: Info, id: strawberry.ID) -> Policy | None:
        async with info.context.db() as session:
            try:
                rows = await reads.policies_by_id(
                    session, actor=info.context.actor, ids=[uuid_of(id, "Policy")]
                )
            except DomainError:
                return None
        return Policy.of(rows[0]) if rows else None

    @allow(SIGNED_IN, key=Scope.PROFILE_READ, looks_missing=True)
    @strawberry.field(
        description="A claim you filed, are paid by or decide (operators: any); null if none "
        "you may see."
    )
    async def claim(self, info: Info, id: strawberry.ID) -> Claim | None:
        async with info.context.db() as session:
            try:
                rows = await reads.claims_by_id(
                    session, actor=info.context.actor, ids=[uuid_of(id, "Claim")]
                )
            except DomainError:
                return None
        return Claim.of(rows[0]) if rows else None

    @allow(Role.INSURER, key=Scope.POLICIES_WRITE)
    @strawberry.field(description="Insurers: the policies you underwrite, newest first.")
    async def underwritten_policies(
        self, info: Info, state: PolicyState | None = None, first: int | None = None
    ) -> list[Policy]:
        limit = page_size(first, info.context.hardening)
        async with info.context.db() as session:
            rows = await reads.underwritten_policies(
                session, actor=info.context.actor, limit=limit, state=state
            )
        return [Policy.of(row) for row in rows]

    @allow(Role.INSURER, Role.OPERATOR, key=Scope.POLICIES_WRITE)
    @strawberry.field(
        description="Claims to decide and pay, oldest first: an insurer's own, every insurer's "
        "for operators (APPROVED_UNPAID: approved, its insurer's account could not pay yet)."
    )
    async def insurance_claims(
        self, info: Info, state: ClaimState | None = None, first: int | None = None
    ) -> list[Claim]:
        limit = page_size(first, info.context.hardening)
        async with info.context.db() as session:
            rows = await reads.insurance_claims(
                session, actor=info.context.actor, limit=limit, state=state
            )
        return [Claim.of(row) for row in rows]

    @allow(Role.INSURER, key=Scope.POLICIES_WRITE)
    @strawberry.field(
        description="Insurers: your book by product: premiums written and earned, claims paid "
        "and outstanding, loss ratio, commission paid to the platform."
    )
    async def insurance_book(self, info: Info) -> list[BookLine]:
        async with info.context.db() as session:
            lines = await reads.book(
                session, actor=info.context.actor, now=info.context.clock.now()
            )
        return [BookLine.of(line) for line in lines]

    @allow(Role.OPERATOR)
    @strawberry.field(
        description="Operators: every insurer's claims outstanding against its balance."
    )
    async def insurer_solvency(self, info: Info) -> list[InsurerSolvency]:
        async with info.context.db() as session:
            rows = await reads.solvency(session, actor=info.context.actor)
        return [InsurerSolvency.of(row) for row in rows]
