"""The label every item of a browsing list carries: advertising is identifiable as such.

`Promotable` is mixed into the items lists may promote (Loan, Campaign, Fund,
InsuranceProduct): `sponsored` is true, and `promotion` says which placement put the item
where it is, when it is shown first because its owner paid for it.
"""

from __future__ import annotations

import strawberry


@strawberry.type(
    description="Advertising: the item is shown here because its owner paid to promote it."
)
class Promotion:
    placement_id: strawberry.ID = strawberry.field(description="The Placement.")
    slot: int = strawberry.field(description="0: the top of the list.")
    label: str = strawberry.field(description='Show it with the item: "Sponsored".')


@strawberry.type
class Promotable:
    promotion: Promotion | None = strawberry.field(
        default=None,
        description="Set when this item is shown first as advertising (paid placement); "
        "null when it is where the list's own order puts it.",
    )

    @strawberry.field(description="True when this item is shown as advertising (promotion).")
    def sponsored(self) -> bool:
        return self.promotion is not None
