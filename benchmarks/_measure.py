"""Shared by the whole-process benchmarks: run a command, time it and watch its memory.

Not a benchmark itself. The benchmarks import it (they are run as
``python benchmarks/bench_*.py``, so this folder is on ``sys.path``).

Two memory figures, both Linux-only:

- ``ru_maxrss`` from ``os.wait4`` on the child: the kernel's own high-water mark, exact (no
  sampling), but the *largest single process* among the child and the descendants it waited
  for, never a sum. Right for a run that is one process (``--workers 1``).
- A sampler thread that every ``interval`` seconds finds the child's process tree (every
  ``/proc/PID/stat`` whose parent is in the tree) and sums, over the tree, ``Pss:`` and
  ``Rss:`` from ``/proc/PID/smaps_rollup`` (``pss=True``), or resident pages from
  ``/proc/PID/statm`` (``pss=False``, cheaper). PSS divides each shared page among the processes
  that map it, so a graph that forked workers share counts once; the RSS sum counts it once
  per process. A peak shorter than the interval can be missed.

With ``memory_limit``, the sampler kills the child's process group once the tree's summed PSS
(or RSS, when PSS is not read) exceeds it, so that a run too big for the machine ends as a
result rather than through the kernel's out-of-memory killer (which may pick another process).
"""

from __future__ import annotations

import datetime
import json
import math
import os
import platform
import resource
import signal
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import yaml

PAGE = resource.getpagesize()


def machine() -> dict[str, Any]:
    """Cores, RAM, CPU model, Python and the date, for the JSON line."""
    ram = 0
    with open("/proc/meminfo") as handle:
        for line in handle:
            if line.startswith("MemTotal:"):
                ram = int(line.split()[1]) * 1024
    model = ""
    with open("/proc/cpuinfo") as handle:
        for line in handle:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return {"cores": os.cpu_count(), "ram_bytes": ram, "cpu": model,
            "python": platform.python_version(), "kernel": platform.release(),
            "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")}


def source(root: Path) -> dict[str, Any]:
    """The git commit of the checkout being measured, and whether it has local changes."""
    def git(*words: str) -> str:
        result = subprocess.run(["git", "-C", str(root), *words], capture_output=True,
                                text=True, check=False)
        return result.stdout.strip()

    return {"commit": git("rev-parse", "HEAD"), "branch": git("rev-parse", "--abbrev-ref", "HEAD"),
            "dirty": bool(git("status", "--porcelain", "--untracked-files=no"))}


def _children() -> dict[int, list[int]]:
    """Parent pid -> child pids, from every /proc/PID/stat."""
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                stat = handle.read()
        except OSError:  # gone meanwhile
            continue
        ppid = int(stat[stat.rindex(")") + 2:].split()[1])  # after "(comm) state"
        tree.setdefault(ppid, []).append(int(entry))
    return tree


def tree(pid: int) -> list[int]:
    """``pid`` and all its descendants alive now."""
    children = _children()
    found, queue = [], [pid]
    while queue:
        current = queue.pop()
        found.append(current)
        queue.extend(children.get(current, []))
    return found


def _memory(pid: int, pss: bool) -> tuple[int, int]:
    """(PSS, RSS) of one process in bytes; PSS is 0 when only RSS was read. (0, 0) if gone."""
    try:
        if not pss:
            with open(f"/proc/{pid}/statm") as handle:
                return 0, int(handle.read().split()[1]) * PAGE
        values = {"Pss:": 0, "Rss:": 0}
        with open(f"/proc/{pid}/smaps_rollup") as handle:
            for line in handle:
                key = line.split(None, 1)[0]
                if key in values:
                    values[key] = int(line.split()[1]) * 1024
        return values["Pss:"], values["Rss:"]
    except (OSError, ValueError, IndexError):
        return 0, 0


class Sampler(threading.Thread):
    """Samples the memory of ``pid``'s process tree every ``interval`` seconds until stopped."""

    def __init__(self, pid: int, interval: float, pss: bool,
                 memory_limit: int | None = None) -> None:
        super().__init__(daemon=True)
        self.pid, self.interval, self.pss = pid, interval, pss
        self.memory_limit = memory_limit
        self.over_limit = False
        self.start_time = time.perf_counter()
        self.peak_pss = self.peak_rss = 0
        self.peak_pss_at = 0.0
        self.most_processes = 0
        self.samples = 0
        self.first_child_at: float | None = None  # seconds until a second process appeared
        self.cpu_seconds = 0.0  # this thread's own CPU time: the cost of watching
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.is_set():
            self.sample()
            self._stop_event.wait(self.interval)
        self.cpu_seconds = time.thread_time()

    def sample(self) -> None:
        """Take one sample of the whole tree."""
        pids = tree(self.pid)
        elapsed = time.perf_counter() - self.start_time
        pss = rss = 0
        for pid in pids:
            one_pss, one_rss = _memory(pid, self.pss)
            pss += one_pss
            rss += one_rss
        if rss == 0:  # the child has exited (or not started yet)
            return
        self.samples += 1
        self.most_processes = max(self.most_processes, len(pids))
        if len(pids) > 1 and self.first_child_at is None:
            self.first_child_at = elapsed
        if pss > self.peak_pss:
            self.peak_pss, self.peak_pss_at = pss, elapsed
        self.peak_rss = max(self.peak_rss, rss)
        used = pss if self.pss else rss  # PSS when read: a shared graph counts once
        if self.memory_limit and used > self.memory_limit and not self.over_limit:
            self.over_limit = True
            kill_group(self.pid)

    def stop(self) -> None:
        """Stop sampling and wait for the thread."""
        self._stop_event.set()
        self.join()


def kill_group(pid: int) -> None:
    """SIGKILL the process group of ``pid``, a child started in its own session."""
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def memory_total() -> int:
    """The machine's RAM in bytes."""
    return int(machine()["ram_bytes"])


def measure(command: list[str], workdir: Path, *, interval: float = 0.5, pss: bool = False,
            timeout: float | None = None, memory_limit: int | None = None) -> dict[str, Any]:
    """Run ``command`` to its end; return its wall time, exit code and memory figures.

    Its stdout and stderr go to files in ``workdir``. The command gets its own session; its
    process group is killed when ``timeout`` seconds have passed, or when the summed PSS (RSS
    without ``pss``) of its process tree exceeds ``memory_limit`` bytes.
    """
    out = (workdir / "stdout.txt").open("wb")
    err = (workdir / "stderr.txt").open("wb")
    start = time.perf_counter()
    child = subprocess.Popen(command, stdout=out, stderr=err, start_new_session=True)
    sampler = Sampler(child.pid, interval, pss, memory_limit)
    sampler.start_time = start
    sampler.start()
    timed_out = threading.Event()

    def kill() -> None:
        timed_out.set()
        kill_group(child.pid)

    timer = threading.Timer(timeout, kill) if timeout else None
    if timer:
        timer.start()
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)  # so Popen does not wait again
    if timer:
        timer.cancel()
    sampler.stop()
    out.close()
    err.close()
    stderr = (workdir / "stderr.txt").read_text(errors="replace").strip().splitlines()
    result: dict[str, Any] = {
        "seconds": seconds,
        "exit_code": child.returncode,
        "timed_out": timed_out.is_set(),
        "killed_over_memory_limit": sampler.over_limit,
        "maxrss_bytes": usage.ru_maxrss * 1024,  # Linux reports kilobytes
        "cpu_seconds": usage.ru_utime + usage.ru_stime,
        "sampled_peak_rss_sum_bytes": sampler.peak_rss,
        "most_processes": sampler.most_processes,
        "samples": sampler.samples,
        "sampler_cpu_seconds": sampler.cpu_seconds,
    }
    if pss:
        result["sampled_peak_pss_sum_bytes"] = sampler.peak_pss
        result["peak_pss_at_seconds"] = sampler.peak_pss_at
    result["first_child_process_at_seconds"] = sampler.first_child_at
    if child.returncode != 0:
        result["stderr_tail"] = stderr[-5:]
    return result


def edited_copy(scenario: Path, dest: Path, edits: dict[str, Any]) -> Path:
    """Write ``scenario`` to ``dest`` with ``edits`` applied (comments are lost).

    Keys are dotted paths into the YAML, list items by index: ``"network.accounts"``,
    ``"policies.3.actions.0.when.above"``. Each path must exist already.
    """
    data = yaml.safe_load(scenario.read_text())
    for path, value in edits.items():
        *parents, last = path.split(".")
        node = data
        for key in parents:
            node = node[int(key)] if isinstance(node, list) else node[key]
        if isinstance(node, list):
            node[int(last)] = value
        elif last in node:
            node[last] = value
        else:
            raise KeyError(f"{scenario}: no key {path!r} to edit")
    dest.write_text(yaml.safe_dump(data, sort_keys=False))
    return dest


def baseline(out: Path) -> dict[str, Any]:
    """The baseline policy's name and its metrics' means from a run's ``summary.json``."""
    summary = json.loads((out / "summary.json").read_text())
    name = summary["baseline"]
    metrics = summary["policies"][name]["metrics"]
    return {"policy": name, "replications": summary["replications"],
            "mean": {key: value["mean"] for key, value in metrics.items()}}


def rounded(value: Any) -> Any:
    """A benchmark's result for its JSON line: floats to 4 decimals, ``nan`` as null."""
    if isinstance(value, float):
        return None if math.isnan(value) else round(value, 4)
    if isinstance(value, dict):
        return {k: rounded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [rounded(v) for v in value]
    return value
