"""Daily limits by KYC level (pure): whether a level may move money at all, and how much more
may leave a wallet today."""

from domain.money import Money
from domain.participants.kyc import KycLevel, KycRequired, limits_for
from domain.wallets.errors import LimitExceeded


def daily_cap(*, level: KycLevel, operation: str) -> int | None:
    """The level's daily cap for `operation` in minor units (None: no cap); KycRequired
    when the level may not do it at all."""
    limits = limits_for(level)
    if operation == "withdrawal" and not limits.may_withdraw:
        raise KycRequired("verify your identity (KYC) before withdrawing", field="amount")
    cap = (
        limits.daily_withdrawal_minor if operation == "withdrawal" else limits.daily_transfer_minor
    )
    if cap == 0:
        raise KycRequired(f"verify your identity (KYC) before any {operation}", field="amount")
    return cap


def check_daily(*, level: KycLevel, operation: str, used_today: int, amount: Money) -> None:
    """LimitExceeded when `amount` on top of today's `used_today` (minor units of its currency)
    passes the level's cap."""
    cap = daily_cap(level=level, operation=operation)
    if cap is not None and used_today + amount.minor > cap:
        limit, left = Money(cap, amount.currency), Money(max(cap - used_today, 0), amount.currency)
        raise LimitExceeded(
            f"today's {operation} limit at your verification level is {limit.text()}; "
            f"{left.text()} remains",
            field="amount",
        )
