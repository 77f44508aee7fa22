"""Supply-chain receivables through the matching engine: the cheapest offer that takes the
certificate whole, or several in parts when none can; every offer read explained."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from domain.matching.engine import match_receivable
from domain.matching.outcome import DecisionCode
from domain.matching.sources import ReceivableToFinance, SupplyChainOffer

NOW = datetime(2026, 12, 7, 12, tzinfo=UTC)
CERTIFICATE = ReceivableToFinance("c1", "holder", "buyer", 100_000_00, "CNY", 90)


def offer(offer_id: str, rate: str, **changes: object) -> SupplyChainOffer:
    values: dict[str, object] = {
        "offer_id": offer_id,
        "funder_id": f"bank-{offer_id}",
        "currency": "CNY",
        "capacity": 10**12,
        "discount_rate": Decimal(rate),
        "max_tenor_days": 180,
        "min_amount": 1_000_00,
        "max_amount": 10**12,
        "credit_line_room": 10**12,
        "created_at": NOW - timedelta(days=1),
    } | changes
    return SupplyChainOffer(**values)  # type: ignore[arg-type]


def test_the_cheapest_accepting_offer_buys_it_whole_and_each_refusal_is_explained() -> None:
    offers = [
        offer("a", "0.030", core_enterprises=frozenset({"other"})),
        offer("b", "0.031", max_tenor_days=60),
        offer("c", "0.032", credit_line_room=50_000_00),
        offer("d", "0.033", expires_at=NOW),
        offer("e", "0.045"),
        offer("f", "0.040"),
        offer("g", "0.050"),
    ]

    result = match_receivable(CERTIFICATE, offers, now=NOW)

    [fill] = result.fills
    assert (fill.source_id, fill.amount, fill.annual_rate) == ("f", 100_000_00, Decimal("0.040"))
    assert [(d.source_id, d.code) for d in result.decisions] == [
        ("a", DecisionCode.BUYER_NOT_ACCEPTED),
        ("b", DecisionCode.TERM_OUT_OF_RANGE),
        ("c", DecisionCode.CREDIT_LINE_REACHED),
        ("d", DecisionCode.EXPIRED),
        ("f", DecisionCode.TAKEN),
    ]
    assert (result.unfilled, result.not_considered) == (0, 2)


def test_an_offer_taken_by_a_concurrent_request_is_passed_over() -> None:
    result = match_receivable(
        CERTIFICATE, [offer("a", "0.03"), offer("b", "0.04")], now=NOW, excluded=frozenset({"a"})
    )
    assert [d.code for d in result.decisions] == [DecisionCode.NO_CAPACITY, DecisionCode.TAKEN]


def test_nothing_fits_leaves_it_unfilled() -> None:
    result = match_receivable(CERTIFICATE, [offer("a", "0.03", max_amount=1_000_00)], now=NOW)
    assert (result.fills, result.unfilled) == ((), 100_000_00)
    assert result.decisions[0].code is DecisionCode.ABOVE_MAXIMUM


@given(
    st.lists(
        st.tuples(
            st.integers(1, 80),  # rate in tenths of a percent
            st.integers(0, 200_000_00),  # credit line room
            st.integers(30, 200),  # max tenor
            st.integers(0, 100),  # created, minutes ago
        ),
        max_size=30,
    )
)
def test_it_picks_the_first_acceptable_offer_by_rate_then_time(
    specs: list[tuple[int, int, int, int]],
) -> None:
    offers = [
        offer(
            f"o{n}",
            str(Decimal(rate) / 1000),
            credit_line_room=room,
            max_tenor_days=tenor,
            created_at=NOW - timedelta(minutes=ago),
        )
        for n, (rate, room, tenor, ago) in enumerate(specs)
    ]
    result = match_receivable(CERTIFICATE, offers, now=NOW)
    assert len(result.decisions) + result.not_considered == len(offers)
    acceptable = [o for o in offers if o.credit_line_room >= 100_000_00 and o.max_tenor_days >= 90]
    if acceptable:
        best = min(acceptable, key=lambda o: (o.discount_rate, o.created_at, o.offer_id))
        assert [f.source_id for f in result.fills] == [best.offer_id]
        return
    # in parts, cheapest first, each within its room, all of it or nothing
    assert result.filled in (0, CERTIFICATE.amount)
    assert len(result.fills) != 1
    by_id = {o.offer_id: o for o in offers}
    ranks = [
        (by_id[f.source_id].discount_rate, by_id[f.source_id].created_at) for f in result.fills
    ]
    assert ranks == sorted(ranks)
    for fill in result.fills:
        taker = by_id[fill.source_id]
        assert taker.max_tenor_days >= 90
        assert 1_000_00 <= fill.amount <= taker.credit_line_room
        assert fill.annual_rate == taker.discount_rate


def test_when_no_offer_can_take_it_whole_several_take_it_in_parts() -> None:
    offers = [
        offer("a", "0.030", capacity=40_000_00),
        offer("b", "0.031", max_tenor_days=60),
        offer("c", "0.040", credit_line_room=30_000_00),
        # the 30,000.00 left is below its minimum
        offer("d", "0.045", credit_line_room=80_000_00, min_amount=35_000_00),
        offer("e", "0.050", max_amount=50_000_00),
        offer("f", "0.060", capacity=99_999_99),  # short of the whole by a cent: not needed
    ]

    result = match_receivable(CERTIFICATE, offers, now=NOW)

    assert [(f.source_id, f.amount, f.annual_rate) for f in result.fills] == [
        ("a", 40_000_00, Decimal("0.030")),
        ("c", 30_000_00, Decimal("0.040")),
        ("e", 30_000_00, Decimal("0.050")),
    ]
    assert [(d.source_id, d.code, d.amount) for d in result.decisions] == [
        ("a", DecisionCode.TAKEN, 40_000_00),
        ("b", DecisionCode.TERM_OUT_OF_RANGE, 0),
        ("c", DecisionCode.TAKEN, 30_000_00),
        ("d", DecisionCode.BELOW_MINIMUM, 0),
        ("e", DecisionCode.TAKEN, 30_000_00),
    ]
    assert (result.unfilled, result.not_considered) == (0, 1)


def test_parts_that_cannot_make_the_whole_finance_nothing() -> None:
    offers = [
        offer("a", "0.03", capacity=60_000_00),
        offer("b", "0.04", credit_line_room=30_000_00),
    ]
    result = match_receivable(CERTIFICATE, offers, now=NOW)
    assert (result.fills, result.unfilled) == ((), 100_000_00)
    assert [d.code for d in result.decisions] == [
        DecisionCode.NO_CAPACITY,
        DecisionCode.CREDIT_LINE_REACHED,
    ]
