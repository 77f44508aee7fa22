"""The platform's own book as a financier, where an operator allows it: it competes with the
banks' offers in the matching engine, pays early from its PLATFORM_BOOK account, and is paid
back at maturity as a bank is, its line and capacity restored."""

from __future__ import annotations

import asyncio
from datetime import datetime, time, timedelta
from decimal import Decimal

import pytest

from domain.actors import Actor, Forbidden, NotFound
from domain.clock import FixedClock
from domain.errors import DomainError
from domain.lending.services.platform_book import PLATFORM_ID
from domain.lending.tables import BankFundingOffer
from domain.supply_chain.errors import NoFinancingOffer
from domain.supply_chain.services import maturity
from domain.supply_chain.services.platform_book import (
    BookTerms,
    PlatformBookLine,
    set_platform_book,
)
from domain.supply_chain.tables import CreditLine
from support.crowdfunding import balance, ledger_consistent, operator
from support.lending_world import fund_wallet
from support.supply_chain import (
    Sessions,
    account_balance,
    bank,
    confirmed,
    core,
    finance,
    held_certificates,
    outcome,
    parties,
    pay,
    quote,
    scf_offer,
    scf_terms,
    supplier,
    take_recourse,
    with_recourse,
)


async def allow_book(
    sessions: Sessions,
    clock: FixedClock,
    who: Actor,
    buyer: Actor,
    *,
    rate: str = "0.0400",
    limit: int = 1_000_000_00,
    allowed: bool = True,
) -> PlatformBookLine:
    assert buyer.participant_id is not None
    async with sessions() as session:
        line = await set_platform_book(
            session=session,
            clock=clock,
            actor=who,
            core_enterprise_id=buyer.participant_id,
            terms=BookTerms(
                allowed=allowed, currency="CNY", discount_rate=Decimal(rate), limit=limit
            ),
        )
        await session.commit()
    return line


async def test_the_allowed_book_finances_when_cheapest_and_is_paid_back_at_maturity(
    sessions: Sessions, clock: FixedClock
) -> None:
    seller, buyer, lender = (
        await supplier(sessions, clock),
        await core(sessions, clock),
        await bank(sessions, clock),
    )
    ops = await operator(sessions, clock)
    await scf_offer(sessions, clock, lender, scf_terms("0.0500"))
    book = await allow_book(sessions, clock, ops, buyer, rate="0.0400", limit=300_000_00)
    assert (book.allowed, book.used, book.offer.bank_id) == (True, 0, PLATFORM_ID)
    view = await confirmed(sessions, clock, seller, buyer, 200_000_00)

    shown = await quote(sessions, clock, seller, view.certificates[0].id)
    assert (shown.offer_id, shown.financier_id) == (book.offer.id, PLATFORM_ID)
    paid = await finance(sessions, clock, seller, view.certificates[0].id)

    assert (paid.certificate.holder_id, paid.certificate.financier_id) == (PLATFORM_ID, PLATFORM_ID)
    assert await balance(sessions, seller) == (paid.net, 0)
    lent = paid.net + paid.certificate.fee
    assert await account_balance(sessions, "PLATFORM_BOOK", label="supply_chain") == -lent
    assert await ledger_consistent(sessions)

    await fund_wallet(sessions, clock, buyer.participant_id, 200_000_00)  # type: ignore[arg-type]
    due = paid.certificate.due_on
    clock.set(datetime.combine(due, time(9), clock.now().tzinfo))
    await pay(sessions, clock, buyer, view.receivable.id)

    book_balance = await account_balance(sessions, "PLATFORM_BOOK", label="supply_chain")
    assert book_balance == paid.certificate.discount  # face value back: the book earned this
    async with sessions() as session:
        line = await session.get(CreditLine, (book.offer.id, buyer.participant_id))
        offer = await session.get(BankFundingOffer, book.offer.id)
    assert line is not None
    assert offer is not None
    assert (line.used, offer.committed) == (0, 0)  # the limit revolves
    assert await ledger_consistent(sessions)


async def test_the_limit_binds_and_a_disallowed_book_finances_nothing_new(
    sessions: Sessions, clock: FixedClock
) -> None:
    seller, buyer = await supplier(sessions, clock), await core(sessions, clock)
    ops = await operator(sessions, clock)
    await allow_book(sessions, clock, ops, buyer, limit=150_000_00)
    first = await confirmed(sessions, clock, seller, buyer, 100_000_00)
    second = await confirmed(sessions, clock, seller, buyer, 100_000_00)
    await finance(sessions, clock, seller, first.certificates[0].id)
    with pytest.raises(NoFinancingOffer):  # 100k more would pass the 150k limit
        await finance(sessions, clock, seller, second.certificates[0].id)

    raised = await allow_book(sessions, clock, ops, buyer, limit=500_000_00)
    assert raised.used == 100_000_00
    stopped = await allow_book(sessions, clock, ops, buyer, limit=500_000_00, allowed=False)
    assert (stopped.allowed, stopped.offer.id) == (False, raised.offer.id)  # one offer, revised
    with pytest.raises(NoFinancingOffer):
        await finance(sessions, clock, seller, second.certificates[0].id)
    await allow_book(sessions, clock, ops, buyer, limit=500_000_00)
    paid = await finance(sessions, clock, seller, second.certificates[0].id)
    assert paid.certificate.financier_id == PLATFORM_ID
    assert await ledger_consistent(sessions)


async def test_only_operators_set_the_book_and_only_on_core_enterprises(
    sessions: Sessions, clock: FixedClock
) -> None:
    seller, buyer = await supplier(sessions, clock), await core(sessions, clock)
    ops = await operator(sessions, clock)
    with pytest.raises(Forbidden):
        await allow_book(sessions, clock, seller, buyer)
    with pytest.raises(DomainError) as refused:
        await allow_book(sessions, clock, ops, seller)
    assert refused.value.code == "NOT_A_CORE_ENTERPRISE"
    with pytest.raises(DomainError) as bad:
        await allow_book(sessions, clock, ops, buyer, rate="-0.01", limit=0)
    assert bad.value.code == "INVALID_INPUT"


async def test_the_books_limit_is_never_exceeded_under_concurrent_requests(
    sessions: Sessions, clock: FixedClock
) -> None:
    buyer = await core(sessions, clock)
    book = await allow_book(
        sessions, clock, await operator(sessions, clock), buyer, limit=350_000_00
    )
    held = await held_certificates(sessions, clock, buyer, 6)

    outcomes = await asyncio.gather(
        *(outcome(finance(sessions, clock, who, certificate)) for who, certificate in held)
    )

    assert outcomes.count("OK") == 3  # 300,000.00 of 350,000.00; a fourth would pass it
    assert set(outcomes) == {"OK", NoFinancingOffer.code}
    async with sessions() as session:
        line = await session.get(CreditLine, (book.offer.id, buyer.participant_id))
    assert line is not None
    assert line.used == 300_000_00
    assert await ledger_consistent(sessions)


async def test_an_operator_takes_recourse_for_the_book_as_a_bank_does(
    sessions: Sessions, clock: FixedClock
) -> None:
    seller, buyer, lender = await parties(sessions, clock)
    ops = await operator(sessions, clock)
    await with_recourse(sessions, clock, buyer, after_days=30)
    book = await allow_book(sessions, clock, ops, buyer, limit=300_000_00)
    view = await confirmed(sessions, clock, seller, buyer, 100_000_00)
    paid = await finance(sessions, clock, seller, view.certificates[0].id)
    await fund_wallet(sessions, clock, seller.participant_id, 100_000_00)  # type: ignore[arg-type]
    late = paid.certificate.due_on + timedelta(days=30)
    clock.set(datetime.combine(late, time(9), clock.now().tzinfo))
    await maturity.settle_due_receivables(sessions, clock)  # the core enterprise cannot pay
    book_before = await account_balance(sessions, "PLATFORM_BOOK", label="supply_chain")

    for outsider in (lender, seller):  # only an operator acts for the book
        with pytest.raises(NotFound):
            await take_recourse(sessions, clock, outsider, paid.certificate.id)
    back = await take_recourse(sessions, clock, ops, paid.certificate.id)

    assert (back.state, back.holder_id, back.financier_id) == (
        "RECOURSED",
        seller.participant_id,
        PLATFORM_ID,
    )
    book_after = await account_balance(sessions, "PLATFORM_BOOK", label="supply_chain")
    assert book_after - book_before == 100_000_00  # the seller repaid the face amount
    assert await balance(sessions, seller) == (paid.net, 0)
    async with sessions() as session:
        line = await session.get(CreditLine, (book.offer.id, buyer.participant_id))
        offer = await session.get(BankFundingOffer, book.offer.id)
    assert line is not None
    assert offer is not None
    assert (line.used, offer.committed) == (0, 0)  # the book's limit is free again
    assert await ledger_consistent(sessions)
