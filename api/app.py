"""The ASGI application: GraphQL at /graphql (HTTP and WebSocket), probes and metrics."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.metadata import PackageNotFoundError, version

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.routing import Route, WebSocketRoute

from api import embedded, health
from api.body_limit import BodySizeLimit
from api.console.graphql import ConsoleGraphQL
from api.console.routes import console_routes
from api.events.feed import EventFeed
from api.events.hub import EventHub
from api.events.relay import OutboxRelay
from api.events.running import relay_settings, running_relay
from api.graphiql import graphiql_assets
from api.graphql_http import GraphQLOverHTTP
from api.graphql_metrics import GraphQLMetrics
from api.in_process_worker import InProcessWorker, running_worker
from api.metrics import Metrics
from api.middleware import RequestObservation
from api.open_sources_warmup import indexing_open_sources
from api.persisted_queries import PersistedQueries
from api.rate_limits import RateLimiter, RateLimitGuard
from api.rate_limits.middleware import IpRateLimit
from api.security.open_sockets import OpenSockets
from api.services import build_services
from api.settings import Settings
from api.stores import open_stores
from domain.clock import Clock, SystemClock
from domain.platform import PlatformProfile
from graph.hardening import HardeningPolicy
from graph.schema import AgoraSchema, build_schema

logger = logging.getLogger("agora.app")
PLATFORM_NAME = "Agora"


def platform_version() -> str:
    try:
        return version("agora")
    except PackageNotFoundError:  # running from a checkout that was never installed
        return "0.0.0+local"


@functools.cache
def shared_schema(hardening: HardeningPolicy) -> AgoraSchema:
    """One schema per policy in a process: building it costs ~0.1 s of CPU, so apps share it,
    and with it its parser and validation caches; the metrics extension finds each app's own
    metrics through the request."""
    return build_schema(policy=hardening, extra_extensions=[GraphQLMetrics])


def create_app(
    settings: Settings | None = None, *, clock: Clock | None = None, worker_cadence: float = 1.0
) -> Starlette:
    """Build the app; stores open in the lifespan (embedded ones start if no URL is set).

    With `settings.runs_worker_in_process` the worker's jobs run in it too, each every
    `worker_cadence` times its period."""
    settings = settings or Settings()
    metrics = Metrics()
    hardening = HardeningPolicy.for_environment(settings.env)
    schema = shared_schema(hardening)
    clock = clock or SystemClock()
    rate_limit_policy = settings.rate_limit_policy
    # Built now for the middleware; it connects in the lifespan, once the Redis URL is known.
    rate_limiter = RateLimiter(
        registry=metrics.registry,
        enabled=settings.rate_limits_enabled,
        max_connections=settings.redis_max_connections,
        timeout_seconds=settings.redis_request_timeout_seconds,
    )
    # One store for both views: a document the console sent is known to /graphql too.
    persisted_queries = PersistedQueries(max_documents=settings.persisted_queries)
    graphql = GraphQLOverHTTP(
        schema,
        clock=clock,
        platform=PlatformProfile(PLATFORM_NAME, platform_version(), settings.currency),
        graphiql=settings.graphiql_enabled,
        allowed_origins=settings.cors_origins,
        max_subscriptions_per_connection=settings.max_subscriptions_per_connection,
        hardening=hardening,
        max_json_depth=settings.max_json_depth,
        persisted_queries=persisted_queries,
    )
    # The operator console's pages call the same schema through their cookie session.
    console = ConsoleGraphQL(
        schema,
        clock=clock,
        platform=graphql.platform,
        allowed_origins=settings.cors_origins,
        trusted_origins=settings.cors_origins,
        max_subscriptions_per_connection=settings.max_subscriptions_per_connection,
        hardening=hardening,
        max_json_depth=settings.max_json_depth,
        persisted_queries=persisted_queries,
    )

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        urls = await asyncio.to_thread(embedded.store_urls, settings)
        assert urls.redis_url is not None
        stores = open_stores(settings, database_url=urls.database_url, redis_url=urls.redis_url)
        metrics.watch_pool(stores.engine)
        app.state.stores = stores
        app.state.services = build_services(settings, stores, clock)
        persisted_queries.share_through(stores.checks_redis)
        metrics.watch_group_commit(app.state.services.transfers, "transfer", "transfers")
        metrics.watch_group_commit(app.state.services.pledges, "pledge", "pledges")
        app.state.open_sockets = OpenSockets(
            redis_client=stores.redis,
            revocations=app.state.services.revocations,
            engine=stores.engine,
            clock=clock,
            recheck_seconds=settings.revocation_recheck_seconds,
        )
        await app.state.open_sockets.start()
        hub = EventHub(urls.redis_url, buffer_limit=settings.subscriber_buffer)
        app.state.events = EventFeed(hub, redis_client=stores.redis, sessions=stores.sessions)
        metrics.watch_events(hub)
        await app.state.events.start()
        rate_limiter.open(urls.redis_url, health=stores.redis_health)
        app.state.rate_limits = RateLimitGuard(rate_limiter, rate_limit_policy)
        relay = OutboxRelay(
            database_url=urls.database_url,
            redis_client=stores.redis,
            metrics=metrics,
            settings=relay_settings(settings),
        )
        logger.info("agora ready", extra={"env": settings.env})
        try:
            async with contextlib.AsyncExitStack() as background:
                await background.enter_async_context(indexing_open_sources(stores.sessions, clock))
                if settings.relay_enabled:
                    await background.enter_async_context(running_relay(relay))
                if settings.runs_worker_in_process:
                    worker = InProcessWorker(
                        settings=settings,
                        database_url=urls.database_url,
                        clock=clock,
                        metrics=metrics,
                        cadence=worker_cadence,
                    )
                    await background.enter_async_context(running_worker(worker))
                yield
        finally:
            await app.state.open_sockets.stop()
            await app.state.events.stop()
            await rate_limiter.close()
            await stores.close()
            logger.info("agora stopped")

    app = Starlette(
        routes=[
            Route("/graphql", graphql),
            WebSocketRoute("/graphql", graphql),
            Route("/healthz", health.healthz),
            Route("/readyz", health.readyz),
            Route("/metrics", health.metrics),
            *([graphiql_assets()] if settings.graphiql_enabled else []),
            *console_routes(console),
        ],
        middleware=[
            Middleware(RequestObservation, metrics=metrics),
            Middleware(BodySizeLimit, max_bytes=settings.max_body_bytes),
            Middleware(
                CORSMiddleware,
                allow_origins=settings.cors_origins,
                allow_methods=["GET", "POST"],
                allow_headers=["authorization", "content-type", "x-request-id"],
                expose_headers=["x-request-id", "retry-after"],
                max_age=600,
            ),
            # Inside CORS, so a 429 carries CORS headers (a browser script can read it) and
            # preflights are answered before they count; inside RequestObservation, so
            # refusals are logged and measured with their request id.
            Middleware(IpRateLimit, limiter=rate_limiter, policy=rate_limit_policy),
        ],
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.metrics = metrics
    return app


YOUNG_COLLECTION_EVERY = 50_000  # allocations (CPython's default: 700)


def app_from_environment() -> Starlette:
    """uvicorn's factory for `agora serve`: every worker process configures itself alike."""
    from api.logs import configure_logging

    settings = Settings()
    configure_logging(settings.log_level, json=settings.log_json)
    app = create_app(settings)
    # What is built by now (modules, the schema: ~225k objects) lives as long as the worker:
    # out of the collector's generations, a full collection no longer walks all of it on
    # every ~30 requests (a 360-month quote: 4.7 → 0.5 ms of collection per request).
    gc.freeze()
    # A collection of the young generation every 700 allocations promotes whatever is in
    # flight then (an event fanned out to 10,000 subscribers is ~500k allocations, its
    # subscriptions' tasks mid-way), and promoted objects count toward the next full
    # collection, which walks every open subscription: seconds at 10,000. Collecting the
    # young every 50,000 allocations (~1 ms each) promotes far less: a 10,000-subscriber
    # profile ran 4 full collections (1 s) instead of 20 (36 s). See bench/README.md.
    gc.set_threshold(YOUNG_COLLECTION_EVERY, *gc.get_threshold()[1:])
    return app
