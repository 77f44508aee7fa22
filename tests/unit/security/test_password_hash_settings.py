"""How hard passwords are hashed is a setting, with argon2id's minimum as the production floor."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from api.security.passwords import Argon2Hasher
from api.settings import Settings


def settings(**values: object) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def test_the_default_is_owasps_argon2id_minimum() -> None:
    defaults = settings(env="production")

    assert (defaults.password_hash_iterations, defaults.password_hash_memory_kib) == (2, 19_456)


@pytest.mark.parametrize(
    "weaker", [{"password_hash_iterations": 1}, {"password_hash_memory_kib": 8}]
)
def test_production_refuses_hashing_below_the_minimum(weaker: dict[str, int]) -> None:
    with pytest.raises(ValidationError, match="refused in production"):
        settings(env="production", **weaker)


async def test_elsewhere_cheaper_hashes_still_verify() -> None:
    cheap = settings(env="test", password_hash_iterations=1, password_hash_memory_kib=8)
    hasher = Argon2Hasher(
        time_cost=cheap.password_hash_iterations, memory_cost_kib=cheap.password_hash_memory_kib
    )

    hashed = await hasher.hash("correct horse battery staple")

    assert hashed.startswith("$argon2id$")
    assert "m=8,t=1" in hashed
    assert await hasher.verify(hashed, "correct horse battery staple")
    assert not await hasher.verify(hashed, "wrong")
