"""Insurers publish products (INSURER role; API keys with policies:write); publishing a
code the insurer already sells writes its next version, and the one it replaces stays for
the policies sold under it. An insurer may withdraw a product: no new policies under it."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.actors import Actor, NotFound
from domain.clock import Clock
from domain.errors import InputRejected, InvalidInput
from domain.insurance.errors import ProductNotOnSale
from domain.insurance.products import InsuranceTerms, ProductKind, product_violations
from domain.insurance.services.updates import audit, rule_document
from domain.insurance.tables import InsuranceProduct
from domain.participants.roles import Role, Scope

PRODUCTS = InsuranceProduct.__table__  # type: ignore[attr-defined]


def require_insurer(actor: Actor) -> UUID:
    """The calling insurer's id: the INSURER role and, for a key, policies:write."""
    insurer_id = actor.require_role(Role.INSURER)
    actor.require_scope(Scope.POLICIES_WRITE)
    return insurer_id


async def publish_product(
    *, session: AsyncSession, clock: Clock, actor: Actor, terms: InsuranceTerms
) -> InsuranceProduct:
    """Version 1 of a new code, or the next version of the insurer's current one."""
    insurer_id = require_insurer(actor)
    found = [InvalidInput(v.message, field=v.field) for v in product_violations(terms)]
    if found:
        raise InputRejected(found)
    now = clock.now()
    current = (
        await session.exec(
            select(InsuranceProduct)
            .where(
                col(InsuranceProduct.insurer_id) == insurer_id,
                col(InsuranceProduct.code) == terms.code,
                col(InsuranceProduct.superseded_at).is_(None),
            )
            .with_for_update()
        )
    ).first()
    version = 1
    if current is not None:
        if current.kind != terms.kind.value or current.currency != terms.currency:
            raise InvalidInput("a new version keeps its kind and currency", field="kind")
        version = current.version + 1
        await (await session.connection()).execute(
            update(PRODUCTS).where(PRODUCTS.c.id == current.id).values(superseded_at=now)
        )
    c, d = terms.coverage, terms.distribution
    row = InsuranceProduct(
        insurer_id=insurer_id,
        code=terms.code,
        version=version,
        name=terms.name,
        kind=terms.kind.value,
        currency=terms.currency,
        premium_rule=rule_document(terms.premium),
        coverage_share=c.share,
        max_payout=c.max_payout,
        deductible=c.deductible,
        term_days=terms.term_days,
        waiting_days=terms.waiting_days,
        cooling_off_days=terms.cooling_off_days,
        distribution=d.model.value,
        commission_bps=d.commission_bps,
        policy_fee=d.policy_fee,
        min_insured=terms.min_insured,
        max_insured=terms.max_insured,
        freight_table=[{"up_to": b.up_to, "payout": b.payout} for b in terms.freight_table],
        payout_hours=terms.payout_hours,
        on_sale=True,
        created_at=now,
    )
    session.add(row)
    await session.flush()
    audit(session, actor, "product.publish", at=now, target=row, details={"version": version})
    return row


async def withdraw_product(
    *, session: AsyncSession, clock: Clock, actor: Actor, product_id: UUID
) -> InsuranceProduct:
    """No new policies under the product; those sold keep their cover. Idempotent."""
    insurer_id = require_insurer(actor)
    row = await session.get(InsuranceProduct, product_id, with_for_update=True)
    if row is None or row.insurer_id != insurer_id:
        raise NotFound("no such product", field="product_id")
    if row.on_sale:
        now = clock.now()
        row.on_sale = False
        session.add(row)
        await session.flush()
        audit(session, actor, "product.withdraw", at=now, target=row)
    return row


async def product_on_sale(
    session: AsyncSession, product_id: UUID, *, kind: ProductKind | None = None
) -> InsuranceProduct:
    """The product version, if it is current and on sale (of `kind`); ProductNotOnSale else.
    A superseded version's id sells the current version of its code."""
    row = await session.get(InsuranceProduct, product_id)
    if row is None:
        raise NotFound("no such product", field="product_id")
    if row.superseded_at is not None:
        current = (
            await session.exec(
                select(InsuranceProduct).where(
                    col(InsuranceProduct.insurer_id) == row.insurer_id,
                    col(InsuranceProduct.code) == row.code,
                    col(InsuranceProduct.superseded_at).is_(None),
                )
            )
        ).first()
        assert current is not None  # a superseded version always has a successor
        row = current
    if not row.on_sale:
        raise ProductNotOnSale("the insurer has withdrawn this product", field="product_id")
    if kind is not None and row.kind != kind.value:
        raise ProductNotOnSale(f"the product is not {kind.value} cover", field="product_id")
    return row


async def products(
    session: AsyncSession, *, insurer_id: UUID | None = None, kind: ProductKind | None = None
) -> list[InsuranceProduct]:
    """Current versions on sale (of one insurer, of one kind): newest first."""
    query = select(InsuranceProduct).where(col(InsuranceProduct.superseded_at).is_(None))
    if insurer_id is not None:
        query = query.where(col(InsuranceProduct.insurer_id) == insurer_id)
    else:
        query = query.where(col(InsuranceProduct.on_sale))
    if kind is not None:
        query = query.where(col(InsuranceProduct.kind) == kind.value)
    order = (col(InsuranceProduct.created_at).desc(), col(InsuranceProduct.id))
    return list((await session.exec(query.order_by(*order))).all())
