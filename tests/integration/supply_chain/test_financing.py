"""Early payment through the ledger: the cheapest accepting supply-chain offer buys the
certificate whole; the holder gets the net at once, the platform its fee; credit lines are
consumed and never exceeded, and a certificate is financed once, however many ask at once."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest
from sqlmodel import select

from domain.clock import FixedClock
from domain.errors import DomainError
from domain.supply_chain.discount import quote_early_payment
from domain.supply_chain.errors import NoFinancingOffer, ReceivableStateConflict
from domain.supply_chain.tables import Certificate, CreditLine
from support.crowdfunding import balance, ledger_consistent, revenue
from support.supply_chain import (
    Sessions,
    bank,
    confirmed,
    core,
    finance,
    parties,
    quote,
    scf_offer,
    scf_terms,
    supplier,
)


async def test_the_holder_is_paid_the_net_now_and_the_cheapest_bank_owns_the_certificate(
    sessions: Sessions, clock: FixedClock
) -> None:
    seller, buyer = await supplier(sessions, clock), await core(sessions, clock)
    cheap, dear = await bank(sessions, clock), await bank(sessions, clock)
    await scf_offer(sessions, clock, dear, scf_terms("0.0600"))
    cheap_offer = await scf_offer(sessions, clock, cheap, scf_terms("0.0450"))
    [certificate] = (await confirmed(sessions, clock, seller, buyer, 1_000_000_00)).certificates

    shown = await quote(sessions, clock, seller, certificate.id)
    paid = await finance(sessions, clock, seller, certificate.id)

    expected = quote_early_payment(
        amount=1_000_000_00,
        annual_rate=Decimal("0.0450"),
        value_date=clock.now().date(),
        due_date=certificate.due_on,
        fee_basis_points=10,
    )
    assert shown.quote == expected
    assert (shown.offer_id, shown.financier_id) == (cheap_offer, cheap.participant_id)
    assert paid.net == expected.net
    assert (paid.certificate.state, paid.certificate.holder_id) == (
        "FINANCED",
        cheap.participant_id,
    )
    assert paid.certificate.seller_id == seller.participant_id
    assert paid.implied_apr == str(expected.implied_apr)
    assert await balance(sessions, seller) == (expected.net, 0)
    assert await revenue(sessions, "scf_fee") == expected.fee
    async with sessions() as session:
        line = await session.get(CreditLine, (cheap_offer, buyer.participant_id))
    assert line is not None
    assert line.used == 1_000_000_00
    assert await ledger_consistent(sessions)
    with pytest.raises(ReceivableStateConflict):
        await finance(sessions, clock, cheap, certificate.id)


async def test_a_full_credit_line_or_an_unaccepted_buyer_passes_to_the_next_offer(
    sessions: Sessions, clock: FixedClock
) -> None:
    seller, buyer, other_buyer = (
        await supplier(sessions, clock),
        await core(sessions, clock),
        await core(sessions, clock),
    )
    a, b, c = [await bank(sessions, clock) for _ in range(3)]
    await scf_offer(
        sessions, clock, a, scf_terms("0.03", cores=frozenset({other_buyer.participant_id}))
    )  # type: ignore[arg-type]
    await scf_offer(sessions, clock, b, scf_terms("0.04", credit_line=500_000_00))
    c_offer = await scf_offer(sessions, clock, c, scf_terms("0.05"))
    [certificate] = (await confirmed(sessions, clock, seller, buyer, 600_000_00)).certificates

    shown = await quote(sessions, clock, seller, certificate.id)

    assert shown.offer_id == c_offer
    assert shown.explanation["not_considered"] == 0


async def test_no_offer_that_accepts_is_a_typed_refusal(
    sessions: Sessions, clock: FixedClock
) -> None:
    seller, buyer, lender = await parties(sessions, clock)
    await scf_offer(sessions, clock, lender, scf_terms("0.03", tenor=30))
    [certificate] = (await confirmed(sessions, clock, seller, buyer, days=90)).certificates
    with pytest.raises(NoFinancingOffer):
        await finance(sessions, clock, seller, certificate.id)


async def test_a_certificate_asked_for_many_times_at_once_is_financed_once(
    sessions: Sessions, clock: FixedClock
) -> None:
    seller, buyer, lender = await parties(sessions, clock)
    await scf_offer(sessions, clock, lender, scf_terms("0.05"))
    [certificate] = (await confirmed(sessions, clock, seller, buyer, 100_000_00)).certificates

    async def attempt(n: int) -> str:
        try:
            await finance(sessions, clock, seller, certificate.id, idem=f"dup-{n}")
        except DomainError as error:
            return error.code
        return "OK"

    outcomes = await asyncio.gather(*(attempt(n) for n in range(8)))

    assert outcomes.count("OK") == 1
    assert set(outcomes) == {"OK", ReceivableStateConflict.code}
    available, _ = await balance(sessions, seller)
    assert available == 100_000_00 - 1_232_88 - 100_00  # 100,000.00 x 5 % x 90/365, fee 0.1 %
    assert await ledger_consistent(sessions)


async def test_credit_lines_are_never_exceeded_under_concurrent_requests(
    sessions: Sessions, clock: FixedClock
) -> None:
    buyer = await core(sessions, clock)
    cheap, fallback = await bank(sessions, clock), await bank(sessions, clock)
    line = 350_000_00  # three certificates of 100,000.00 fit, the fourth does not
    cheap_offer = await scf_offer(sessions, clock, cheap, scf_terms("0.04", credit_line=line))
    fallback_offer = await scf_offer(
        sessions, clock, fallback, scf_terms("0.06", credit_line=500_000_00)
    )
    holders = [await supplier(sessions, clock) for _ in range(10)]
    certificates = [
        (await confirmed(sessions, clock, who, buyer, 100_000_00)).certificates[0]
        for who in holders
    ]

    async def attempt(n: int) -> str:
        try:
            paid = await finance(sessions, clock, holders[n], certificates[n].id)
        except DomainError as error:
            return error.code
        return str(paid.certificate.offer_id)

    outcomes = await asyncio.gather(*(attempt(n) for n in range(10)))

    assert outcomes.count(str(cheap_offer)) == 3
    assert outcomes.count(str(fallback_offer)) == 5
    assert outcomes.count(NoFinancingOffer.code) == 2
    async with sessions() as session:
        lines = {row.offer_id: row.used for row in (await session.exec(select(CreditLine))).all()}
        financed = (
            await session.exec(select(Certificate).where(Certificate.state == "FINANCED"))
        ).all()
    assert lines == {cheap_offer: 300_000_00, fallback_offer: 500_000_00}
    assert len(financed) == 8
    assert await ledger_consistent(sessions)
