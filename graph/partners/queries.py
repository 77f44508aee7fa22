"""Partners' statements (operators: any partner's), as rows or one month as CSV."""

from __future__ import annotations

import strawberry

from domain.participants.roles import Role
from domain.partners.services.statements import partner_statements, statement_csv
from graph.context import Info
from graph.partners.types import PartnerStatement
from graph.permissions import allow
from graph.relay import optional_uuid_of


@strawberry.type
class PartnerQueries:
    @allow(Role.CHANNEL_PARTNER, Role.OPERATOR)
    @strawberry.field(
        description="Your monthly revenue-share statements, newest first (operators: "
        "`partnerId`'s)."
    )
    async def partner_statements(
        self, info: Info, currency: str, partner_id: strawberry.ID | None = None
    ) -> list[PartnerStatement]:
        async with info.context.db() as session:
            rows = await partner_statements(
                session,
                actor=info.context.actor,
                currency=currency,
                partner_id=optional_uuid_of(partner_id, "Participant"),
            )
        return [PartnerStatement.of(row) for row in rows]

    @allow(Role.CHANNEL_PARTNER, Role.OPERATOR)
    @strawberry.field(
        description='One month\'s statement as CSV (month "2026-11"); null if none was booked.'
    )
    async def partner_statement_csv(
        self, info: Info, month: str, currency: str, partner_id: strawberry.ID | None = None
    ) -> str | None:
        async with info.context.db() as session:
            rows = await partner_statements(
                session,
                actor=info.context.actor,
                currency=currency,
                partner_id=optional_uuid_of(partner_id, "Participant"),
            )
        found = [row for row in rows if row.month.isoformat()[:7] == month]
        return statement_csv(found[0]) if found else None
