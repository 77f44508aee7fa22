"""Revenue grouped by stream, day, month or business line: the same total every way."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from domain.revenue.business_lines import CURRENT_PLACEMENT, BusinessLine
from domain.revenue.report import Grouping, StreamDay, group_revenue, total_of

STREAMS = ["mdr", "origination_fee", "bnpl_discount", "crowdfunding_fee", "advertising", "x"]
rows = st.lists(
    st.builds(
        StreamDay,
        stream=st.sampled_from(STREAMS),
        day=st.integers(0, 400).map(lambda n: date(2026, 1, 1) + timedelta(days=n)),
        credited=st.integers(0, 10**12),
        debited=st.integers(0, 10**12),
    ),
    max_size=40,
)


@given(rows, st.sampled_from(list(Grouping)))
def test_every_grouping_adds_up_to_the_same_total(found: list[StreamDay], by: Grouping) -> None:
    lines = group_revenue(found, by, streams=STREAMS)
    total = total_of(lines)
    assert total.earned == sum(r.credited for r in found)
    assert total.given_back == sum(r.debited for r in found)
    assert [line.key for line in lines] == sorted({line.key for line in lines})


def test_every_known_stream_has_a_line_even_without_revenue() -> None:
    lines = group_revenue(
        [StreamDay("mdr", date(2026, 12, 1), 5, 1)], Grouping.STREAM, streams=STREAMS
    )
    assert {line.key: line.net for line in lines} == dict.fromkeys(STREAMS, 0) | {"mdr": 4}


def test_days_and_months() -> None:
    found = [
        StreamDay("mdr", date(2026, 11, 30), 5, 0),
        StreamDay("mdr", date(2026, 12, 1), 7, 2),
        StreamDay("advertising", date(2026, 12, 1), 1, 0),
    ]
    assert [(x.key, x.net) for x in group_revenue(found, Grouping.DAY)] == [
        ("2026-11-30", 5),
        ("2026-12-01", 6),
    ]
    assert [(x.key, x.net) for x in group_revenue(found, Grouping.MONTH)] == [
        ("2026-11", 5),
        ("2026-12", 6),
    ]


def test_streams_find_their_business_line_by_name_then_prefix_else_other() -> None:
    line = CURRENT_PLACEMENT.line_of
    assert line("mdr") is BusinessLine.PAYMENTS
    assert line("interest_spread") is BusinessLine.LENDING
    assert line("bnpl_penalty") is BusinessLine.CONSUMER_CREDIT
    assert line("crowdfunding_tip") is BusinessLine.CROWDFUNDING
    assert line("insurance_commission") is BusinessLine.INSURANCE
    assert line("management_fee") is BusinessLine.WEALTH
    assert line("scf_fee") is BusinessLine.SUPPLY_CHAIN
    assert line("advertising") is BusinessLine.ADVERTISING
    assert line("something_new") is BusinessLine.OTHER
