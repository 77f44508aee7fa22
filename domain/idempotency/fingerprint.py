"""What makes two requests "the same": the operation and its input, canonically encoded."""

import hashlib
import json
import re

from domain.errors import InvalidInput

MAX_KEY_LENGTH = 128
_KEY = re.compile(r"[A-Za-z0-9._:\-]{1,128}")


def check_key(key: str) -> str:
    if not _KEY.fullmatch(key):
        raise InvalidInput(
            f"must be 1..{MAX_KEY_LENGTH} characters of letters, digits, . _ : -",
            field="idempotency_key",
        )
    return key


def request_fingerprint(operation: str, request: object) -> str:
    """SHA-256 of the operation and its input with sorted keys: equal inputs, equal prints."""
    canonical = json.dumps([operation, request], sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()
