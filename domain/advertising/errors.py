"""Refusals of the advertising context."""

from domain.advertising.states import PlacementNotActive
from domain.errors import DomainError, InvalidInput

__all__ = ["BidBelowReserve", "ItemNotPromotable", "PlacementExists", "PlacementNotActive"]


class BidBelowReserve(InvalidInput):
    code = "BID_BELOW_RESERVE"


class ItemNotPromotable(DomainError):
    """Not one's own item, or not one browsing lists show (a closed campaign, a funded loan)."""

    code = "ITEM_NOT_PROMOTABLE"


class PlacementExists(DomainError):
    """An item has at most one live placement: its owner would otherwise bid against itself."""

    code = "PLACEMENT_EXISTS"
