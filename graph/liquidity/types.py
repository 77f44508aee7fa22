"""The operator's liquidity and risk view."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import strawberry

from domain.disclosure.figures import ratio
from domain.liquidity import thresholds
from domain.liquidity.services.position import CoverExposure as CoverRow
from domain.liquidity.services.position import LiquidityPosition
from domain.liquidity.services.position import PartyShare as ShareRow
from domain.money import Money as DomainMoney
from graph.money import Money
from graph.relay import to_global_id

RiskMetric = thresholds.Metric
ThresholdBound = thresholds.Bound
strawberry.enum(RiskMetric, description="A ratio the platform's risk thresholds bound.")
strawberry.enum(ThresholdBound, description="FLOOR: breached below; CEILING: above.")


def _money(minor: int, currency: str) -> Money:
    return Money.of(DomainMoney(minor, currency))


@strawberry.type(description="One participant's share of the outstanding principal.")
class PartyExposure:
    participant_id: strawberry.ID
    amount: Money
    share: str = strawberry.field(description="amount / outstanding principal, six places.")

    @classmethod
    def of(cls, row: ShareRow, total: int, currency: str) -> PartyExposure:
        return cls(
            participant_id=to_global_id("Participant", row.party_id),
            amount=_money(row.amount, currency),
            share=ratio(row.amount, total),
        )


@strawberry.type(description="An insurer or guarantor: what it covers, and what it holds.")
class CoverProviderExposure:
    participant_id: strawberry.ID
    kind: str = strawberry.field(description="INSURANCE or GUARANTEE.")
    at_risk: Money = strawberry.field(
        description="Its claims at risk: outstanding principal of ACTIVE loans it covers x "
        "the cover's share."
    )
    balance: Money = strawberry.field(description="Its wallet's available balance.")

    @classmethod
    def of(cls, row: CoverRow, currency: str) -> CoverProviderExposure:
        return cls(
            participant_id=to_global_id("Participant", row.provider_id),
            kind=row.kind,
            at_risk=_money(row.at_risk, currency),
            balance=_money(row.balance, currency),
        )


@strawberry.type(description="A ratio read against its threshold.")
class ThresholdReading:
    metric: RiskMetric
    subject_id: strawberry.ID | None = strawberry.field(
        description="The participant it concerns (an insurer); null for the platform."
    )
    value: str
    limit: str
    bound: ThresholdBound
    breached: bool


@strawberry.type(
    description="What the platform owes participants against what it holds for them; cover "
    "against what it covers; concentration of the outstanding principal."
)
class LiquidityView:
    currency: str
    computed_at: datetime
    wallets: Money = strawberry.field(
        description="Owed: every wallet's posted balance (what is held on it included)."
    )
    held_in_wallets: Money = strawberry.field(
        description="Of the wallets: held (escrowed payments, pledges, note purchases, payouts)."
    )
    pending_payouts: Money = strawberry.field(description="Of the held: payouts on their way.")
    escrow: Money = strawberry.field(description="Owed: escrow accounts' balances.")
    owed: Money = strawberry.field(description="wallets + escrow.")
    rails: Money = strawberry.field(description="Held at the payment rails (settlement).")
    guarantee_fund: Money
    guarantee_fund_at_risk: Money = strawberry.field(
        description="Principal the fund covers on ACTIVE loans (outstanding x cover share)."
    )
    cover_providers: list[CoverProviderExposure]
    outstanding_principal: Money = strawberry.field(
        description="ACTIVE loans' receivable balances in the ledger."
    )
    top_borrowers: list[PartyExposure]
    top_banks: list[PartyExposure] = strawberry.field(
        description="Partner banks by the principal of their notes on ACTIVE loans."
    )
    top_core_enterprises: list[PartyExposure] = strawberry.field(
        description="Core enterprises by receivables they confirmed (supply chain finance)."
    )
    readings: list[ThresholdReading]
    thresholds_version: str

    @classmethod
    def of(cls, p: LiquidityPosition) -> LiquidityView:
        c, total = p.currency, p.outstanding_principal
        return cls(
            currency=c,
            computed_at=p.computed_at,
            wallets=_money(p.wallets, c),
            held_in_wallets=_money(p.held_in_wallets, c),
            pending_payouts=_money(p.pending_payouts, c),
            escrow=_money(p.escrow, c),
            owed=_money(p.owed, c),
            rails=_money(p.rails, c),
            guarantee_fund=_money(p.guarantee_fund, c),
            guarantee_fund_at_risk=_money(p.guarantee_fund_at_risk, c),
            cover_providers=[CoverProviderExposure.of(x, c) for x in p.covers],
            outstanding_principal=_money(total, c),
            top_borrowers=[PartyExposure.of(x, total, c) for x in p.top_borrowers],
            top_banks=[PartyExposure.of(x, total, c) for x in p.top_banks],
            top_core_enterprises=[PartyExposure.of(x, total, c) for x in p.top_core_enterprises],
            readings=[
                ThresholdReading(
                    metric=r.metric,
                    subject_id=to_global_id("Participant", UUID(r.subject)) if r.subject else None,
                    value=ratio(r.value.numerator, r.value.denominator),
                    limit=ratio(r.limit.numerator, r.limit.denominator),
                    bound=r.bound,
                    breached=r.breached,
                )
                for r in p.readings
            ],
            thresholds_version=p.thresholds_version,
        )
