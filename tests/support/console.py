"""Talking to the console as its page does: sign in for the cookies, then /console/graphql
from its own origin with the double-submit token."""

from __future__ import annotations

import re
from pathlib import Path

import httpx

from support.graphql import PASSWORD

ORIGIN = "http://agora.test"
CONSOLE_JS = (Path(__file__).resolve().parents[2] / "api/console/static/console.js").read_text()


async def sign_in(client: httpx.AsyncClient, login: str, *, origin: str = ORIGIN) -> httpx.Response:
    return await client.post(
        "/console/session",
        json={"login": login, "password": PASSWORD},
        headers={"origin": origin},
    )


async def console_gql(
    client: httpx.AsyncClient, query: str, *, csrf: str | None, origin: str | None = ORIGIN
) -> httpx.Response:
    headers = {"accept": "application/graphql-response+json"}
    if origin is not None:
        headers["origin"] = origin
    if csrf is not None:
        headers["x-csrf-token"] = csrf
    return await client.post("/console/graphql", json={"query": query}, headers=headers)


def panel_query(table: str) -> str:
    """The document the console's page sends to fill the table `table`."""
    found = re.search(rf'table: "{table}".*?query: `([^`]*)`', CONSOLE_JS, re.DOTALL)
    assert found, table
    return found.group(1)
