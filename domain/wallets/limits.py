"""Daily limits by KYC level (pure): how much more may leave a wallet today."""

from domain.participants.kyc import KycLevel, limits_for
from domain.wallets.errors import LimitExceeded


def check_daily(*, level: KycLevel, operation: str, used_today: int, amount: int) -> None:
    """LimitExceeded when `amount` on top of today's `used_today` passes the level's cap."""
    limits = limits_for(level)
    if operation == "withdrawal" and not limits.may_withdraw:
        raise LimitExceeded("verify your identity (KYC) before withdrawing", field="amount")
    cap = (
        limits.daily_withdrawal_minor if operation == "withdrawal" else limits.daily_transfer_minor
    )
    if cap is None:
        return
    if cap == 0:
        raise LimitExceeded(f"verify your identity (KYC) before any {operation}", field="amount")
    if used_today + amount > cap:
        raise LimitExceeded(
            f"today's {operation} limit at your verification level is {cap} minor units; "
            f"{max(cap - used_today, 0)} remain",
            field="amount",
        )
