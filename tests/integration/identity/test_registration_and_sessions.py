"""Sign-up, sign-in, refresh rotation, lockout, logout and password change, over GraphQL."""

from __future__ import annotations

import httpx

from support.graphql import PASSWORD, REGISTER, gql, log_in, register, signed_in, unique_email

ME = "{ me { id displayName roles email kycStatus kycLevel } }"
REFRESH = """
mutation Refresh($token: String!) {
  refreshSession(refreshToken: $token) { accessToken refreshToken errors { code message } }
}
"""
CHANGE_PASSWORD = """
mutation Change($input: ChangePasswordInput!) {
  changePassword(input: $input) { accessToken errors { code field message } }
}
"""


async def test_a_new_borrower_signs_up_signs_in_and_sees_itself(
    client: httpx.AsyncClient,
) -> None:
    person = await signed_in(client, roles=["BORROWER", "INVESTOR"])

    me = (await gql(client, ME, token=person.access_token))["data"]["me"]

    assert me["id"] == person.id
    assert me["roles"] == ["BORROWER", "INVESTOR"]
    assert me["email"] == person.email
    assert me["kycStatus"] == "NOT_SUBMITTED"
    assert me["kycLevel"] == 0


async def test_anonymous_callers_are_nobody(client: httpx.AsyncClient) -> None:
    assert (await gql(client, ME))["data"]["me"] is None


async def test_sign_up_lists_every_invalid_field(client: httpx.AsyncClient) -> None:
    body = await gql(
        client,
        REGISTER,
        {
            "input": {
                "kind": "PERSON",
                "displayName": " ",
                "email": "not-an-email",
                "phone": "12345",
                "password": "short",
                "roles": ["OPERATOR"],
            }
        },
    )

    payload = body["data"]["register"]
    assert payload["participant"] is None
    fields = {(e["code"], e["field"]) for e in payload["errors"]}
    assert fields == {
        ("INVALID_INPUT", "displayName"),
        ("INVALID_INPUT", "email"),
        ("INVALID_INPUT", "phone"),
        ("INVALID_INPUT", "password"),
        ("INVALID_INPUT", "roles"),
    }


async def test_an_email_registers_once(client: httpx.AsyncClient) -> None:
    email = unique_email()
    await register(client, roles=["INVESTOR"], email=email)

    again = await gql(
        client,
        REGISTER,
        {
            "input": {
                "kind": "PERSON",
                "displayName": "Twin",
                "email": email.upper(),
                "password": PASSWORD,
                "roles": ["INVESTOR"],
            }
        },
    )

    assert again["data"]["register"]["errors"][0]["code"] == "ALREADY_REGISTERED"


async def test_wrong_passwords_lock_the_account_after_five_tries(client: httpx.AsyncClient) -> None:
    email = unique_email()
    await register(client, roles=["BORROWER"], email=email)

    codes = [
        (await log_in(client, email, "wrong password!"))["errors"][0]["code"] for _ in range(6)
    ]
    right_but_locked = await log_in(client, email)

    assert codes[:5] == ["INVALID_CREDENTIALS"] * 5
    assert codes[5] == "ACCOUNT_LOCKED"
    assert right_but_locked["errors"][0]["code"] == "ACCOUNT_LOCKED"
    assert right_but_locked["accessToken"] is None


async def test_an_unknown_login_looks_like_a_wrong_password(client: httpx.AsyncClient) -> None:
    unknown = await log_in(client, unique_email("nobody"))

    assert unknown["errors"] == [
        {"code": "INVALID_CREDENTIALS", "field": None, "message": "wrong login or password"}
    ]


async def test_a_refresh_token_rotates_and_its_reuse_ends_the_session(
    client: httpx.AsyncClient,
) -> None:
    person = await signed_in(client, roles=["INVESTOR"])

    first = (await gql(client, REFRESH, {"token": person.refresh_token}))["data"]["refreshSession"]
    reuse = (await gql(client, REFRESH, {"token": person.refresh_token}))["data"]["refreshSession"]
    after = (await gql(client, REFRESH, {"token": first["refreshToken"]}))["data"]["refreshSession"]

    assert first["errors"] == []
    assert first["refreshToken"] != person.refresh_token
    assert reuse["errors"][0]["code"] == "INVALID_REFRESH_TOKEN"
    # The whole family is gone: the thief's copy and the owner's newer token alike.
    assert after["errors"][0]["code"] == "INVALID_REFRESH_TOKEN"
    refused = await gql(client, ME, token=first["accessToken"], expect_status=401)
    assert refused["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_log_out_ends_the_access_token_at_once(client: httpx.AsyncClient) -> None:
    person = await signed_in(client, roles=["BORROWER"])

    out = await gql(client, "mutation { logOut { ok errors { code } } }", token=person.access_token)
    refused = await client.post(
        "/graphql", json={"query": ME}, headers={"authorization": f"Bearer {person.access_token}"}
    )

    assert out["data"]["logOut"] == {"ok": True, "errors": []}
    assert refused.status_code == 401
    assert refused.headers["www-authenticate"].startswith("Bearer")


async def test_changing_the_password_ends_every_other_session(client: httpx.AsyncClient) -> None:
    person = await signed_in(client, roles=["BORROWER"])
    other_device = await log_in(client, person.email)
    new_password = "a brand new passphrase"

    changed = (
        await gql(
            client,
            CHANGE_PASSWORD,
            {"input": {"currentPassword": PASSWORD, "newPassword": new_password}},
            token=person.access_token,
        )
    )["data"]["changePassword"]

    assert changed["errors"] == []
    await gql(client, ME, token=other_device["accessToken"], expect_status=401)
    assert (await gql(client, ME, token=changed["accessToken"]))["data"]["me"]["id"] == person.id
    assert (await log_in(client, person.email))["errors"][0]["code"] == "INVALID_CREDENTIALS"
    assert (await log_in(client, person.email, new_password))["errors"] == []


async def test_a_wrong_current_password_changes_nothing(client: httpx.AsyncClient) -> None:
    person = await signed_in(client, roles=["BORROWER"])

    refused = (
        await gql(
            client,
            CHANGE_PASSWORD,
            {"input": {"currentPassword": "not my password", "newPassword": "another long one"}},
            token=person.access_token,
        )
    )["data"]["changePassword"]

    assert refused["errors"][0]["code"] == "INVALID_CREDENTIALS"
    assert (await log_in(client, person.email))["errors"] == []
