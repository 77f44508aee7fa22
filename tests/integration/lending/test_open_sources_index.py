"""Each process's index of open sources follows what other sessions (other processes) write,
including a write committed after a later one, and a listing matched through it never uses
the borrower's own offer or an entry the tables no longer agree with."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import update
from sqlmodel import col, select

from domain.clock import FixedClock
from domain.lending.services.commitments import lock_loan
from domain.lending.services.matching import match_listing
from domain.lending.services.open_sources import SourceCache, cache_of
from domain.lending.tables import BankFundingOffer, LoanMatch, LoanProductRow
from domain.participants.credentials import ParticipantKind
from domain.participants.roles import Role
from support.lending_world import Sessions, listed_loan, offer_row, participant, product_row

_offer = offer_row


async def _bank(sessions: Sessions, clock: FixedClock) -> UUID:
    actor = await participant(sessions, clock, {Role.PARTNER_BANK}, kind=ParticipantKind.BUSINESS)
    assert actor.participant_id is not None
    return actor.participant_id


async def _add(sessions: Sessions, *rows: BankFundingOffer) -> None:
    async with sessions() as session:
        session.add_all(rows)
        await session.commit()


async def _refreshed(sessions: Sessions, cache: SourceCache, now: datetime) -> set[str]:
    """The offer ids the cache holds after taking in what was written."""
    async with sessions() as session:
        await cache.refresh(session, now)
        await session.commit()
    return {offer_id for offer_id in cache.seqs if cache.index.offer(offer_id) is not None}


async def _set(sessions: Sessions, offer_id: UUID, **values: Any) -> None:
    async with sessions() as session:
        await session.exec(  # type: ignore[call-overload]
            update(BankFundingOffer).where(col(BankFundingOffer.id) == offer_id).values(**values)
        )
        await session.commit()


async def test_every_process_sees_offers_posted_withdrawn_and_used_up_elsewhere(
    sessions: Sessions, clock: FixedClock
) -> None:
    # given two processes' indexes, built before any offer exists
    now = clock.now()
    first, second = SourceCache(), SourceCache()
    assert await _refreshed(sessions, first, now) == set()
    assert await _refreshed(sessions, second, now) == set()
    bank = await _bank(sessions, clock)

    # when a third session posts two offers, then withdraws one and uses the other up
    posted, used = _offer(bank, now), _offer(bank, now, rate_floor=Decimal("0.07"))
    await _add(sessions, posted, used)
    both = {str(posted.id), str(used.id)}
    assert await _refreshed(sessions, first, now) == both
    await _set(sessions, posted.id, status="WITHDRAWN")
    await _set(sessions, used.id, committed=100_000_000)

    # then each index follows, whenever it looks
    assert await _refreshed(sessions, first, now) == set()
    assert await _refreshed(sessions, second, now) == set()
    await _set(sessions, used.id, capacity=200_000_000)  # the bank raises its capacity
    assert await _refreshed(sessions, second, now) == {str(used.id)}
    room = second.index.offer(str(used.id))
    assert room is not None
    assert room.capacity == 100_000_000


async def test_a_write_committed_after_a_later_one_is_not_missed(
    sessions: Sessions, clock: FixedClock
) -> None:
    # given an index, and a transaction that posts an offer but has not committed yet
    now = clock.now()
    cache = SourceCache()
    await _refreshed(sessions, cache, now)
    bank = await _bank(sessions, clock)
    slow, quick = _offer(bank, now), _offer(bank, now)
    async with sessions() as pending:
        pending.add(slow)
        await pending.flush()

        # when a later transaction commits its offer first, and the index reads then
        await _add(sessions, quick)
        assert await _refreshed(sessions, cache, now) == {str(quick.id)}
        await pending.commit()

    # then the earlier transaction's offer comes in on the next read
    assert await _refreshed(sessions, cache, now) == {str(quick.id), str(slow.id)}


async def _listing_funders(sessions: Sessions, clock: FixedClock, borrower: UUID) -> set[UUID]:
    product = product_row(clock.now(), funding_channels=["BANK_OFFERS"])
    loan = await listed_loan(sessions, clock, borrower, principal=1_000_000, product=product)
    async with sessions() as session:
        locked = await lock_loan(session, loan.id)
        row = await session.get(LoanProductRow, locked.product_id)
        assert row is not None
        await match_listing(session, loan=locked, product=row, now=clock.now())
        await session.commit()
        sources = await session.exec(
            select(LoanMatch.source_id).where(col(LoanMatch.loan_id) == loan.id)
        )
        return set(sources.all())


async def test_a_listing_skips_its_borrowers_own_offer_and_entries_the_tables_disown(
    sessions: Sessions, clock: FixedClock
) -> None:
    # given a borrower who is also a partner bank, with the cheapest offer of all, another
    # bank's offer, and an entry in this process's index for an offer that does not exist
    now = clock.now()
    both = await participant(
        sessions, clock, {Role.BORROWER, Role.PARTNER_BANK}, kind=ParticipantKind.BUSINESS
    )
    assert both.participant_id is not None
    own = _offer(both.participant_id, now, rate_floor=Decimal("0.01"))
    other = _offer(await _bank(sessions, clock), now)
    await _add(sessions, own, other)
    async with sessions() as session:
        cache = await cache_of(session)
        await cache.refresh(session, now)
        await session.rollback()
    ghost = cache.index.offer(str(other.id))
    assert ghost is not None
    ghost = replace(ghost, offer_id=str(uuid4()), rate_floor=Decimal("0.02"))
    cache.index.put_offer(ghost)

    # when the borrower lists a loan
    funders = await _listing_funders(sessions, clock, both.participant_id)

    # then the other bank funds it, and the index no longer holds the ghost
    assert funders == {other.id}
    assert cache.index.offer(ghost.offer_id) is None


async def test_listings_follow_offers_used_up_and_posted_in_another_session(
    sessions: Sessions, clock: FixedClock
) -> None:
    # given a cheap offer with room for several loans, a dearer one, and the index built by a
    # first listing, which the cheap offer funds
    now = clock.now()
    bank = await _bank(sessions, clock)
    cheap = _offer(bank, now, rate_floor=Decimal("0.05"), capacity=5_000_000)
    dear = _offer(bank, now, rate_floor=Decimal("0.07"))
    await _add(sessions, cheap, dear)
    borrowers = []
    for _ in range(3):
        borrower = await participant(sessions, clock, {Role.BORROWER})
        assert borrower.participant_id is not None
        borrowers.append(borrower.participant_id)
    assert await _listing_funders(sessions, clock, borrowers[0]) == {cheap.id}

    # when another process uses the cheap offer up, the next listing takes the dear one
    await _set(sessions, cheap.id, committed=5_000_000)
    assert await _listing_funders(sessions, clock, borrowers[1]) == {dear.id}

    # and when another process posts a cheaper offer, the next listing takes that one
    cheapest = _offer(bank, now, rate_floor=Decimal("0.03"))
    await _add(sessions, cheapest)
    assert await _listing_funders(sessions, clock, borrowers[2]) == {cheapest.id}
