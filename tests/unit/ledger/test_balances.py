"""Pure balance rules: every transfer keeps debits equal to credits; limits hold."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.ledger.balances import Balances, Limits, TransferKind, apply
from support.examples import examples

WALLET = Limits(debits_must_not_exceed_credits=True)


def test_a_posted_transfer_moves_money_at_once() -> None:
    debit, credit = apply(TransferKind.POSTED, Balances(credits_posted=500), Balances(), 200)

    assert debit.credit_balance == 300
    assert credit.credit_balance == 200


def test_a_hold_reserves_then_a_partial_post_moves_part_and_releases_the_rest() -> None:
    held_debit, held_credit = apply(
        TransferKind.PENDING, Balances(credits_posted=500), Balances(), 200
    )
    debit, credit = apply(TransferKind.POST_PENDING, held_debit, held_credit, 150, held=200)

    assert held_debit.available_credit == 300
    assert debit == Balances(debits_posted=150, credits_posted=500)
    assert credit == Balances(credits_posted=150)


def test_a_void_releases_the_whole_hold() -> None:
    held_debit, held_credit = apply(
        TransferKind.PENDING, Balances(credits_posted=500), Balances(), 200
    )

    debit, credit = apply(TransferKind.VOID_PENDING, held_debit, held_credit, 200, held=200)

    assert (debit, credit) == (Balances(credits_posted=500), Balances())


def test_posting_more_than_the_hold_is_refused() -> None:
    with pytest.raises(ValueError, match="more than the hold"):
        apply(
            TransferKind.POST_PENDING,
            Balances(debits_pending=5),
            Balances(credits_pending=5),
            6,
            held=5,
        )


def test_a_wallet_may_not_spend_what_holds_reserve() -> None:
    wallet = Balances(credits_posted=100, debits_pending=80)

    assert WALLET.allow(wallet)
    assert not WALLET.allow(apply(TransferKind.POSTED, wallet, Balances(), 21)[0])


@dataclass
class Hold:
    debit: int
    credit: int
    amount: int


operations = st.lists(
    st.tuples(
        st.sampled_from(["post", "hold", "capture", "void"]),
        st.integers(0, 3),
        st.integers(0, 3),
        st.integers(1, 1_000),
    ),
    max_size=60,
)


@settings(max_examples=examples(200))
@given(operations)
def test_random_operations_keep_the_books_balanced_and_wallets_solvent(ops: list) -> None:
    # given four wallets (0-3) funded from an unlimited settlement account (4)
    accounts = [Balances() for _ in range(5)]
    limits = [WALLET] * 4 + [Limits()]
    holds: list[Hold] = []
    for wallet in range(4):
        accounts[4], accounts[wallet] = apply(
            TransferKind.POSTED, accounts[4], accounts[wallet], 500
        )

    # when random operations run, each refused if it breaks a limit
    for op, a, b, amount in ops:
        if op in ("post", "hold") and a != b:
            kind = TransferKind.POSTED if op == "post" else TransferKind.PENDING
            debit, credit = apply(kind, accounts[a], accounts[b], amount)
            if limits[a].allow(debit) and limits[b].allow(credit):
                accounts[a], accounts[b] = debit, credit
                if op == "hold":
                    holds.append(Hold(a, b, amount))
        elif holds and op in ("capture", "void"):
            hold = holds.pop(0)
            kind = TransferKind.POST_PENDING if op == "capture" else TransferKind.VOID_PENDING
            moved = min(amount, hold.amount) if op == "capture" else hold.amount
            accounts[hold.debit], accounts[hold.credit] = apply(
                kind, accounts[hold.debit], accounts[hold.credit], moved, held=hold.amount
            )

    # then debits equal credits, posted and pending, and no wallet is overdrawn
    assert sum(x.debits_posted for x in accounts) == sum(x.credits_posted for x in accounts)
    assert sum(x.debits_pending for x in accounts) == sum(x.credits_pending for x in accounts)
    assert all(limits[i].allow(accounts[i]) for i in range(4))
    assert sum(x.credit_balance for x in accounts) == 0
