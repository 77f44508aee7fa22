"""The rate limits as the app wires them: per IP, per client, on sign-in, in /metrics."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from starlette.applications import Starlette

from api.app import create_app
from support.graphql import gql, log_in, signed_in
from support.stores import StoreUrls, make_settings

ME = "{ __typename }"


@pytest.fixture
async def strict_app(clean_stores: StoreUrls) -> AsyncIterator[Starlette]:
    settings = make_settings(
        clean_stores,
        rate_limit_per_ip="8/minute",
        rate_limit_per_client="3/minute",
        rate_limit_login_per_ip="20/minute",
        rate_limit_login_per_account="2/minute",
        cors_origins="https://app.agora.test",
    )
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


def client_at(app: Starlette, ip: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(ip, 123))
    return httpx.AsyncClient(transport=transport, base_url="http://agora.test")


async def test_over_the_ip_limit_a_browser_can_read_the_429(strict_app: Starlette) -> None:
    async with client_at(strict_app, "1.2.3.4") as client:
        for _ in range(8):
            await client.post("/graphql", json={"query": ME})
        refused = await client.post(
            "/graphql", json={"query": ME}, headers={"origin": "https://app.agora.test"}
        )
        healthz = await client.get("/healthz")
        metrics = (await client.get("/metrics")).text

    assert refused.status_code == 429
    assert refused.headers["access-control-allow-origin"] == "https://app.agora.test"
    assert "retry-after" in refused.headers["access-control-expose-headers"]
    assert refused.headers["x-request-id"]
    assert healthz.status_code == 200
    assert 'agora_rate_limit_refusals_total{scope="ip"} 1.0' in metrics
    assert 'agora_http_requests_total{method="POST",route="/graphql",status="429"} 1.0' in metrics


async def test_sign_in_attempts_per_account_are_limited(strict_app: Starlette) -> None:
    async with client_at(strict_app, "5.6.7.8") as client:
        person = await signed_in(client, roles=["BORROWER"])  # one attempt used
        second = await log_in(client, person.email, "wrong password!")
        third = await log_in(client, person.email)

    assert second["errors"][0]["code"] == "INVALID_CREDENTIALS"
    assert third["errors"][0]["code"] == "RATE_LIMITED"
    assert third["errors"][0]["message"].startswith("Too many requests: retry in")


async def test_a_signed_in_client_over_its_limit_gets_429(strict_app: Starlette) -> None:
    async with client_at(strict_app, "9.9.9.9") as client:
        person = await signed_in(client, roles=["INVESTOR"])
        for _ in range(3):
            await gql(client, ME, token=person.access_token)
        refused = await client.post(
            "/graphql",
            json={"query": ME},
            headers={
                "authorization": f"Bearer {person.access_token}",
                "accept": "application/graphql-response+json",
            },
        )
    # Another address, same person: the per-client budget is the person's, not the IP's.
    async with client_at(strict_app, "9.9.9.10") as elsewhere:
        also_refused = await elsewhere.post(
            "/graphql",
            json={"query": ME},
            headers={"authorization": f"Bearer {person.access_token}"},
        )

    assert refused.status_code == 429
    assert refused.headers["content-type"].startswith("application/graphql-response+json")
    retry_after = int(refused.headers["retry-after"])
    assert refused.json()["errors"][0]["extensions"] == {
        "code": "RATE_LIMITED",
        "retryAfter": retry_after,
    }
    assert also_refused.status_code == 429


async def test_the_console_s_sign_in_counts_toward_the_same_limits(strict_app: Starlette) -> None:
    async with client_at(strict_app, "7.7.7.7") as client:
        person = await signed_in(client, roles=["BORROWER"])  # one attempt used
        attempts = [
            await client.post(
                "/console/session",
                json={"login": person.email, "password": "wrong password!"},
                headers={"origin": "http://agora.test"},
            )
            for _ in range(2)
        ]

    assert [a.status_code for a in attempts] == [401, 429]
    assert attempts[1].json()["error"]["code"] == "RATE_LIMITED"
