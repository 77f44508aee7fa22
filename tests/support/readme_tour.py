"""README's GraphQL tour, run as written: its shell blocks in order, their shown answers checked.

The tour lies between `<!-- tour -->` and `<!-- /tour -->` in README.md. Every ```sh block in
it runs, in order, in one bash process (so the variables one block sets serve the next), in a
fresh directory beside a fresh server; `http://127.0.0.1:8000` is pointed at that server.
A block after `<!-- tour: skip -->` is prose only (docker, say). What a block shows it answers
is checked:

- a comment line `# → <json>` (continued by lines starting `#   `) must match one line of the
  block's output, in order; `…` stands for anything;
- a ```json block right after a ```sh block must equal, as JSON, the block's last output line;
- any answer carrying errors (a top-level `errors`, or a payload's non-empty `errors`) must be
  one the block shows: a refusal the README does not admit to is a failure.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

BEGIN, END, SKIP = "<!-- tour -->", "<!-- /tour -->", "<!-- tour: skip -->"
README_URL = "http://127.0.0.1:8000"
EXPECT, CONTINUED = "# → ", "#   "
MARK = "@@tour-block"


@dataclass
class Block:
    number: int
    line: int  # where it starts in README.md, for messages
    script: str
    shown: list[str] = field(default_factory=list)  # `# → ` answers, joined
    last_answer: object | None = None  # the ```json block after it, parsed
    has_last_answer: bool = False


def tour_blocks(readme: str) -> list[Block]:
    """The runnable blocks of the tour, with what each shows."""
    start, stop = readme.index(BEGIN), readme.index(END)
    first_line = readme[:start].count("\n") + 1
    lines = readme[start:stop].splitlines()
    blocks: list[Block] = []
    skip_next = False
    sh_ended_at: int | None = None  # the line after the last ```sh block ran
    index = 0
    while index < len(lines):
        fence = re.fullmatch(r"```(\w*)", lines[index].strip())
        if fence is None:
            skip_next = skip_next or lines[index].strip() == SKIP
            index += 1
            continue
        language, body_start = fence.group(1), index + 1
        index = lines.index("```", body_start) + 1
        body = lines[body_start : index - 1]
        follows_sh = sh_ended_at is not None and not any(
            text.strip() for text in lines[sh_ended_at : body_start - 1]
        )
        sh_ended_at = None
        if language == "sh" and not skip_next:
            line = first_line + body_start
            blocks.append(Block(len(blocks), line, "\n".join(body), shown_answers(body)))
            sh_ended_at = index
        elif language == "json" and follows_sh:
            blocks[-1].last_answer = json.loads("\n".join(body))
            blocks[-1].has_last_answer = True
        skip_next = False
    return blocks


def shown_answers(body: list[str]) -> list[str]:
    answers: list[str] = []
    for text in body:
        stripped = text.strip()
        if stripped.startswith(EXPECT):
            answers.append(stripped.removeprefix(EXPECT))
        elif stripped.startswith(CONTINUED) and answers:
            answers[-1] += stripped.removeprefix(CONTINUED)
    return answers


def pattern_of(shown: str) -> re.Pattern[str]:
    return re.compile(".*?".join(re.escape(part) for part in shown.split("…")), re.DOTALL)


def carries_errors(answer: object) -> bool:
    if isinstance(answer, dict):
        if answer.get("errors"):
            return True
        return any(carries_errors(value) for value in answer.values())
    if isinstance(answer, list):
        return any(carries_errors(value) for value in answer)
    return False


def check_block(block: Block, output: str) -> list[str]:
    """What is wrong with one block's output; empty when it says what the README says."""
    faults: list[str] = []
    lines = [text for text in output.splitlines() if text.strip()]
    admitted: set[int] = set()
    position = 0
    for shown in block.shown:
        pattern = pattern_of(shown)
        found = next(
            (n for n in range(position, len(lines)) if pattern.fullmatch(lines[n].strip())), None
        )
        if found is None:
            answers = "\n  ".join(lines[position:])
            faults.append(f"README line {block.line}: nothing matches {shown!r}; got\n  {answers}")
            continue
        admitted.add(found)
        position = found + 1
    for number, text in enumerate(lines):
        try:
            answer = json.loads(text)
        except ValueError:
            continue
        if number not in admitted and carries_errors(answer):
            faults.append(f"README line {block.line}: an error the README does not show: {text}")
    if block.has_last_answer:
        last = json.loads(lines[-1]) if lines else None
        if last != block.last_answer:
            faults.append(f"README line {block.line}: the answer shown is not the answer: {last}")
    return faults


def run_tour(readme: Path, *, url: str, workdir: Path, timeout: float = 240) -> list[str]:
    """Run every block against the server at `url` from `workdir`; the faults found."""
    blocks = tour_blocks(readme.read_text())
    parts = ["set -euo pipefail"]
    for block in blocks:
        parts += [f"echo '{MARK} {block.number}'", block.script.replace(README_URL, url)]
    result = subprocess.run(
        ["bash", "-c", "\n".join(parts)],
        cwd=workdir,
        # The tour keeps its last answer in $TMPDIR: each run its own, whatever runs beside it.
        env={**os.environ, "TMPDIR": str(workdir)},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    outputs: dict[int, str] = {}
    for chunk in result.stdout.split(MARK)[1:]:
        number, _, text = chunk.partition("\n")
        outputs[int(number)] = text
    faults = [] if result.returncode == 0 else [f"bash exited {result.returncode}: {result.stderr}"]
    for block in blocks:
        if block.number not in outputs:
            faults.append(f"README line {block.line}: did not run")
            continue
        faults += check_block(block, outputs[block.number])
    return faults
