"""When escrowed money is released without the buyer, and until when a dispute may open (pure).

Taobao's rule (担保交易): once the merchant ships, the buyer has `auto_release_days` calendar
days to confirm receipt; after that the money is released to the merchant automatically.
The buyer may extend that period a limited number of times (goods still on the way). A
dispute can be opened only while the money is held and the period has not run out: once
released, the money has left escrow. An open dispute stops the clock, since a disputed
payment is no longer HELD and only the operator releases it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from domain.payments.states import PaymentState


@dataclass(frozen=True, slots=True)
class EscrowTerms:
    auto_release_days: int = 10
    extension_days: int = 3
    max_extensions: int = 1

    def __post_init__(self) -> None:
        if self.auto_release_days < 1 or self.extension_days < 0 or self.max_extensions < 0:
            raise ValueError("escrow periods must be positive and extensions not negative")


def auto_release_at(
    *, shipped_at: datetime, terms: EscrowTerms = EscrowTerms(), extensions: int = 0
) -> datetime:
    """The moment a shipped, undisputed payment is released if the buyer says nothing."""
    _aware(shipped_at)
    if not 0 <= extensions <= terms.max_extensions:
        raise ValueError(f"at most {terms.max_extensions} extensions of the release date")
    days = terms.auto_release_days + extensions * terms.extension_days
    return shipped_at + timedelta(days=days)


def release_due(
    *,
    state: PaymentState,
    now: datetime,
    shipped_at: datetime | None,
    terms: EscrowTerms = EscrowTerms(),
    extensions: int = 0,
) -> bool:
    """Whether the auto-release worker should release this payment at `now`."""
    _aware(now)
    if state is not PaymentState.HELD or shipped_at is None:
        return False
    return now >= auto_release_at(shipped_at=shipped_at, terms=terms, extensions=extensions)


def can_open_dispute(
    *,
    state: PaymentState,
    now: datetime,
    shipped_at: datetime | None,
    terms: EscrowTerms = EscrowTerms(),
    extensions: int = 0,
) -> bool:
    """A buyer may dispute a held payment until the moment it would be auto-released."""
    _aware(now)
    if state is not PaymentState.HELD:
        return False
    if shipped_at is None:
        return True
    return now < auto_release_at(shipped_at=shipped_at, terms=terms, extensions=extensions)


def can_extend(
    *,
    state: PaymentState,
    now: datetime,
    shipped_at: datetime | None,
    terms: EscrowTerms = EscrowTerms(),
    extensions: int = 0,
) -> bool:
    """Whether the buyer may push the release of a shipped, held payment back once more:
    before it runs out, and no more than `max_extensions` times."""
    return (
        shipped_at is not None
        and extensions < terms.max_extensions
        and can_open_dispute(
            state=state, now=now, shipped_at=shipped_at, terms=terms, extensions=extensions
        )
    )


def _aware(moment: datetime) -> None:
    if moment.tzinfo is None:
        raise ValueError("escrow times must carry a time zone (the clock's UTC)")
