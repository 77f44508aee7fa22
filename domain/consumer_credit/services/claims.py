"""Funders' claims on a plan: what each gets of a repayment or a refund, exactly.

The shopper's repayment is shared among the plan's claims by outstanding principal with the
lending rule (domain/lending/distribution.py): principal, interest and penalty by largest
remainder; a bank keeps of its interest its rate's share of the shopper's, the difference is
the platform's interest spread; the platform book's claim earns the whole. Principal always
credits the receivable (the shopper owes less); a bank's share of it then leaves the plan's
escrow for the bank's funding account, its interest and penalty straight from the payer.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.consumer_credit.services.accounts import (
    interest_account,
    penalty_account,
    plan_escrow,
)
from domain.consumer_credit.tables import BnplFundingRow, BnplPlanRow
from domain.ledger.services.posting import Leg
from domain.lending.distribution import (
    NoteHolding,
    ReceivedRepayment,
    RepaymentDistribution,
    distribute_repayment,
)
from domain.lending.services.accounts import bank_funding, platform_revenue
from domain.lending.services.receive_repayment import INTEREST_SPREAD


def buyer_rate(plan: BnplPlanRow) -> Decimal:
    """The rate the shopper pays: none when the merchant paid the interest up front."""
    return plan.annual_rate if plan.fee_payer == "BUYER" else Decimal(0)


async def claims_of(session: AsyncSession, plan: BnplPlanRow) -> list[BnplFundingRow]:
    rows = await session.exec(
        select(BnplFundingRow)
        .where(col(BnplFundingRow.plan_id) == plan.id)
        .order_by(col(BnplFundingRow.id))
        .with_for_update()
    )
    return list(rows.all())


def share_among_claims(
    plan: BnplPlanRow, claims: list[BnplFundingRow], received: ReceivedRepayment
) -> RepaymentDistribution:
    """Each claim's part of `received`, its rows updated to match."""
    outstanding = [claim.principal - claim.principal_repaid for claim in claims]
    # Penalty may outlive principal a refund took off: then it is shared by the original.
    weights = outstanding if any(outstanding) else [claim.principal for claim in claims]
    shares = distribute_repayment(
        received,
        [
            NoteHolding(str(claim.id), str(claim.funder_id), weight, claim.annual_rate)
            for claim, weight in zip(claims, weights, strict=True)
        ],
        borrower_rate=buyer_rate(plan),
    )
    by_id = {str(claim.id): claim for claim in claims}
    for payout in shares.payouts:
        claim = by_id[payout.note_id]
        claim.principal_repaid += payout.principal
        claim.interest_received += payout.interest + payout.penalty
    return shares


async def claim_legs(
    session: AsyncSession,
    plan: BnplPlanRow,
    claims: list[BnplFundingRow],
    shares: RepaymentDistribution,
    *,
    payer: int,
    now: datetime,
) -> list[Leg]:
    """What goes to each funder besides the receivable's principal: banks' principal from the
    plan's escrow; interest and penalty from `payer`, the book's to its revenue accounts."""
    c, details = plan.currency, {"plan": str(plan.id)}
    by_id = {str(claim.id): claim for claim in claims}
    legs = []
    for payout in shares.payouts:
        funder = by_id[payout.note_id].funder_id
        if funder is None:  # the platform book
            legs.append(
                Leg(
                    payer,
                    await interest_account(session, c, now),
                    payout.interest,
                    "BNPL_INTEREST",
                    details,
                )
            )
            legs.append(
                Leg(
                    payer,
                    await penalty_account(session, c, now),
                    payout.penalty,
                    "BNPL_PENALTY",
                    details,
                )
            )
            continue
        bank = await bank_funding(session, bank_id=funder, currency=c, now=now)
        if payout.principal:
            escrow = await plan_escrow(session, plan_id=plan.id, currency=c, now=now)
            legs.append(Leg(escrow, bank, payout.principal, "BNPL_PRINCIPAL", details))
        legs.append(Leg(payer, bank, payout.interest + payout.penalty, "BNPL_INTEREST", details))
    if shares.platform_spread:
        spread = await platform_revenue(session, stream=INTEREST_SPREAD, currency=c, now=now)
        legs.append(Leg(payer, spread, shares.platform_spread, "INTEREST_SPREAD", details))
    return [leg for leg in legs if leg.amount > 0]
