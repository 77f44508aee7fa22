"""The platform's own lending book: the operator sets, per currency, how much of the platform's
money it may have lent at once and its most in one loan; listings of products that accept
the PLATFORM_BOOK channel take from it what every bank offer and investor left.

Its notes are held by one participant, the platform itself (a fixed id, created on first
use: notes and matches name a participant), and its money moves through a PLATFORM_BOOK
ledger account as a bank's moves through its funding account: held into the loan's escrow,
captured on funding, repaid by the borrower like any funder's. What it has lent is not a
counter anyone must keep: it is the principal its live notes still hold, so repayments and
released holds give the capacity back by themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import Select, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.actors import Actor
from domain.audit.service import Outcome, record
from domain.clock import Clock
from domain.errors import InvalidInput
from domain.lending.errors import PlatformBookFull
from domain.lending.states import NoteStatus
from domain.lending.tables import Loan, LoanNote, PlatformBookRow
from domain.matching.sources import PlatformBook
from domain.money import currency_of
from domain.participants.credentials import ParticipantKind
from domain.participants.tables import Participant

PLATFORM_ID = UUID("a9012a00-0000-4000-8000-000000000001")  # the platform, as note holder
PLATFORM = "PLATFORM"  # its notes' funder_kind
BOOKS = PlatformBookRow.__table__  # type: ignore[attr-defined]
NOTES = LoanNote.__table__  # type: ignore[attr-defined]
LOANS = Loan.__table__  # type: ignore[attr-defined]
PARTICIPANTS = Participant.__table__  # type: ignore[attr-defined]
_NO_HASH = "!"  # not an argon2 hash: no password verifies against it
_LIVE = (NoteStatus.HELD.value, NoteStatus.ACTIVE.value)


@dataclass(frozen=True, slots=True)
class PlatformBookView:
    currency: str
    capacity: int
    max_per_loan: int | None
    outstanding: int  # principal its live notes hold
    updated_at: datetime

    @property
    def available(self) -> int:
        return max(0, self.capacity - self.outstanding)


async def set_platform_book(
    *,
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    currency: str,
    capacity: int,
    max_per_loan: int | None,
) -> PlatformBookView:
    """Operators: how much the book may have lent in `currency`, and its most in one loan.
    A capacity below what is lent already only stops new lending."""
    actor.require_operator()
    currency_of(currency)
    if capacity < 0:
        raise InvalidInput("must not be negative", field="capacity")
    if max_per_loan is not None and max_per_loan <= 0:
        raise InvalidInput("must be positive, or absent for no limit", field="max_per_loan")
    now = clock.now()
    values = {
        "capacity": capacity,
        "max_per_loan": max_per_loan,
        "updated_at": now,
        "updated_by": actor.participant_id,
    }
    await (await session.connection()).execute(
        insert(BOOKS)
        .values(id=uuid4(), currency=currency, version=1, **values)
        .on_conflict_do_update(
            index_elements=[BOOKS.c.currency], set_={**values, "version": BOOKS.c.version + 1}
        )
    )
    record(
        session,
        actor=actor,
        action="lending.platform_book.set",
        outcome=Outcome.SUCCESS,
        at=now,
        target_type="PlatformBook",
        target_id=currency,
        details={"capacity": capacity, "max_per_loan": max_per_loan},
    )
    view = await platform_book(session, actor=actor, currency=currency)
    assert view is not None
    return view


async def platform_book(
    session: AsyncSession, *, actor: Actor, currency: str
) -> PlatformBookView | None:
    """Operators: the book in `currency` as it stands; None if it was never set."""
    actor.require_operator()
    row = (await (await session.connection()).execute(_book(currency))).first()
    if row is None:
        return None
    lent = await _outstanding(session, currency)
    return PlatformBookView(currency, row.capacity, row.max_per_loan, lent, row.updated_at)


async def book_source(session: AsyncSession, *, currency: str) -> PlatformBook | None:
    """The book as the matching engine sees it, read without a lock; None if never set."""
    return await _source(session, currency, lock=False)


async def lock_book(session: AsyncSession, *, currency: str) -> PlatformBook | None:
    """The book, its row locked until the transaction ends (after the offers: the order is
    loan, offers by id, book), with what it can lend now."""
    return await _source(session, currency, lock=True)


async def _source(session: AsyncSession, currency: str, *, lock: bool) -> PlatformBook | None:
    query = _book(currency)
    row = (
        await (await session.connection()).execute(query.with_for_update() if lock else query)
    ).first()
    if row is None:
        return None
    room = max(0, row.capacity - await _outstanding(session, currency))
    return PlatformBook(str(row.id), str(PLATFORM_ID), currency, room, row.max_per_loan)


async def check_book_room(session: AsyncSession, *, loan: Loan, principal: int) -> None:
    """PlatformBookFull unless the book (locked) can take `principal` more of `loan`: set in
    its currency, within its capacity and its most in one loan."""
    book = await lock_book(session, currency=loan.currency)
    if book is None:
        raise PlatformBookFull(f"the platform's book lends no {loan.currency}", field="loan_id")
    if principal > book.capacity:
        raise PlatformBookFull("beyond what the platform's book may lend now", field="loan_id")
    if book.max_per_loan is not None:
        query = select(
            func.coalesce(func.sum(NOTES.c.principal - NOTES.c.principal_received), 0)
        ).where(
            NOTES.c.holder_id == PLATFORM_ID,
            NOTES.c.loan_id == loan.id,
            NOTES.c.status.in_(_LIVE),
        )
        held = int((await (await session.connection()).execute(query)).scalar_one())
        if held + principal > book.max_per_loan:
            raise PlatformBookFull("beyond the platform's book's most in one loan", field="loan_id")


def _book(currency: str) -> Select[Any]:
    return select(BOOKS.c.id, BOOKS.c.capacity, BOOKS.c.max_per_loan, BOOKS.c.updated_at).where(
        BOOKS.c.currency == currency
    )


async def _outstanding(session: AsyncSession, currency: str) -> int:
    query = (
        select(func.coalesce(func.sum(NOTES.c.principal - NOTES.c.principal_received), 0))
        .select_from(NOTES.join(LOANS, LOANS.c.id == NOTES.c.loan_id))
        .where(
            NOTES.c.holder_id == PLATFORM_ID,
            NOTES.c.status.in_(_LIVE),
            LOANS.c.currency == currency,
        )
    )
    return int((await (await session.connection()).execute(query)).scalar_one())


async def platform_participant(session: AsyncSession, *, now: datetime) -> UUID:
    """The platform as the holder of its book's notes, created the first time it lends. It
    has no email, phone or password: nobody signs in as it."""
    await (await session.connection()).execute(
        insert(PARTICIPANTS)
        .values(
            id=PLATFORM_ID,
            kind=ParticipantKind.BUSINESS.value,
            display_name="Agora platform book",
            password_hash=_NO_HASH,
            roles=[],
            kyc_status="NOT_SUBMITTED",
            kyc_level=0,
            failed_logins=0,
            created_at=now,
            updated_at=now,
        )
        .on_conflict_do_nothing(index_elements=[PARTICIPANTS.c.id])
    )
    return PLATFORM_ID
