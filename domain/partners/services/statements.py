"""Partners read their monthly statements (operators read anyone's), as rows or as CSV."""

from __future__ import annotations

import csv
import io
from uuid import UUID

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.actors import Actor
from domain.errors import InvalidInput
from domain.money import Money, currency_of
from domain.participants.roles import Role
from domain.partners.tables import PartnerStatement


def _partner_of(actor: Actor, partner_id: UUID | None) -> UUID:
    """The caller itself, or (operators) the partner named."""
    if actor.is_operator and Role.CHANNEL_PARTNER not in actor.roles:
        if partner_id is None:
            raise InvalidInput("name the partner", field="partnerId")
        return partner_id
    return actor.require_role(Role.CHANNEL_PARTNER)


async def partner_statements(
    session: AsyncSession, *, actor: Actor, currency: str, partner_id: UUID | None = None
) -> list[PartnerStatement]:
    """Newest month first."""
    partner = _partner_of(actor, partner_id)
    found = await session.exec(
        select(PartnerStatement)
        .where(
            col(PartnerStatement.partner_id) == partner,
            col(PartnerStatement.currency) == currency_of(currency).code,
        )
        .order_by(col(PartnerStatement.month).desc())
    )
    return list(found)


def statement_csv(statement: PartnerStatement) -> str:
    """One line per stream, then the total: month, currency, stream, revenue, rate, share."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["month", "currency", "stream", "referred_revenue", "share_bps", "share"])
    month, c = statement.month.isoformat()[:7], statement.currency

    def text(minor: int) -> str:
        return Money(minor, c).to_decimal_string()

    for line in statement.lines:
        writer.writerow(
            [
                month,
                c,
                line["stream"],
                text(line["revenue"]),
                statement.share_bps,
                text(line["share"]),
            ]
        )
    writer.writerow(
        [month, c, "TOTAL", text(statement.revenue), statement.share_bps, text(statement.share)]
    )
    return out.getvalue()
