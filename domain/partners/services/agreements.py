"""Operators set a partner's agreement: a new version each time, for months from its start."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.actors import Actor, NotFound
from domain.clock import Clock
from domain.errors import Violations
from domain.money import currency_of
from domain.participants.roles import Role
from domain.participants.tables import Participant
from domain.partners.errors import NotAPartner
from domain.partners.shares import BASIS_POINTS, month_start
from domain.partners.tables import PartnerAgreement

AGREEMENTS = PartnerAgreement.__table__  # type: ignore[attr-defined]


async def set_partner_agreement(
    *,
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    partner_id: object,
    currency: str,
    streams: list[str],
    share_bps: int,
    valid_from: date,
    valid_to: date | None,
) -> PartnerAgreement:
    """Operators only: the partner's next agreement version; months are taken whole."""
    actor.require_operator()
    violations = Violations()
    code = violations.check(currency_of, currency)
    cleaned = sorted({s.strip() for s in streams if s.strip()})
    if not cleaned:
        violations.add("name at least one revenue stream", field="streams")
    if not 0 <= share_bps <= BASIS_POINTS:
        violations.add(f"must be within 0..{BASIS_POINTS}", field="shareBps")
    first, last = month_start(valid_from), valid_to and month_start(valid_to)
    if last is not None and last < first:
        violations.add("must not be before validFrom", field="validTo")
    violations.raise_if_any()
    assert code is not None
    partner = await session.get(Participant, partner_id)
    if partner is None:
        raise NotFound("no such participant", field="partnerId")
    if Role.CHANNEL_PARTNER.value not in partner.roles:
        raise NotAPartner("this participant is not a channel partner", field="partnerId")
    latest = (
        await (await session.connection()).execute(
            select(func.max(AGREEMENTS.c.version)).where(
                AGREEMENTS.c.partner_id == partner.id, AGREEMENTS.c.currency == code.code
            )
        )
    ).scalar()
    agreement = PartnerAgreement(
        partner_id=partner.id,
        currency=code.code,
        version=(latest or 0) + 1,
        streams=cleaned,
        share_bps=share_bps,
        valid_from=first,
        valid_to=last,
        created_by=actor.participant_id,
        created_at=clock.now(),
    )
    session.add(agreement)
    await session.flush()  # a concurrent version takes the same number: the UNIQUE refuses it
    return agreement
