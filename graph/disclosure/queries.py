"""The public disclosure: anyone may read it, signed in or not."""

from __future__ import annotations

from datetime import date

import strawberry

from domain.disclosure.services.reads import list_snapshots, read_disclosure
from graph.context import Info
from graph.disclosure.types import Disclosure, DisclosureSnapshotEntry
from graph.permissions import ANYONE, allow


@strawberry.type
class DisclosureQueries:
    @allow(ANYONE)
    @strawberry.field(
        description="The platform's disclosure figures in `currency`: the live ones without "
        "`asOf` (or with a day of this month), else the month of `asOf` as frozen at its end "
        "(or the latest month before it); null if none was published yet."
    )
    async def disclosure(
        self, info: Info, currency: str, as_of: date | None = None
    ) -> Disclosure | None:
        async with info.context.db() as session:
            found = await read_disclosure(
                session, currency=currency, as_of=as_of, today=info.context.clock.now().date()
            )
        return None if found is None else Disclosure.of(found)

    @allow(ANYONE)
    @strawberry.field(description="Every frozen month of the disclosure, newest first.")
    async def disclosure_snapshots(
        self, info: Info, currency: str
    ) -> list[DisclosureSnapshotEntry]:
        async with info.context.db() as session:
            found = await list_snapshots(session, currency=currency)
        return [
            DisclosureSnapshotEntry(
                month=s.month.isoformat()[:7] if s.month else "",
                computed_at=s.computed_at,
                content_hash=s.content_hash,
            )
            for s in found
        ]
