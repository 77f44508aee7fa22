"""The revocations' record in PostgreSQL: what the Redis keys say, read when Redis cannot
answer (a session's refresh tokens revoked, or a participant's cutoff after a password
change), so a revoked token is never accepted because Redis is away."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection


@dataclass(frozen=True, slots=True)
class TokenGrant:
    """What a person's access token was issued for: what its revocation is checked against."""

    session_id: UUID
    participant_id: UUID
    issued_at: int  # seconds since the epoch


_REVOKED = text(
    """
    SELECT g.n FROM unnest(CAST(:sessions AS uuid[]), CAST(:participants AS uuid[]),
                           CAST(:issued AS bigint[])) WITH ORDINALITY
         AS g(session_id, participant_id, issued_at, n)
    WHERE EXISTS (SELECT 1 FROM refresh_token AS r
                  WHERE r.family_id = g.session_id AND r.revoked_at IS NOT NULL)
       OR EXISTS (SELECT 1 FROM participant AS p
                  WHERE p.id = g.participant_id
                    AND g.issued_at < floor(extract(epoch FROM p.sessions_revoked_before)))
    """
)


async def revoked_in_records(
    conn: AsyncConnection, grants: Sequence[TokenGrant]
) -> list[TokenGrant]:
    """Those of `grants` revoked since they were issued, by PostgreSQL's record (one query)."""
    if not grants:
        return []
    rows = await conn.execute(
        _REVOKED,
        {
            "sessions": [g.session_id for g in grants],
            "participants": [g.participant_id for g in grants],
            "issued": [g.issued_at for g in grants],
        },
    )
    return [grants[n - 1] for (n,) in rows]
