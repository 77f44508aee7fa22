"""`agora <command>` through the entry point the `agora` script calls (`api.cli.main`), in
this process.

A command run as a new process pays for a new interpreter first: importing the app and
building the schema cost 1-4 s of CPU per run, more than most commands do. Tests of what a
command prints and answers run it here; tests where the process itself is the point (its
working directory, an environment without the store URLs, a server it starts) use
`support.server.run_agora`.
"""

from __future__ import annotations

import contextlib
import io
import os
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from api.cli import main


@dataclass(frozen=True)
class Ran:
    """What `subprocess.CompletedProcess` tells of a run, for a run in this process."""

    returncode: int
    stdout: str
    stderr: str


@contextlib.contextmanager
def _environment(values: Mapping[str, str]) -> Iterator[None]:
    saved = dict(os.environ)
    os.environ.update(values)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def agora_here(*args: str, env: Mapping[str, str]) -> Ran:
    """`agora <args>` with `env` over this process's environment (as `run_agora` sets it).

    The command runs in a thread of its own: commands call `asyncio.run`, which must neither
    run on nor unset the event loop of the tests. Its output is what it printed meanwhile.
    """
    stdout, stderr = io.StringIO(), io.StringIO()
    answer: list[int] = []
    failure: list[BaseException] = []

    def command() -> None:
        try:
            answer.append(main(list(args)))
        except SystemExit as leaving:  # argparse's refusals leave this way
            answer.append(leaving.code if isinstance(leaving.code, int) else 1)
        except BaseException as error:  # raised again in the caller's thread
            failure.append(error)

    with (
        _environment({"AGORA_LOG_LEVEL": "warning", **env}),
        contextlib.redirect_stdout(stdout),
        contextlib.redirect_stderr(stderr),
    ):
        thread = threading.Thread(target=command, name=f"agora {' '.join(args)}")
        thread.start()
        thread.join()
    if failure:
        raise failure[0]
    return Ran(answer[0], stdout.getvalue(), stderr.getvalue())
