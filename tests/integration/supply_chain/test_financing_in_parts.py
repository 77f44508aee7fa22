"""Early payment in parts: when no offer can buy a certificate whole, several do. The
certificate is split into one part per offer, cheapest first; each part is priced at its
offer's rate and owned by its bank, which is paid that part at maturity, its line and
capacity restored."""

from __future__ import annotations

import asyncio
from datetime import datetime, time
from decimal import Decimal

from domain.clock import FixedClock
from domain.lending.tables import BankFundingOffer
from domain.supply_chain.discount import quote_early_payment, total_quote
from domain.supply_chain.errors import NoFinancingOffer
from domain.supply_chain.tables import Certificate, CreditLine
from support.crowdfunding import balance, ledger_consistent, revenue
from support.lending_world import fund_wallet
from support.supply_chain import (
    Sessions,
    account_balance,
    bank,
    committed,
    confirmed,
    core,
    finance,
    held_certificates,
    outcome,
    pay,
    quote,
    scf_offer,
    scf_terms,
    supplier,
)


async def test_two_banks_buy_a_certificate_in_parts_and_each_is_paid_its_part_at_maturity(
    sessions: Sessions, clock: FixedClock
) -> None:
    seller, buyer = await supplier(sessions, clock), await core(sessions, clock)
    small, short = await bank(sessions, clock), await bank(sessions, clock)
    # neither takes 1,000,000.00 whole: the cheaper lacks capacity, the dearer credit line
    first = await scf_offer(sessions, clock, small, scf_terms("0.0400", capacity=400_000_00))
    second = await scf_offer(sessions, clock, short, scf_terms("0.0500", credit_line=700_000_00))
    [whole] = (await confirmed(sessions, clock, seller, buyer, 1_000_000_00)).certificates

    shown = await quote(sessions, clock, seller, whole.id)
    paid = await finance(sessions, clock, seller, whole.id, idem="in-parts")
    again = await finance(sessions, clock, seller, whole.id, idem="in-parts")  # a retry

    priced = [
        quote_early_payment(
            amount=amount,
            annual_rate=Decimal(rate),
            value_date=clock.now().date(),
            due_date=whole.due_on,
            fee_basis_points=10,
        )
        for amount, rate in ((400_000_00, "0.0400"), (600_000_00, "0.0500"))
    ]
    total = total_quote(priced)
    assert [(p.offer_id, p.quote) for p in shown.parts] == [(first, priced[0]), (second, priced[1])]
    assert (shown.quote, shown.offer_id) == (total, first)
    assert paid.certificate.state == "SPLIT"
    assert ([p.id for p in again.parts], again.net) == ([p.id for p in paid.parts], paid.net)
    owners = ((small, first, priced[0]), (short, second, priced[1]))
    assert len(paid.parts) == 2
    for part, (financier, offer_id, priced_part) in zip(paid.parts, owners, strict=True):
        assert (part.state, part.amount, part.parent_id) == (
            "FINANCED",
            priced_part.amount,
            whole.id,
        )
        assert (part.holder_id, part.financier_id) == (financier.participant_id,) * 2
        assert (part.offer_id, part.discount, part.fee) == (
            offer_id,
            priced_part.discount,
            priced_part.fee,
        )
    assert all(p.seller_id == seller.participant_id for p in paid.parts)
    assert (paid.net, paid.implied_apr) == (total.net, str(total.implied_apr))
    assert total.net + total.discount + total.fee == 1_000_000_00  # nothing made or lost
    assert await balance(sessions, seller) == (total.net, 0)
    assert await revenue(sessions, "scf_fee") == total.fee
    assert await ledger_consistent(sessions)

    await fund_wallet(sessions, clock, buyer.participant_id, 1_000_000_00)  # type: ignore[arg-type]
    clock.set(datetime.combine(whole.due_on, time(9), clock.now().tzinfo))
    await pay(sessions, clock, buyer, paid.parts[0].receivable_id)

    for financier, part in ((small, priced[0]), (short, priced[1])):
        funding = await account_balance(sessions, "BANK_FUNDING", owner=financier.participant_id)
        assert funding == part.discount  # paid its part's face value for its price
    async with sessions() as session:
        for offer_id in (first, second):
            line = await session.get(CreditLine, (offer_id, buyer.participant_id))
            offer = await session.get(BankFundingOffer, offer_id)
            assert line is not None
            assert offer is not None
            assert (line.used, offer.committed) == (0, 0)
        rows = [await session.get(Certificate, p.id) for p in paid.parts]
    assert [row.state for row in rows if row is not None] == ["PAID", "PAID"]
    assert await ledger_consistent(sessions)


async def test_capacity_is_never_exceeded_when_certificates_are_bought_in_parts_at_once(
    sessions: Sessions, clock: FixedClock
) -> None:
    buyer = await core(sessions, clock)
    banks = [await bank(sessions, clock) for _ in range(3)]
    offers = [
        await scf_offer(sessions, clock, who, scf_terms(rate, capacity=150_000_00))
        for who, rate in zip(banks, ("0.04", "0.05", "0.06"), strict=True)
    ]
    held = await held_certificates(sessions, clock, buyer, 4)

    # 400,000.00 asked of 450,000.00 in three offers of 150,000.00: the last ones in parts
    outcomes = await asyncio.gather(
        *(outcome(finance(sessions, clock, who, certificate)) for who, certificate in held)
    )

    assert set(outcomes) <= {"OK", NoFinancingOffer.code}
    for offer_id in offers:
        used, owned = await committed(sessions, offer_id)
        assert used == owned <= 150_000_00
    for (who, certificate), first in zip(held, outcomes, strict=True):
        if first != "OK":  # a request that lost every race asks again
            assert await outcome(finance(sessions, clock, who, certificate)) == "OK"
    assert sum([(await committed(sessions, o))[0] for o in offers]) == 400_000_00
    assert await ledger_consistent(sessions)
