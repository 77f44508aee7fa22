"""Closed-loop HTTP load: POST one body over keep-alive connections, report req/s, p50, p99.
Also what benchmarks do with it: scenarios measured in interleaved rounds, their medians;
and open-loop load (`measure_at_rate`): requests sent at a fixed rate whatever the answers do.

wrk when it is installed (C, so the client steals little of the 2 cores from the server);
otherwise an asyncio client on raw streams, which costs more CPU and so reads lower.
Each connection sends its next request as soon as the previous answer arrives, so latency
is what a saturated server shows, not what an open-loop arrival rate would see.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import re
import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TypeVar
from urllib.parse import urlsplit

# isort: split
# Siblings in bench/: running a script puts its own directory first on sys.path.
import cpu

REQUEST_TIMEOUT_SECONDS = 10
# Connections idle longer are not reused: uvicorn closes them after 5 s without a request.
IDLE_REUSE_SECONDS = 2.0
# Marks the line a wrk script's `done` hook prints, amid wrk's own report.
WRK_MARKER = "WRK_JSON "

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
    headers = _safe_headers(headers)
    if shutil.which("wrk"):
        return _measure_wrk(url, body, headers, connections=connections, seconds=seconds)
    return asyncio.run(
        _measure_asyncio(url, body, headers, connections=connections, seconds=seconds)
    )


def _safe_headers(headers: Mapping[str, str] | None) -> dict[str, str]:
    checked = dict(headers or {})
    for name, value in checked.items():
        if not _SAFE_HEADER.fullmatch(name) or any(c in value for c in "\r\n]"):
            raise ValueError(f"header {name!r} cannot be sent safely")
    return checked


def _measure_wrk(
    url: str, body: bytes, headers: Mapping[str, str], *, connections: int, seconds: int
) -> Measurement:
    extra = "".join(f'wrk.headers["{k}"] = [==[{v}]==]\n' for k, v in headers.items())
    with tempfile.TemporaryDirectory(prefix="bench-wrk-") as scratch:
        body_path = Path(scratch, "body.json")
        body_path.write_bytes(body)
        script_path = Path(scratch, "post.lua")
        script_path.write_text(
            _WRK_SCRIPT.format(body_path=body_path, marker=WRK_MARKER, extra_headers=extra)
        )
        report = run_wrk(url, script_path, connections=connections, seconds=seconds)
    errors = sum(report[k] for k in ("connect", "read", "write", "status", "timeout"))
    return Measurement(
        requests=report["requests"],
        seconds=report["duration_us"] / 1e6,
        p50_ms=report["p50_us"] / 1000,
        p99_ms=report["p99_us"] / 1000,
        errors=errors,
    )


def run_wrk(url: str, script_path: Path, *, connections: int, seconds: int) -> dict[str, Any]:
    """Run wrk with a Lua script whose `done` hook prints WRK_MARKER and a JSON object: that."""
    # One thread: wrk's event loop keeps up with one Python server, and the second
    # core is better left to the server than to a second client thread.
    argv = [
        "wrk",
        "-t1",
        f"-c{connections}",
        f"-d{seconds}s",
        f"--timeout={REQUEST_TIMEOUT_SECONDS}s",
        "-s",
        str(script_path),
        url,
    ]
    done = subprocess.run(argv, capture_output=True, text=True, check=True)
    for line in done.stdout.splitlines():
        if line.startswith(WRK_MARKER):
            report: dict[str, Any] = json.loads(line.removeprefix(WRK_MARKER))
            return report
    raise RuntimeError(f"wrk printed no summary:\n{done.stdout}\n{done.stderr}")


async def _measure_asyncio(
    url: str, body: bytes, headers: Mapping[str, str], *, connections: int, seconds: int
) -> Measurement:
    host, port, request = _http_request(url, body, headers)
    latencies: list[float] = []
    errors = [0]
    started = time.perf_counter()
    deadline = started + seconds
    await asyncio.gather(
        *(_connection(host, port, request, deadline, latencies, errors) for _ in range(connections))
    )
    return _measurement(latencies, time.perf_counter() - started, errors[0])


def _measurement(latencies: list[float], seconds: float, errors: int) -> Measurement:
    """The Measurement of answers that took `latencies` seconds each over `seconds`."""
    latencies.sort()
    return Measurement(
        requests=len(latencies),
        seconds=seconds,
        p50_ms=percentile(latencies, 50) * 1000,
        p99_ms=percentile(latencies, 99) * 1000,
        errors=errors,
    )


def _http_request(url: str, body: bytes, headers: Mapping[str, str]) -> tuple[str, int, bytes]:
    """(host, port, the bytes of one keep-alive POST of `body` to `url`)."""
    extra = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    parts = urlsplit(url)
    request = (
        f"POST {parts.path or '/'} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
        f"Content-Type: application/json\r\nAccept: application/json\r\n{extra}"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode() + body
    return parts.hostname or "127.0.0.1", parts.port or 80, request


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


# -- open loop: a fixed arrival rate ---------------------------------------------------------


def measure_at_rate(
    url: str,
    body: bytes,
    *,
    rate: float,
    seconds: float,
    headers: Mapping[str, str] | None = None,
) -> Measurement:
    """POST `body` to `url` at `rate` requests a second for `seconds`, open loop: each request
    leaves at its scheduled time whether or not earlier ones were answered (on an idle
    keep-alive connection, or a new one), and its latency counts from that time, so a server
    that falls behind shows it in the percentiles instead of slowing the client down
    (no coordinated omission). `requests` / `seconds` is the rate achieved."""
    return asyncio.run(_at_rate(url, body, _safe_headers(headers), rate=rate, seconds=seconds))


async def _at_rate(
    url: str, body: bytes, headers: Mapping[str, str], *, rate: float, seconds: float
) -> Measurement:
    host, port, request = _http_request(url, body, headers)
    idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter, float]] = []  # and since
    opened: list[asyncio.StreamWriter] = []
    latencies: list[float] = []
    refused = [0]  # answered, but not 2xx/3xx

    async def send(scheduled: float) -> None:
        while idle and time.perf_counter() - idle[-1][2] > IDLE_REUSE_SECONDS:
            idle.pop()[1].close()  # the most recently used first: the rest are older still
        if idle:
            reader, writer, _ = idle.pop()
        else:
            reader, writer = await asyncio.open_connection(host, port)
            opened.append(writer)
        writer.write(request)
        try:
            async with asyncio.timeout(REQUEST_TIMEOUT_SECONDS):
                status = await _read_response(reader)
        except (TimeoutError, ConnectionError, asyncio.IncompleteReadError):
            return  # counted as unanswered; the connection's state is unknown: not put back
        latencies.append(time.perf_counter() - scheduled)
        refused[0] += not 200 <= status < 400
        idle.append((reader, writer, time.perf_counter()))

    started = time.perf_counter()
    sending = []
    for number in range(int(rate * seconds)):
        scheduled = started + number / rate
        await asyncio.sleep(max(0.0, scheduled - time.perf_counter()))
        sending.append(asyncio.create_task(send(scheduled)))
    await asyncio.gather(*sending, return_exceptions=True)
    elapsed = time.perf_counter() - started
    for writer in opened:
        writer.close()
    return _measurement(latencies, elapsed, len(sending) - len(latencies) + refused[0])


def percentile(values: Sequence[float], percent: float) -> float:
    """Nearest-rank percentile, as wrk reports it; NaN when there are no values."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(1, math.ceil(percent / 100 * len(ordered)))
    return ordered[rank - 1]


# -- scenarios in interleaved rounds ----------------------------------------------------------


class Scenario(Protocol):
    @property
    def key(self) -> str: ...


S = TypeVar("S", bound=Scenario)
# Measures one scenario with (connections, seconds).
MeasureScenario = Callable[[S, int, int], Measurement]


def add_round_arguments(parser: argparse.ArgumentParser) -> None:
    """--seconds, --rounds, --warmup, --connections and --unloaded-seconds, as
    `interleaved_rounds` and `one_connection` take them."""
    parser.add_argument("--seconds", type=int, default=10, help="per scenario and round")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved; medians reported")
    parser.add_argument("--warmup", type=int, default=3, help="seconds per scenario, unrecorded")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument(
        "--unloaded-seconds", type=int, default=5, help="per scenario, one connection"
    )


def round_settings(args: argparse.Namespace) -> dict[str, Any]:
    """The options of `add_round_arguments`, for a results file."""
    return {
        "loader": loader_name(),
        "connections": args.connections,
        "seconds": args.seconds,
        "rounds": args.rounds,
        "warmup_seconds": args.warmup,
        "unloaded_seconds": args.unloaded_seconds,
    }


def print_plan(revision: str, args: argparse.Namespace) -> None:
    print(
        f"revision {revision}; load: {loader_name()}, {args.connections} connections, "
        f"{args.rounds} rounds of {args.seconds} s, {args.warmup} s warm-up",
        flush=True,
    )


@dataclass(frozen=True)
class Rounds:
    measured: dict[str, list[Measurement]]  # by scenario key, a measurement per round
    unloaded: dict[str, Measurement]  # by scenario key, with one connection
    foreign_share: float | None  # of the machine's cores, other work's meanwhile (cpu.py)


def measure_scenarios(
    scenarios: Sequence[S],
    measure_one: MeasureScenario[S],
    args: argparse.Namespace,
    *,
    server_pids: Sequence[int],
    key_width: int,
) -> Rounds:
    """`interleaved_rounds`, then `one_connection`, with the options `add_round_arguments`
    adds, and how much of the machine other work took meanwhile."""
    before = cpu.snapshot(server_pids)
    measured = interleaved_rounds(
        scenarios,
        measure_one,
        rounds=args.rounds,
        seconds=args.seconds,
        warmup=args.warmup,
        connections=args.connections,
        key_width=key_width,
    )
    unloaded = one_connection(
        scenarios, measure_one, seconds=args.unloaded_seconds, key_width=key_width
    )
    return Rounds(measured, unloaded, cpu.foreign_share(before, cpu.snapshot(server_pids)))


def print_foreign_share(share: float | None) -> None:
    if share is not None:
        print(f"\nother work on the machine meanwhile: {share:.0%} of its cores")


def interleaved_rounds(
    scenarios: Sequence[S],
    measure_one: MeasureScenario[S],
    *,
    rounds: int,
    seconds: int,
    warmup: int,
    connections: int,
    key_width: int,
) -> dict[str, list[Measurement]]:
    """Warm every scenario up, then measure them in turn, round after round.

    Interleaving spreads the machine's drift (other tenants, thermal) over all scenarios
    alike, so the ratios stay fair even when the absolute figures wander.
    """
    for scenario in scenarios:
        measure_one(scenario, connections, warmup)
    measured: dict[str, list[Measurement]] = {s.key: [] for s in scenarios}
    for number in range(1, rounds + 1):
        for scenario in scenarios:
            measurement = measure_one(scenario, connections, seconds)
            measured[scenario.key].append(measurement)
            print_measurement(f"round {number}", scenario.key, measurement, key_width)
    return measured


def one_connection(
    scenarios: Sequence[S], measure_one: MeasureScenario[S], *, seconds: int, key_width: int
) -> dict[str, Measurement]:
    """Latency with one connection: under saturation p50 is mostly queueing (~ connections /
    rps), this is the time one request takes when it has the server to itself."""
    unloaded = {}
    for scenario in scenarios:
        measurement = measure_one(scenario, 1, seconds)
        unloaded[scenario.key] = measurement
        print_measurement("1 conn ", scenario.key, measurement, key_width)
    return unloaded


def print_measurement(phase: str, key: str, m: Measurement, key_width: int) -> None:
    print(
        f"{phase} {key:<{key_width}} {m.rps:9.1f} req/s  p50 {m.p50_ms:7.2f} ms  "
        f"p99 {m.p99_ms:7.2f} ms  errors {m.errors}",
        flush=True,
    )


def median(measurements: Sequence[Measurement], attribute: str) -> float:
    return float(statistics.median(getattr(m, attribute) for m in measurements))


@dataclass(frozen=True)
class ScenarioFigures:
    """A scenario's figures: medians over its rounds, latency with one connection."""

    key: str
    label: str
    rps: float
    p50_ms: float
    p99_ms: float
    unloaded_p50_ms: float  # one connection: a lone client's latency, no queueing
    unloaded_p99_ms: float
    errors: int  # failed requests in the rounds and with one connection
    rounds: list[dict[str, float]]


def print_figures(
    results: Sequence[ScenarioFigures], *, label_width: int, extra: tuple[str, str, int, int]
) -> None:
    """The table of `results`: saturated req/s, p50, p99 and the `extra` column (title,
    attribute, width, decimals), then p50 and p99 with one connection."""
    title, attribute, width, decimals = extra
    saturated = 30 + width
    print(
        f"\n{'':<{label_width}}{'-- saturated ' + '-' * (saturated - 13):>{saturated}}"
        f"{'-- 1 connection ---':>22}"
    )
    print(
        f"{'scenario':<{label_width}}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{title:>{width}}"
        f"{'p50 ms':>11}{'p99 ms':>11}"
    )
    for r in results:
        print(
            f"{r.label:<{label_width}}{r.rps:>10.1f}{r.p50_ms:>10.2f}{r.p99_ms:>10.2f}"
            f"{getattr(r, attribute):>{width}.{decimals}f}"
            f"{r.unloaded_p50_ms:>11.2f}{r.unloaded_p99_ms:>11.2f}"
        )


def figures(rounds: Rounds, key: str) -> dict[str, Any]:
    """ScenarioFigures' fields of scenario `key` but its label."""
    measured, unloaded = rounds.measured[key], rounds.unloaded[key]
    return {
        "key": key,
        "rps": median(measured, "rps"),
        "p50_ms": median(measured, "p50_ms"),
        "p99_ms": median(measured, "p99_ms"),
        "unloaded_p50_ms": unloaded.p50_ms,
        "unloaded_p99_ms": unloaded.p99_ms,
        "errors": sum(m.errors for m in measured) + unloaded.errors,
        "rounds": [
            {"rps": m.rps, "p50_ms": m.p50_ms, "p99_ms": m.p99_ms, "requests": m.requests}
            for m in measured
        ],
    }
