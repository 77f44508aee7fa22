"""Participants of wealth's own that hold notes and money apart: a lending plan's holder, and
an early exit's (no credentials: nobody signs in as either)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlmodel.ext.asyncio.session import AsyncSession

from domain.participants.credentials import ParticipantKind
from domain.participants.kyc import KycStatus
from domain.participants.roles import Role
from domain.participants.tables import Participant

# No hash any password verifies against (and no email to sign in with): nobody is a holder.
UNUSABLE_HASH = "!"


async def new_holder(session: AsyncSession, *, name: str, now: datetime) -> UUID:
    """A participant that holds notes in its own name (an investor, verified) and has a
    wallet of its own; its id."""
    holder = Participant(
        kind=ParticipantKind.BUSINESS.value,
        display_name=name[:120],
        password_hash=UNUSABLE_HASH,
        roles=[Role.INVESTOR.value],
        kyc_status=KycStatus.VERIFIED.value,
        kyc_level=1,
        created_at=now,
        updated_at=now,
    )
    session.add(holder)
    await session.flush()
    return holder.id
