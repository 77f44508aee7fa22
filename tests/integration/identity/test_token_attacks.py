"""Forged, expired, tampered and misplaced credentials are refused, and nothing leaks."""

from __future__ import annotations

import base64
import json
import time

import httpx
import jwt
import pytest

from support.graphql import gql, signed_in

ME = "{ me { id } }"


def forge(claims: dict, *, key: bytes = b"x" * 32, algorithm: str = "HS256") -> str:
    return jwt.encode(claims, key, algorithm=algorithm)


def unsigned(claims: dict) -> str:
    """An `alg: none` token: header and claims, no signature."""

    def part(value: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."


def claims_of(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


@pytest.mark.parametrize(
    "make_token",
    [
        pytest.param(lambda c: unsigned(c), id="alg none"),
        pytest.param(lambda c: forge(c), id="wrong key"),
        pytest.param(lambda c: forge({**c, "exp": int(time.time()) - 1}), id="expired"),
        pytest.param(lambda c: forge({**c, "aud": "someone-else"}), id="wrong audience"),
        pytest.param(lambda c: "not.a.jwt", id="garbage"),
    ],
)
async def test_forged_access_tokens_are_refused(client: httpx.AsyncClient, make_token) -> None:
    person = await signed_in(client, roles=["BORROWER"])
    # Even with the real claims (and, below, roles elevated to OPERATOR) a forgery fails.
    claims = {**claims_of(person.access_token), "roles": ["OPERATOR"]}

    refused = await gql(client, ME, token=make_token(claims), expect_status=401)

    assert refused == {
        "errors": [
            {
                "message": "the access token is invalid or expired",
                "extensions": {"code": "UNAUTHENTICATED"},
            }
        ]
    }


async def test_a_tampered_signature_is_refused(client: httpx.AsyncClient) -> None:
    person = await signed_in(client, roles=["BORROWER"])
    header, _claims, signature = person.access_token.split(".")
    elevated = (
        base64.urlsafe_b64encode(
            json.dumps({**claims_of(person.access_token), "roles": ["OPERATOR"]}).encode()
        )
        .rstrip(b"=")
        .decode()
    )

    await gql(client, ME, token=f"{header}.{elevated}.{signature}", expect_status=401)


@pytest.mark.parametrize(
    "header", ["Basic dXNlcjpwYXNz", "Bearer", "Token abc", "Bearer agora_x_y"]
)
async def test_malformed_authorization_headers_are_refused(
    client: httpx.AsyncClient, header: str
) -> None:
    response = await client.post("/graphql", json={"query": ME}, headers={"authorization": header})

    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
