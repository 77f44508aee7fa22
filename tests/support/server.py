"""A real `agora serve` process on a free loopback port, for end-to-end tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path

import httpx

from support.stores import PATIENT_REDIS_SECONDS, StoreUrls

REPO = Path(__file__).resolve().parents[2]
# A deadline for a start that failed, not a wait: on a machine busy with other work (load
# above 10 on 2 cores) two workers importing the app have taken more than 30 s.
STARTUP_TIMEOUT_SECONDS = 120.0


def server_env(stores: StoreUrls, **extra: str) -> dict[str, str]:
    """Environment for a server process on the test stores.

    The limiter stays on, with budgets for a whole suite of people signing in from 127.0.0.1
    within a minute (on a fast machine the default 20 sign-ins a minute per address run out,
    and a refused logIn looks like a bad token later); the limits themselves are tested
    in tests/integration. A hit waits for Redis generously and passwords are hashed cheaply
    (`make_settings` says why).
    """
    return {
        "AGORA_ENV": "test",
        "DATABASE_URL": stores.database_url,
        "REDIS_URL": stores.redis_url,
        "AGORA_RATE_LIMIT_PER_IP": "10000/minute",
        "AGORA_RATE_LIMIT_LOGIN_PER_IP": "10000/minute",
        "AGORA_REDIS_REQUEST_TIMEOUT_SECONDS": str(PATIENT_REDIS_SECONDS),
        "AGORA_PASSWORD_HASH_ITERATIONS": "1",
        "AGORA_PASSWORD_HASH_MEMORY_KIB": "8",
        **extra,
    }


def run_agora(
    *args: str, env: Mapping[str, str], cwd: Path = REPO, inherit: bool = True
) -> subprocess.CompletedProcess[str]:
    """`agora <args>` as a user runs it; `inherit=False` starts from an environment without
    the store URLs (as on a fresh machine)."""
    base = (
        dict(os.environ)
        if inherit
        else {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    )
    return subprocess.run(
        [sys.executable, "-m", "api.cli", *args],
        cwd=cwd,
        env={**base, "AGORA_LOG_LEVEL": "warning", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class ServerProcess:
    """Starts `agora serve`, waits until /readyz answers, stops it with SIGTERM."""

    def __init__(self, env: Mapping[str, str], *, args: tuple[str, ...] = (), cwd: Path = REPO):
        self.port = free_port()
        self.env = {**os.environ, "AGORA_LOG_LEVEL": "warning", **env}
        self.args = args
        self.cwd = cwd
        self.process: subprocess.Popen[bytes] | None = None
        self._log = tempfile.NamedTemporaryFile(prefix="agora-serve-", suffix=".log")  # noqa: SIM115
        self._output = ""

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/graphql"

    def start(self, *, wait_for: str = "/readyz") -> float:
        """Start the server; return the seconds until `wait_for` answered 200."""
        started = time.perf_counter()
        command = [sys.executable, "-m", "api.cli", "serve", "--port", str(self.port), *self.args]
        self.process = subprocess.Popen(
            command, cwd=self.cwd, env=self.env, stdout=self._log, stderr=subprocess.STDOUT
        )
        deadline = started + STARTUP_TIMEOUT_SECONDS
        # One client for every poll: a client of its own per poll (its TLS context built
        # each time) cost about a second of CPU per start, ~15% of the suite's.
        with httpx.Client(base_url=self.url, timeout=1) as probe:
            while time.perf_counter() < deadline:
                if self.process.poll() is not None:
                    raise RuntimeError(f"agora serve exited early:\n{self.output()}")
                try:
                    if probe.get(wait_for).status_code == 200:
                        return time.perf_counter() - started
                except httpx.TransportError:
                    pass
                time.sleep(0.05)
        self.stop()
        raise TimeoutError(f"agora serve was not ready in time:\n{self.output()}")

    def terminate(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)

    def wait(self, timeout: float) -> int:
        assert self.process is not None
        return self.process.wait(timeout)

    def stop(self) -> None:
        """SIGTERM, then SIGKILL if it will not go; the log stays readable."""
        if self.process is not None and self.process.poll() is None:
            self.terminate()
            try:
                self.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.wait(5)
        if not self._log.closed:
            self._output = self.output()
            self._log.close()

    def log_mark(self) -> int:
        """Where the log ends now: `output(since=mark)` is what was logged after."""
        return len(self.output().encode())

    def output(self, *, since: int = 0) -> str:
        if self._log.closed:
            return self._output.encode()[since:].decode(errors="replace")
        with open(self._log.name, "rb") as log:
            log.seek(since)
            return log.read().decode(errors="replace")
