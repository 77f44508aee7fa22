"""Referral codes: a channel partner's code, and the referral kept when someone registers
with it."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.actors import Actor
from domain.clock import Clock
from domain.participants.roles import Role
from domain.partners.errors import UnknownReferralCode
from domain.partners.tables import Referral, ReferralCode

CODES = ReferralCode.__table__  # type: ignore[attr-defined]
ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud, typed by hand
LENGTH = 8


@dataclass(frozen=True, slots=True)
class IssuedCode:
    code: str
    partner_id: UUID


async def issue_referral_code(*, session: AsyncSession, clock: Clock, actor: Actor) -> IssuedCode:
    """The calling partner's referral code, made on first asking (the same one after)."""
    partner = actor.require_role(Role.CHANNEL_PARTNER)
    conn = await session.connection()
    while True:
        code = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
        await conn.execute(
            insert(CODES)
            .values(code=code, partner_id=partner, created_at=clock.now())
            .on_conflict_do_nothing()
        )
        found = await conn.execute(select(CODES.c.code).where(CODES.c.partner_id == partner))
        mine = found.scalar()
        if mine is not None:  # ours, or the one this partner already had
            return IssuedCode(mine, partner)


async def record_referral(
    session: AsyncSession, *, participant_id: UUID, code: str, now: datetime
) -> Referral:
    """Keep that `participant_id` registered with `code`; UnknownReferralCode if none is."""
    wanted = code.strip().upper()
    found = await session.get(ReferralCode, wanted)
    if found is None:
        raise UnknownReferralCode("no partner has this referral code", field="referralCode")
    referral = Referral(
        participant_id=participant_id, partner_id=found.partner_id, code=wanted, created_at=now
    )
    session.add(referral)
    await session.flush()
    return referral
