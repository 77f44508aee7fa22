"""Operators define loan products; an update writes the next version, and the one it
replaces stays for the loans sold under it."""

from __future__ import annotations

from decimal import Decimal
from uuid import UUID

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.actors import Actor, NotFound
from domain.audit.service import Outcome, record
from domain.clock import Clock
from domain.errors import InputRejected, InvalidInput
from domain.lending.products import LoanProduct, product_violations
from domain.lending.services.cover_offers import attach_cover
from domain.lending.services.product_terms import Marketplace, row_values
from domain.lending.tables import LoanProductRow

PRODUCTS = LoanProductRow.__table__  # type: ignore[attr-defined]


async def _check(session: AsyncSession, product: LoanProduct, market: Marketplace) -> LoanProduct:
    """`product` with its cover bound to the offer that agrees to it; InputRejected listing
    every fault otherwise."""
    found = [InvalidInput(v.message, field=v.field) for v in product_violations(product)]
    if not any((v.field or "").startswith("cover") for v in found):
        try:
            product = await attach_cover(session, product)
        except InvalidInput as refused:
            found.append(refused)
    if market.note_size <= 0 or market.min_investment % market.note_size:
        found.append(
            InvalidInput("a positive note size that divides min_investment", field="note_size")
        )
    if not Decimal(0) < market.max_investor_share <= 1:
        found.append(InvalidInput("must be within 0..1, above 0", field="max_investor_share"))
    if not Decimal(0) <= market.platform_spread <= product.min_rate:
        found.append(InvalidInput("must be within 0..min_rate", field="platform_spread"))
    if not 1 <= market.funding_days <= 90:
        found.append(InvalidInput("must be within 1..90", field="funding_days"))
    if found:
        raise InputRejected(found)
    return product


async def create_loan_product(
    *,
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    product: LoanProduct,
    market: Marketplace,
) -> LoanProductRow:
    """Version 1 of a new product code."""
    actor.require_operator()
    product = await _check(session, product, market)
    taken = await session.exec(
        select(LoanProductRow.id).where(col(LoanProductRow.code) == product.code)
    )
    if taken.first() is not None:
        raise InvalidInput("a product with this code exists: update it", field="code")
    now = clock.now()
    row = LoanProductRow(
        code=product.code,
        version=1,
        created_by=actor.participant_id,
        created_at=now,
        **row_values(product, market),
    )
    session.add(row)
    await session.flush()
    record(
        session,
        actor=actor,
        action="lending.product.create",
        outcome=Outcome.SUCCESS,
        at=now,
        target_type="LoanProduct",
        target_id=row.id,
    )
    return row


async def update_loan_product(
    *,
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    product_id: UUID,
    product: LoanProduct,
    market: Marketplace,
) -> LoanProductRow:
    """The next version of the product `product_id` is the current version of."""
    actor.require_operator()
    current = await session.get(LoanProductRow, product_id, with_for_update=True)
    if current is None:
        raise NotFound("no such product", field="product_id")
    if current.superseded_at is not None:
        raise InvalidInput("a newer version exists: update that one", field="product_id")
    if product.code != current.code:
        raise InvalidInput("a product keeps its code", field="code")
    product = await _check(session, product, market)
    now = clock.now()
    await (await session.connection()).execute(
        update(PRODUCTS).where(PRODUCTS.c.id == product_id).values(superseded_at=now)
    )
    row = LoanProductRow(
        code=current.code,
        version=current.version + 1,
        created_by=actor.participant_id,
        created_at=now,
        **row_values(product, market),
    )
    session.add(row)
    await session.flush()
    record(
        session,
        actor=actor,
        action="lending.product.update",
        outcome=Outcome.SUCCESS,
        at=now,
        target_type="LoanProduct",
        target_id=row.id,
        details={"replaces": str(product_id), "version": row.version},
    )
    return row


async def current_products(session: AsyncSession) -> list[LoanProductRow]:
    """Every product's current version, by code (public: borrowers shop among them)."""
    rows = await session.exec(
        select(LoanProductRow)
        .where(col(LoanProductRow.superseded_at).is_(None))
        .order_by(col(LoanProductRow.code))
    )
    return list(rows.all())
