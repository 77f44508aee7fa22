"""The settlement report as CSV: decimal strings, columns that sum to the batch's figures."""

import csv
import io
from datetime import date
from decimal import Decimal

from domain.money import Money
from domain.payments.settlement import (
    EntryKind,
    PayoutSchedule,
    SettlementEntry,
    settle_merchant,
)
from domain.payments.settlement_report import HEADER, settlement_csv

DAY = date(2026, 11, 30)


def cny(minor: int) -> Money:
    return Money(minor, "CNY")


def make_batch() -> str:
    entries = [
        SettlementEntry(EntryKind.PAYMENT, "pay-1", DAY, cny(10_000), cny(60), cny(200)),
        SettlementEntry(EntryKind.REFUND, "=HYPERLINK()", DAY, cny(2_500), cny(15), cny(50)),
    ]
    batch = settle_merchant(
        merchant_id="m-1",
        entries=entries,
        on=date(2026, 12, 1),
        schedule=PayoutSchedule(minimum_payout=cny(100)),
        carried_in=cny(-45),
    )
    return settlement_csv(batch)


def test_the_report_lists_entries_then_totals_and_the_payout() -> None:
    # when
    text = make_batch()

    # then
    assert text.splitlines() == [
        ",".join(HEADER),
        "PAYMENT,pay-1,2026-11-30,100.00,0.00,0.60,2.00,97.40,CNY",
        "REFUND,'=HYPERLINK(),2026-11-30,0.00,25.00,-0.15,-0.50,-24.35,CNY",
        "TOTAL,m-1,2026-12-01,100.00,25.00,0.45,1.50,73.05,CNY",
        "CARRIED_IN,m-1,2026-12-01,,,,,-0.45,CNY",
        "PAYOUT,m-1,2026-12-01,,,,,72.60,CNY",
        "CARRIED_OUT,m-1,2026-12-01,,,,,0.00,CNY",
    ]
    assert text.endswith("\r\n")


def test_each_column_of_the_entries_sums_to_its_total() -> None:
    rows = list(csv.DictReader(io.StringIO(make_batch())))
    entries = [row for row in rows if row["row"] in {"PAYMENT", "REFUND"}]
    (total,) = [row for row in rows if row["row"] == "TOTAL"]
    for column in ("gross", "refund", "fee", "splits", "net"):
        assert sum(Decimal(row[column]) for row in entries) == Decimal(total[column])
