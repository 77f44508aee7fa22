"""Reading several topic streams as one sequence of positions.

One read returns, per stream, at most `count` entries. A stream that returned `count` may hold
more right after its last one, with positions below entries other streams already returned;
releasing those would let a client's cursor pass events it has not received. So a read
releases, in position order, only what is at or below the smallest last position of the
streams that came back full; each stream's cursor moves to its last released entry, and the
rest is read again next time.
"""

from __future__ import annotations

import heapq
import logging
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from api.events.streams import PublishedEvent, decode_event, entry_id, position_of

logger = logging.getLogger("agora.events")

# XREAD / XRANGE entries as redis-py returns them: (b"17-0", {b"event": b"{...}"})
Entry = tuple[bytes, dict[Any, Any]]


def decoded(entries: Iterable[Entry]) -> list[PublishedEvent]:
    """The events of stream entries; an entry that does not decode is logged and skipped,
    so one bad entry cannot stop every subscriber."""
    events = []
    for raw_id, fields in entries:
        try:
            events.append(decode_event(fields))
        except (KeyError, TypeError, ValueError):
            logger.exception("undecodable stream entry %s skipped", raw_id)
    return events


def release_in_order(
    batches: Mapping[str, Sequence[Entry]], cursors: dict[str, str], *, count: int
) -> list[PublishedEvent]:
    """The events of one read of the streams in `batches`, merged by position and cut as the
    module says; `cursors` (stream -> last id read) is advanced past what is released."""
    full = [position_of(batch[-1][0]) for batch in batches.values() if len(batch) >= count]
    cap = min(full, default=None)
    per_stream: list[list[PublishedEvent]] = []
    for stream, batch in batches.items():
        kept = [entry for entry in batch if cap is None or position_of(entry[0]) <= cap]
        if kept:
            cursors[stream] = entry_id(position_of(kept[-1][0]))
        per_stream.append(decoded(kept))
    return list(heapq.merge(*per_stream, key=lambda event: event.position))
