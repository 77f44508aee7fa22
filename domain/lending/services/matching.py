"""Matching a listed loan against open bank offers and auto-invest rules.

The pure engine (domain/matching) chooses fills from a snapshot read without locks. Investors'
fills are committed first (each in a savepoint: a wallet spent since the snapshot is
skipped). Then only the bank offers the engine chose are locked, in id order, and checked
against the snapshot: if another listing used their room or the bank changed them, the
locks are given back and the rest of the loan is matched again on a fresh read (a few
times; the last try matches against the locked offers alone, which nobody can change
meanwhile). So no offer is ever over-committed whatever other listings or processes do (the
table's CHECK agrees), and the offers' rows, which every listing wants, stay locked only
for the few statements that commit the banks' money. The loan's row is locked by the caller
first: the order is always loan, then offers by id.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import bindparam, update
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.errors import DomainError
from domain.events.rows import payload_row
from domain.events.services.outbox import record_events
from domain.lending.events import LoanMatchCreated
from domain.lending.services.accounts import (
    bank_funding,
    loan_escrow,
    loan_receivable,
    platform_book_account,
)
from domain.lending.services.commitments import Commitment, commit_all, commit_funds
from domain.lending.services.match_sources import (
    auto_invest_sources,
    bank_offer_sources,
    loan_to_fund,
    lock_offers,
    screened_sources,
)
from domain.lending.services.open_sources import SourceCache, cache_of, indexed_sources
from domain.lending.services.platform_book import (
    PLATFORM,
    book_source,
    lock_book,
    platform_participant,
)
from domain.lending.states import LoanState
from domain.lending.tables import BankFundingOffer, Loan, LoanMatch, LoanNote, LoanProductRow
from domain.matching.engine import match_loan
from domain.matching.outcome import Decision, DecisionCode, Fill, MatchResult
from domain.matching.sources import (
    AutoInvestRule,
    BankOffer,
    LoanToFund,
    PlatformBook,
    SourceKind,
)
from domain.wallets.services.accounts import wallet_account

OFFERS = BankFundingOffer.__table__  # type: ignore[attr-defined]
_ATTEMPTS = 3  # matches against a fresh read before settling for the locked offers
_RAISE_COMMITTED = (
    update(OFFERS)
    .where(OFFERS.c.id == bindparam("offer_id"))
    .values(committed=OFFERS.c.committed + bindparam("amount"))
)


async def match_listing(
    session: AsyncSession, *, loan: Loan, product: LoanProductRow, now: datetime
) -> list[LoanMatch]:
    """Fund what the engine finds for the locked, listed `loan`; the persisted matches."""
    channels = set(product.funding_channels)
    banks, investors = "BANK_OFFERS" in channels, "INVESTOR_NOTES" in channels
    book = (
        await book_source(session, currency=loan.currency) if "PLATFORM_BOOK" in channels else None
    )
    target = await loan_to_fund(session, loan=loan, product=product)
    offers, rules, index = await _sources(session, loan, target, now, banks, investors)
    if not offers and not rules and book is None:
        return []
    result = match_loan(
        target, offers, rules, now=now, reference_rate=loan.borrower_rate, platform_book=book
    )
    screened: dict[DecisionCode, int] = {}
    unread = 0
    if result.fills:  # only matches keep an explanation
        if index is not None:  # counted as the walk left the index: no await since
            screened, readable = index.screened(loan, target, now, banks, investors)
        else:
            screened, readable = await screened_sources(
                session, loan=loan, now=now, offers=banks, rules=investors
            )
        unread = readable - _sources_read(result)
    matches = []
    why = _explanations(result, screened, unread)
    for fill in result.fills:
        if fill.kind is SourceKind.AUTO_INVEST and loan.state == LoanState.LISTED.value:
            match = await _investor_fill(session, loan=loan, fill=fill, why=why, now=now)
            if match is not None:
                matches.append(match)
    if any(fill.kind is not SourceKind.AUTO_INVEST for fill in result.fills):
        matches += await _bank_and_book_fills(
            session,
            loan=loan,
            product=product,
            offers=offers,
            book=book,
            result=result,
            screened=screened,
            unread=unread,
            now=now,
        )
    await session.flush()
    await record_events(session, [_event(loan, match, now) for match in matches])
    return matches


async def _sources(
    session: AsyncSession,
    loan: Loan,
    target: LoanToFund,
    now: datetime,
    banks: bool,
    investors: bool,
) -> tuple[list[BankOffer], list[AutoInvestRule], SourceCache | None]:
    """The sources the engine must see to match the loan as over every open one: from the
    process's index, checked against the tables, with the index that chose them (it counts
    the sources screened out for the explanation); from the tables when the index kept
    being wrong (open_sources.py), with None."""
    if not banks and not investors:
        return [], [], None
    cache = await cache_of(session)
    found = await indexed_sources(
        session, loan=loan, target=target, now=now, offers=banks, rules=investors, cache=cache
    )
    if found is not None:
        return *found, cache
    offers = await bank_offer_sources(session, loan=loan, now=now) if banks else []
    rules = await auto_invest_sources(session, loan=loan, now=now) if investors else []
    return offers, rules, None


def _sources_read(result: MatchResult) -> int:
    return sum(1 for d in result.decisions if d.kind is not SourceKind.PLATFORM_BOOK)


async def _investor_fill(
    session: AsyncSession,
    *,
    loan: Loan,
    fill: Fill,
    why: dict[str, dict[str, Any]],
    now: datetime,
) -> LoanMatch | None:
    """Commit one investor's fill; None if their wallet no longer holds it."""
    investor_id = UUID(fill.funder_id)
    account = await wallet_account(session, owner_id=investor_id, currency=loan.currency, now=now)
    try:
        async with session.begin_nested():
            note = await commit_funds(
                session,
                loan=loan,
                funder_id=investor_id,
                funder_kind="INVESTOR",
                from_account=account,
                amount=fill.amount,
                annual_rate=fill.annual_rate,
                now=now,
                source_id=UUID(fill.source_id),
            )
    except DomainError:
        return None
    match = _match(loan, fill, note, why[fill.source_id], now)
    session.add(match)
    return match


async def _bank_and_book_fills(
    session: AsyncSession,
    *,
    loan: Loan,
    product: LoanProductRow,
    offers: list[BankOffer],
    book: PlatformBook | None,
    result: MatchResult,
    screened: dict[DecisionCode, int],
    unread: int,
    now: datetime,
) -> list[LoanMatch]:
    """Lock the chosen offers and check them, then the platform book; commit the banks' and
    the book's money in one posting."""
    if loan.state != LoanState.LISTED.value:
        return []
    accounts = await _open_accounts(session, loan, result, book, now)
    for attempt in range(1, _ATTEMPTS + 1):
        fills = [fill for fill in result.fills if fill.kind is SourceKind.BANK_OFFER]
        for bank in {fill.funder_id for fill in fills} - accounts.keys():  # before locking
            accounts[bank] = await bank_funding(
                session, bank_id=UUID(bank), currency=loan.currency, now=now
            )
        if not fills:
            break
        savepoint = await session.begin_nested()
        locked = await lock_offers(
            session, loan=loan, now=now, offer_ids={f.source_id for f in fills}
        )
        if _as_read(fills, {o.offer_id: o for o in offers}, locked):
            await savepoint.commit()
            break
        unread = 0  # a match again explains itself over what it read
        if attempt == _ATTEMPTS:  # the locked offers alone: they cannot change under us
            await savepoint.commit()
            result = await _rematch(session, loan, product, list(locked.values()), book, now)
            continue  # the engine's choice among locked offers needs no check
        await savepoint.rollback()  # gives the locks back: the next read locks in id order again
        offers = await bank_offer_sources(session, loan=loan, now=now)
        result = await _rematch(session, loan, product, offers, book, now)
    why = _explanations(result, screened, unread)
    fills = await _within_book(session, loan, result, why)
    if not fills:
        return []
    notes = await commit_all(
        session,
        loan=loan,
        now=now,
        commitments=[
            Commitment(
                UUID(f.funder_id),
                _FUNDER_KIND[f.kind],
                accounts[f.funder_id],
                f.amount,
                f.annual_rate,
                UUID(f.source_id),
            )
            for f in fills
        ],
    )
    from_offers = [f for f in fills if f.kind is SourceKind.BANK_OFFER]
    if from_offers:
        await (await session.connection()).execute(
            _RAISE_COMMITTED,
            [{"offer_id": UUID(f.source_id), "amount": f.amount} for f in from_offers],
        )
    matches = [
        _match(loan, fill, note, why[fill.source_id], now)
        for fill, note in zip(fills, notes, strict=True)
    ]
    session.add_all(matches)
    return matches


_FUNDER_KIND = {SourceKind.BANK_OFFER: "BANK", SourceKind.PLATFORM_BOOK: PLATFORM}


async def _within_book(
    session: AsyncSession, loan: Loan, result: MatchResult, why: dict[str, dict[str, Any]]
) -> list[Fill]:
    """The banks' fills, and the book's as far as the book, locked now, can still lend (it is
    last in line: taking less of it changes nobody else's fill)."""
    fills = [fill for fill in result.fills if fill.kind is not SourceKind.AUTO_INVEST]
    book_fill = next((f for f in fills if f.kind is SourceKind.PLATFORM_BOOK), None)
    if book_fill is None:
        return fills
    book = await lock_book(session, currency=loan.currency)
    room = 0 if book is None else book.capacity
    if book is not None and book.max_per_loan is not None:
        room = min(room, book.max_per_loan)
    taken = min(book_fill.amount, room)
    why[book_fill.source_id]["taken"] = taken
    fills.remove(book_fill)
    return [*fills, replace(book_fill, amount=taken)] if taken > 0 else fills


async def _open_accounts(
    session: AsyncSession,
    loan: Loan,
    result: MatchResult,
    book: PlatformBook | None,
    now: datetime,
) -> dict[str, int]:
    """Create the loan's ledger accounts before the offers are locked, not while they are:
    its escrow, what disbursement pays through if this match funds it, and the platform
    book's (and the platform as its notes' holder) if it may lend (a match again after a
    conflict may ask it for more); the funders' accounts by funder."""
    await loan_escrow(session, loan_id=loan.id, currency=loan.currency, now=now)
    if loan.committed + sum(f.amount for f in result.fills) == loan.principal:
        await loan_receivable(session, loan_id=loan.id, currency=loan.currency, now=now)
        await wallet_account(session, owner_id=loan.borrower_id, currency=loan.currency, now=now)
    if book is None:
        return {}
    platform = await platform_participant(session, now=now)
    account = await platform_book_account(session, currency=loan.currency, now=now)
    return {str(platform): account}


def _as_read(fills: list[Fill], read: dict[str, BankOffer], locked: dict[str, BankOffer]) -> bool:
    """Every chosen offer is still open to the loan, on the terms read, with the room taken."""
    for fill in fills:
        current = locked.get(fill.source_id)
        if current is None or current.capacity < fill.amount:
            return False
        if replace(current, capacity=0) != replace(read[fill.source_id], capacity=0):
            return False
    return True


async def _rematch(
    session: AsyncSession,
    loan: Loan,
    product: LoanProductRow,
    offers: list[BankOffer],
    book: PlatformBook | None,
    now: datetime,
) -> MatchResult:
    """What is left of the loan, matched again against bank offers and the platform book
    (investors had their turn)."""
    target = await loan_to_fund(session, loan=loan, product=product)
    return match_loan(
        target, offers, [], now=now, reference_rate=loan.borrower_rate, platform_book=book
    )


def _match(loan: Loan, fill: Fill, note: LoanNote, why: dict[str, Any], now: datetime) -> LoanMatch:
    return LoanMatch(
        loan_id=loan.id,
        source_kind=fill.kind.value,
        source_id=UUID(fill.source_id),
        funder_id=UUID(fill.funder_id),
        amount=fill.amount,
        annual_rate=fill.annual_rate,
        note_id=note.id,
        explanation=why,
        created_at=now,
    )


def _explanations(
    result: MatchResult, screened: dict[DecisionCode, int], unread: int
) -> dict[str, dict[str, Any]]:
    """Why each filled source was taken, and how many sources were passed over and why: those
    the engine read and refused, and those the reads `screened` out (they cannot take the
    loan at all); counted once per match, which may pass over thousands.

    `unread`: the sources the tables would have given the engine that it was not given (the
    index gave it only those it needs). Past the fill they are unread; when the sources did
    not fill the loan they are those asking more than it pays, which the engine would have
    read and refused, all before the platform book."""
    passed_over = Counter({code.value: n for code, n in screened.items()})
    for code, n in result.passed_over().items():
        passed_over[code.value] += n
    exhausted = result.unfilled > 0 or len(result.decisions) > _sources_read(result)
    if exhausted and unread:
        passed_over[DecisionCode.RATE_TOO_LOW.value] += unread
    not_considered = result.not_considered + (0 if exhausted else unread)
    ranks = {d.source_id: n for n, d in enumerate(result.decisions, 1) if d.amount}
    if exhausted:
        ranks.update(
            {d.source_id: ranks[d.source_id] + unread for d in result.decisions if _booked(d)}
        )
    return {
        fill.source_id: {
            "rule": "best price, then time priority",
            "rank": ranks[fill.source_id],
            "asking_rate": str(fill.annual_rate),
            "chosen": fill.amount,
            "taken": fill.amount,
            "passed_over": dict(sorted(passed_over.items())),
            "not_considered": not_considered,
            "unfilled": result.unfilled,
        }
        for fill in result.fills
    }


def _booked(decision: Decision) -> bool:
    return decision.kind is SourceKind.PLATFORM_BOOK and decision.amount > 0


def _event(loan: Loan, match: LoanMatch, now: datetime) -> dict[str, Any]:
    created = LoanMatchCreated(
        loan_id=str(loan.id),
        match_id=str(match.id),
        source_kind=match.source_kind,
        amount=match.amount,
        currency=loan.currency,
        annual_rate=str(match.annual_rate),
    )
    return payload_row(
        created,
        aggregate_id=loan.id,
        audience=[loan.borrower_id, match.funder_id],
        occurred_at=now,
    )
