"""Opaque credentials: random tokens shown once, stored only as hashes."""

import hashlib
import hmac
import secrets

REFRESH_TOKEN_PREFIX = "rt_"  # noqa: S105  # a marker, not a secret
API_KEY_PREFIX = "agora_"
_PREFIX_LENGTH = 12


def sha256_hex(value: str) -> str:
    # A fast hash suffices: these secrets carry 256 bits of entropy, unlike passwords.
    return hashlib.sha256(value.encode()).hexdigest()


def new_refresh_token() -> str:
    return REFRESH_TOKEN_PREFIX + secrets.token_urlsafe(32)


def new_api_key() -> tuple[str, str]:
    """(prefix, full key): the prefix finds the row, the rest proves possession."""
    prefix = secrets.token_hex(_PREFIX_LENGTH // 2)
    return prefix, f"{API_KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"


def api_key_prefix(key: str) -> str | None:
    """The lookup prefix of a presented key, or None if it is not shaped like ours."""
    if not key.startswith(API_KEY_PREFIX):
        return None
    prefix, _, secret = key[len(API_KEY_PREFIX) :].partition("_")
    if len(prefix) != _PREFIX_LENGTH or not secret:
        return None
    return prefix


def same_hash(presented: str, stored_hash: str) -> bool:
    return hmac.compare_digest(sha256_hex(presented), stored_hash)
