"""Closed-loop HTTP load: POST one body over keep-alive connections, report req/s, p50, p99.

wrk when it is installed (C, so the client steals little of the 2 cores from the server);
otherwise an asyncio client on raw streams, which costs more CPU and so reads lower.
Each connection sends its next request as soon as the previous answer arrives, so latency
is what a saturated server shows, not what an open-loop arrival rate would see.
"""

from __future__ import annotations

import asyncio
import json
import math
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

REQUEST_TIMEOUT_SECONDS = 10
# Marks the line wrk's `done` hook prints, amid wrk's own report.
_WRK_MARKER = "WRK_JSON "

_WRK_SCRIPT = """\
local body_file = assert(io.open([==[{body_path}]==], "rb"))
wrk.method = "POST"
wrk.body = body_file:read("*a")
body_file:close()
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json"
{extra_headers}

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{marker}{{"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,' ..
    '"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect, e.read, e.write, e.status, e.timeout))
end
"""


@dataclass(frozen=True)
class Measurement:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: int  # non-2xx/3xx answers, socket errors and timeouts

    @property
    def rps(self) -> float:
        return self.requests / self.seconds


def loader_name() -> str:
    """Which load generator `measure` uses on this machine."""
    wrk = shutil.which("wrk")
    if wrk is None:
        return "python-asyncio"
    usage = subprocess.run([wrk, "-v"], capture_output=True, text=True, check=False)
    found = re.search(r"wrk (\S+)", usage.stdout + usage.stderr)
    return f"wrk {found.group(1)}" if found else "wrk"


_SAFE_HEADER = re.compile(r"[A-Za-z0-9-]+")


def measure(
    url: str,
    body: bytes,
    *,
    connections: int,
    seconds: int,
    headers: Mapping[str, str] | None = None,
) -> Measurement:
    """POST `body` (with extra `headers`, e.g. Authorization) to `url` for `seconds` over
    `connections` keep-alive connections."""
    headers = dict(headers or {})
    for name, value in headers.items():
        if not _SAFE_HEADER.fullmatch(name) or any(c in value for c in "\r\n]"):
            raise ValueError(f"header {name!r} cannot be sent safely")
    if shutil.which("wrk"):
        return _measure_wrk(url, body, headers, connections=connections, seconds=seconds)
    return asyncio.run(
        _measure_asyncio(url, body, headers, connections=connections, seconds=seconds)
    )


def _measure_wrk(
    url: str, body: bytes, headers: Mapping[str, str], *, connections: int, seconds: int
) -> Measurement:
    extra = "".join(f'wrk.headers["{k}"] = [==[{v}]==]\n' for k, v in headers.items())
    with tempfile.TemporaryDirectory(prefix="bench-wrk-") as scratch:
        body_path = Path(scratch, "body.json")
        body_path.write_bytes(body)
        script_path = Path(scratch, "post.lua")
        script_path.write_text(
            _WRK_SCRIPT.format(body_path=body_path, marker=_WRK_MARKER, extra_headers=extra)
        )
        # One thread: wrk's event loop keeps up with one Python server, and the second
        # core is better left to the server than to a second client thread.
        argv = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s",
                f"--timeout={REQUEST_TIMEOUT_SECONDS}s", "-s", str(script_path), url]  # fmt: skip
        done = subprocess.run(argv, capture_output=True, text=True, check=True)
    for line in done.stdout.splitlines():
        if line.startswith(_WRK_MARKER):
            report = json.loads(line.removeprefix(_WRK_MARKER))
            break
    else:
        raise RuntimeError(f"wrk printed no summary:\n{done.stdout}\n{done.stderr}")
    errors = sum(report[k] for k in ("connect", "read", "write", "status", "timeout"))
    return Measurement(
        requests=report["requests"],
        seconds=report["duration_us"] / 1e6,
        p50_ms=report["p50_us"] / 1000,
        p99_ms=report["p99_us"] / 1000,
        errors=errors,
    )


async def _measure_asyncio(
    url: str, body: bytes, headers: Mapping[str, str], *, connections: int, seconds: int
) -> Measurement:
    extra = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    request = (
        f"POST {parts.path or '/'} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
        f"Content-Type: application/json\r\nAccept: application/json\r\n{extra}"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode() + body
    latencies: list[float] = []
    errors = [0]
    started = time.perf_counter()
    deadline = started + seconds
    await asyncio.gather(
        *(_connection(host, port, request, deadline, latencies, errors) for _ in range(connections))
    )
    elapsed = time.perf_counter() - started
    latencies.sort()
    return Measurement(
        requests=len(latencies),
        seconds=elapsed,
        p50_ms=_percentile(latencies, 50) * 1000,
        p99_ms=_percentile(latencies, 99) * 1000,
        errors=errors[0],
    )


async def _connection(
    host: str,
    port: int,
    request: bytes,
    deadline: float,
    latencies: list[float],
    errors: list[int],
) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while (sent := time.perf_counter()) < deadline:
            writer.write(request)
            try:
                async with asyncio.timeout(REQUEST_TIMEOUT_SECONDS):
                    status = await _read_response(reader)
            except (TimeoutError, ConnectionError, asyncio.IncompleteReadError):
                errors[0] += 1
                return  # the connection's state is unknown: stop using it
            latencies.append(time.perf_counter() - sent)
            if not 200 <= status < 400:
                errors[0] += 1
    finally:
        writer.close()


async def _read_response(reader: asyncio.StreamReader) -> int:
    """Consume one response; our servers always send Content-Length, never chunks."""
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    found = re.search(rb"\r\ncontent-length:\s*(\d+)", head, re.IGNORECASE)
    if found is None:
        raise ConnectionError("response without Content-Length")
    await reader.readexactly(int(found.group(1)))
    return status


def _percentile(sorted_values: list[float], percent: float) -> float:
    """Nearest-rank percentile, as wrk reports it."""
    if not sorted_values:
        return float("nan")
    rank = max(1, math.ceil(percent / 100 * len(sorted_values)))
    return sorted_values[rank - 1]
