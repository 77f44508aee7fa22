"""The console's session: operators only, HttpOnly + SameSite=Strict cookies that live as long
as the access token, CSRF-safe, revoked as the API's sessions are, audited as logIn is."""

from __future__ import annotations

import re

import httpx

from support.console import CONSOLE_JS, ORIGIN, console_gql, sign_in
from support.graphql import Person, gql, signed_in

ME = "{ me { id displayName roles } }"
AUDIT = '{ auditLog(first: 50, action: "auth.logout") { edges { node { action actorId } } } }'


def set_cookies(response: httpx.Response) -> dict[str, str]:
    return {header.split("=", 1)[0]: header for header in response.headers.get_list("set-cookie")}


async def test_the_page_and_its_assets_are_served_by_agora_under_a_strict_policy(
    client: httpx.AsyncClient,
) -> None:
    page = await client.get("/console")
    assert page.status_code == 200
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert '<script src="/console/assets/console.js"' in page.text
    assert "http" not in page.text.replace("http-equiv", "")  # nothing from a CDN
    for asset in ("console.js", "charts.js", "console.css"):
        served = await client.get(f"/console/assets/{asset}")
        assert served.status_code == 200
        assert served.content


async def test_an_operator_signs_in_to_an_http_only_strict_short_session(
    client: httpx.AsyncClient, operator: Person
) -> None:
    response = await sign_in(client, operator.email)

    assert response.status_code == 200, response.text
    cookies = set_cookies(response)
    session, csrf = cookies["agora_console"].lower(), cookies["agora_console_csrf"].lower()
    for cookie in (session, csrf):
        assert "samesite=strict" in cookie
        assert "path=/console" in cookie
        assert 0 < int(cookie.split("max-age=")[1].split(";")[0]) <= 15 * 60
        assert "secure" not in cookie.replace("samesite", "")  # plain http here; https: Secure
    assert "httponly" in session
    assert "httponly" not in csrf
    me = await console_gql(client, ME, csrf=client.cookies["agora_console_csrf"])
    assert me.status_code == 200, me.text
    assert me.json()["data"]["me"]["id"] == operator.id


async def test_a_non_operator_is_refused_and_the_session_opened_is_ended_again(
    client: httpx.AsyncClient, operator: Person
) -> None:
    borrower = await signed_in(client, roles=["BORROWER"])

    response = await sign_in(client, borrower.email)

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "FORBIDDEN"
    assert "set-cookie" not in response.headers
    audit = await gql(client, AUDIT, token=operator.access_token)
    assert borrower.id in [e["node"]["actorId"] for e in audit["data"]["auditLog"]["edges"]]


async def test_a_wrong_password_is_refused_with_the_api_s_own_error(
    client: httpx.AsyncClient, operator: Person
) -> None:
    response = await client.post(
        "/console/session",
        json={"login": operator.email, "password": "wrong password!"},
        headers={"origin": ORIGIN},
    )
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "INVALID_CREDENTIALS"
    assert "set-cookie" not in response.headers


async def test_requests_from_another_origin_or_without_the_csrf_token_are_refused(
    client: httpx.AsyncClient, operator: Person
) -> None:
    assert (await sign_in(client, operator.email, origin="https://evil.example")).status_code == 403
    assert (await sign_in(client, operator.email)).status_code == 200
    csrf = client.cookies["agora_console_csrf"]

    refused = [
        await console_gql(client, ME, csrf=None),
        await console_gql(client, ME, csrf="forged"),
        await console_gql(client, ME, csrf=csrf, origin="https://evil.example"),
        await console_gql(client, ME, csrf=csrf, origin=None),
    ]
    assert [r.status_code for r in refused] == [403, 403, 403, 403]
    assert (await console_gql(client, ME, csrf=csrf)).status_code == 200


async def test_the_public_api_ignores_the_console_cookie(
    client: httpx.AsyncClient, operator: Person
) -> None:
    await sign_in(client, operator.email)
    client.cookies.set("agora_console", client.cookies["agora_console"], path="/")

    public = await gql(client, ME)

    assert public["data"]["me"] is None


async def test_signing_out_revokes_the_token_everywhere(
    client: httpx.AsyncClient, operator: Person
) -> None:
    await sign_in(client, operator.email)
    token, csrf = client.cookies["agora_console"], client.cookies["agora_console_csrf"]

    out = await client.post(
        "/console/session/end", headers={"origin": ORIGIN, "x-csrf-token": csrf}
    )

    assert out.status_code == 200
    assert (await gql(client, ME, token=token, expect_status=401))["errors"]
    client.cookies.set("agora_console", token, path="/console")
    client.cookies.set("agora_console_csrf", csrf, path="/console")
    assert (await console_gql(client, ME, csrf=csrf)).status_code == 401


async def test_a_session_revoked_through_the_api_ends_the_console(
    client: httpx.AsyncClient, operator: Person
) -> None:
    await sign_in(client, operator.email)
    token, csrf = client.cookies["agora_console"], client.cookies["agora_console_csrf"]

    await gql(client, "mutation { logOut { ok } }", token=token)

    assert (await console_gql(client, ME, csrf=csrf)).status_code == 401


async def test_the_work_queues_read_as_an_operator_without_errors(
    client: httpx.AsyncClient, operator: Person
) -> None:
    # every queue's document the console sends when it starts (the insurance claims queue,
    # read-only, among them): an operator's console shows each, none ends in an error
    queues = CONSOLE_JS[CONSOLE_JS.index("const QUEUES") : CONSOLE_JS.index("function cell(")]
    documents = re.findall(r"query: `([^`]*)`", queues)
    assert any("insuranceClaims" in d for d in documents)
    await sign_in(client, operator.email)
    for document in documents:
        answer = await console_gql(client, document, csrf=client.cookies["agora_console_csrf"])
        assert answer.status_code == 200, answer.text
        assert "errors" not in answer.json(), (document, answer.json())
