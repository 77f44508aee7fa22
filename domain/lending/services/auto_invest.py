"""Investors' auto-invest rules: standing instructions the matching engine runs on listing."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any
from uuid import UUID

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.actors import Actor, NotFound
from domain.clock import Clock
from domain.lending.funding_terms import AutoInvestTerms, check_auto_invest
from domain.lending.tables import AutoInvestRuleRow
from domain.money import currency_of
from domain.participants.roles import Role


def _columns(terms: AutoInvestTerms) -> dict[str, Any]:
    values = asdict(terms)
    values["grades"] = sorted(terms.grades)
    return values


async def create_auto_invest_rule(
    *, session: AsyncSession, clock: Clock, actor: Actor, terms: AutoInvestTerms
) -> AutoInvestRuleRow:
    """A new active rule for the calling investor."""
    investor_id = actor.require_role(Role.INVESTOR)
    currency_of(terms.currency)
    check_auto_invest(terms)
    now = clock.now()
    rule = AutoInvestRuleRow(
        investor_id=investor_id, created_at=now, updated_at=now, **_columns(terms)
    )
    session.add(rule)
    await session.flush()
    return rule


async def _own_rule(session: AsyncSession, actor: Actor, rule_id: UUID) -> AutoInvestRuleRow:
    investor_id = actor.require_role(Role.INVESTOR)
    rule = await session.get(AutoInvestRuleRow, rule_id, with_for_update=True)
    if rule is None or rule.investor_id != investor_id:
        raise NotFound("no such rule", field="rule_id")
    return rule


async def update_auto_invest_rule(
    *,
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    rule_id: UUID,
    terms: AutoInvestTerms,
    active: bool,
) -> AutoInvestRuleRow:
    """Replace a rule's terms, or pause it (active=false)."""
    rule = await _own_rule(session, actor, rule_id)
    currency_of(terms.currency)
    check_auto_invest(terms)
    for name, value in _columns(terms).items():
        setattr(rule, name, value)
    rule.active = active
    rule.updated_at = clock.now()
    await session.flush()
    return rule


async def delete_auto_invest_rule(*, session: AsyncSession, actor: Actor, rule_id: UUID) -> None:
    """Remove a rule; notes it already bought stay the investor's."""
    rule = await _own_rule(session, actor, rule_id)
    await session.delete(rule)
    await session.flush()


async def my_auto_invest_rules(session: AsyncSession, *, actor: Actor) -> list[AutoInvestRuleRow]:
    investor_id = actor.require_role(Role.INVESTOR)
    rows = await session.exec(
        select(AutoInvestRuleRow)
        .where(col(AutoInvestRuleRow.investor_id) == investor_id)
        .order_by(col(AutoInvestRuleRow.created_at), col(AutoInvestRuleRow.id))
    )
    return list(rows.all())
