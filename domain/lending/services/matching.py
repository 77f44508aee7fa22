"""Matching a listed loan against open bank offers and auto-invest rules.

The pure engine (domain/matching) chooses fills from a snapshot; here the chosen offers are
then locked in id order and each fill is clipped to the room its offer has left, so an offer
is never over-committed whatever other listings run at once (the table's CHECK agrees). The
loan's row is locked by the caller first: the order is always loan, then offers by id.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import update
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.errors import DomainError
from domain.events.catalog import EventType
from domain.events.rows import event_row
from domain.events.services.outbox import record_events
from domain.lending.services.accounts import bank_funding
from domain.lending.services.commitments import commit_funds
from domain.lending.services.match_sources import (
    auto_invest_sources,
    bank_offer_sources,
    loan_to_fund,
)
from domain.lending.states import LoanState
from domain.lending.tables import BankFundingOffer, Loan, LoanMatch, LoanProductRow
from domain.matching.engine import match_loan
from domain.matching.outcome import Fill, MatchResult
from domain.matching.sources import SourceKind
from domain.wallets.services.accounts import wallet_account

OFFERS = BankFundingOffer.__table__  # type: ignore[attr-defined]


async def match_listing(
    session: AsyncSession, *, loan: Loan, product: LoanProductRow, now: datetime
) -> list[LoanMatch]:
    """Fund what the engine finds for the locked, listed `loan`; the persisted matches."""
    channels = set(product.funding_channels)
    offers = (
        await bank_offer_sources(session, loan=loan, now=now) if "BANK_OFFERS" in channels else []
    )
    rules = (
        await auto_invest_sources(session, loan=loan, now=now)
        if "INVESTOR_NOTES" in channels
        else []
    )
    if not offers and not rules:
        return []
    target = await loan_to_fund(session, loan=loan, product=product)
    result = match_loan(target, offers, rules, now=now, reference_rate=loan.borrower_rate)
    room = await _lock_offers(session, [f for f in result.fills if f.kind is SourceKind.BANK_OFFER])
    matches = []
    for fill in result.fills:
        if loan.state != LoanState.LISTED.value:
            break
        match = await _take(session, loan=loan, fill=fill, room=room, result=result, now=now)
        if match is not None:
            matches.append(match)
    await record_events(session, [_event(loan, match, now) for match in matches])
    return matches


async def _lock_offers(session: AsyncSession, fills: list[Fill]) -> dict[str, int]:
    """Lock the offers the engine chose, in id order; the room each has left now."""
    if not fills:
        return {}
    ids = sorted({UUID(fill.source_id) for fill in fills})
    rows = await (await session.connection()).execute(
        select(OFFERS.c.id, OFFERS.c.capacity, OFFERS.c.committed, OFFERS.c.status)
        .where(OFFERS.c.id.in_(ids))
        .order_by(OFFERS.c.id)
        .with_for_update()
    )
    return {
        str(row.id): (row.capacity - row.committed if row.status == "OPEN" else 0) for row in rows
    }


async def _take(
    session: AsyncSession,
    *,
    loan: Loan,
    fill: Fill,
    room: dict[str, int],
    result: MatchResult,
    now: datetime,
) -> LoanMatch | None:
    """Commit one fill (clipped to its offer's room); None if nothing could be taken."""
    funder_id, source_id = UUID(fill.funder_id), UUID(fill.source_id)
    amount = fill.amount
    if fill.kind is SourceKind.BANK_OFFER:
        amount = min(amount, room.get(fill.source_id, 0))
        if amount <= 0:
            return None
        account = await bank_funding(session, bank_id=funder_id, currency=loan.currency, now=now)
    else:
        account = await wallet_account(session, owner_id=funder_id, currency=loan.currency,
                                       now=now)  # fmt: skip
    try:
        async with session.begin_nested():  # a wallet spent since the snapshot: skip it
            note = await commit_funds(
                session, loan=loan, funder_id=funder_id,
                funder_kind="BANK" if fill.kind is SourceKind.BANK_OFFER else "INVESTOR",
                from_account=account, amount=amount, annual_rate=fill.annual_rate, now=now,
                source_id=source_id,
            )  # fmt: skip
    except DomainError:
        return None
    if fill.kind is SourceKind.BANK_OFFER:
        room[fill.source_id] -= amount
        await (await session.connection()).execute(
            update(OFFERS)
            .where(OFFERS.c.id == source_id)
            .values(committed=OFFERS.c.committed + amount)
        )
    match = LoanMatch(
        loan_id=loan.id, source_kind=fill.kind.value, source_id=source_id, funder_id=funder_id,
        amount=amount, annual_rate=fill.annual_rate, note_id=note.id,
        explanation=_explanation(result, fill, amount), created_at=now,
    )  # fmt: skip
    session.add(match)
    await session.flush()
    return match


def _explanation(result: MatchResult, fill: Fill, amount: int) -> dict[str, Any]:
    """Why this source was taken, and how many sources the engine passed over and why."""
    passed_over = Counter(d.code.value for d in result.decisions if d.code.value != "TAKEN")
    return {
        "rule": "best price, then time priority",
        "rank": next(n for n, d in enumerate(result.decisions, 1) if d.source_id == fill.source_id),
        "asking_rate": str(fill.annual_rate),
        "chosen": fill.amount,
        "taken": amount,  # less when a concurrent listing used the offer's room first
        "passed_over": dict(sorted(passed_over.items())),
        "not_considered": result.not_considered,
        "unfilled": result.unfilled,
    }


def _event(loan: Loan, match: LoanMatch, now: datetime) -> dict[str, Any]:
    return event_row(
        EventType.MATCH_CREATED, aggregate_type="Loan", aggregate_id=loan.id,
        audience=[loan.borrower_id, match.funder_id],
        payload={"loan_id": str(loan.id), "match_id": str(match.id),
                 "source_kind": match.source_kind, "amount": match.amount,
                 "currency": loan.currency, "annual_rate": str(match.annual_rate)},
        occurred_at=now,
    )  # fmt: skip
