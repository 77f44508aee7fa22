"""Payment rails move money between the platform and the outside world (bank card, transfer).

The platform talks to a rail through this interface; `SimulatedRail` stands in for the
banks here and in tests, with outcomes scripted per reference or per amount.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Protocol

from domain.money import Money


class RailOutcome(Enum):
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    PENDING = "PENDING"  # the bank answers later


class RailMethod(Enum):
    BANK_CARD = "BANK_CARD"
    BANK_TRANSFER = "BANK_TRANSFER"


@dataclass(frozen=True, slots=True)
class RailResult:
    outcome: RailOutcome
    rail_reference: str
    failure_reason: str | None = None


class PaymentRail(Protocol):
    async def collect(self, *, reference: str, amount: Money, method: RailMethod) -> RailResult:
        """Pull money in (a deposit)."""
        ...

    async def pay_out(self, *, reference: str, amount: Money, method: RailMethod) -> RailResult:
        """Push money out (a withdrawal)."""
        ...

    async def payout_status(self, *, reference: str, amount: Money) -> RailResult:
        """Ask again about a pay-out the bank answered PENDING: paid, refused, or still pending."""
        ...


@dataclass
class SimulatedRail:
    """Succeeds unless told otherwise: `script[reference]` or `by_amount[minor]` decide (change
    the script between calls to have the bank answer a pending pay-out later)."""

    script: dict[str, RailOutcome] = field(default_factory=dict)
    by_amount: dict[int, RailOutcome] = field(default_factory=dict)
    calls: list[tuple[str, str, Money]] = field(default_factory=list)

    def _answer(self, kind: str, reference: str, amount: Money) -> RailResult:
        self.calls.append((kind, reference, amount))
        outcome = (
            self.script.get(reference) or self.by_amount.get(amount.minor) or RailOutcome.SUCCEEDED
        )
        reason = "declined by the simulated bank" if outcome is RailOutcome.FAILED else None
        return RailResult(outcome, f"sim-{kind}-{reference}", reason)

    async def collect(self, *, reference: str, amount: Money, method: RailMethod) -> RailResult:
        return self._answer("collect", reference, amount)

    async def pay_out(self, *, reference: str, amount: Money, method: RailMethod) -> RailResult:
        return self._answer("payout", reference, amount)

    async def payout_status(self, *, reference: str, amount: Money) -> RailResult:
        return self._answer("payout-status", reference, amount)
