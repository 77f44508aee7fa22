"""What the matching engine reads: the loan's open part, and the offers and rules that might
fund it, with capacity, budgets and exposures as they stand (net of holds)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, time
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy import Select, any_, func, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.ledger.accounts import AccountKind
from domain.ledger.services.posting import ACCOUNTS
from domain.lending.states import NoteStatus
from domain.lending.tables import (
    AutoInvestRuleRow,
    BankFundingOffer,
    Loan,
    LoanNote,
    LoanProductRow,
)
from domain.matching.sources import AutoInvestRule, BankOffer, LoanToFund

OFFERS = BankFundingOffer.__table__  # type: ignore[attr-defined]
LIVE_NOTES = (NoteStatus.HELD.value, NoteStatus.ACTIVE.value)


async def loan_to_fund(session: AsyncSession, *, loan: Loan, product: LoanProductRow) -> LoanToFund:
    shares = await session.exec(
        select(LoanNote.holder_id, func.sum(LoanNote.principal))
        .where(col(LoanNote.loan_id) == loan.id, col(LoanNote.status).in_(LIVE_NOTES))
        .group_by(col(LoanNote.holder_id))
    )
    exposure = await session.exec(
        select(LoanNote.holder_id, func.sum(LoanNote.principal - LoanNote.principal_received))
        .join(Loan, col(Loan.id) == col(LoanNote.loan_id))
        .where(
            col(Loan.borrower_id) == loan.borrower_id,
            col(LoanNote.status).in_(LIVE_NOTES),
            col(LoanNote.funder_kind) == "BANK",
        )
        .group_by(col(LoanNote.holder_id))
    )
    return LoanToFund(
        loan_id=str(loan.id), borrower_id=str(loan.borrower_id),
        amount=loan.principal - loan.committed, currency=loan.currency, grade=loan.grade,
        term_months=loan.term_months, annual_rate=loan.borrower_rate,
        investor_rate=loan.funder_rate, note_size=product.note_size,
        min_investment=product.min_investment,
        max_per_investor=int(product.max_investor_share * loan.principal),
        borrower_debt_by_funder={str(h): int(s) for h, s in exposure.all()},
        loan_share_by_funder={str(h): int(s) for h, s in shares.all()},
    )  # fmt: skip


async def bank_offer_sources(
    session: AsyncSession, *, loan: Loan, now: datetime
) -> list[BankOffer]:
    """Open offers that accept the loan's currency, grade and term, with room left.

    A listing reads every open offer, so they come as plain tuples, grades as one string
    (SQLAlchemy's per-element array processing cost more than the rest of the row), and
    equal grade sets and bank ids are built once: the first version, ORM objects, took more
    of a listing's CPU than anything else it did."""
    rows = await (await session.connection()).execute(_open_offers(loan, now))
    return _offers(rows)


async def lock_offers(
    session: AsyncSession, *, loan: Loan, now: datetime, offer_ids: Iterable[str]
) -> dict[str, BankOffer]:
    """The offers among `offer_ids` still open to the loan, locked FOR UPDATE in id order
    (so listings never deadlock) until the transaction ends, as they stand now."""
    ids = sorted(UUID(offer_id) for offer_id in offer_ids)
    query = _open_offers(loan, now).where(OFFERS.c.id.in_(ids)).order_by(OFFERS.c.id)
    rows = await (await session.connection()).execute(query.with_for_update())
    return {offer.offer_id: offer for offer in _offers(rows)}


def _open_offers(loan: Loan, now: datetime) -> Select[Any]:
    o = OFFERS.c
    return sa.select(
        o.id, o.bank_id, o.currency, o.capacity - o.committed,
        sa.func.array_to_string(o.grades, _GRADES_SEPARATOR), o.min_term_months,
        o.max_term_months, o.min_amount, o.max_amount, o.created_at, o.rate_floor, o.spread,
        o.per_borrower_cap, o.expires_at,
    ).where(
        o.status == "OPEN",
        o.currency == loan.currency,
        or_(o.expires_at.is_(None), o.expires_at > now),
        o.committed < o.capacity,
        sa.literal(loan.grade) == any_(o.grades),
        o.min_term_months <= loan.term_months,
        o.max_term_months >= loan.term_months,
        o.bank_id != loan.borrower_id,
    )  # fmt: skip


_GRADES_SEPARATOR = ","  # grades are short codes ("A".."E"), never containing it


def _offers(rows: Iterable[tuple[Any, ...]]) -> list[BankOffer]:
    grade_sets: dict[str, frozenset[str]] = {}
    banks: dict[UUID, str] = {}
    offers = []
    for (offer_id, bank, currency, room, grades, min_term, max_term, min_amount, max_amount,
         created_at, rate_floor, spread, cap, expires_at) in rows:  # fmt: skip
        grade_set = grade_sets.get(grades)
        if grade_set is None:
            grade_set = grade_sets[grades] = frozenset(grades.split(_GRADES_SEPARATOR))
        funder = banks.get(bank) or banks.setdefault(bank, str(bank))
        offers.append(
            BankOffer(str(offer_id), funder, currency, room, grade_set, min_term, max_term,
                      min_amount, max_amount, created_at, rate_floor, spread, cap, expires_at)
        )  # fmt: skip
    return offers


async def auto_invest_sources(
    session: AsyncSession, *, loan: Loan, now: datetime
) -> list[AutoInvestRule]:
    """Active rules that accept the loan, each with what is left of today's budget and of
    its investor's wallet."""
    rules = (
        await session.exec(
            select(AutoInvestRuleRow).where(
                col(AutoInvestRuleRow.active),
                col(AutoInvestRuleRow.currency) == loan.currency,
                loan.grade == any_(col(AutoInvestRuleRow.grades)),
                col(AutoInvestRuleRow.min_term_months) <= loan.term_months,
                col(AutoInvestRuleRow.max_term_months) >= loan.term_months,
                col(AutoInvestRuleRow.min_rate) <= loan.funder_rate,
                col(AutoInvestRuleRow.investor_id) != loan.borrower_id,
            )
        )
    ).all()
    if not rules:
        return []
    spent = await _spent_today(session, [r.id for r in rules], now)
    available = await _wallets_available(session, {r.investor_id for r in rules}, loan.currency)
    return [
        AutoInvestRule(
            rule_id=str(r.id),
            investor_id=str(r.investor_id),
            currency=r.currency,
            grades=frozenset(r.grades),
            min_term=r.min_term_months,
            max_term=r.max_term_months,
            min_rate=r.min_rate,
            max_per_loan=r.max_per_loan,
            budget_remaining=max(
                0, min(r.daily_budget - spent.get(r.id, 0), available.get(r.investor_id, 0))
            ),
            created_at=r.created_at,
        )
        for r in rules
    ]


async def _spent_today(
    session: AsyncSession, rule_ids: list[UUID], now: datetime
) -> dict[UUID, int]:
    midnight = datetime.combine(now.date(), time(), tzinfo=now.tzinfo)
    rows = await session.exec(
        select(LoanNote.source_id, func.sum(LoanNote.principal))
        .where(
            col(LoanNote.source_id).in_(rule_ids),
            col(LoanNote.created_at) >= midnight,
            col(LoanNote.status) != NoteStatus.RELEASED.value,
        )
        .group_by(col(LoanNote.source_id))
    )
    return {source: int(total) for source, total in rows.all() if source is not None}


async def _wallets_available(
    session: AsyncSession, owners: set[UUID], currency: str
) -> dict[UUID, int]:
    rows = await (await session.connection()).execute(
        select(
            ACCOUNTS.c.owner_id,
            ACCOUNTS.c.credits_posted - ACCOUNTS.c.debits_posted - ACCOUNTS.c.debits_pending,
        ).where(
            ACCOUNTS.c.kind == AccountKind.WALLET.value,
            ACCOUNTS.c.currency == currency,
            ACCOUNTS.c.owner_id.in_(owners),
        )
    )
    return {owner: int(available) for owner, available in rows}
