"""GraphiQL works with no internet: the page names nothing outside Agora, and Agora serves
every script and style it names (in dev only, as GraphiQL itself)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from html.parser import HTMLParser

import httpx
import pytest

from api.app import create_app
from api.graphiql import ASSETS
from support.stores import StoreUrls, make_settings

EXTERNAL = re.compile(r"""(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}""", re.IGNORECASE)


class References(HTMLParser):
    """Every address the page makes the browser load: script src, link href, img src."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("src", "href") and value is not None:
                self.found.append(value)


@pytest.fixture
async def dev_client(clean_stores: StoreUrls) -> AsyncIterator[httpx.AsyncClient]:
    application = create_app(make_settings(clean_stores, env="dev"))
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://agora.test") as client:
            yield client


async def test_the_page_loads_nothing_from_outside_and_agora_serves_what_it_names(
    dev_client: httpx.AsyncClient,
) -> None:
    # when a browser opens /graphql
    page = await dev_client.get("/graphql", headers={"accept": "text/html"})

    # then the page is GraphiQL and names no address outside Agora
    assert page.status_code == 200
    assert "graphiql.min.js" in page.text
    assert EXTERNAL.findall(page.text) == []
    parser = References()
    parser.feed(page.text)
    assets = [ref for ref in parser.found if not ref.startswith("data:")]
    assert sorted(assets) == [
        "/static/graphiql/graphiql.min.css",
        "/static/graphiql/graphiql.min.js",
        "/static/graphiql/plugin-explorer.css",
        "/static/graphiql/plugin-explorer.umd.js",
        "/static/graphiql/react-dom.production.min.js",
        "/static/graphiql/react.production.min.js",
    ]
    # and every one of them is served by Agora, as the file vendored under api/static
    for asset in assets:
        served = await dev_client.get(asset)
        assert served.status_code == 200, asset
        assert served.content == (ASSETS / asset.rsplit("/", 1)[1]).read_bytes()
        kind = "text/css" if asset.endswith(".css") else "javascript"
        assert kind in served.headers["content-type"], asset


def test_the_vendored_styles_fetch_no_fonts_or_images_from_outside() -> None:
    for sheet in ASSETS.glob("*.css"):
        urls = re.findall(r"url\(([^)]*)\)", sheet.read_text(encoding="utf-8"))
        assert all(u.strip("'\"").startswith(("data:", "#")) for u in urls), sheet.name


async def test_outside_dev_neither_graphiql_nor_its_assets_are_served(
    clean_stores: StoreUrls,
) -> None:
    application = create_app(make_settings(clean_stores, env="test"))
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://agora.test") as client:
            asset = await client.get("/static/graphiql/graphiql.min.js")
    assert asset.status_code == 404
