"""A placement's prepaid budget: a ledger hold on the advertiser's wallet, charged to the
revenue stream `advertising` in batches.

A ledger hold resolves once, and a partial capture counts the whole hold as having left the
wallet that day; so a batch voids the hold, posts the charge from the wallet to revenue and
holds what is left again, all under the locks of one transaction: the wallet never sees the
budget free, and its daily outflow counters stay true (`agora ledger verify` recomputes
them). An end voids the hold and charges the last batch: the rest is back in the wallet.
Every charge is a POSTED transfer whose details name the placement, so the ledger alone
says what each placement paid (verify checks it against `charged`).
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlmodel.ext.asyncio.session import AsyncSession

from domain.advertising.tables import AdPlacement
from domain.ledger.account_kinds import AccountKind
from domain.ledger.balances import TransferKind
from domain.ledger.services.account_locks import AccountKey, lock_accounts_by_key
from domain.ledger.services.holds import void_hold
from domain.ledger.services.posting import Leg, post_transfers
from domain.wallets.services.accounts import wallet_key

STREAM = "advertising"
HOLD_REASON = "ADVERTISING_BUDGET"
CHARGE_REASON = "ADVERTISING_CHARGE"


def revenue_key(currency: str) -> AccountKey:
    return AccountKey(AccountKind.PLATFORM_REVENUE, currency, label=STREAM)


async def _post(
    session: AsyncSession,
    p: AdPlacement,
    amount: int,
    kind: TransferKind,
    reason: str,
    now: datetime,
) -> UUID:
    wallet, revenue = wallet_key(p.advertiser_id, p.currency), revenue_key(p.currency)
    accounts = await lock_accounts_by_key(session, {wallet, revenue}, now=now)
    leg = Leg(accounts[wallet].id, accounts[revenue].id, amount, reason, {"placement": str(p.id)})
    [transfer] = await post_transfers(
        session, legs=[leg], now=now, kind=kind, locked={a.id: a for a in accounts.values()}
    )
    return transfer


async def hold_budget(session: AsyncSession, p: AdPlacement, amount: int, now: datetime) -> UUID:
    """Hold `amount` of the advertiser's wallet for the placement; the hold's id
    (InsufficientFunds if the wallet has less free)."""
    return await _post(session, p, amount, TransferKind.PENDING, HOLD_REASON, now)


async def charge_budget(
    session: AsyncSession, p: AdPlacement, *, amount: int, final: bool, now: datetime
) -> int:
    """Charge `amount` (within what is held) to revenue; hold the rest again, or give it back
    when `final`. What went back to the wallet."""
    assert p.hold_id is not None, "an ACTIVE placement holds its budget"
    assert 0 <= amount <= p.budget - p.charged, "never beyond what is held"
    left = p.budget - p.charged - amount
    await void_hold(session, hold_id=p.hold_id, now=now)
    if amount:
        await _post(session, p, amount, TransferKind.POSTED, CHARGE_REASON, now)
    p.charged += amount
    if final or left == 0:
        p.hold_id = None
        return left
    p.hold_id = await hold_budget(session, p, left, now)
    return 0
