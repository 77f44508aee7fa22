"""The settlement job's statements: each serves every merchant of a transaction at once.

Merchants are named by JSON documents that PostgreSQL expands (`jsonb_to_recordset`), sorted
by merchant and currency so that concurrent workers take row locks in one order.
"""

from __future__ import annotations

from sqlalchemy import text

# Merchants with lines to settle, or with a balance carried from their last batch.
MERCHANTS_TO_SETTLE = text(
    """
    SELECT merchant_id, currency FROM settlement_line WHERE batch_id IS NULL
    UNION
    SELECT merchant_id, currency FROM (
        SELECT DISTINCT ON (merchant_id, currency) merchant_id, currency, carried_out
        FROM settlement_batch ORDER BY merchant_id, currency, settled_on DESC
    ) last WHERE carried_out <> 0
    ORDER BY merchant_id, currency
    """
)

# Each merchant's unsettled lines payable by its own day; another worker's are skipped.
PAYABLE_LINES = text(
    """
    SELECT l.id, l.merchant_id, l.currency, l.kind, l.reference_id, l.occurred_on,
           l.gross, l.fee, l.splits
    FROM jsonb_to_recordset(CAST(:due AS jsonb)) AS d(merchant_id uuid, currency text,
                                                      through date)
    JOIN settlement_line l
      ON l.merchant_id = d.merchant_id AND l.currency = d.currency
     AND l.occurred_on <= d.through AND l.batch_id IS NULL
    ORDER BY l.id
    FOR UPDATE OF l SKIP LOCKED
    """
)

# What each merchant's last batch before today carried out, that row locked: a payout
# refused meanwhile carries into it (domain/payments/services/payouts.py), so wait for that.
CARRIED_IN = text(
    """
    SELECT d.merchant_id, d.currency, last.carried_out
    FROM jsonb_to_recordset(CAST(:due AS jsonb)) AS d(merchant_id uuid, currency text)
    CROSS JOIN LATERAL (
        SELECT b.carried_out FROM settlement_batch b
        WHERE b.merchant_id = d.merchant_id AND b.currency = d.currency AND b.settled_on < :day
        ORDER BY b.settled_on DESC
        LIMIT 1
        FOR UPDATE
    ) last
    """
)

# The batch rows, UNIQUE per merchant, currency and day: the claim. The ids written.
CLAIM_BATCHES = text(
    """
    INSERT INTO settlement_batch (id, merchant_id, currency, settled_on, gross, refunds, fees,
                                  splits, net, carried_in, payout, carried_out, lines,
                                  created_at)
    SELECT id, merchant_id, currency, settled_on, gross, refunds, fees, splits, net,
           carried_in, payout, carried_out, lines, created_at
    FROM jsonb_to_recordset(CAST(:batches AS jsonb)) AS b(
        id uuid, merchant_id uuid, currency text, settled_on date, gross bigint,
        refunds bigint, fees bigint, splits bigint, net bigint, carried_in bigint,
        payout bigint, carried_out bigint, lines int, created_at timestamptz)
    ORDER BY merchant_id, currency
    ON CONFLICT ON CONSTRAINT settlement_batch_day DO NOTHING
    RETURNING id
    """
)

# Each batch's lines, by id: the lines it was computed from, none added since.
MARK_LINES = text(
    """
    UPDATE settlement_line l SET batch_id = b.batch_id
    FROM jsonb_to_recordset(CAST(:batches AS jsonb)) AS b(batch_id uuid, lines bigint[])
    WHERE l.id = ANY(b.lines)
    """
)
