"""A merchant's refund of a BNPL purchase: the shopper's installments shrink, last first.

The merchant and the discount account give back their shares of the refund (as for any
payment), and that money first pays off the shopper's outstanding principal, from the last
installment backwards (Affirm's rule, domain/consumer_credit/installment_reduction.py): the
receivable shrinks and the credit line is restored by as much. What exceeds the outstanding
principal was already repaid by the shopper and goes back to the shopper's wallet. The
principal taken off is shared among the plan's funders, a bank's part leaving the plan's
escrow for its funding account. Unpaid interest on the principal taken off is waived;
interest already paid stays with the funders (the product does not refund it).
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.consumer_credit.installment_reduction import (
    OpenInstallment,
    PurchaseRefunds,
    reduce_installments_for_refund,
)
from domain.consumer_credit.services.accounts import receivable_account
from domain.consumer_credit.services.claims import claim_legs, claims_of, share_among_claims
from domain.consumer_credit.services.credit_lines import give_back_credit, locked_line
from domain.consumer_credit.tables import BnplInstallmentRow, BnplPlanRow
from domain.ledger.services.posting import Leg
from domain.lending.distribution import ReceivedRepayment
from domain.money import Money


async def plan_of_payment(session: AsyncSession, payment_id: object) -> BnplPlanRow | None:
    return (
        await session.exec(
            select(BnplPlanRow).where(col(BnplPlanRow.payment_id) == payment_id).with_for_update()
        )
    ).first()


async def installments_of(session: AsyncSession, plan: BnplPlanRow) -> list[BnplInstallmentRow]:
    query = (
        select(BnplInstallmentRow)
        .where(col(BnplInstallmentRow.plan_id) == plan.id)
        .order_by(col(BnplInstallmentRow.number))
        .with_for_update()
    )
    return list((await session.exec(query)).all())


async def refund_legs(
    session: AsyncSession,
    plan: BnplPlanRow,
    *,
    refund: int,
    clearing: int,
    shopper_wallet: int,
    now: datetime,
) -> list[Leg]:
    """Where `refund` (gathered in `clearing`) goes: off the outstanding principal, then to
    the shopper's wallet; the installments and the credit line change to match."""
    currency = plan.currency
    rows = await installments_of(session, plan)
    reduction = reduce_installments_for_refund(
        [
            OpenInstallment(
                r.number, Money(r.principal_due, currency), Money(r.interest_due, currency)
            )
            for r in rows
        ],
        refund=Money(refund, currency),
        purchase=PurchaseRefunds(Money(plan.price, currency), Money(plan.refunded, currency)),
    )
    for row, after in zip(rows, reduction.installments, strict=True):
        row.principal_due, row.interest_due = after.principal_due.minor, after.interest_due.minor
        if row.owed == 0 and row.paid_at is None:
            row.paid_at = now
        session.add(row)
    line = await locked_line(session, shopper_id=plan.shopper_id, currency=currency)
    give_back_credit(line, reduction.principal_reduced.minor, now)
    session.add(line)
    plan.refunded += refund
    plan.state = "REFUNDED" if plan.refunded == plan.price else plan.state
    if plan.state == "ACTIVE" and all(r.owed == 0 for r in rows):
        plan.state = "PAID"
    plan.updated_at = now
    session.add(plan)
    details = {"payment": str(plan.payment_id)}
    receivable = await receivable_account(session, currency, now)
    # The principal taken off is given back to the plan's funders: banks out of its escrow.
    claims = await claims_of(session, plan)
    taken_off = ReceivedRepayment(principal=reduction.principal_reduced.minor, interest=0)
    shares = share_among_claims(plan, claims, taken_off)
    session.add_all(claims)
    legs = [
        Leg(clearing, receivable, reduction.principal_reduced.minor, "BNPL_REFUND", details),
        Leg(clearing, shopper_wallet, reduction.to_wallet.minor, "REFUND", details),
        *await claim_legs(session, plan, claims, shares, payer=clearing, now=now),
    ]
    return [leg for leg in legs if leg.amount > 0]
