"""What every benchmark goal shares: robust timing, process-tree peak memory, and the PASS/FAIL row.

Timing: the median of several wall-clock runs (or the best, for long runs where only a few fit), because the
benchmark machine is shared and its load varies. Memory: each side runs in its own child process; its peak
resident set is the kernel's high-water mark of the child's program (``VmHWM`` in /proc, read every 20 ms; not
``wait4``'s ``ru_maxrss``, which on Linux includes the high-water mark of the process that spawned the child, i.e.
of this benchmark process), and for a process tree (Dask workers) a sampler adds up the
resident sets of the child and all its descendants every 20 ms and keeps the largest sum.
"""

from __future__ import annotations

import itertools
import os
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import attrs

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable


@attrs.frozen(kw_only=True)
class Row:
    """One measured figure: ours against a baseline, the target ratio, PASS/FAIL (``None``: not judged)."""

    goal: str
    case: str
    ours: float
    base: float
    unit: str = "s"
    target: float | None = None  # ours / base must be <= target
    base_label: str = ""
    note: str = ""
    cpu: float | None = None  # CPU seconds of ours (user + system), to read the wall time against the load

    @property
    def ratio(self) -> float:
        return self.ours / self.base if self.base else float("inf")

    @property
    def passed(self) -> bool | None:
        if self.target is None or self.ours != self.ours:  # NaN: not measured
            return None
        return self.ratio <= self.target

    def verdict(self) -> str:
        return {True: "PASS", False: "FAIL", None: "-"}[self.passed]


@attrs.frozen(kw_only=True)
class Skipped:
    goal: str
    case: str
    reason: str


@attrs.frozen(kw_only=True)
class Info:
    """A measured fact without a pass mark (e.g. a crossover size)."""

    goal: str
    case: str
    text: str


def median_of(repeat: int, fn: Callable[[], Any]) -> tuple[float, Any]:
    """The median wall-clock seconds of ``repeat`` calls of ``fn``, and the last result."""
    (wall, _), result = median_wall_cpu(repeat, fn)
    return wall, result


def median_wall_cpu(repeat: int, fn: Callable[[], Any]) -> tuple[tuple[float, float], Any]:
    """The median wall-clock and the median CPU seconds (this process, all threads) of ``repeat`` calls."""
    walls, cpus, result = [], [], None
    for _ in range(repeat):
        start, cpu = time.perf_counter(), time.process_time()
        result = fn()
        walls.append(time.perf_counter() - start)
        cpus.append(time.process_time() - cpu)
    return (statistics.median(walls), statistics.median(cpus)), result


def best_of(repeat: int, fn: Callable[[], Any]) -> tuple[float, Any]:
    """The shortest wall-clock seconds of ``repeat`` calls of ``fn``, and the last result."""
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return min(times), result


def load_average() -> str:
    try:
        one, five, fifteen = os.getloadavg()
    except OSError:  # pragma: no cover - not on Linux
        return "n/a"
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


@attrs.frozen(kw_only=True)
class ChildRun:
    """A finished child process: wall seconds, its own peak RSS (MiB), the process tree's sampled peak (MiB),
    its stdout."""

    seconds: float
    peak_mib: float
    tree_mib: float
    stdout: str
    returncode: int
    cpu: float = 0.0  # user + system seconds of the child and the descendants it waited for


def _tree_rss(pid: int) -> int:
    """Resident bytes of ``pid`` and every descendant (0 if it is gone)."""
    return _rss(_tree(pid))


def _tree(pid: int) -> list:
    """``pid`` and its descendants, as psutil processes (empty if it is gone)."""
    import psutil

    try:
        proc = psutil.Process(pid)
        return [proc, *proc.children(recursive=True)]
    except psutil.Error:
        return []


def _high_water(pid: int) -> int:
    """The peak resident bytes of ``pid``'s current program (``VmHWM``: since its exec), 0 if unreadable."""
    try:
        with open(f"/proc/{pid}/status", "rb") as f:
            for line in f:
                if line.startswith(b"VmHWM:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return 0


def _rss(procs: list) -> int:
    import psutil

    total = 0
    for p in procs:
        try:
            total += p.memory_info().rss
        except psutil.Error:
            pass
    return total


#: the tree's resident sets are read every 20 ms; its members are looked up again every 10th time (finding the
#: descendants scans every process of the machine: ~4-6 ms of CPU each time, which at every sample took ~25 % of
#: a core from the measured run — from its second core when it has Dask workers)
TREE_EVERY = 10


def run_child(argv: Sequence[str], *, cwd: Path | None = None, env: dict | None = None,
              check: bool = True) -> ChildRun:
    """Run ``argv`` to completion; measure its wall time, peak RSS (kernel high-water mark) and the sampled
    peak of its whole process tree."""
    environ = {**os.environ, **(env or {})}
    start = time.perf_counter()
    proc = subprocess.Popen(list(argv), cwd=cwd or ROOT, env=environ, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    peak_tree = [0]
    peak_own = [0]
    done = threading.Event()

    def sample() -> None:
        procs: list = []
        for k in itertools.count():
            if done.is_set():
                break
            if k % TREE_EVERY == 0:
                procs = _tree(proc.pid)
            peak_tree[0] = max(peak_tree[0], _rss(procs))
            peak_own[0] = max(peak_own[0], _high_water(proc.pid))
            done.wait(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out_chunks: list[str] = []
    err_chunks: list[str] = []
    readers = [threading.Thread(target=lambda s=s, c=c: c.append(s.read()), daemon=True)
               for s, c in ((proc.stdout, out_chunks), (proc.stderr, err_chunks))]
    for r in readers:
        r.start()
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    done.set()
    sampler.join()
    for r in readers:
        r.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    stdout, stderr = "".join(out_chunks), "".join(err_chunks)
    if check and proc.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, argv))} exited with {proc.returncode}:\n{stderr[-3000:]}")
    # not usage.ru_maxrss: Linux carries the spawning process's high-water mark over the child's exec, so a
    # child of this (by then large) benchmark process would report at least this process's own peak
    peak = peak_own[0] / 2**20 if peak_own[0] else usage.ru_maxrss / 1024
    return ChildRun(seconds=seconds, peak_mib=peak, tree_mib=max(peak_tree[0] / 2**20, peak), stdout=stdout,
                    returncode=proc.returncode, cpu=usage.ru_utime + usage.ru_stime)


def child_result(run: ChildRun) -> dict:
    """The JSON object a benchmark child script prints as its last line of stdout."""
    import json

    return json.loads(run.stdout.strip().splitlines()[-1])


def shared_data() -> Path | None:
    """The project's shared data folder (``../shared/data`` from the repository; from a git worktree under
    ``<root>/wt/NAME``, ``<root>/shared/data``), or None."""
    for candidate in (ROOT.parent / "shared" / "data", ROOT.parents[1] / "shared" / "data"):
        if candidate.is_dir():
            return candidate
    return None


def config_with_data(template: Path, tmp: Path, replace: dict[str, str] | None = None) -> Path:
    """A copy of ``template`` in ``tmp`` whose ``../shared/data/…`` paths point at :func:`shared_data` (the
    benchmark may run from a git worktree) and with each ``replace`` key replaced by its value."""
    import re

    text = template.read_text(encoding="utf-8")
    data = shared_data()
    if data is not None:
        text = re.sub(r'"(?:\.\./)+shared/data/', lambda m: f'"{data.as_posix()}/', text)
    for old, new in (replace or {}).items():
        if old not in text:
            raise ValueError(f"{template}: {old!r} not found")
        text = text.replace(old, new)
    out = tmp / template.name
    out.write_text(text, encoding="utf-8")
    return out


def environment_lines() -> list[str]:
    import platform

    import numpy
    import pandas

    try:
        import psutil

        mem = f"{psutil.virtual_memory().total / 2**30:.0f} GiB RAM, {psutil.virtual_memory().available / 2**30:.1f} GiB free"
    except ImportError:  # pragma: no cover
        mem = "RAM n/a"
    cpu = _cpu_model()
    return [
        f"machine: {platform.machine()} {cpu}, {os.cpu_count()} CPUs, {mem}; Python {platform.python_version()}, "
        f"numpy {numpy.__version__}, pandas {pandas.__version__}",
        f"load average (1/5/15 min) at start: {load_average()} — a shared machine: figures are medians or best-of",
    ]


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:  # pragma: no cover
        pass
    return ""
