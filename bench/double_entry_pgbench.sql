-- The least a double-entry transfer is, as plain SQL: pgbench's script for the "plain" side of
-- bench/pgledger_method.py (pgledger's method: N accounts, concurrent workers, transfers per
-- second, milliseconds and bytes per transfer).
--
-- On Agora's own ledger tables: both accounts locked FOR UPDATE in id order, one
-- ledger_transfer row, both accounts' posted totals moved, COMMIT. No idempotency key, no
-- daily outflow counter, no audit row, no outbox events: what a ledger library that only
-- keeps books (pgledger is one) writes. bench/transfer_pgbench.sql adds everything else an
-- Agora `transfer` commits; the gap between the two scripts is the price of those guarantees,
-- the gap between that script and Agora is what Python and HTTP cost.
--
-- Needs -D base=<first account id> -D n=<accounts>: n funded WALLET accounts with
-- consecutive ids (bench/transfer.py's set_up_pgbench_accounts).
\set a random(0, :n - 1)
\set b random(0, :n - 2)
\set b CASE WHEN :b >= :a THEN :b + 1 ELSE :b END
\set debit :base + :a
\set credit :base + :b
\set lo least(:debit, :credit)
\set hi greatest(:debit, :credit)
BEGIN;
SELECT id FROM ledger_account WHERE id IN (:lo, :hi) ORDER BY id FOR UPDATE;
INSERT INTO ledger_transfer
    (id, journal_id, kind, debit_account_id, credit_account_id, amount, currency, reason,
     pending_id, expires_at, created_at, details)
  VALUES (gen_random_uuid(), gen_random_uuid(), 'POSTED', :debit, :credit, 1, 'CNY', 'PGBENCH',
          NULL, NULL, now(), '{}');
UPDATE ledger_account SET debits_posted = debits_posted + 1 WHERE id = :debit;
UPDATE ledger_account SET credits_posted = credits_posted + 1 WHERE id = :credit;
COMMIT;
