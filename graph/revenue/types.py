"""The operator's revenue report as clients see it."""

from __future__ import annotations

from datetime import date

import strawberry

from domain.money import Money as DomainMoney
from domain.revenue import business_lines, report
from domain.revenue.services.revenue_report import RevenueReport as ReportResult
from domain.revenue.services.revenue_report import StreamBalance
from graph.money import Money

BusinessLine = business_lines.BusinessLine
RevenueGrouping = report.Grouping
strawberry.enum(
    BusinessLine,
    description="The business a revenue stream belongs to; OTHER for a stream no rule names.",
)
strawberry.enum(
    RevenueGrouping, name="RevenueGrouping", description="How a revenue report's lines are grouped."
)


def _money(minor: int, currency: str) -> Money:
    return Money.of(DomainMoney(minor, currency))


@strawberry.type(description="One group of a revenue report.")
class RevenueLine:
    key: str = strawberry.field(
        description='The group: a stream ("mdr"), a day ("2026-12-07"), a month ("2026-12") '
        'or a business line ("LENDING"); "TOTAL" for the report\'s total.'
    )
    earned: Money = strawberry.field(description="Credited to the streams: fees, spread, ...")
    given_back: Money = strawberry.field(
        description="Debited from the streams: refunded and reversed fees, partners' shares."
    )
    net: Money = strawberry.field(description="earned - givenBack.")

    @classmethod
    def of(cls, line: report.RevenueLine, currency: str) -> RevenueLine:
        return cls(
            key=line.key,
            earned=_money(line.earned, currency),
            given_back=_money(line.given_back, currency),
            net=_money(line.net, currency),
        )


@strawberry.type(description="A revenue stream's ledger account, all time.")
class RevenueStream:
    stream: str = strawberry.field(description='Its name, e.g. "mdr", "crowdfunding_fee".')
    business_line: BusinessLine
    earned: Money
    given_back: Money
    balance: Money = strawberry.field(
        description="The revenue account's balance: earned - givenBack since the start."
    )

    @classmethod
    def of(cls, stream: StreamBalance, currency: str) -> RevenueStream:
        return cls(
            stream=stream.stream,
            business_line=stream.business_line,
            earned=_money(stream.earned, currency),
            given_back=_money(stream.given_back, currency),
            balance=_money(stream.balance, currency),
        )


@strawberry.type(
    description="The platform's revenue in a period, read from the ledger's revenue accounts: "
    "over all time each stream's net equals its account's balance."
)
class RevenueReport:
    currency: str
    from_: date = strawberry.field(name="from", description="First UTC day, included.")
    to: date = strawberry.field(description="Last UTC day, included.")
    group_by: RevenueGrouping
    lines: list[RevenueLine]
    total: RevenueLine
    streams: list[RevenueStream] = strawberry.field(
        description="Every revenue stream of the currency, with its balance today."
    )
    placement_version: str = strawberry.field(
        description="The version of the rules placing streams in business lines."
    )

    @classmethod
    def of(cls, result: ReportResult) -> RevenueReport:
        c = result.currency
        return cls(
            currency=c,
            from_=result.first_day,
            to=result.last_day,
            group_by=result.group_by,
            lines=[RevenueLine.of(line, c) for line in result.lines],
            total=RevenueLine.of(result.total, c),
            streams=[RevenueStream.of(s, c) for s in result.streams],
            placement_version=result.placement_version,
        )
