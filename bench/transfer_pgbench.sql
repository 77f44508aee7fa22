-- One Agora wallet-to-wallet transfer as plain SQL: pgbench's side of bench/transfer.py.
--
-- The same rows, in the same tables, in the same order as Agora's `transfer` mutation
-- writes them (domain/idempotency/service.py, domain/ledger/services/posting.py,
-- domain/audit/service.py), one transaction, no Python:
--   claim the idempotency key (INSERT; Agora claims it first, before any lock)
--   lock both ledger accounts FOR UPDATE, in id order (as lock_accounts does)
--   insert the ledger_transfer row (POSTED, 0.01 CNY)
--   add it to the sender's daily outflow counter (what the KYC daily limit reads)
--   update both accounts' cached balances (returning them, for the events)
--   insert the audit row
--   insert one `wallet.changed` outbox event per wallet (both in one statement, as the
--   ledger's write_back records them), with the balances after the change
--   COMMIT (fsync on, synchronous_commit as the server has it)
-- What Agora does besides (participant reads, the get-or-create of both wallets, reading
-- the daily outflow before the limit check, a savepoint, a second write to the idempotency row, the wallet read for
-- the payload) is left out on purpose: this is the least SQL a transfer with the same
-- guarantees needs, the ceiling to compare with.
--
-- Needs -D base=<first account id> -D n=<accounts>: n funded WALLET accounts with
-- consecutive ids, made by bench/transfer.py. Each run moves 1 minor unit between a random
-- pair; balances never run dry within a run of minutes.
\set a random(0, :n - 1)
\set b random(0, :n - 2)
\set b CASE WHEN :b >= :a THEN :b + 1 ELSE :b END
\set debit :base + :a
\set credit :base + :b
\set lo least(:debit, :credit)
\set hi greatest(:debit, :credit)
BEGIN;
INSERT INTO idempotency_record
    (scope, key, operation, fingerprint, outcome, response, created_at, expires_at)
  VALUES ('pgbench:' || :client_id, gen_random_uuid()::text, 'wallet.transfer',
          md5(:debit::text) || md5(:credit::text), 'SUCCEEDED',
          jsonb_build_object('journal_id', gen_random_uuid(), 'transfer_id', gen_random_uuid(),
                             'status', 'SUCCEEDED'),
          now(), now() + interval '24 hours');
SELECT id, currency, frozen, debits_pending, debits_posted, credits_pending, credits_posted,
       debits_must_not_exceed_credits, credits_must_not_exceed_debits
  FROM ledger_account WHERE id IN (:lo, :hi) ORDER BY id FOR UPDATE;
INSERT INTO ledger_transfer
    (id, journal_id, kind, debit_account_id, credit_account_id, amount, currency, reason,
     pending_id, expires_at, created_at, details)
  VALUES (gen_random_uuid(), gen_random_uuid(), 'POSTED', :debit, :credit, 1, 'CNY', 'PGBENCH',
          NULL, NULL, now(), '{"memo": ""}');
INSERT INTO ledger_daily_outflow (account_id, day, reason, amount)
  VALUES (:debit, (now() AT TIME ZONE 'UTC')::date, 'PGBENCH', 1)
  ON CONFLICT (account_id, day, reason)
  DO UPDATE SET amount = ledger_daily_outflow.amount + excluded.amount;
UPDATE ledger_account SET debits_posted = debits_posted + 1 WHERE id = :debit
  RETURNING credits_posted - debits_posted - debits_pending AS debit_available,
            debits_pending AS debit_held, credits_posted - debits_posted AS debit_total \gset
UPDATE ledger_account SET credits_posted = credits_posted + 1 WHERE id = :credit
  RETURNING credits_posted - debits_posted - debits_pending AS credit_available,
            debits_pending AS credit_held, credits_posted - debits_posted AS credit_total \gset
INSERT INTO audit_entry
    (occurred_at, actor_kind, actor_id, api_key_id, action, outcome, target_type, target_id,
     ip, user_agent, request_id, details)
  VALUES (now(), 'PERSON', md5('sender' || :debit)::uuid, NULL, 'wallet.transfer', 'SUCCESS',
          'Participant', md5('recipient' || :credit)::uuid::text, '127.0.0.1', 'pgbench',
          md5(random()::text), '{"amount": 1, "currency": "CNY"}');
INSERT INTO outbox_event
    (type, topic, version, aggregate_type, aggregate_id, audience, payload, correlation_id,
     occurred_at)
  VALUES ('wallet.changed', 'wallet', 1, 'Wallet', :debit::text,
          ARRAY[md5('sender' || :debit)::uuid],
          jsonb_build_object('currency', 'CNY', 'available', :debit_available,
                             'held', :debit_held, 'total', :debit_total,
                             'journal_id', gen_random_uuid(), 'reason', 'PGBENCH'),
          md5(random()::text), now()),
         ('wallet.changed', 'wallet', 1, 'Wallet', :credit::text,
          ARRAY[md5('recipient' || :credit)::uuid],
          jsonb_build_object('currency', 'CNY', 'available', :credit_available,
                             'held', :credit_held, 'total', :credit_total,
                             'journal_id', gen_random_uuid(), 'reason', 'PGBENCH'),
          md5(random()::text), now());
COMMIT;
