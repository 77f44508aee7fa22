"""Split rules as merchants keep them: create, list, archive, and the rule a payment uses.

A rule's recipients are participants (merchant, referrer, partner, insurer: their wallets
receive the share) or the platform (its `revenue_share` revenue account). The merchant that
owns a rule must be one of its MERCHANT recipients: its leg is what its settlement pays out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.actors import Actor, NotFound
from domain.clock import Clock
from domain.errors import InputRejected, InvalidInput
from domain.money import Money, currency_of
from domain.participants.roles import Role as ParticipantRole
from domain.participants.roles import Scope
from domain.participants.tables import Participant
from domain.revenue.errors import rejected_split_rule
from domain.revenue.splits import (
    FixedShare,
    InvalidSplitRule,
    Party,
    PercentShare,
    Role,
    Share,
    SplitRule,
    check_split_rule,
)
from domain.revenue.tables import SplitRuleRow

PLATFORM_PARTY = "platform"  # the party id of the PLATFORM role


@dataclass(frozen=True, slots=True)
class ShareInput:
    """One recipient: `percent_bps` (2500 = 25 %) of what fixed shares leave, or `amount`."""

    role: Role
    party_id: str
    percent_bps: int | None = None
    amount: int | None = None


def _share_json(share: ShareInput) -> dict[str, Any]:
    return {
        "role": share.role.value,
        "partyId": share.party_id,
        "percentBps": share.percent_bps,
        "amount": share.amount,
    }


def rule_of(row: SplitRuleRow) -> SplitRule:
    """The pure rule a stored row describes."""
    shares: list[Share] = []
    for item in row.shares:
        party = Party(Role(item["role"]), item["partyId"])
        if item.get("amount") is not None:
            shares.append(FixedShare(party, Money(item["amount"], row.currency)))
        else:
            shares.append(PercentShare.from_basis_points(party, item["percentBps"]))
    return SplitRule(tuple(shares), Party(Role(row.remainder_role), row.remainder_party_id))


def merchant_only(merchant_id: UUID) -> SplitRule:
    """What a payment without a rule does: everything after the fee to the merchant."""
    merchant = Party(Role.MERCHANT, str(merchant_id))
    return SplitRule((PercentShare(merchant, Decimal(100)),), merchant)


def _pure(shares: list[ShareInput], remainder: ShareInput | None, currency: str) -> SplitRule:
    pure: list[Share] = []
    for index, share in enumerate(shares):
        party = Party(share.role, share.party_id)
        if (share.percent_bps is None) == (share.amount is None):
            raise InvalidInput("give a percent or an amount, not both", field=f"shares[{index}]")
        if share.amount is not None:
            pure.append(FixedShare(party, Money(share.amount, currency)))
        else:
            pure.append(PercentShare.from_basis_points(party, share.percent_bps or 0))
    # Ties in rounding go to the named party, else to the (first) merchant.
    merchants = [s for s in shares if s.role is Role.MERCHANT]
    candidates = [remainder] if remainder else merchants or shares
    chosen = candidates[0] if candidates else None
    favoured = Party(chosen.role, chosen.party_id) if chosen else Party(Role.MERCHANT, "")
    return SplitRule(tuple(pure), favoured)


async def _check_parties(
    session: AsyncSession, merchant_id: UUID, shares: list[ShareInput]
) -> None:
    found: list[InvalidInput] = []
    for index, share in enumerate(shares):
        field = f"shares[{index}].party_id"
        if share.role is Role.PLATFORM:
            if share.party_id != PLATFORM_PARTY:
                found.append(
                    InvalidInput(f'the platform\'s party id is "{PLATFORM_PARTY}"', field=field)
                )
            continue
        try:
            participant = await session.get(Participant, UUID(share.party_id))
        except ValueError:
            participant = None
        if participant is None:
            found.append(InvalidInput("no such participant", field=field))
    if not any(s.role is Role.MERCHANT and s.party_id == str(merchant_id) for s in shares):
        found.append(
            InvalidInput("the merchant itself must be a MERCHANT recipient", field="shares")
        )
    if found:
        raise InputRejected(found)


async def validated_rule(
    session: AsyncSession,
    *,
    merchant_id: UUID,
    currency: str,
    shares: list[ShareInput],
    remainder: ShareInput | None,
    amount: Money | None = None,
) -> SplitRule:
    """The pure rule for `shares`, every recipient checked; InputRejected naming each fault."""
    currency_of(currency)
    rule = _pure(shares, remainder, currency)
    try:
        check_split_rule(rule, amount)
    except InvalidSplitRule as error:
        raise rejected_split_rule(error) from None
    await _check_parties(session, merchant_id, shares)
    return rule


def store_rule(
    session: AsyncSession,
    *,
    merchant_id: UUID,
    currency: str,
    name: str,
    scope: str,
    rule: SplitRule,
    shares: list[ShareInput],
    is_default: bool,
    now: datetime,
) -> SplitRuleRow:
    row = SplitRuleRow(
        merchant_id=merchant_id,
        currency=currency,
        name=name[:80],
        scope=scope,
        is_default=is_default,
        shares=[_share_json(s) for s in shares],
        remainder_role=rule.remainder_party.role.value,
        remainder_party_id=rule.remainder_party.party_id,
        created_at=now,
    )
    session.add(row)
    return row


def _merchant(actor: Actor, write: bool) -> UUID:
    merchant_id = actor.require_role(ParticipantRole.MERCHANT)
    actor.require_scope(Scope.PAYMENTS_WRITE if write else Scope.PAYMENTS_READ)
    return merchant_id


async def create_split_rule(
    *,
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    name: str,
    currency: str,
    shares: list[ShareInput],
    remainder: ShareInput | None = None,
    is_default: bool = False,
) -> SplitRuleRow:
    """A reusable rule of the caller's; `is_default` makes it its payments' rule (the previous
    default is archived)."""
    merchant_id = _merchant(actor, write=True)
    if not 1 <= len(name.strip()) <= 80:
        raise InvalidInput("must be 1..80 characters", field="name")
    rule = await validated_rule(
        session, merchant_id=merchant_id, currency=currency, shares=shares, remainder=remainder
    )
    now = clock.now()
    if is_default:
        for old in await _rules(session, merchant_id, default_only=True, currency=currency):
            old.archived_at = now
        await session.flush()
    row = store_rule(
        session,
        merchant_id=merchant_id,
        currency=currency,
        name=name.strip(),
        scope="MERCHANT",
        rule=rule,
        shares=shares,
        is_default=is_default,
        now=now,
    )
    await session.flush()
    return row


async def _rules(
    session: AsyncSession, merchant_id: UUID, *, default_only: bool, currency: str | None = None
) -> list[SplitRuleRow]:
    query = select(SplitRuleRow).where(
        col(SplitRuleRow.merchant_id) == merchant_id,
        col(SplitRuleRow.scope) == "MERCHANT",
        col(SplitRuleRow.archived_at).is_(None),
    )
    if default_only:
        query = query.where(col(SplitRuleRow.is_default).is_(True))
    if currency is not None:
        query = query.where(col(SplitRuleRow.currency) == currency)
    return list((await session.exec(query.order_by(col(SplitRuleRow.created_at)))).all())


async def list_split_rules(session: AsyncSession, *, actor: Actor) -> list[SplitRuleRow]:
    """The caller's live reusable rules, oldest first."""
    return await _rules(session, _merchant(actor, write=False), default_only=False)


async def archive_split_rule(
    *, session: AsyncSession, clock: Clock, actor: Actor, rule_id: UUID
) -> SplitRuleRow:
    """Stop using a rule for new payments (payments made under it keep their figures)."""
    merchant_id = _merchant(actor, write=True)
    row = await session.get(SplitRuleRow, rule_id)
    if row is None or row.merchant_id != merchant_id or row.scope != "MERCHANT":
        raise NotFound("no such split rule", field="id")
    if row.archived_at is None:
        row.archived_at = clock.now()
        session.add(row)
        await session.flush()
    return row


async def default_rule(
    session: AsyncSession, *, merchant_id: UUID, currency: str
) -> SplitRuleRow | None:
    rules = await _rules(session, merchant_id, default_only=True, currency=currency)
    return rules[0] if rules else None
