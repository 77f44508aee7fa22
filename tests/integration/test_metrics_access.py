"""/metrics: open outside production; in production only behind AGORA_METRICS_TOKEN."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx

from api.app import create_app
from api.settings import Settings
from support.stores import StoreUrls, make_production_settings, make_settings

TOKEN = "scrape-me-4c1f0e9b7d2a"


@asynccontextmanager
async def client_of(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://agora.test") as http:
            yield http


async def test_production_without_a_token_does_not_serve_metrics(
    clean_stores: StoreUrls,
) -> None:
    async with client_of(make_production_settings(clean_stores)) as client:
        response = await client.get("/metrics")

    assert response.status_code == 404
    assert "agora_" not in response.text


async def test_production_serves_metrics_to_the_token_only(clean_stores: StoreUrls) -> None:
    settings = make_production_settings(clean_stores, metrics_token=TOKEN)
    async with client_of(settings) as client:
        anonymous = await client.get("/metrics")
        wrong = await client.get("/metrics", headers={"Authorization": "Bearer not-the-token"})
        basic = await client.get("/metrics", headers={"Authorization": f"Basic {TOKEN}"})
        scraper = await client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})

    for refused in (anonymous, wrong, basic):
        assert refused.status_code == 401
        assert refused.headers["www-authenticate"].startswith("Bearer")
        assert "agora_" not in refused.text
    assert scraper.status_code == 200
    assert "agora_http_requests_total" in scraper.text


async def test_outside_production_metrics_are_open_unless_a_token_is_set(
    clean_stores: StoreUrls,
) -> None:
    async with client_of(make_settings(clean_stores)) as client:
        open_metrics = await client.get("/metrics")
    async with client_of(make_settings(clean_stores, metrics_token=TOKEN)) as client:
        guarded = await client.get("/metrics")

    assert open_metrics.status_code == 200
    assert guarded.status_code == 401


async def test_a_blank_token_counts_as_none(clean_stores: StoreUrls) -> None:
    settings = make_production_settings(clean_stores, metrics_token="  ")
    async with client_of(settings) as client:
        response = await client.get("/metrics", headers={"Authorization": "Bearer "})

    assert settings.metrics_token is None
    assert response.status_code == 404
