"""The public disclosure as anyone sees it: figures only, never a participant.

Every figure's definition is its description here. Money is in the report's currency;
ratios are decimal strings of six places, rounded half-up.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry

from domain.disclosure.services.reads import PublishedDisclosure
from graph.money import Money

ACTIVE = "an ACTIVE loan (disbursed, neither repaid in full nor defaulted)"


def _money(amount: str, currency: str) -> Money:
    return Money(amount=amount, currency=currency)


@strawberry.type(description="Loans disbursed since the platform began.")
class LentFigures:
    amount: Money = strawberry.field(description="Sum of the principal of every loan disbursed.")
    count: int = strawberry.field(description="How many loans were disbursed.")


@strawberry.type(description=f"What borrowers still owe on each {ACTIVE}.")
class OutstandingFigures:
    principal: Money = strawberry.field(
        description="Scheduled principal not yet repaid (借贷余额), over ACTIVE loans."
    )
    count: int = strawberry.field(description="How many loans are ACTIVE.")
    interest: Money = strawberry.field(
        description="Scheduled interest not yet paid on ACTIVE loans (利息余额)."
    )


@strawberry.type(description="Distinct participants, never who they are.")
class ParticipantCounts:
    cumulative: int = strawberry.field(
        description="Lenders: distinct holders of a note on a disbursed loan, the platform's "
        "own book excluded. Borrowers: distinct borrowers of a disbursed loan."
    )
    current: int = strawberry.field(
        description="Lenders holding an ACTIVE note today; borrowers with an ACTIVE loan."
    )


@strawberry.type(description="How concentrated the outstanding principal is.")
class ConcentrationFigures:
    top10_share: str = strawberry.field(
        description="The ten borrowers owing the most: their outstanding principal over all "
        "outstanding principal (前十大借款人待还金额占比)."
    )
    largest_share: str = strawberry.field(
        description="The borrower owing the most, over all outstanding principal "
        "(最大单一借款人待还金额占比)."
    )


@strawberry.type(
    description="Loans to the platform's related parties (关联关系借款): borrowers who hold the "
    "operator role."
)
class RelatedPartyFigures:
    lent_amount: Money = strawberry.field(description="Principal disbursed to them, ever.")
    lent_count: int
    outstanding_principal: Money = strawberry.field(description="Their ACTIVE loans' principal.")
    outstanding_count: int


@strawberry.type(
    description="An ACTIVE loan is overdue when the due date of its oldest unpaid installment "
    "has passed (UTC); over 90 days when it passed more than 90 days ago."
)
class OverdueFigures:
    principal: Money = strawberry.field(
        description="Outstanding principal of the overdue loans (逾期金额)."
    )
    count: int = strawberry.field(description="Overdue loans (逾期笔数).")
    over90_principal: Money = strawberry.field(description="Of those, over 90 days.")
    over90_count: int
    rate_by_count: str = strawberry.field(description="Overdue loans over ACTIVE loans.")
    rate_by_amount: str = strawberry.field(
        description="Overdue principal over outstanding principal."
    )


@strawberry.type(
    description="Payments by guarantors, insurers and the guarantee fund to lenders on "
    "defaulted loans (代偿), since the platform began."
)
class CoverPaidFigures:
    amount: Money
    count: int = strawberry.field(description="How many loans a cover paid on.")


@strawberry.type(description="One fee of a loan product.")
class FeeTerm:
    name: str
    timing: str = strawberry.field(description="UPFRONT (from the amount lent) or SPREAD.")
    percent: str = strawberry.field(description="Of the principal, e.g. 0.02 for 2 %.")
    fixed: Money


@strawberry.type(description="A current loan product's fees (收费标准).")
class ProductFees:
    product: str
    version: int
    name: str
    fees: list[FeeTerm]
    platform_spread: str = strawberry.field(
        description="The yearly rate the platform keeps between the borrower's and lenders'."
    )
    penalty_daily_rate: str = strawberry.field(description="Penalty interest per day overdue.")
    grace_days: int


@strawberry.type(description="Loans disbursed in one credit grade, since the platform began.")
class GradeFigures:
    grade: str
    count: int
    amount: Money = strawberry.field(description="Principal disbursed.")
    average_amount: Money = strawberry.field(description="amount / count, rounded half-up.")
    average_rate: str = strawberry.field(description="Yearly borrower rate, weighted by principal.")
    lost: Money = strawberry.field(
        description="Principal of DEFAULTED loans their borrowers have not repaid (after "
        "recoveries), whoever bore it (lenders or a cover)."
    )
    loss_rate: str = strawberry.field(description="lost / amount.")


@strawberry.type(description="A vintage's cumulative loss after some months on book.")
class VintagePoint:
    months_on_book: int = strawberry.field(description="0: the month it was disbursed in.")
    lost: Money = strawberry.field(
        description="Principal lost on the vintage's loans that defaulted by the end of that month."
    )
    loss_rate: str = strawberry.field(description="lost / the vintage's amount.")


@strawberry.type(description="Loans disbursed in one month (UTC) and their loss curve.")
class Vintage:
    month: str = strawberry.field(description='e.g. "2026-11".')
    count: int
    amount: Money
    points: list[VintagePoint]


def _grades(rows: list[dict[str, Any]], c: str) -> list[GradeFigures]:
    return [
        GradeFigures(
            grade=g["grade"],
            count=g["count"],
            amount=_money(g["amount"], c),
            average_amount=_money(g["averageAmount"], c),
            average_rate=g["averageRate"],
            lost=_money(g["lost"], c),
            loss_rate=g["lossRate"],
        )
        for g in rows
    ]


def _vintages(rows: list[dict[str, Any]], c: str) -> list[Vintage]:
    return [
        Vintage(
            month=v["month"],
            count=v["count"],
            amount=_money(v["amount"], c),
            points=[
                VintagePoint(
                    months_on_book=p["monthsOnBook"],
                    lost=_money(p["lost"], c),
                    loss_rate=p["lossRate"],
                )
                for p in v["points"]
            ],
        )
        for v in rows
    ]


def _fees(rows: list[dict[str, Any]], c: str) -> list[ProductFees]:
    return [
        ProductFees(
            product=p["product"],
            version=p["version"],
            name=p["name"],
            fees=[
                FeeTerm(
                    name=f["name"],
                    timing=f["timing"],
                    percent=f["percent"],
                    fixed=_money(f["fixed"], c),
                )
                for f in p["fees"]
            ],
            platform_spread=p["platformSpread"],
            penalty_daily_rate=p["penaltyDailyRate"],
            grace_days=p["graceDays"],
        )
        for p in rows
    ]


@strawberry.type(
    description="The marketplace's operating figures, as China's 2017 P2P disclosure guideline "
    "lists them, with a per-grade table and monthly vintage loss curves. Figures only: no "
    "participant is ever named or identified. The live figures are recomputed by the worker "
    "every few minutes; each month's are frozen at its end and never change."
)
class Disclosure:
    currency: str
    month: str | None = strawberry.field(
        description='The frozen month ("2026-11"), or null for the live figures.'
    )
    computed_at: datetime = strawberry.field(description="When these figures were computed.")
    definitions: str = strawberry.field(description="The version of these definitions.")
    lent: LentFigures
    outstanding: OutstandingFigures
    lenders: ParticipantCounts
    borrowers: ParticipantCounts
    concentration: ConcentrationFigures
    related_party: RelatedPartyFigures
    overdue: OverdueFigures
    cover_paid: CoverPaidFigures
    fee_schedule: list[ProductFees]
    grades: list[GradeFigures]
    vintages: list[Vintage]
    document: str = strawberry.field(
        description="The published figures as canonical JSON (keys sorted, no whitespace, "
        "UTF-8): what contentHash covers."
    )
    content_hash: str = strawberry.field(
        description="sha256 (hex) of `document`'s UTF-8 bytes: recompute it to check that "
        "the figures are the ones published."
    )

    @classmethod
    def of(cls, published: PublishedDisclosure) -> Disclosure:
        d, c = published.figures, published.currency
        out, lent, overdue, related = d["outstanding"], d["lent"], d["overdue"], d["relatedParty"]
        return cls(
            currency=c,
            month=None if published.month is None else published.month.isoformat()[:7],
            computed_at=published.computed_at,
            definitions=d["definitions"],
            lent=LentFigures(amount=_money(lent["amount"], c), count=lent["count"]),
            outstanding=OutstandingFigures(
                principal=_money(out["principal"], c),
                count=out["count"],
                interest=_money(out["interest"], c),
            ),
            lenders=ParticipantCounts(**d["lenders"]),
            borrowers=ParticipantCounts(**d["borrowers"]),
            concentration=ConcentrationFigures(
                top10_share=d["concentration"]["top10Share"],
                largest_share=d["concentration"]["largestShare"],
            ),
            related_party=RelatedPartyFigures(
                lent_amount=_money(related["lentAmount"], c),
                lent_count=related["lentCount"],
                outstanding_principal=_money(related["outstandingPrincipal"], c),
                outstanding_count=related["outstandingCount"],
            ),
            overdue=OverdueFigures(
                principal=_money(overdue["principal"], c),
                count=overdue["count"],
                over90_principal=_money(overdue["over90Principal"], c),
                over90_count=overdue["over90Count"],
                rate_by_count=overdue["rateByCount"],
                rate_by_amount=overdue["rateByAmount"],
            ),
            cover_paid=CoverPaidFigures(
                amount=_money(d["coverPaid"]["amount"], c), count=d["coverPaid"]["count"]
            ),
            fee_schedule=_fees(d["feeSchedule"], c),
            grades=_grades(d["grades"], c),
            vintages=_vintages(d["vintages"], c),
            document=published.document,
            content_hash=published.content_hash,
        )


@strawberry.type(description="A frozen month of the disclosure, by its hash.")
class DisclosureSnapshotEntry:
    month: str
    computed_at: datetime
    content_hash: str
