"""An operator sets a core enterprise's programme terms; every use case reads them here."""

from __future__ import annotations

from uuid import UUID

from sqlmodel.ext.asyncio.session import AsyncSession

from domain.actors import Actor
from domain.audit.service import Outcome, record
from domain.clock import Clock
from domain.supply_chain.programme import DEFAULT_TERMS, ProgrammeTerms, check_terms
from domain.supply_chain.services.parties import core_enterprise
from domain.supply_chain.tables import Programme


async def terms_of(session: AsyncSession, core_enterprise_id: UUID) -> ProgrammeTerms:
    """The core enterprise's programme terms, or the defaults if an operator set none."""
    row = await session.get(Programme, core_enterprise_id)
    if row is None:
        return DEFAULT_TERMS
    return ProgrammeTerms(
        with_recourse=row.with_recourse,
        recourse_after_days=row.recourse_after_days,
        penalty_daily_rate=row.penalty_daily_rate,
        grace_days=row.grace_days,
        default_days=row.default_days,
    )


async def set_programme(
    *,
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    core_enterprise_id: UUID,
    terms: ProgrammeTerms,
) -> ProgrammeTerms:
    """Operators: the terms of a core enterprise's programme, from now on."""
    actor.require_operator()
    check_terms(terms)
    await core_enterprise(session, core_enterprise_id)
    now = clock.now()
    row = await session.get(Programme, core_enterprise_id, with_for_update=True)
    if row is None:
        row = Programme(
            core_enterprise_id=core_enterprise_id, penalty_daily_rate=terms.penalty_daily_rate
        )
    row.with_recourse = terms.with_recourse
    row.recourse_after_days = terms.recourse_after_days
    row.penalty_daily_rate = terms.penalty_daily_rate
    row.grace_days = terms.grace_days
    row.default_days = terms.default_days
    row.updated_by, row.updated_at = actor.participant_id, now
    session.add(row)
    await session.flush()
    record(
        session,
        actor=actor,
        action="supply_chain.programme.set",
        outcome=Outcome.SUCCESS,
        at=now,
        target_type="Programme",
        target_id=core_enterprise_id,
        details={"with_recourse": terms.with_recourse},
    )
    return terms
