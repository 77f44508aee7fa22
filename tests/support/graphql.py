"""A small GraphQL client over httpx, and factories for signed-in participants."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import httpx

PASSWORD = "correct horse battery"
_numbers = itertools.count(1)


async def gql(
    client: httpx.AsyncClient,
    query: str,
    variables: dict[str, Any] | None = None,
    *,
    token: str | None = None,
    expect_status: int = 200,
) -> dict[str, Any]:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    response = await client.post(
        "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
    )
    assert response.status_code == expect_status, response.text
    body: dict[str, Any] = response.json()
    return body


REGISTER = """
mutation Register($input: RegisterInput!) {
  register(input: $input) {
    participant { id displayName roles email kycStatus }
    errors { code field message }
  }
}
"""
LOG_IN = """
mutation LogIn($input: LogInInput!) {
  logIn(input: $input) {
    accessToken refreshToken accessTokenExpiresAt
    participant { id }
    errors { code field message }
  }
}
"""


@dataclass
class Person:
    id: str
    email: str
    access_token: str
    refresh_token: str


def unique_email(stem: str = "user") -> str:
    return f"{stem}{next(_numbers)}@example.com"


async def register(
    client: httpx.AsyncClient, *, roles: list[str], email: str | None = None, kind: str = "PERSON"
) -> str:
    """Registers and returns the participant's global id."""
    body = await gql(
        client,
        REGISTER,
        {
            "input": {
                "kind": kind,
                "displayName": "Test Person",
                "email": email or unique_email(),
                "password": PASSWORD,
                "roles": roles,
            }
        },
    )
    payload = body["data"]["register"]
    assert payload["errors"] == [], payload["errors"]
    return str(payload["participant"]["id"])


async def log_in(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> dict[str, Any]:
    body = await gql(client, LOG_IN, {"input": {"login": email, "password": password}})
    payload: dict[str, Any] = body["data"]["logIn"]
    return payload


async def signed_in(client: httpx.AsyncClient, *, roles: list[str], kind: str = "PERSON") -> Person:
    email = unique_email(roles[0].lower())
    participant_id = await register(client, roles=roles, email=email, kind=kind)
    session = await log_in(client, email)
    assert session["errors"] == [], session["errors"]
    return Person(participant_id, email, session["accessToken"], session["refreshToken"])
