"""Who funds a BNPL purchase: partner banks' offers through the matching engine, the platform
book for the rest.

The purchase goes to the engine (domain/matching/engine.py) as a loan of the price over the
plan's term at the shopper's rate and grade, in whole minor units: it picks the open offers
that accept them at the best price, then time priority. Each chosen offer's capacity is then
committed by one conditional UPDATE, in offer id order (so two checkouts never deadlock): an
offer that a concurrent checkout or listing used up meanwhile is refused by the row's own
check, never over-committed, and the engine is asked again for what is left; what no offer
takes stays on the platform book. An interest-free plan (the merchant paid its interest up
front) is the book's alone: its shopper pays no rate a bank could earn.

Each bank's fill moves from the bank's funding account into the plan's escrow: what the
platform owes the bank until the shopper repays it (domain/consumer_credit/services/claims.py).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, cast
from uuid import UUID

from sqlalchemy import text
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.consumer_credit.events import PlanMatchCreated
from domain.consumer_credit.services.accounts import plan_escrow
from domain.consumer_credit.tables import BnplFundingRow, BnplPlanRow
from domain.events.rows import payload_row
from domain.events.services.outbox import record_events
from domain.ledger.services.posting import Leg
from domain.lending.services.accounts import bank_funding
from domain.lending.services.funding_offers import commit_capacity
from domain.lending.services.match_sources import LIVE_NOTES, bank_offer_sources
from domain.lending.tables import BankFundingOffer, Loan
from domain.matching.engine import match_loan
from domain.matching.outcome import Fill
from domain.matching.sources import LoanToFund

BANK, BOOK = "BANK", "PLATFORM_BOOK"
OFFERS = BankFundingOffer.__table__  # type: ignore[attr-defined]
MATCH_ROUNDS = 3  # asking the engine again after concurrent checkouts took a chosen offer


async def fund_purchase(
    session: AsyncSession, *, plan: BnplPlanRow, grade: str, buyer_rate: Decimal, now: datetime
) -> list[Leg]:
    """Record the plan's funders (their claims sum to the price); the ledger legs that move
    the banks' money in."""
    taken: defaultdict[str, int] = defaultdict(int)  # by bank, within this plan
    claims: list[BnplFundingRow] = []
    for _ in range(MATCH_ROUNDS if buyer_rate > 0 else 0):
        remaining = plan.price - sum(claim.principal for claim in claims)
        fills = remaining and await _bank_fills(
            session, plan, grade, buyer_rate, remaining, taken, now
        )
        if not fills:
            break
        for fill in sorted(fills, key=lambda fill: fill.source_id):
            if await commit_capacity(session, UUID(fill.source_id), fill.amount, now):
                taken[fill.funder_id] += fill.amount
                claims.append(
                    BnplFundingRow(
                        plan_id=plan.id,
                        funder_kind=BANK,
                        funder_id=UUID(fill.funder_id),
                        offer_id=UUID(fill.source_id),
                        principal=fill.amount,
                        annual_rate=fill.annual_rate,
                        created_at=now,
                    )
                )
    book = plan.price - sum(claim.principal for claim in claims)
    if book:
        claims.append(
            BnplFundingRow(
                plan_id=plan.id,
                funder_kind=BOOK,
                principal=book,
                annual_rate=plan.annual_rate,
                created_at=now,
            )
        )
    session.add_all(claims)
    await session.flush()
    banks = [claim for claim in claims if claim.funder_kind == BANK]
    await record_events(session, [_match_created(plan, claim, now) for claim in banks])
    if not banks:
        return []
    escrow = await plan_escrow(session, plan_id=plan.id, currency=plan.currency, now=now)
    details = {"plan": str(plan.id)}
    return [
        Leg(
            await bank_funding(session, bank_id=claim.funder_id, currency=plan.currency, now=now),
            escrow,
            claim.principal,
            "BNPL_FUNDING",
            details,
        )
        for claim in banks
        if claim.funder_id is not None
    ]


async def _bank_fills(
    session: AsyncSession,
    plan: BnplPlanRow,
    grade: str,
    buyer_rate: Decimal,
    amount: int,
    taken: dict[str, int],
    now: datetime,
) -> tuple[Fill, ...]:
    listing = _Listing(plan.shopper_id, plan.currency, grade, plan.installment_count)
    offers = await bank_offer_sources(session, loan=cast(Loan, listing), now=now)
    if not offers:
        return ()
    exposure = await _bank_exposure(session, plan.shopper_id)
    target = LoanToFund(
        loan_id=str(plan.id),
        borrower_id=str(plan.shopper_id),
        amount=amount,
        currency=plan.currency,
        grade=grade,
        term_months=plan.installment_count,
        annual_rate=buyer_rate,
        note_size=1,
        min_investment=1,
        borrower_debt_by_funder={
            bank: exposure.get(bank, 0) + taken.get(bank, 0)
            for bank in exposure.keys() | taken.keys()
        },
        loan_share_by_funder=dict(taken),
    )
    return match_loan(target, offers, [], now=now, reference_rate=buyer_rate).fills


@dataclass(frozen=True, slots=True)
class _Listing:
    """What lending's offer query reads of a listing (its currency, grade, term and borrower):
    a purchase shown to it this way is offered exactly the banks' offers a loan would be."""

    borrower_id: UUID
    currency: str
    grade: str
    term_months: int


# What each bank is still owed by a shopper: its BNPL claims and its live loan notes, so an
# offer's per-borrower cap holds across the bank's whole exposure.
BANK_EXPOSURE = text(
    """
    SELECT funder, sum(owed) FROM (
        SELECT f.funder_id AS funder, f.principal - f.principal_repaid AS owed
        FROM bnpl_funding f JOIN bnpl_plan p ON p.id = f.plan_id
        WHERE p.shopper_id = :shopper AND f.funder_kind = 'BANK'
        UNION ALL
        SELECT n.holder_id, n.principal - n.principal_received
        FROM loan_note n JOIN loan l ON l.id = n.loan_id
        WHERE l.borrower_id = :shopper AND n.funder_kind = 'BANK'
          AND n.status = ANY(:live)
    ) exposure
    GROUP BY funder
    """
)


async def _bank_exposure(session: AsyncSession, shopper_id: UUID) -> dict[str, int]:
    wanted = {"shopper": shopper_id, "live": list(LIVE_NOTES)}
    rows = await (await session.connection()).execute(BANK_EXPOSURE, wanted)
    return {str(bank): int(owed) for bank, owed in rows.all()}


def _match_created(plan: BnplPlanRow, claim: BnplFundingRow, now: datetime) -> dict[str, Any]:
    assert claim.funder_id is not None
    created = PlanMatchCreated(
        plan_id=str(plan.id),
        payment_id=str(plan.payment_id),
        funding_id=str(claim.id),
        source_kind="BANK_OFFER",
        offer_id=str(claim.offer_id),
        amount=claim.principal,
        currency=plan.currency,
        annual_rate=str(claim.annual_rate),
    )
    return payload_row(
        created,
        aggregate_id=plan.id,
        audience=[plan.shopper_id, claim.funder_id],
        occurred_at=now,
    )
