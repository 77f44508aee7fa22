"""`agora ledger verify`'s verdict as lines, for the command and for `agora demo`."""

from __future__ import annotations

from domain.ledger.services.verification import LedgerReport


def verdict_lines(report: LedgerReport) -> list[str]:
    lines = [f"accounts        {report.accounts}"]
    for currency, totals in sorted(report.currencies.items()):
        state = "balanced" if totals.balanced else "UNBALANCED"
        lines.append(
            f"{currency}             debits {totals.debits_posted} = credits "
            f"{totals.credits_posted} posted, {totals.debits_pending} = "
            f"{totals.credits_pending} pending: {state}"
        )
    for account in report.mismatched_accounts:
        lines.append(f"MISMATCH        account {account}: cached balances differ from the journal")
    for account in report.miscounted_outflows:
        lines.append(f"MISMATCH        wallet {account}: daily outflow differs from the journal")
    for account in report.miscounted_revenue:
        lines.append(f"MISMATCH        revenue {account}: daily revenue differs from the journal")
    for placement in report.misbilled_placements:
        lines.append(f"MISMATCH        placement {placement}: charges or held budget differ")
    lines.append("ledger          " + ("consistent" if report.consistent else "INCONSISTENT"))
    return lines
