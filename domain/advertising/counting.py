"""Which impressions and clicks count, so nobody can inflate them (pure).

One impression per viewer per placement per hour (UTC); a click counts only for a placement
the viewer was shown in the last hour, at most once per such impression; the advertiser's
own views and clicks never count; anonymous views count per session key instead of viewer.
"""

from __future__ import annotations

from datetime import datetime


def impression_key(placement_id: str, viewer: str, at: datetime) -> str:
    """The one counted impression of this viewer, placement and hour."""
    return f"{placement_id}:{viewer}:{at.strftime('%Y%m%d%H')}"


def counts(viewer: str, advertiser: str) -> bool:
    """The advertiser's own traffic never counts."""
    return viewer != advertiser


def click_counts(
    *, viewer: str, advertiser: str, shown_at: datetime | None, at: datetime, clicked_before: bool
) -> bool:
    """A click counts once per impression shown within the hour before it."""
    if not counts(viewer, advertiser) or shown_at is None or clicked_before:
        return False
    return 0 <= (at - shown_at).total_seconds() <= 3600
