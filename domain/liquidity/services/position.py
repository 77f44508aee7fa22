"""The operator's liquidity and risk view of one currency, read from the ledger and the loans.

Owed to participants: every wallet's posted balance (which still includes what is held on
it: escrowed payments, pledges, pending payouts) and every escrow account's. Held for them:
what the rails' settlement accounts hold (their debits lead). Cover: the guarantee fund's
balance against the principal it covers on ACTIVE loans (outstanding x the product's cover
share), and each insurer's or guarantor's available wallet balance against its own. The
outstanding principal of a loan is its receivable account's balance in the ledger.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from fractions import Fraction
from uuid import UUID

from sqlalchemy import text
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.actors import Actor
from domain.liquidity.thresholds import (
    CURRENT_THRESHOLDS,
    Exposure,
    Metric,
    Reading,
    read_exposures,
)
from domain.money import currency_of, round_half_up

TOP = 5

_BOOKS = text(
    """
    SELECT COALESCE(SUM(credits_posted - debits_posted) FILTER (WHERE kind = 'WALLET'), 0)
               AS wallets,
           COALESCE(SUM(debits_pending) FILTER (WHERE kind = 'WALLET'), 0) AS held,
           COALESCE(SUM(credits_posted - debits_posted) FILTER (WHERE kind = 'ESCROW'), 0)
               AS escrow,
           COALESCE(SUM(debits_posted - credits_posted) FILTER (WHERE kind = 'SETTLEMENT'), 0)
               AS rails,
           COALESCE(SUM(credits_posted - debits_posted) FILTER (WHERE kind = 'GUARANTEE_FUND'),
                    0) AS fund
    FROM ledger_account
    WHERE currency = :currency AND kind IN ('WALLET', 'ESCROW', 'SETTLEMENT', 'GUARANTEE_FUND')
    """
)
_PAYOUTS = text(
    "SELECT COALESCE(SUM(amount), 0) AS amount FROM payout "
    "WHERE currency = :currency AND state = 'PENDING'"
)
# ACTIVE loans' outstanding principal (their receivable accounts) with their cover.
_ACTIVE = """
    WITH active AS (
        SELECT l.borrower_id, p.cover_kind, p.cover_provider,
               -- a borrower who turned down the credit cover its offer sells has none
               CASE WHEN o.insurance_product_id IS NOT NULL AND NOT o.requires_cover
                         AND NOT l.buys_credit_cover THEN 0
                    ELSE p.cover_share END AS cover_share,
               a.debits_posted - a.credits_posted AS owed
        FROM loan l
        JOIN loan_product p ON p.id = l.product_id
        LEFT JOIN cover_offer o ON o.id = p.cover_offer_id
        JOIN ledger_account a ON a.kind = 'LOAN_RECEIVABLE' AND a.owner_id IS NULL
         AND a.currency = l.currency AND a.label = 'loan:' || l.id
        WHERE l.currency = :currency AND l.state = 'ACTIVE'
    )
"""
_OUTSTANDING = text(
    _ACTIVE  # noqa: S608  # constant SQL, composed here
    + """
    SELECT COALESCE(SUM(owed), 0) AS total,
           COALESCE(SUM(owed * cover_share) FILTER (
               WHERE cover_kind = 'GUARANTEE' AND cover_provider IS NULL), 0) AS fund_at_risk
    FROM active
    """
)
_BY_BORROWER = text(
    _ACTIVE  # noqa: S608
    + "SELECT borrower_id AS party, SUM(owed) AS amount FROM active GROUP BY borrower_id "
    "ORDER BY amount DESC, borrower_id LIMIT :top"
)
_BY_PROVIDER = text(
    _ACTIVE  # noqa: S608
    + """
    SELECT c.cover_provider AS party, MIN(c.cover_kind) AS kind,
           SUM(c.owed * c.cover_share) AS at_risk,
           COALESCE((SELECT w.credits_posted - w.debits_posted - w.debits_pending
                     FROM ledger_account w WHERE w.kind = 'WALLET' AND w.owner_id = c.cover_provider
                       AND w.currency = :currency AND w.label = ''), 0) AS balance
    FROM active c WHERE c.cover_provider IS NOT NULL
    GROUP BY c.cover_provider ORDER BY c.cover_provider
    """
)
_BY_BANK = text(
    """
    SELECT n.holder_id AS party, SUM(n.principal - n.principal_received) AS amount
    FROM loan_note n JOIN loan l ON l.id = n.loan_id
    WHERE l.currency = :currency AND l.state = 'ACTIVE' AND n.status = 'ACTIVE'
      AND n.funder_kind = 'BANK'
    GROUP BY n.holder_id ORDER BY amount DESC, n.holder_id LIMIT :top
    """
)


@dataclass(frozen=True, slots=True)
class PartyShare:
    party_id: UUID
    amount: int


@dataclass(frozen=True, slots=True)
class CoverExposure:
    """An insurer or guarantor: what it covers on ACTIVE loans and what it has to pay it."""

    provider_id: UUID
    kind: str  # INSURANCE or GUARANTEE
    at_risk: int
    balance: int


@dataclass(frozen=True, slots=True)
class LiquidityPosition:
    currency: str
    computed_at: datetime
    wallets: int  # owed: wallets' posted balances (held money included)
    held_in_wallets: int  # of which held: escrowed payments, pledges, payouts, ...
    pending_payouts: int  # of which on their way to merchants' banks
    escrow: int  # owed: escrow accounts' balances
    rails: int  # held for them at the payment rails
    guarantee_fund: int
    guarantee_fund_at_risk: int
    covers: tuple[CoverExposure, ...]
    outstanding_principal: int
    top_borrowers: tuple[PartyShare, ...]
    top_banks: tuple[PartyShare, ...]
    top_core_enterprises: tuple[PartyShare, ...]  # supply chain finance: none booked yet
    readings: tuple[Reading, ...]
    thresholds_version: str

    @property
    def owed(self) -> int:
        return self.wallets + self.escrow


def _minor(value: Decimal | int) -> int:
    return round_half_up(Fraction(Decimal(value)))


async def liquidity_position(
    session: AsyncSession, *, actor: Actor, currency: str, now: datetime
) -> LiquidityPosition:
    """Operators only: the position of `currency` now, read against the thresholds."""
    actor.require_operator()
    code = currency_of(currency).code
    conn = await session.connection()
    where = {"currency": code}
    books = (await conn.execute(_BOOKS, where)).one()
    payouts = (await conn.execute(_PAYOUTS, where)).scalar_one()
    out = (await conn.execute(_OUTSTANDING, where)).one()
    borrowers = [
        PartyShare(r.party, int(r.amount))
        for r in await conn.execute(_BY_BORROWER, {**where, "top": TOP})
    ]
    banks = [
        PartyShare(r.party, int(r.amount))
        for r in await conn.execute(_BY_BANK, {**where, "top": TOP})
    ]
    covers = [
        CoverExposure(r.party, r.kind, _minor(r.at_risk), int(r.balance))
        for r in await conn.execute(_BY_PROVIDER, where)
    ]
    total, owed = int(out.total), int(books.wallets) + int(books.escrow)
    fund_at_risk = _minor(out.fund_at_risk)
    exposures = [
        Exposure(Metric.RAILS_COVERAGE, "", int(books.rails), owed),
        Exposure(Metric.GUARANTEE_FUND_COVERAGE, "", int(books.fund), fund_at_risk),
        *(
            Exposure(Metric.INSURER_COVERAGE, str(c.provider_id), c.balance, c.at_risk)
            for c in covers
        ),
        *(Exposure(Metric.BORROWER_CONCENTRATION, "", b.amount, total) for b in borrowers[:1]),
        *(Exposure(Metric.BANK_CONCENTRATION, "", b.amount, total) for b in banks[:1]),
    ]
    return LiquidityPosition(
        currency=code,
        computed_at=now,
        wallets=int(books.wallets),
        held_in_wallets=int(books.held),
        pending_payouts=int(payouts),
        escrow=int(books.escrow),
        rails=int(books.rails),
        guarantee_fund=int(books.fund),
        guarantee_fund_at_risk=fund_at_risk,
        covers=tuple(covers),
        outstanding_principal=total,
        top_borrowers=tuple(borrowers),
        top_banks=tuple(banks),
        top_core_enterprises=(),
        readings=tuple(read_exposures(exposures, CURRENT_THRESHOLDS)),
        thresholds_version=CURRENT_THRESHOLDS.version,
    )
