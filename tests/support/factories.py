"""Factories for the people tests need, one way each.

`make_operator` runs the code `agora create-operator` runs (api/operators.py), in the test's
process: a separate Python process per operator cost ~1.5 s of CPU, and the command itself is
run as the runbook runs it once, in tests/e2e/test_loan_life.py.
"""

from __future__ import annotations

from api.operators import create_operator
from support.graphql import PASSWORD, unique_email
from support.stores import StoreUrls, make_settings


async def make_operator(
    stores: StoreUrls, *, stem: str = "operator", password: str = PASSWORD
) -> str:
    """A new platform operator on the test stores; their email (sign in with `password`)."""
    email = unique_email(stem)
    settings = make_settings(stores)
    await create_operator(
        settings, stores.database_url, stores.redis_url, email, "Platform operator", password
    )
    return email
