"""Browsing lists show promoted items first: the page the list would show anyway, with the
auction's winners among it moved to the top and labelled (`promotion`); the rest keep the
list's order, and the page's cursors stay the list's own (the next page follows on as if
nothing were moved). Promotion picks only among items the list shows, so it never shows an
item a filter or a permission would hide, and it changes nothing but the order."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, TypeVar
from uuid import UUID

from domain.actors import Actor, ActorKind
from domain.advertising.items import ITEM_TYPE_NAMES, ItemKind
from domain.advertising.services.showing import promote
from domain.unit_of_work import transaction
from graph.advertising.promotion import Promotion
from graph.context import Info
from graph.pagination import Connection
from graph.relay import to_global_id, uuid_of

SPONSORED = "Sponsored"


class Item(Protocol):
    @property
    def id(self) -> str: ...

    promotion: Promotion | None


ItemT = TypeVar("ItemT", bound=Item)


async def label_promoted(info: Info, kind: ItemKind, items: Sequence[Item]) -> None:
    """Set `promotion` on the items of `items` the auction promotes (their impressions counted
    for the caller, on the primary, in a transaction of their own)."""
    by_id = {uuid_of(item.id, ITEM_TYPE_NAMES[kind]): item for item in items}
    if not by_id:
        return
    ctx = info.context
    async with transaction(ctx.db) as session:
        shown = await promote(
            session,
            kind=kind,
            item_ids=list(by_id),
            viewer=_audience(ctx.actor),
            now=ctx.clock.now(),
        )
    for item_id, where in shown.items():
        by_id[item_id].promotion = Promotion(
            placement_id=to_global_id("Placement", where.placement_id),
            slot=where.slot,
            label=SPONSORED,
        )


def _audience(actor: Actor) -> UUID | None:
    """Whose view counts: a signed-in person's; not a machine client's (a bank's program
    reading listings is nobody's attention) nor an operator's at work."""
    if actor.kind is not ActorKind.PERSON or actor.is_operator:
        return None
    return actor.participant_id


def _order(item: Item) -> tuple[bool, int]:
    return item.promotion is None, item.promotion.slot if item.promotion else 0


async def promoted_first(info: Info, kind: ItemKind, items: list[ItemT]) -> list[ItemT]:
    """`items` with the promoted ones first, by slot (the sort is stable: the rest keep order)."""
    await label_promoted(info, kind, items)
    return sorted(items, key=_order)


async def promoted_page(info: Info, kind: ItemKind, page: Connection[ItemT]) -> Connection[ItemT]:
    """The page with its promoted edges first; its page info (the list's cursors) unchanged."""
    await label_promoted(info, kind, [edge.node for edge in page.edges])
    page.edges = sorted(page.edges, key=lambda edge: _order(edge.node))
    return page
