"""Machine clients: API keys created, used, listed, rotated and revoked by their owner."""

from __future__ import annotations

import httpx

from support.graphql import Person, gql, signed_in

CREATE = """
mutation Create($input: CreateApiKeyInput!) {
  createApiKey(input: $input) {
    apiKey { id name prefix scopes } secret errors { code field message }
  }
}
"""
ROTATE = """
mutation Rotate($id: ID!, $overlap: Int!) {
  rotateApiKey(id: $id, overlapSeconds: $overlap) { apiKey { id } secret errors { code } }
}
"""
REVOKE = "mutation Revoke($id: ID!) { revokeApiKey(id: $id) { apiKey { id } errors { code } } }"
ME = "{ me { id roles } }"


async def create_key(client: httpx.AsyncClient, owner: Person, scopes: list[str]) -> dict:
    body = await gql(
        client, CREATE, {"input": {"name": "checkout", "scopes": scopes}}, token=owner.access_token
    )
    return body["data"]["createApiKey"]


async def test_a_merchant_key_acts_for_the_merchant(client: httpx.AsyncClient) -> None:
    merchant = await signed_in(client, roles=["MERCHANT"], kind="BUSINESS")

    created = await create_key(client, merchant, ["PAYMENTS_WRITE", "PROFILE_READ"])
    me = (await gql(client, ME, token=created["secret"]))["data"]["me"]
    listed = await gql(client, "{ apiKeys { id prefix scopes } }", token=merchant.access_token)

    assert created["errors"] == []
    assert created["secret"].startswith("agora_" + created["apiKey"]["prefix"])
    assert me == {"id": merchant.id, "roles": ["MERCHANT"]}
    assert listed["data"]["apiKeys"] == [
        {
            "id": created["apiKey"]["id"],
            "prefix": created["apiKey"]["prefix"],
            "scopes": ["PAYMENTS_WRITE", "PROFILE_READ"],
        }
    ]
    assert created["secret"] not in str(listed)


async def test_scopes_must_fit_the_owners_roles(client: httpx.AsyncClient) -> None:
    merchant = await signed_in(client, roles=["MERCHANT"], kind="BUSINESS")
    borrower = await signed_in(client, roles=["BORROWER"])

    bank_scope = await create_key(client, merchant, ["OFFERS_WRITE"])
    no_machine_role = await create_key(client, borrower, ["PAYMENTS_WRITE"])

    assert bank_scope["errors"][0] == {
        "code": "INVALID_INPUT",
        "field": "scopes",
        "message": "your roles do not allow offers:write",
    }
    assert no_machine_role["errors"][0]["field"] == "scopes"
    assert bank_scope["secret"] is None


async def test_a_key_cannot_manage_keys(client: httpx.AsyncClient) -> None:
    merchant = await signed_in(client, roles=["MERCHANT"], kind="BUSINESS")
    key = await create_key(client, merchant, ["PAYMENTS_READ"])

    by_key = await gql(
        client, CREATE, {"input": {"name": "x", "scopes": ["PAYMENTS_READ"]}}, token=key["secret"]
    )

    assert by_key["data"]["createApiKey"]["errors"][0]["code"] == "FORBIDDEN"


async def test_a_revoked_key_is_refused(client: httpx.AsyncClient) -> None:
    merchant = await signed_in(client, roles=["MERCHANT"], kind="BUSINESS")
    key = await create_key(client, merchant, ["PAYMENTS_READ"])

    revoked = await gql(client, REVOKE, {"id": key["apiKey"]["id"]}, token=merchant.access_token)
    refused = await gql(client, ME, token=key["secret"], expect_status=401)

    assert revoked["data"]["revokeApiKey"]["errors"] == []
    assert refused["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert "data" not in refused


async def test_rotation_with_overlap_keeps_both_keys_alive_for_a_while(
    client: httpx.AsyncClient,
) -> None:
    merchant = await signed_in(client, roles=["MERCHANT"], kind="BUSINESS")
    old = await create_key(client, merchant, ["PROFILE_READ"])

    rotated = (
        await gql(
            client,
            ROTATE,
            {"id": old["apiKey"]["id"], "overlap": 3600},
            token=merchant.access_token,
        )
    )["data"]["rotateApiKey"]
    immediate = (
        await gql(
            client,
            ROTATE,
            {"id": rotated["apiKey"]["id"], "overlap": 0},
            token=merchant.access_token,
        )
    )["data"]["rotateApiKey"]

    assert (await gql(client, ME, token=old["secret"]))["data"]["me"]["id"] == merchant.id
    await gql(client, ME, token=rotated["secret"], expect_status=401)  # rotated without overlap
    assert (await gql(client, ME, token=immediate["secret"]))["data"]["me"]["id"] == merchant.id


async def test_another_owners_key_looks_missing(client: httpx.AsyncClient) -> None:
    owner = await signed_in(client, roles=["MERCHANT"], kind="BUSINESS")
    intruder = await signed_in(client, roles=["MERCHANT"], kind="BUSINESS")
    key = await create_key(client, owner, ["PROFILE_READ"])

    revoke = await gql(client, REVOKE, {"id": key["apiKey"]["id"]}, token=intruder.access_token)
    node = await gql(
        client,
        "query N($id: ID!) { node(id: $id) { id } }",
        {"id": key["apiKey"]["id"]},
        token=intruder.access_token,
    )
    missing = await gql(
        client,
        REVOKE,
        {"id": "QXBpS2V5OjAwMDAwMDAwLTAwMDAtMDAwMC0wMDAwLTAwMDAwMDAwMDAwMA=="},
        token=intruder.access_token,
    )

    assert revoke["data"]["revokeApiKey"]["errors"] == missing["data"]["revokeApiKey"]["errors"]
    assert revoke["data"]["revokeApiKey"]["errors"][0]["code"] == "NOT_FOUND"
    assert node["data"]["node"] is None
    assert (await gql(client, ME, token=key["secret"]))["data"]["me"]["id"] == owner.id


async def test_a_key_reads_its_owners_profile_only_with_profile_read(
    client: httpx.AsyncClient,
) -> None:
    merchant = await signed_in(client, roles=["MERCHANT"], kind="BUSINESS")
    payments_only = await create_key(client, merchant, ["PAYMENTS_READ"])

    refused = await gql(client, ME, token=payments_only["secret"])

    assert refused["data"] == {"me": None}
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
