"""What the matching engine reads: the loan's open part, and the offers and rules that might
fund it, with capacity, budgets and exposures as they stand (net of holds).

The reads leave out, in SQL, the open offers and active rules that cannot take the loan at
all (currency, grade, term, expiry, room, rate); `screened_sources` counts those by reason,
with the same conditions, so an explanation accounts for every source without the engine
building an object for each refusal. A listing whose sources the process's index chose
counts them from the index instead (SourceCache.screened: no scan of every source); this
scan serves when the tables chose, and tests hold the index's counts to it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, time
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy import ColumnElement, Select, any_, func, or_
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.ledger.account_kinds import AccountKind
from domain.ledger.services.posting import ACCOUNTS
from domain.lending.funding_terms import OfferKind
from domain.lending.states import NoteStatus
from domain.lending.tables import (
    AutoInvestRuleRow,
    BankFundingOffer,
    Loan,
    LoanNote,
    LoanProductRow,
)
from domain.matching.outcome import DecisionCode
from domain.matching.sources import AutoInvestRule, BankOffer, LoanToFund

OFFERS = BankFundingOffer.__table__  # type: ignore[attr-defined]
LIVE_NOTES = (NoteStatus.HELD.value, NoteStatus.ACTIVE.value)


NOTES = LoanNote.__table__  # type: ignore[attr-defined]
LOANS = Loan.__table__  # type: ignore[attr-defined]


# Every holder's share of the loan (`loan_id`), and what each bank is owed by its borrower
# (`borrower_id`), over the borrower's live notes, the loan's among them.
_HOLDINGS = (
    sa.select(
        NOTES.c.holder_id,
        func.sum(NOTES.c.principal).filter(NOTES.c.loan_id == sa.bindparam("loan_id")),
        func.sum(NOTES.c.principal - NOTES.c.principal_received).filter(
            NOTES.c.funder_kind == "BANK"
        ),
    )
    .join(LOANS, LOANS.c.id == NOTES.c.loan_id)
    .where(LOANS.c.borrower_id == sa.bindparam("borrower_id"), NOTES.c.status.in_(LIVE_NOTES))
    .group_by(NOTES.c.holder_id)
)


async def loan_to_fund(session: AsyncSession, *, loan: Loan, product: LoanProductRow) -> LoanToFund:
    """The loan's open part, with what each holder already has of it and what each bank is
    owed by its borrower: one statement, plain rows."""
    rows = await (await session.connection()).execute(
        _HOLDINGS, {"loan_id": loan.id, "borrower_id": loan.borrower_id}
    )
    shares, exposure = {}, {}
    for holder, share, owed in rows:
        if share is not None:
            shares[str(holder)] = int(share)
        if owed is not None:
            exposure[str(holder)] = int(owed)
    return LoanToFund(
        loan_id=str(loan.id),
        borrower_id=str(loan.borrower_id),
        amount=loan.principal - loan.committed,
        currency=loan.currency,
        grade=loan.grade,
        term_months=loan.term_months,
        annual_rate=loan.borrower_rate,
        investor_rate=loan.funder_rate,
        note_size=product.note_size,
        min_investment=product.min_investment,
        max_per_investor=int(product.max_investor_share * loan.principal),
        borrower_debt_by_funder=exposure,
        loan_share_by_funder=shares,
    )


async def bank_offer_sources(
    session: AsyncSession, *, loan: Loan, now: datetime
) -> list[BankOffer]:
    """Open offers that accept the loan's currency, grade and term, with room left.

    A listing reads every open offer, so they come as plain tuples, grades as one string
    (SQLAlchemy's per-element array processing cost more than the rest of the row), and
    equal grade sets and bank ids are built once: the first version, ORM objects, took more
    of a listing's CPU than anything else it did."""
    rows = await (await session.connection()).execute(_open_offers(loan, now))
    return offers_of(rows)


async def lock_offers(
    session: AsyncSession, *, loan: Loan, now: datetime, offer_ids: Iterable[str]
) -> dict[str, BankOffer]:
    """The offers among `offer_ids` still open to the loan, locked FOR UPDATE in id order
    (so listings never deadlock) until the transaction ends, as they stand now."""
    ids = sorted(UUID(offer_id) for offer_id in offer_ids)
    query = _open_offers(loan, now).where(OFFERS.c.id.in_(ids)).order_by(OFFERS.c.id)
    rows = await (await session.connection()).execute(query.with_for_update())
    return {offer.offer_id: offer for offer in offers_of(rows)}


_Screens = list[tuple[DecisionCode, ColumnElement[bool]]]


def _offer_sources(loan: Loan) -> ColumnElement[bool]:
    """The bank offers that are sources for the loan at all: open, and not the borrower's."""
    return sa.and_(
        OFFERS.c.status == "OPEN",
        OFFERS.c.kind == OfferKind.LOAN.value,
        OFFERS.c.bank_id != loan.borrower_id,
    )


def _offer_screens(loan: Loan, now: datetime) -> _Screens:
    """What an offer must meet to be read for the loan, each with the engine's code for
    failing it, in the engine's order."""
    o = OFFERS.c
    return [
        (DecisionCode.CURRENCY_MISMATCH, o.currency == loan.currency),
        (DecisionCode.GRADE_NOT_ACCEPTED, sa.literal(loan.grade) == any_(o.grades)),
        (
            DecisionCode.TERM_OUT_OF_RANGE,
            sa.and_(o.min_term_months <= loan.term_months, o.max_term_months >= loan.term_months),
        ),
        (DecisionCode.EXPIRED, or_(o.expires_at.is_(None), o.expires_at > now)),
        (DecisionCode.NO_CAPACITY, o.committed < o.capacity),
    ]


# What `offers_of` makes a BankOffer of, in its order.
OFFER_COLUMNS = (
    OFFERS.c.id,
    OFFERS.c.bank_id,
    OFFERS.c.currency,
    OFFERS.c.capacity - OFFERS.c.committed,
    sa.func.array_to_string(OFFERS.c.grades, ","),
    OFFERS.c.min_term_months,
    OFFERS.c.max_term_months,
    OFFERS.c.min_amount,
    OFFERS.c.max_amount,
    OFFERS.c.created_at,
    OFFERS.c.rate_floor,
    OFFERS.c.spread,
    OFFERS.c.per_borrower_cap,
    OFFERS.c.expires_at,
)


def _open_offers(loan: Loan, now: datetime) -> Select[Any]:
    return sa.select(*OFFER_COLUMNS).where(
        _offer_sources(loan), *(meets for _, meets in _offer_screens(loan, now))
    )


RULES = AutoInvestRuleRow.__table__  # type: ignore[attr-defined]


def _rule_sources(loan: Loan) -> ColumnElement[bool]:
    """The auto-invest rules that are sources for the loan at all: active, not the borrower's."""
    return sa.and_(RULES.c.active, RULES.c.investor_id != loan.borrower_id)


def _rule_screens(loan: Loan) -> _Screens:
    r = RULES.c
    return [
        (DecisionCode.CURRENCY_MISMATCH, r.currency == loan.currency),
        (DecisionCode.GRADE_NOT_ACCEPTED, sa.literal(loan.grade) == any_(r.grades)),
        (
            DecisionCode.TERM_OUT_OF_RANGE,
            sa.and_(r.min_term_months <= loan.term_months, r.max_term_months >= loan.term_months),
        ),
        (DecisionCode.RATE_TOO_LOW, r.min_rate <= loan.funder_rate),
    ]


def _screened(table: sa.Table, sources: ColumnElement[bool], screens: _Screens) -> Select[Any]:
    """Every source under the first screen it fails, or READ if it meets them all."""
    reason = sa.case(*((~meets, code.value) for code, meets in screens), else_=_READ)
    return sa.select(reason.label("reason")).select_from(table).where(sources)


_READ = "READ"  # the reason of a source that meets every screen: the reads above return it


async def screened_sources(
    session: AsyncSession, *, loan: Loan, now: datetime, offers: bool, rules: bool
) -> tuple[dict[DecisionCode, int], int]:
    """How many open offers (if `offers`) and active rules (if `rules`) the reads above left
    out because they cannot take the loan at all, by the engine's code, and how many they
    return; one statement."""
    parts = (
        [_screened(OFFERS, _offer_sources(loan), _offer_screens(loan, now))] if offers else []
    ) + ([_screened(RULES, _rule_sources(loan), _rule_screens(loan))] if rules else [])
    if not parts:
        return {}, 0
    screened = sa.union_all(*parts).subquery()
    rows = await (await session.connection()).execute(
        sa.select(screened.c.reason, func.count()).group_by(screened.c.reason)
    )
    counts = {reason: int(count) for reason, count in rows}
    readable = counts.pop(_READ, 0)
    return {DecisionCode(reason): count for reason, count in counts.items()}, readable


_GRADES_SEPARATOR = ","  # grades are short codes ("A".."E"), never containing it (OFFER_COLUMNS)


def offers_of(rows: Iterable[Sequence[Any]]) -> list[BankOffer]:
    """BankOffers of rows of OFFER_COLUMNS (the first 14 columns of each row)."""
    grade_sets: dict[str, frozenset[str]] = {}
    banks: dict[UUID, str] = {}
    offers = []
    for (
        offer_id,
        bank,
        currency,
        room,
        grades,
        min_term,
        max_term,
        min_amount,
        max_amount,
        created_at,
        rate_floor,
        spread,
        cap,
        expires_at,
    ) in (row[:14] for row in rows):
        grade_set = grade_sets.get(grades)
        if grade_set is None:
            grade_set = grade_sets[grades] = frozenset(grades.split(_GRADES_SEPARATOR))
        funder = banks.get(bank) or banks.setdefault(bank, str(bank))
        offers.append(
            BankOffer(
                str(offer_id),
                funder,
                currency,
                room,
                grade_set,
                min_term,
                max_term,
                min_amount,
                max_amount,
                created_at,
                rate_floor,
                spread,
                cap,
                expires_at,
            )
        )
    return offers


async def auto_invest_sources(
    session: AsyncSession, *, loan: Loan, now: datetime
) -> list[AutoInvestRule]:
    """Active rules that accept the loan, each with what is left of today's budget and of
    its investor's wallet."""
    rules = (
        await session.exec(
            select(AutoInvestRuleRow).where(
                _rule_sources(loan), *(meets for _, meets in _rule_screens(loan))
            )
        )
    ).all()
    if not rules:
        return []
    budgets = await rule_budgets(
        session, [(r.id, r.investor_id, r.currency, r.daily_budget) for r in rules], now
    )
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
            budget_remaining=budgets[r.id],
            created_at=r.created_at,
        )
        for r in rules
    ]


async def rule_budgets(
    session: AsyncSession, rules: list[tuple[UUID, UUID, str, int]], now: datetime
) -> dict[UUID, int]:
    """What each (rule id, investor, currency, daily budget) may still spend: what is left of
    today's budget, and at most what its investor's wallet holds."""
    if not rules:
        return {}
    spent = await _spent_today(session, [rule_id for rule_id, *_ in rules], now)
    available: dict[tuple[UUID, str], int] = {}
    for currency in {currency for *_, currency, _ in rules}:
        owners = {investor for _, investor, c, _ in rules if c == currency}
        for owner, amount in (await _wallets_available(session, owners, currency)).items():
            available[owner, currency] = amount
    return {
        rule_id: max(0, min(daily - spent.get(rule_id, 0), available.get((investor, cur), 0)))
        for rule_id, investor, cur, daily in rules
    }


async def _spent_today(
    session: AsyncSession, rule_ids: list[UUID], now: datetime
) -> dict[UUID, int]:
    midnight = datetime.combine(now.date(), time(), tzinfo=now.tzinfo)
    rows = await (await session.connection()).execute(  # Core: rows, not the ORM's path
        sa.select(NOTES.c.source_id, func.sum(NOTES.c.principal))
        .where(
            NOTES.c.source_id.in_(rule_ids),
            NOTES.c.created_at >= midnight,
            NOTES.c.status != NoteStatus.RELEASED.value,
        )
        .group_by(NOTES.c.source_id)
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
