"""`agora ledger verify`: every cached balance recomputed from the journal, per currency all
debits equal all credits, and every wallet's daily outflow counter and every revenue account's
daily revenue counter equals its journal; every advertising placement's charges and held
budget agree with it."""

from __future__ import annotations

from dataclasses import dataclass, field
from uuid import UUID

from sqlalchemy import text
from sqlmodel.ext.asyncio.session import AsyncSession

# Per account, the four sums the journal implies: posts and single-phase transfers are
# posted; holds are pending until a post or void names them.
RECOMPUTE = text(
    """
    WITH resolved AS (SELECT pending_id FROM ledger_transfer WHERE pending_id IS NOT NULL),
    sides AS (
        SELECT debit_account_id AS account_id, kind, amount, id, 'D' AS side FROM ledger_transfer
        UNION ALL
        SELECT credit_account_id, kind, amount, id, 'C' FROM ledger_transfer
    ),
    sums AS (
        SELECT account_id,
          COALESCE(SUM(amount) FILTER (WHERE side = 'D' AND kind = 'PENDING'
                   AND id NOT IN (SELECT pending_id FROM resolved)), 0) AS debits_pending,
          COALESCE(SUM(amount) FILTER (WHERE side = 'D'
                   AND kind IN ('POSTED', 'POST_PENDING')), 0) AS debits_posted,
          COALESCE(SUM(amount) FILTER (WHERE side = 'C' AND kind = 'PENDING'
                   AND id NOT IN (SELECT pending_id FROM resolved)), 0) AS credits_pending,
          COALESCE(SUM(amount) FILTER (WHERE side = 'C'
                   AND kind IN ('POSTED', 'POST_PENDING')), 0) AS credits_posted
        FROM sides GROUP BY account_id
    )
    SELECT a.id, a.currency,
           a.debits_pending, a.debits_posted, a.credits_pending, a.credits_posted,
           COALESCE(s.debits_pending, 0) AS j_debits_pending,
           COALESCE(s.debits_posted, 0) AS j_debits_posted,
           COALESCE(s.credits_pending, 0) AS j_credits_pending,
           COALESCE(s.credits_posted, 0) AS j_credits_posted
    FROM ledger_account a LEFT JOIN sums s ON s.account_id = a.id
    ORDER BY a.id
    """
)
# Per wallet, day (UTC) and reason, what the journal says left it (holds unless voided), held
# against the counters the daily limits read.
MISCOUNTED_OUTFLOWS = text(
    """
    WITH journal AS (
        SELECT t.debit_account_id AS account_id, (t.created_at AT TIME ZONE 'UTC')::date AS day,
               t.reason, SUM(t.amount) AS amount
        FROM ledger_transfer t JOIN ledger_account a ON a.id = t.debit_account_id
        WHERE a.kind = 'WALLET' AND t.kind IN ('POSTED', 'PENDING')
          AND NOT EXISTS (SELECT 1 FROM ledger_transfer v
                          WHERE v.pending_id = t.id AND v.kind = 'VOID_PENDING')
        GROUP BY 1, 2, 3
    )
    SELECT DISTINCT account_id
    FROM journal j FULL JOIN ledger_daily_outflow o USING (account_id, day, reason)
    WHERE COALESCE(j.amount, 0) <> COALESCE(o.amount, 0)
    ORDER BY account_id
    """
)
# Per revenue account and day (UTC), what the journal says it was credited and debited
# (posted), held against the counters the revenue reports read.
MISCOUNTED_REVENUE = text(
    """
    WITH sides AS (
        SELECT t.credit_account_id AS account_id, t.created_at, t.amount AS credited,
               0::bigint AS debited, t.kind
        FROM ledger_transfer t
        UNION ALL
        SELECT t.debit_account_id, t.created_at, 0::bigint, t.amount, t.kind
        FROM ledger_transfer t
    ),
    journal AS (
        SELECT s.account_id, (s.created_at AT TIME ZONE 'UTC')::date AS day,
               SUM(s.credited) AS credited, SUM(s.debited) AS debited
        FROM sides s JOIN ledger_account a ON a.id = s.account_id
        WHERE a.kind = 'PLATFORM_REVENUE' AND s.kind IN ('POSTED', 'POST_PENDING')
        GROUP BY 1, 2
    )
    SELECT DISTINCT account_id
    FROM journal j FULL JOIN ledger_daily_revenue r USING (account_id, day)
    WHERE COALESCE(j.credited, 0) <> COALESCE(r.credited, 0)
       OR COALESCE(j.debited, 0) <> COALESCE(r.debited, 0)
    ORDER BY account_id
    """
)
# Promoted placements (domain/advertising) against the journal: what each was charged is the
# sum of its posted charges; an active one holds exactly its unspent budget, by its hold_id;
# an ended one holds nothing.
MISBILLED_PLACEMENTS = text(
    """
    WITH charges AS (
        SELECT (details->>'placement')::uuid AS placement_id, SUM(amount) AS charged
        FROM ledger_transfer WHERE kind = 'POSTED' AND reason = 'ADVERTISING_CHARGE'
        GROUP BY 1
    ), held AS (
        SELECT (t.details->>'placement')::uuid AS placement_id, t.id, t.amount
        FROM ledger_transfer t
        WHERE t.kind = 'PENDING' AND t.reason = 'ADVERTISING_BUDGET'
          AND NOT EXISTS (SELECT 1 FROM ledger_transfer r WHERE r.pending_id = t.id)
    )
    SELECT p.id FROM ad_placement p LEFT JOIN charges c ON c.placement_id = p.id
    WHERE p.charged <> COALESCE(c.charged, 0)
       OR (SELECT COALESCE(SUM(h.amount), 0) FROM held h WHERE h.placement_id = p.id)
          <> CASE WHEN p.state = 'ACTIVE' THEN p.budget - p.charged ELSE 0 END
       OR (p.state = 'ACTIVE' AND NOT EXISTS (SELECT 1 FROM held h WHERE h.id = p.hold_id))
    ORDER BY p.id
    """
)
COLUMNS = ("debits_pending", "debits_posted", "credits_pending", "credits_posted")


@dataclass
class CurrencyTotals:
    debits_posted: int = 0
    credits_posted: int = 0
    debits_pending: int = 0
    credits_pending: int = 0

    @property
    def balanced(self) -> bool:
        return (
            self.debits_posted == self.credits_posted
            and self.debits_pending == self.credits_pending
        )


@dataclass
class LedgerReport:
    accounts: int = 0
    mismatched_accounts: list[int] = field(default_factory=list)
    miscounted_outflows: list[int] = field(default_factory=list)  # wallets' daily counters
    miscounted_revenue: list[int] = field(default_factory=list)  # revenue accounts' days
    misbilled_placements: list[UUID] = field(default_factory=list)  # advertising budgets
    currencies: dict[str, CurrencyTotals] = field(default_factory=dict)

    @property
    def consistent(self) -> bool:
        balanced = all(totals.balanced for totals in self.currencies.values())
        miscounted = (
            self.miscounted_outflows or self.miscounted_revenue or self.misbilled_placements
        )
        return balanced and not self.mismatched_accounts and not miscounted


async def verify_ledger(session: AsyncSession) -> LedgerReport:
    """Read in one REPEATABLE READ snapshot so concurrent postings cannot skew the sums."""
    await (await session.connection()).execute(
        text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
    )
    report = LedgerReport()
    for row in await (await session.connection()).execute(RECOMPUTE):
        report.accounts += 1
        cached = [getattr(row, c) for c in COLUMNS]
        journal = [getattr(row, f"j_{c}") for c in COLUMNS]
        if cached != journal:
            report.mismatched_accounts.append(row.id)
        totals = report.currencies.setdefault(row.currency, CurrencyTotals())
        totals.debits_pending += row.debits_pending
        totals.debits_posted += row.debits_posted
        totals.credits_pending += row.credits_pending
        totals.credits_posted += row.credits_posted
    outflows = await (await session.connection()).execute(MISCOUNTED_OUTFLOWS)
    report.miscounted_outflows = [row.account_id for row in outflows]
    revenue = await (await session.connection()).execute(MISCOUNTED_REVENUE)
    report.miscounted_revenue = [row.account_id for row in revenue]
    misbilled = await (await session.connection()).execute(MISBILLED_PLACEMENTS)
    report.misbilled_placements = [row.id for row in misbilled]
    return report
