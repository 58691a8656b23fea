"""Small cascades at scale: what one more replication costs on a million-account graph.

The issue's acceptance: ``benchmarks/scenarios/small-cascades-1m.yaml`` (1,000,000 accounts x
40 follows, ``scale_free``, share probability 0.002, a random author, horizon 72h, resolution
15m, one policy) run with 1 worker, measured as whole ``flashpoint run --out`` processes:

- the marginal time per replication, ``(T(1,000) - T(100)) / 900``, at most 10 ms;
- peak resident memory at most 1.5 GB (1.5 x 10^9 bytes; the graph included);
- the same figures at 10,000 replications, to show that memory does not grow.

How: for each N in ``--counts`` (default 100, 1,000, 10,000) the script runs
``flashpoint run SCENARIO --out DIR --replications N --workers 1 --quiet`` as a subprocess,
each into a fresh output folder, and times it with ``time.perf_counter`` around the whole
process (start-up, graph generation, replications, statistics, every output file, exit).

Peak memory is the child's ``ru_maxrss`` from ``os.wait4``: the kernel's high-water mark of
its resident set, exact, no sampling. That is the largest *single* process, which is the whole
run only if the run is one process. With ``--workers 1`` it is; a light sampler (the process
tree from ``/proc``, every ``--interval`` seconds) checks that and records ``most_processes``
and the summed RSS it saw. A run's ``peak_bytes`` is the larger of the two.

Before the timed runs, one untimed run of a 1,000-account copy with 2 replications fills
numba's on-disk cache, so that no timed run pays for compiling. Marginal times are differences
between consecutive counts, so the constant costs (start-up, graph generation) cancel. The
baseline's mean reach comes from each run's ``summary.json`` (the issue measured 6 to 122
accounts reached: the cascades are small).

``--accounts N`` runs a copy of the scenario with N accounts instead (written to a temporary
folder), for quick checks; the targets are for the full size. Prints one JSON line. Usage::

    python benchmarks/bench_scale.py                                   # the full size
    python benchmarks/bench_scale.py --accounts 20000 --counts 20,200  # a quick check
"""

from __future__ import annotations

import argparse
import json
import shlex
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from _measure import baseline, edited_copy, machine, measure, memory_total, source

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = ROOT / "benchmarks" / "scenarios" / "small-cascades-1m.yaml"
TARGET_MARGINAL_MS = 10.0  # issue: at most 10 ms per replication
TARGET_PEAK_BYTES = 1.5e9  # issue: at most 1.5 GB, graph included
WARMUP_ACCOUNTS = 1000


def _command(flashpoint: str, scenario: Path, out: Path, replications: int) -> list[str]:
    return [flashpoint, "run", str(scenario), "--out", str(out), "--replications",
            str(replications), "--workers", "1", "--quiet"]


def _run(flashpoint: str, scenario: Path, work: Path, replications: int,
         options: dict[str, Any]) -> dict[str, Any]:
    folder = work / f"run-{replications}"
    folder.mkdir()
    out = folder / "out"
    result = measure(_command(flashpoint, scenario, out, replications), folder, **options)
    result["replications"] = replications
    # ru_maxrss is exact for one process; the sampled sum covers a run that forks (never less)
    result["peak_bytes"] = max(result["maxrss_bytes"], result["sampled_peak_rss_sum_bytes"])
    if result["exit_code"] == 0:
        summary = baseline(out)
        result["baseline_mean_reach"] = summary["mean"]["reach"]
        result["baseline_mean_reactions"] = summary["mean"]["reactions"]
    return result


def _marginals(runs: list[dict[str, Any]]) -> dict[str, float | None]:
    """Milliseconds per extra replication between each pair of consecutive counts."""
    marginal: dict[str, float | None] = {}
    for low, high in zip(runs, runs[1:], strict=False):
        key = f"{low['replications']}_to_{high['replications']}"
        ok = low["exit_code"] == 0 and high["exit_code"] == 0
        marginal[key] = (1000.0 * (high["seconds"] - low["seconds"])
                         / (high["replications"] - low["replications"])) if ok else None
    return marginal


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        epilog="Prints one JSON line. The full size (the defaults) takes about a minute "
               "plus 11,100 x the time per replication.")
    parser.add_argument("--scenario", type=Path, default=SCENARIO,
                        help="scenario file (default: %(default)s)")
    parser.add_argument("--counts", default="100,1000,10000",
                        help="replication counts, ascending (default: %(default)s)")
    parser.add_argument("--accounts", type=int,
                        help="run a copy of the scenario with this many accounts (quick checks)")
    parser.add_argument("--flashpoint", default=str(ROOT / ".venv" / "bin" / "flashpoint"),
                        help="the flashpoint command (default: %(default)s)")
    parser.add_argument("--interval", type=float, default=0.5,
                        help="seconds between samples of the process tree (default: 0.5)")
    parser.add_argument("--memory-limit", type=float, default=0.85 * memory_total() / 1e9,
                        help="kill a run whose processes together hold more than this many GB "
                             "(10^9 bytes), sampled (default: 85%% of RAM, %(default).1f)")
    parser.add_argument("--timeout", type=float,
                        help="kill a run after this many seconds (default: never)")
    parser.add_argument("--keep", action="store_true",
                        help="keep the output folders and print where they are (on stderr)")
    args = parser.parse_args()
    counts = sorted(int(n) for n in args.counts.split(","))
    if shutil.which(args.flashpoint) is None:
        parser.error(f"--flashpoint: no command {args.flashpoint!r}")

    work = Path(tempfile.mkdtemp(prefix="bench-scale-"))
    try:
        scenario = args.scenario.resolve()
        if args.accounts:
            scenario = edited_copy(scenario, work / f"accounts-{args.accounts}.yaml",
                                   {"network.accounts": args.accounts})
        warm_scenario = edited_copy(scenario, work / "warm-up.yaml",
                                    {"network.accounts": WARMUP_ACCOUNTS})
        (work / "warm-up").mkdir()
        options = {"interval": args.interval, "timeout": args.timeout,
                   "memory_limit": int(args.memory_limit * 1e9)}
        warm_up = measure(_command(args.flashpoint, warm_scenario, work / "warm-up" / "out", 2),
                          work / "warm-up", **options)
        runs = [_run(args.flashpoint, scenario, work, n, options) for n in counts]
    finally:
        if args.keep:
            print(f"outputs kept in {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)

    marginal = _marginals(runs)
    first = marginal.get("100_to_1000", next(iter(marginal.values()), None))
    peak = max((r["peak_bytes"] for r in runs), default=0)
    all_ok = all(r["exit_code"] == 0 for r in runs)
    single = all(r["most_processes"] <= 1 for r in runs)
    growth = (runs[-1]["peak_bytes"] / runs[-2]["peak_bytes"]) if len(runs) > 1 else None
    full_size = not args.accounts and args.scenario.resolve() == SCENARIO
    print(json.dumps({
        "benchmark": "scale",
        "scenario": str(args.scenario),
        "accounts": args.accounts or "as in the scenario",
        "full_size": full_size,
        "command": f"{shlex.quote(args.flashpoint)} run {shlex.quote(str(args.scenario))} "
                   "--out DIR --replications N --workers 1 --quiet",
        "invocation": shlex.join([sys.executable, *sys.argv]),
        "machine": machine(),
        "source": source(ROOT),
        "warm_up_seconds": warm_up["seconds"],
        "runs": {str(r["replications"]): r for r in runs},
        "marginal_ms_per_replication": marginal,
        "peak_bytes": peak,
        "peak_growth_last_over_previous": growth,
        "one_process": single,
        "targets": {
            "marginal_ms_per_replication": TARGET_MARGINAL_MS,
            "peak_bytes": TARGET_PEAK_BYTES,
            "ratio_marginal_over_target": first / TARGET_MARGINAL_MS if first is not None else None,
            "ratio_peak_over_target": peak / TARGET_PEAK_BYTES,
            "marginal_met": first is not None and first <= TARGET_MARGINAL_MS,
            "peak_met": all_ok and peak <= TARGET_PEAK_BYTES,
            "all_runs_ok": all_ok,
        },
    }))


if __name__ == "__main__":
    main()
