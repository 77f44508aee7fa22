"""How deeply a JSON text nests, found without parsing it.

Python's json parser recurses once per level: a body of 50,000 `[` ends in RecursionError, a
500 where the client deserves a 400. The scan below counts brackets outside strings and stops
at the first one past the limit, so a hostile body costs a few dozen steps; a shallow one is
passed after two `count` calls, unless it has more brackets than the limit allows.
"""

from __future__ import annotations

import re

DEFAULT_MAX_JSON_DEPTH = 64

# A string (possibly unterminated: it then runs to the end), or a bracket.
_TOKEN = re.compile(r'"[^"\\]*(?:\\[\s\S][^"\\]*)*(?:"|\\?\Z)|[\[\]{}]')


class JsonTooDeep(Exception):
    """The text nests arrays and objects deeper than allowed: a bad request, not a fault."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"JSON nested deeper than {limit} levels")
        self.limit = limit


def check_json_depth(text: str | bytes, limit: int) -> None:
    """JsonTooDeep when `text` nests more than `limit` arrays/objects; the text is not parsed."""
    if isinstance(text, bytes | bytearray):
        if text.count(b"[") + text.count(b"{") <= limit:
            return  # most bodies: fewer brackets in all than the limit
        text = bytes(text).decode("utf-8", errors="replace")
    if text.count("[") + text.count("{") <= limit:
        return
    depth = 0
    for match in _TOKEN.finditer(text):
        token = match.group()
        if token in ("[", "{"):
            depth += 1
            if depth > limit:
                raise JsonTooDeep(limit)
        elif token in ("]", "}"):
            depth -= 1
