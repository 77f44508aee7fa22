"""Prometheus metrics of one process: HTTP and GraphQL traffic, pools and connections."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

if TYPE_CHECKING:
    from prometheus_client.metrics_core import Metric
    from sqlalchemy.ext.asyncio import AsyncEngine

    from api.events.hub import EventHub
    from domain.services.group_commit import GroupCommit

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)


class Metrics:
    """One registry per app, so tests can build many apps in one process."""

    def __init__(self) -> None:
        self._children: dict[tuple[object, ...], Any] = {}
        self.registry = CollectorRegistry()
        self.http_requests = Counter(
            "agora_http_requests",
            "HTTP requests served.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.http_latency = Histogram(
            "agora_http_request_duration_seconds",
            "HTTP request latency.",
            ["method", "route"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.graphql_operations = Counter(
            "agora_graphql_operations",
            "GraphQL operations by root fields and outcome.",
            ["type", "operation", "outcome"],
            registry=self.registry,
        )
        self.graphql_latency = Histogram(
            "agora_graphql_operation_duration_seconds",
            "GraphQL operation latency.",
            ["type", "operation"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.websocket_connections = Gauge(
            "agora_websocket_connections",
            "Open GraphQL WebSocket connections.",
            registry=self.registry,
        )

        self.outbox_unpublished = Gauge(
            "agora_outbox_unpublished_events",
            "Committed events not yet published to Redis.",
            registry=self.registry,
        )
        self.outbox_lag = Gauge(
            "agora_outbox_lag_seconds",
            "Age of the oldest unpublished event (0 when none).",
            registry=self.registry,
        )
        self.events_published = Counter(
            "agora_events_published",
            "Events this process's relay published to Redis Streams.",
            registry=self.registry,
        )
        self.relay_leader = Gauge(
            "agora_outbox_relay_leader",
            "1 while this process's relay is the publishing leader.",
            registry=self.registry,
        )
        self.relay_reconnects = Counter(
            "agora_outbox_relay_reconnects",
            "Times this process's relay discarded its PostgreSQL connection (an error, a"
            " timeout, a failover) and connected again.",
            registry=self.registry,
        )
        self.worker_leader = Gauge(
            "agora_worker_leader",
            "1 while this process runs the worker's jobs in-process (the embedded default).",
            registry=self.registry,
        )

    def child(self, metric: Counter | Histogram, *labels: str) -> Any:
        """`metric.labels(*labels)`, looked up once: every request counts into a few of them
        (label values are bounded: routes, statuses, root fields of our schema)."""
        key = (id(metric), *labels)
        found = self._children.get(key)
        if found is None:
            found = self._children[key] = metric.labels(*labels)
        return found

    def watch_pool(self, engine: AsyncEngine) -> None:
        self.registry.register(DatabasePoolCollector(engine))

    def watch_events(self, hub: EventHub) -> None:
        self.registry.register(EventHubCollector(hub))

    def watch_group_commit(self, queue: GroupCommit[Any, Any], name: str, plural: str) -> None:
        """`agora_<name>_batches` and `agora_<name>_batch_orders` of a group-commit queue."""
        self.registry.register(GroupCommitCollector(queue, name, plural))

    def render(self) -> bytes:
        return generate_latest(self.registry)


class DatabasePoolCollector(Collector):
    """Reads the SQLAlchemy pool at scrape time: nothing to update on the hot path."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    def collect(self) -> Iterator[Metric]:
        pool = self.engine.sync_engine.pool
        readings = {
            "agora_db_pool_size": ("Configured pool size.", "size"),
            "agora_db_pool_checked_out": ("Connections in use.", "checkedout"),
            "agora_db_pool_checked_in": ("Idle connections in the pool.", "checkedin"),
            "agora_db_pool_overflow": ("Connections beyond the pool size.", "overflow"),
        }
        for name, (documentation, method) in readings.items():
            reading = getattr(pool, method, None)
            if reading is not None:
                yield GaugeMetricFamily(name, documentation, value=float(reading()))


class EventHubCollector(Collector):
    """The subscription hub's counts, read at scrape time."""

    def __init__(self, hub: EventHub) -> None:
        self.hub = hub

    def collect(self) -> Iterator[Metric]:
        yield GaugeMetricFamily(
            "agora_event_subscribers",
            "Local event subscriptions.",
            value=float(self.hub.subscriber_count),
        )
        yield GaugeMetricFamily(
            "agora_event_reader_connected",
            "1 while the hub's stream reader is connected.",
            value=1.0 if self.hub.connected else 0.0,
        )
        yield CounterMetricFamily(
            "agora_event_deliveries",
            "Events handed to local subscribers.",
            value=float(self.hub.delivered),
        )
        yield CounterMetricFamily(
            "agora_event_overflows",
            "Subscriber buffers that overflowed (live: SLOW_CONSUMER).",
            value=float(self.hub.overflows),
        )


class GroupCommitCollector(Collector):
    """Group commit at work: requests per committed batch is the ratio of the two."""

    def __init__(self, queue: GroupCommit[Any, Any], name: str, plural: str) -> None:
        self.queue, self.name, self.plural = queue, name, plural

    def collect(self) -> Iterator[Metric]:
        yield CounterMetricFamily(
            f"agora_{self.name}_batches",
            f"Committed transactions of grouped {self.plural}.",
            value=float(self.queue.batches),
        )
        yield CounterMetricFamily(
            f"agora_{self.name}_batch_orders",
            f"{self.plural.capitalize()} (and replays) those batches carried.",
            value=float(self.queue.orders),
        )
