"""A settlement batch as CSV: one row per entry, then the totals and the payout (pure).

Every money column is a decimal string in the currency's digits ("123.45"), never a float.
A payment row shows what it brought, a refund row what it took back, so each column sums to
the batch's figure: the TOTAL row carries gross, refunds, fees, splits and net.
"""

from __future__ import annotations

import csv
import io

from domain.money import Money
from domain.payments.settlement import EntryKind, SettlementBatch

HEADER = ("row", "reference", "date", "gross", "refund", "fee", "splits", "net", "currency")
# Spreadsheets run a cell that starts with one of these as a formula (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def settlement_csv(batch: SettlementBatch) -> str:
    """The batch's report as RFC 4180 CSV text (CRLF line ends), header first."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    writer.writerows(settlement_rows(batch))
    return out.getvalue()


def settlement_rows(batch: SettlementBatch) -> list[tuple[str, ...]]:
    """The report's rows after the header, each cell already a string."""
    zero = Money.zero(batch.carried_in.currency)
    rows = []
    for entry in batch.entries:
        sign = entry.sign
        is_payment = entry.kind is EntryKind.PAYMENT
        rows.append(
            _row(
                entry.kind.value,
                entry.reference,
                entry.occurred_on.isoformat(),
                gross=entry.gross if is_payment else zero,
                refund=zero if is_payment else entry.gross,
                fee=Money(sign * entry.fee.minor, entry.fee.currency),
                splits=Money(sign * entry.splits.minor, entry.splits.currency),
                net=entry.net,
            )
        )
    day = batch.settled_on.isoformat()
    rows.append(
        _row(
            "TOTAL",
            batch.merchant_id,
            day,
            gross=batch.gross,
            refund=batch.refunds,
            fee=batch.fees,
            splits=batch.splits,
            net=batch.net,
        )
    )
    for label, amount in (
        ("CARRIED_IN", batch.carried_in),
        ("PAYOUT", batch.payout),
        ("CARRIED_OUT", batch.carried_out),
    ):
        rows.append(_row(label, batch.merchant_id, day, net=amount))
    return rows


def _row(
    label: str,
    reference: str,
    day: str,
    *,
    net: Money,
    gross: Money | None = None,
    refund: Money | None = None,
    fee: Money | None = None,
    splits: Money | None = None,
) -> tuple[str, ...]:
    amounts = (gross, refund, fee, splits, net)
    cells = tuple("" if a is None else a.to_decimal_string() for a in amounts)
    return (label, _safe(reference), day, *cells, net.currency)


def _safe(text: str) -> str:
    return "'" + text if text.startswith(_FORMULA_START) else text
