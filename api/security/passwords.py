"""argon2id password hashing, off the event loop (a hash takes tens of milliseconds)."""

import asyncio

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError


class Argon2Hasher:
    # OWASP's argon2id minimum: 19 MiB, 2 iterations, 1 lane.
    def __init__(self, *, time_cost: int = 2, memory_cost_kib: int = 19_456) -> None:
        self._argon2 = PasswordHasher(
            time_cost=time_cost, memory_cost=memory_cost_kib, parallelism=1
        )

    async def hash(self, password: str) -> str:
        return await asyncio.to_thread(self._argon2.hash, password)

    async def verify(self, hashed: str, password: str) -> bool:
        try:
            return await asyncio.to_thread(self._argon2.verify, hashed, password)
        except (VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, hashed: str) -> bool:
        return self._argon2.check_needs_rehash(hashed)
