"""The newcomer's first command: `agora serve` with no store configured at all."""

from __future__ import annotations

import os
import time
from pathlib import Path

import httpx
import psutil

from support.server import ServerProcess

# What starting may cost in CPU (the process's own, imports and migrations included): CPU
# time, unlike wall time, does not grow when other work shares the machine. The wall-clock
# start is a benchmark figure, not a test's.
STARTUP_CPU_BUDGET_SECONDS = 10.0


def test_serves_on_embedded_postgres_and_redis_with_no_configuration(tmp_path: Path) -> None:
    # given a directory with nothing in it and no store URLs in the environment
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    process = ServerProcess({}, cwd=tmp_path)
    process.env = {**env, "AGORA_LOG_LEVEL": "warning", "AGORA_ENV": "dev"}

    # when it starts
    process.start()
    assert process.process is not None
    started = psutil.Process(process.process.pid).cpu_times()
    try:
        ready = httpx.get(process.url + "/readyz").json()
        platform = httpx.post(
            process.url + "/graphql", json={"query": "{ platform { name currency } }"}
        ).json()
        graphiql = httpx.get(process.url + "/graphql", headers={"accept": "text/html"})
        metrics = worker_leading(process.url)
    finally:
        process.stop()

    # then both stores are real, embedded under ./.agora, and starting cost little
    assert ready["status"] == "ready"
    assert ready["checks"] == {"database": "ok", "redis": "ok"}
    assert ready["events"]["unpublished"] == 0  # the embedded default runs the relay too
    assert "agora_worker_leader 1.0" in metrics  # and the worker's jobs
    assert platform == {"data": {"platform": {"name": "Agora", "currency": "CNY"}}}
    assert (tmp_path / ".agora" / "pg" / "PG_VERSION").exists()
    cpu_seconds = started.user + started.system
    assert cpu_seconds < STARTUP_CPU_BUDGET_SECONDS, f"took {cpu_seconds:.1f} s of CPU"
    assert graphiql.status_code == 200  # dev shows GraphiQL
    assert "graphiql" in graphiql.text.lower()
    # and SIGTERM stopped the embedded PostgreSQL with the service, leaving nothing behind
    assert not embedded_postgres_running(tmp_path)


def worker_leading(url: str, seconds: float = 10.0) -> str:
    """/metrics once it shows the in-process worker leading (or when the time is up)."""
    deadline = time.monotonic() + seconds
    while "agora_worker_leader 1.0" not in (text := httpx.get(url + "/metrics").text):
        if time.monotonic() > deadline:
            break
        time.sleep(0.1)
    return text


def embedded_postgres_running(data_dir: Path) -> bool:
    for process in psutil.process_iter(["name", "cmdline"]):
        if process.info["name"] == "postgres" and str(data_dir) in " ".join(
            process.info["cmdline"] or []
        ):
            return True
    return False
