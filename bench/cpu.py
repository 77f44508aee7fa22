"""How much of the machine other work took while a benchmark ran, and how much CPU given
processes used (Linux /proc).

"Other work" is every process but ours, plus time the hypervisor stole from this VM.

The 2 cores are shared with whatever else runs here; a figure measured while another job
held a core is not comparable with one measured on a quiet machine, so we report it.
"""

from __future__ import annotations

import os
import resource
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Snapshot:
    wall: float
    machine_busy: float  # CPU seconds all processes used since boot
    ours: float  # CPU seconds of this process, its waited children (wrk) and the servers


def snapshot(server_pids: Iterable[int]) -> Snapshot | None:
    """None where /proc is missing (not Linux): the report then omits the figure."""
    try:
        busy = _machine_busy_seconds()
        servers = sum(process_cpu_seconds(pid) for pid in server_pids)
    except OSError:
        return None
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    ours = own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime + servers
    return Snapshot(time.monotonic(), busy, ours)


def foreign_share(before: Snapshot | None, after: Snapshot | None) -> float | None:
    """Fraction of all cores that processes other than ours used between two snapshots."""
    if before is None or after is None:
        return None
    foreign = (after.machine_busy - before.machine_busy) - (after.ours - before.ours)
    capacity = (after.wall - before.wall) * (os.cpu_count() or 1)
    return max(0.0, foreign / capacity)


def _machine_busy_seconds() -> float:
    # cpu  user nice system idle iowait irq softirq steal ...: all but idle and iowait.
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields
    return (user + nice + system + irq + softirq + steal) / _TICKS


def process_cpu_seconds(pid: int, *, reaped_children: bool = False) -> float:
    """CPU seconds (user and system) the process has used so far; with `reaped_children`,
    also its exited children's that it waited for. OSError if it is gone."""
    # The command name (field 2) may hold spaces: split after its closing parenthesis.
    after_name = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    ticks = int(after_name[11]) + int(after_name[12])  # fields 14 and 15: utime, stime
    if reaped_children:
        ticks += int(after_name[13]) + int(after_name[14])  # cutime, cstime
    return ticks / _TICKS


def wait_idle(
    pid: int, *, busy_share: float = 0.1, window: float = 0.5, timeout: float = 60.0
) -> float:
    """Wait until process `pid` uses under `busy_share` of a core over `window` seconds (an
    overloaded server still working through requests its clients gave up on): the seconds
    waited, `timeout` at the most."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        before = _cpu_seconds_or_zero(pid)
        time.sleep(window)
        if _cpu_seconds_or_zero(pid) - before < busy_share * window:
            break
    return time.monotonic() - started


def cpu_seconds_of(pids: Iterable[int]) -> float:
    """CPU seconds the processes have used so far; 0 for those gone meanwhile."""
    return sum(_cpu_seconds_or_zero(pid) for pid in pids)


def _cpu_seconds_or_zero(pid: int, *, reaped_children: bool = False) -> float:
    try:
        return process_cpu_seconds(pid, reaped_children=reaped_children)
    except OSError:
        return 0.0


def pids_named(*names: str) -> list[int]:
    """Processes whose command name is one of `names`."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() in names:
                    pids.append(int(entry.name))
            except OSError:
                continue
    return pids


def postgres_cpu_seconds() -> float:
    """All of the PostgreSQL cluster: live processes, plus the exited backends the postmaster
    reaped (pgbench's connections end with each run)."""
    pids = pids_named("postgres")
    postmasters = {pid for pid in pids if _parent(pid) not in pids}
    return sum(_cpu_seconds_or_zero(pid, reaped_children=pid in postmasters) for pid in pids)


def process_tree(root: int | None) -> list[int]:
    """`root` and its descendants (uvicorn's worker processes with --workers > 1)."""
    if root is None:
        return []
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            parents[int(entry.name)] = _parent(int(entry.name))
    tree, grew = {root}, True
    while grew:
        found = {pid for pid, parent in parents.items() if parent in tree} - tree
        tree |= found
        grew = bool(found)
    return sorted(tree)


def _parent(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[1])
    except OSError:
        return 0
