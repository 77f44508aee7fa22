"""What browsing lists promote, and the impressions and clicks that count.

A list asks which of the items it is about to show are promoted: the second-price auction
(slots.py) picks among their active placements, and each winner's impression counts for a
signed-in viewer other than its advertiser, once per placement and UTC hour (a UNIQUE row:
a repeat is no new row, under any concurrency). A click counts only for an impression shown
to that viewer within the hour before, once per impression (its row's key). Each counted unit
adds its price to the placement's day (impressions' for CPM, clicks' for CPC), which the
worker charges from. Anonymous views are shown the promotion but count nothing: there is
nobody to count them once for (nor do machine clients' or operators': graph/advertising).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from sqlalchemy import text
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.actors import Actor, NotFound
from domain.advertising.charging import Pricing
from domain.advertising.counting import click_counts, counts
from domain.advertising.items import ItemKind
from domain.advertising.services.days import add_to_day
from domain.advertising.slots import CURRENT_SLOTS, Candidate, SlotRule, award_slots
from domain.clock import Clock


@dataclass(frozen=True, slots=True)
class Shown:
    """An item shown promoted: in which slot, for which placement."""

    slot: int
    placement_id: UUID


_LIVE = text(
    """
    SELECT p.id, p.advertiser_id, p.item_id, p.pricing, p.bid, p.created_at,
           COALESCE(SUM(d.impressions), 0)::bigint AS impressions,
           COALESCE(SUM(d.clicks), 0)::bigint AS clicks
    FROM ad_placement p LEFT JOIN ad_day d ON d.placement_id = p.id
    WHERE p.state = 'ACTIVE' AND p.item_kind = :kind AND p.item_id = ANY(:items)
      AND p.ends_at > :now AND p.charged < p.budget
    GROUP BY p.id
    ORDER BY p.created_at, p.id
    """
)

# Counted impressions: new rows only; each adds one impression (and, for CPM, its price).
# Rows are taken in placement order, as the worker takes its placements' days: two
# transactions never wait on each other's day rows in a circle.
_SHOW = text(
    """
    WITH shown AS (
        SELECT * FROM jsonb_to_recordset(CAST(:shown AS jsonb))
            AS s(placement_id uuid, price bigint, cpm boolean)
    ), counted AS (
        INSERT INTO ad_impression (placement_id, viewer_id, hour, shown_at, price)
        SELECT placement_id, :viewer, date_trunc('hour', CAST(:now AS timestamptz), 'UTC'),
               :now, price
        FROM shown
        ON CONFLICT ON CONSTRAINT ad_impression_once DO NOTHING
        RETURNING placement_id
    )
    INSERT INTO ad_day AS d (placement_id, day, impressions, clicks, accrued, spend)
    SELECT c.placement_id, (CAST(:now AS timestamptz) AT TIME ZONE 'UTC')::date, 1, 0,
           CASE WHEN s.cpm THEN s.price ELSE 0 END, 0
    FROM counted c JOIN shown s USING (placement_id)
    ORDER BY c.placement_id
    ON CONFLICT (placement_id, day) DO UPDATE SET
        impressions = d.impressions + excluded.impressions,
        accrued = d.accrued + excluded.accrued
    """
)


async def promote(
    session: AsyncSession,
    *,
    kind: ItemKind,
    item_ids: Sequence[UUID],
    viewer: UUID | None,
    now: datetime,
    rule: SlotRule = CURRENT_SLOTS,
) -> dict[UUID, Shown]:
    """Which of `item_ids` (a page a list is about to show) to show first, as promoted; their
    impressions counted for `viewer`. Run in its own transaction on the primary."""
    if not item_ids:
        return {}
    found = await (await session.connection()).execute(
        _LIVE, {"kind": kind.value, "items": list(item_ids), "now": now}
    )
    live = {row.id: row for row in found}
    candidates = [
        Candidate(str(r.id), Pricing(r.pricing), r.bid, r.clicks, r.impressions, order)
        for order, r in enumerate(live.values())
    ]
    promotions = award_slots(candidates, rule)
    shown = {
        live[UUID(a.placement_id)].item_id: Shown(a.slot, UUID(a.placement_id)) for a in promotions
    }
    if viewer is not None:
        counted = [
            {"placement_id": a.placement_id, "price": a.price, "cpm": a.pricing is Pricing.CPM}
            for a in sorted(promotions, key=lambda a: UUID(a.placement_id))
            if counts(str(viewer), str(live[UUID(a.placement_id)].advertiser_id))
        ]
        if counted:
            await (await session.connection()).execute(
                _SHOW, {"shown": json.dumps(counted), "viewer": viewer, "now": now}
            )
    return shown


@dataclass(frozen=True, slots=True)
class ClickRecorded:
    """Whether the click counted, and the promoted item it leads to."""

    counted: bool
    item_kind: str
    item_id: UUID


_LAST_SHOWN = text(
    """
    SELECT i.id, i.shown_at, i.price, p.advertiser_id, p.pricing, p.state, p.item_kind,
           p.item_id, EXISTS (SELECT 1 FROM ad_click c WHERE c.impression_id = i.id) AS clicked
    FROM ad_placement p
    LEFT JOIN LATERAL (
        SELECT * FROM ad_impression
        WHERE placement_id = p.id AND viewer_id = :viewer AND shown_at >= :since
        ORDER BY shown_at DESC LIMIT 1
    ) i ON true
    WHERE p.id = :placement
    """
)
_CLICK = text(
    """
    INSERT INTO ad_click (impression_id, placement_id, clicked_at)
    VALUES (:impression, :placement, :now)
    ON CONFLICT DO NOTHING
    RETURNING impression_id
    """
)


async def click_promotion(
    *, session: AsyncSession, clock: Clock, actor: Actor, placement_id: UUID
) -> ClickRecorded:
    """Record a viewer's click on a promoted item; it counts (and costs a CPC placement its
    price) only for an impression shown to the viewer in the hour before, once."""
    viewer = actor.require_participant()
    now = clock.now()
    found = await (await session.connection()).execute(
        _LAST_SHOWN,
        {"placement": placement_id, "viewer": viewer, "since": now - timedelta(hours=1)},
    )
    row = found.first()
    if row is None:
        raise NotFound("no such placement", field="placement_id")
    answer = ClickRecorded(False, row.item_kind, row.item_id)
    if row.state != "ACTIVE" or not click_counts(
        viewer=str(viewer),
        advertiser=str(row.advertiser_id),
        shown_at=row.shown_at,
        at=now,
        clicked_before=row.clicked,
    ):
        return answer
    inserted = await (await session.connection()).execute(
        _CLICK, {"impression": row.id, "placement": placement_id, "now": now}
    )
    if inserted.first() is None:  # a concurrent duplicate counted it
        return answer
    cpc = row.pricing == Pricing.CPC.value
    await add_to_day(session, placement_id, now, clicks=1, accrued=row.price if cpc else 0)
    return ClickRecorded(True, row.item_kind, row.item_id)
