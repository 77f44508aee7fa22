"""Operators: the scorecard versions (points as data) and the decisions they made."""

from __future__ import annotations

import strawberry

from domain.lending.services.decisions import application_decisions, scorecard_versions
from domain.lending.states import ApplicationStatus
from domain.money import Money as DomainMoney
from domain.participants.roles import Role
from domain.risk.scorecard import Scorecard
from graph.context import Info
from graph.hardening.policy import page_size
from graph.lending.applications import LoanApplication
from graph.money import Money
from graph.pagination import Connection, connection, time_and_id
from graph.permissions import allow


@strawberry.type(description="Values below `upper` (none: no bound) score these points.")
class ScorecardBin:
    upper: str | None
    points: int
    label: str


@strawberry.type
class ScorecardFeature:
    name: str
    higher_is_better: bool
    reason_code: str
    reason_text: str
    bins: list[ScorecardBin]


@strawberry.type(description="Scores of at least `minScore` get this grade, price and limit.")
class GradeBand:
    grade: str
    min_score: int
    annual_rate: str
    limit: Money


@strawberry.type(description="A credit scorecard version: every point it gives, as data.")
class ScorecardVersion:
    version: str
    current: bool = strawberry.field(description="The version deciding applications now.")
    base_points: int
    features: list[ScorecardFeature]
    bands: list[GradeBand]

    @classmethod
    def of(cls, card: Scorecard, current: bool) -> ScorecardVersion:
        return cls(
            version=card.version,
            current=current,
            base_points=card.base_points,
            features=[
                ScorecardFeature(
                    name=f.name,
                    higher_is_better=f.higher_is_better,
                    reason_code=f.reason_code,
                    reason_text=f.reason_text,
                    bins=[
                        ScorecardBin(
                            upper=None if b.upper is None else str(b.upper),
                            points=b.points,
                            label=b.label,
                        )
                        for b in f.bins
                    ],
                )
                for f in card.features
            ],
            bands=[
                GradeBand(
                    grade=b.grade.value,
                    min_score=b.min_score,
                    annual_rate=str(b.annual_rate),
                    limit=Money.of(DomainMoney(b.limit, card.currency)),
                )
                for b in card.bands
            ],
        )


@strawberry.type
class DecisionQueries:
    @allow(Role.OPERATOR)
    @strawberry.field(description="Operators: every scorecard version, points and all.")
    def scorecard_versions(self, info: Info) -> list[ScorecardVersion]:
        return [
            ScorecardVersion.of(card, current)
            for card, current in scorecard_versions(actor=info.context.actor)
        ]

    @allow(Role.OPERATOR)
    @strawberry.field(description="Operators: applications and their decisions, newest first.")
    async def loan_applications(
        self,
        info: Info,
        status: ApplicationStatus | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[LoanApplication]:
        page = page_size(first, info.context.hardening)
        async with info.context.db() as session:
            rows = await application_decisions(
                session,
                actor=info.context.actor,
                limit=page + 1,
                after=time_and_id(after),
                status=None if status is None else status.value,
            )
        return connection(
            rows,
            page=page,
            key=lambda r: (r.created_at.isoformat(), r.id),
            node=lambda r: LoanApplication.of(r, None),
        )
