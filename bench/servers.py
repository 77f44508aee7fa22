"""Servers a benchmark drives: subprocesses on free ports, ready once a URL answers 200."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

STARTUP_TIMEOUT_SECONDS = 60.0
STOP_TIMEOUT_SECONDS = 15.0


@dataclass(frozen=True)
class Server:
    name: str
    base_url: str
    log_path: Path
    process: subprocess.Popen[bytes]


def free_port() -> int:
    """A port nothing listens on right now (the OS picks it; tiny race, fine for a bench)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextlib.contextmanager
def running(
    name: str,
    argv: Sequence[str],
    *,
    port: int,
    ready_path: str,
    log_path: Path,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    poll_seconds: float = 0.2,
    timeout: float = STARTUP_TIMEOUT_SECONDS,
) -> Iterator[Server]:
    """Run `argv` until the block exits; its output goes to `log_path` (read it on failure).
    `ready_path` is asked every `poll_seconds` until it answers 200, for `timeout` seconds."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("wb") as log:
        process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=cwd)
    server = Server(name, f"http://127.0.0.1:{port}", log_path, process)
    try:
        _wait_ready(server, ready_path, poll_seconds, timeout)
        yield server
    finally:
        _stop(process)


def log_tail(server: Server, lines: int = 20) -> str:
    text = server.log_path.read_text(errors="replace")
    return "\n".join(text.splitlines()[-lines:])


def _wait_ready(server: Server, path: str, poll_seconds: float, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(
                f"{server.name} exited with {server.process.returncode}:\n{log_tail(server)}"
            )
        if _answers_200(server.base_url + path):
            return
        time.sleep(poll_seconds)
    raise RuntimeError(f"{server.name} not ready after {timeout} s")


def _answers_200(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


def _stop(process: subprocess.Popen[bytes]) -> None:
    # SIGTERM lets uvicorn drain and close its pools; kill only if it hangs.
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
