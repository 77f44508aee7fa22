"""Capture: escrowed money leaves the hold and is shared out, every leg in one transaction.

The hold on the shopper's wallet is posted into ESCROW (in full, or in part when a dispute
gives some back: the rest of the hold returns to the shopper), then ESCROW pays the MDR fee
to platform revenue ("mdr") and each split leg to its recipient. The merchant's leg is
what its settlement later pays out; the settlement line is written here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from sqlmodel.ext.asyncio.session import AsyncSession

from domain.errors import InvalidInput
from domain.ledger.services.account_locks import AccountKey, lock_accounts_by_key
from domain.ledger.services.holds import post_hold
from domain.ledger.services.posting import Leg, LockedAccount, post_transfers
from domain.money import Money
from domain.payments.fees import mdr_fee
from domain.payments.services.accounts import escrow_key, mdr_key, party_key
from domain.payments.settlement import SettlementEntry
from domain.payments.settlement_entries import payment_entry
from domain.payments.tables import PaymentIntent, SettlementLine
from domain.revenue.refund_reversal import CapturedSplit
from domain.revenue.services.fee_plans import merchant_terms
from domain.revenue.services.split_rules import default_rule, merchant_only, rule_of
from domain.revenue.splits import InvalidSplitRule, Party, Role, SplitLeg, SplitRule, apply_split
from domain.revenue.tables import SplitRuleRow


async def split_rule_for(session: AsyncSession, intent: PaymentIntent) -> SplitRule:
    """The payment's own rule, else the merchant's default, else all to the merchant."""
    row = None
    if intent.split_rule_id is not None:
        row = await session.get(SplitRuleRow, intent.split_rule_id)
    if row is None:
        row = await default_rule(session, merchant_id=intent.merchant_id, currency=intent.currency)
    return merchant_only(intent.merchant_id) if row is None else rule_of(row)


def split_json(split: CapturedSplit) -> dict[str, Any]:
    return {"fee": split.fee.minor, "legs": legs_json(split.legs)}


def legs_json(legs: tuple[SplitLeg, ...]) -> list[dict[str, Any]]:
    return [
        {"role": leg.party.role.value, "partyId": leg.party.party_id, "amount": leg.amount.minor}
        for leg in legs
    ]


def captured_split_of(intent: PaymentIntent) -> CapturedSplit:
    stored = intent.captured_split
    return CapturedSplit(
        fee=Money(stored["fee"], intent.currency),
        legs=tuple(
            SplitLeg(
                Party(Role(leg["role"]), leg["partyId"]), Money(leg["amount"], intent.currency)
            )
            for leg in stored["legs"]
        ),
    )


def merchant_party(intent: PaymentIntent) -> Party:
    return Party(Role.MERCHANT, str(intent.merchant_id))


def settlement_line(intent: PaymentIntent, entry: SettlementEntry) -> SettlementLine:
    """The row the settlement job reads for `entry` (domain/payments/settlement_entries.py)."""
    return SettlementLine(
        merchant_id=intent.merchant_id,
        currency=intent.currency,
        kind=entry.kind.value,
        reference_id=UUID(entry.reference),
        occurred_on=entry.occurred_on,
        gross=entry.gross.minor,
        fee=entry.fee.minor,
        splits=entry.splits.minor,
    )


def record_payment_entry(
    session: AsyncSession, intent: PaymentIntent, split: CapturedSplit, now: datetime
) -> None:
    entry = payment_entry(
        reference=str(intent.id),
        released_on=now.date(),
        split=split,
        merchant=merchant_party(intent),
    )
    session.add(settlement_line(intent, entry))


async def split_of(session: AsyncSession, intent: PaymentIntent, amount: int) -> CapturedSplit:
    """How `amount` of the intent is shared: the merchant's fee, then its split rule."""
    captured = Money(amount, intent.currency)
    terms = await merchant_terms(session, merchant_id=intent.merchant_id, currency=intent.currency)
    fee = mdr_fee(captured, terms.fee)
    try:
        legs = tuple(apply_split(captured - fee, await split_rule_for(session, intent)))
    except InvalidSplitRule as error:
        raise InvalidInput(
            f"the split rule does not fit this amount: {error}", field="amount"
        ) from None
    return CapturedSplit(fee=fee, legs=legs)


def share_keys(intent: PaymentIntent, split: CapturedSplit) -> set[AccountKey]:
    """The accounts sharing out a capture touches: ESCROW, MDR revenue and the recipients."""
    currency = intent.currency
    return {
        escrow_key(currency),
        mdr_key(currency),
        *(party_key(leg.party, currency) for leg in split.legs),
    }


def share_legs(
    intent: PaymentIntent, split: CapturedSplit, accounts: Mapping[AccountKey, LockedAccount]
) -> list[Leg]:
    """ESCROW pays the fee to MDR revenue and each split leg to its recipient (none of 0)."""
    currency, details = intent.currency, {"payment": str(intent.id)}
    escrow = accounts[escrow_key(currency)].id
    legs = [Leg(escrow, accounts[mdr_key(currency)].id, split.fee.minor, "MDR", details)]
    legs += [
        Leg(
            escrow,
            accounts[party_key(leg.party, currency)].id,
            leg.amount.minor,
            "PAYMENT_SPLIT",
            {**details, "role": leg.party.role.value},
        )
        for leg in split.legs
    ]
    return [leg for leg in legs if leg.amount > 0]


def locked_for(
    legs: Sequence[Leg], accounts: Mapping[AccountKey, LockedAccount]
) -> dict[int, LockedAccount]:
    """The locked accounts `legs` move money between, by id (post_transfers' `locked`)."""
    used = {a for leg in legs for a in (leg.debit_account, leg.credit_account)}
    return {a.id: a for a in accounts.values() if a.id in used}


def record_capture(
    session: AsyncSession, intent: PaymentIntent, split: CapturedSplit, amount: int, now: datetime
) -> None:
    """The intent's captured figures and the settlement line the merchant will be paid from."""
    intent.fee_amount, intent.captured_amount = split.fee.minor, amount
    intent.captured_split = split_json(split)
    intent.released_at = now
    record_payment_entry(session, intent, split, now)


async def capture(
    session: AsyncSession, intent: PaymentIntent, *, amount: int, now: datetime
) -> CapturedSplit:
    """Post `amount` of the intent's hold and share it: fee, then the split of the rest."""
    assert intent.hold_id is not None, "only a paid intent is captured"
    split = await split_of(session, intent, amount)
    await post_hold(session, hold_id=intent.hold_id, now=now, amount=amount)
    # Locked after the hold is posted, so ESCROW's balance read here includes it.
    accounts = await lock_accounts_by_key(session, share_keys(intent, split), now=now)
    legs = share_legs(intent, split, accounts)
    await post_transfers(
        session, legs=legs, now=now, journal_id=uuid4(), locked=locked_for(legs, accounts)
    )
    record_capture(session, intent, split, amount, now)
    return split
