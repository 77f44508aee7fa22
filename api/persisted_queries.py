"""Automatic persisted queries (Apollo's protocol): a client sends a document's SHA-256
instead of its text once the server knows it.

A request whose `extensions.persistedQuery` is `{"version": 1, "sha256Hash": "<hex>"}`:
- without `query`: the document stored under that hash runs; an unknown hash is answered
  with the error `PersistedQueryNotFound` (code PERSISTED_QUERY_NOT_FOUND, HTTP 200 as
  Apollo's clients expect), and the client sends the request again with its query;
- with `query`: the hash must be the query's (else 400), and the document is stored.
Storage is bounded: an LRU in the process, and Redis shared by every process when given
(each entry expiring); a document missing from both only costs the client one resend, so
Redis failing is the same as not knowing the hash.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections import OrderedDict
from typing import Any

import redis.asyncio as redis

logger = logging.getLogger("agora.persisted_queries")

PERSISTED_QUERY_NOT_FOUND = "PERSISTED_QUERY_NOT_FOUND"
NOT_FOUND_MESSAGE = "PersistedQueryNotFound"
BAD_PERSISTED_QUERY = "BAD_PERSISTED_QUERY"
SUPPORTED_VERSION = 1
DEFAULT_MAX_DOCUMENTS = 1000
DEFAULT_MAX_CHARACTERS = 4_000_000  # the LRU's text in all, so 1000 large documents fit too
DEFAULT_TTL_SECONDS = 24 * 3600
# Larger documents stay in their process: anyone may store documents, Redis is shared.
MAX_SHARED_CHARACTERS = 1 << 16
REDIS_PREFIX = "agora:apq:"
_SHA256_HEX = re.compile(r"[0-9a-f]{64}")


class PersistedQueryNotFound(Exception):
    """The hash names no document we know: the client should resend it with its query."""


class BadPersistedQuery(Exception):
    """`extensions.persistedQuery` is malformed, of another version, or not the query's hash."""


def sha256_of(query: str) -> str:
    return hashlib.sha256(query.encode()).hexdigest()


def requested_hash(extensions: dict[str, Any] | None) -> str | None:
    """The hash a request names, None when it uses no persisted query."""
    if not extensions or "persistedQuery" not in extensions:
        return None
    persisted = extensions["persistedQuery"]
    if not isinstance(persisted, dict):
        raise BadPersistedQuery("extensions.persistedQuery must be an object")
    if persisted.get("version") != SUPPORTED_VERSION:
        raise BadPersistedQuery(f"persisted query version {SUPPORTED_VERSION} is supported only")
    sha = persisted.get("sha256Hash")
    if not isinstance(sha, str) or not _SHA256_HEX.fullmatch(sha):
        raise BadPersistedQuery("sha256Hash must be 64 lowercase hexadecimal digits")
    return sha


class PersistedQueries:
    def __init__(
        self,
        *,
        max_documents: int = DEFAULT_MAX_DOCUMENTS,
        max_characters: int = DEFAULT_MAX_CHARACTERS,
        ttl_seconds: int = DEFAULT_TTL_SECONDS,
    ) -> None:
        self.max_documents = max_documents
        self.max_characters = max_characters
        self.ttl_seconds = ttl_seconds
        self._local: OrderedDict[str, str] = OrderedDict()
        self._characters = 0
        self._shared: redis.Redis | None = None

    def share_through(self, client: redis.Redis | None) -> None:
        """Store documents in Redis too, so every process knows what one was sent."""
        self._shared = client

    async def document_for(
        self, query: str | None, extensions: dict[str, Any] | None
    ) -> str | None:
        """The document text the request runs: the query it sent, or the one its hash names."""
        sha = requested_hash(extensions)
        if sha is None:
            return query
        if query is None:
            found = self._local.get(sha)
            if found is not None:
                self._local.move_to_end(sha)
                return found
            found = await self._shared_get(sha)
            if found is None or sha256_of(found) != sha:
                raise PersistedQueryNotFound
            self._keep(sha, found)
            return found
        if sha256_of(query) != sha:
            raise BadPersistedQuery("provided sha256Hash does not match the query")
        if sha not in self._local:
            self._keep(sha, query)
            await self._shared_set(sha, query)
        return query

    def __len__(self) -> int:
        return len(self._local)

    def _keep(self, sha: str, query: str) -> None:
        if len(query) > self.max_characters:
            return
        self._local[sha] = query
        self._characters += len(query)
        while len(self._local) > self.max_documents or self._characters > self.max_characters:
            _, dropped = self._local.popitem(last=False)
            self._characters -= len(dropped)

    async def _shared_get(self, sha: str) -> str | None:
        if self._shared is None:
            return None
        try:
            found = await self._shared.get(REDIS_PREFIX + sha)
        except (redis.RedisError, OSError, TimeoutError):
            return None  # unknown for now: the client resends its query
        return found.decode() if isinstance(found, bytes) else found

    async def _shared_set(self, sha: str, query: str) -> None:
        if self._shared is None or len(query) > MAX_SHARED_CHARACTERS:
            return
        try:
            await self._shared.set(REDIS_PREFIX + sha, query, ex=self.ttl_seconds)
        except (redis.RedisError, OSError, TimeoutError):
            logger.info("persisted query kept in this process only: Redis did not answer")
