"""README's tour runs as written on a fresh embedded server, and answers what it shows."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from support.readme_tour import check_block, run_tour, tour_blocks
from support.server import REPO, ServerProcess

pytestmark = pytest.mark.e2e


def test_every_tour_example_runs_as_written_on_a_fresh_embedded_server(tmp_path: Path) -> None:
    # given a fresh `agora serve` on the embedded default, started as README says, in a
    # directory whose .venv is this interpreter's (the tour calls .venv/bin/agora)
    (tmp_path / ".venv").symlink_to(Path(sys.prefix), target_is_directory=True)
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    server = ServerProcess({}, cwd=tmp_path)
    server.env = {**env, "AGORA_ENV": "dev", "AGORA_LOG_LEVEL": "warning"}
    server.start()
    try:
        # when every block of the tour runs, in order
        faults = run_tour(REPO / "README.md", url=server.url, workdir=tmp_path)
    finally:
        server.stop()

    # then each answered what README shows, and nothing it does not admit to failed
    assert faults == [], "\n".join(faults)


README = """<!-- tour -->
```sh
echo '{"data":{"a":1}}'
# → {"data":{"a":…}}
```

```json
{"data": {"a": 1}}
```

<!-- tour: skip -->
```sh
exit 1
```

```sh
echo '{"data":{"x":{"errors":[{"code":"NOPE"}]}}}'
```
<!-- /tour -->
"""


def test_the_runner_checks_what_a_block_shows_and_refuses_unshown_errors() -> None:
    blocks = tour_blocks(README)

    assert [block.shown for block in blocks] == [['{"data":{"a":…}}'], []]
    assert blocks[0].has_last_answer
    assert blocks[0].last_answer == {"data": {"a": 1}}
    assert check_block(blocks[0], '{"data":{"a":1}}\n') == []
    assert check_block(blocks[0], '{"data":{"b":1}}\n') != []
    assert check_block(blocks[1], '{"data":{"x":{"errors":[{"code":"NOPE"}]}}}\n') != []
