"""The compiled engine with numba's bounds checks on: an out-of-range index is an error.

Compiled code does not check array bounds: a wrong index writes into whatever memory is there
and the run goes on, silently wrong (one such slip, a flag constant shadowing a slot name,
wrote past the end of the counters). Here every bundled scenario, on a smaller audience, and a
scenario with every action kind and mechanism run in a fresh process with
``NUMBA_BOUNDSCHECK=1`` and their own compile cache, so any out-of-range index raises.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT, SCENARIOS
from tests.engine.test_runs import SMALL, _short

BUSY = SMALL.format(seed=3, accounts=3000, follows=8, p=0.08, horizon=12, brand=300,
                    promo=400, generator="scale_free")

SCRIPT = """
import sys
from sim.experiment.runner import run_replication
from sim.network.build import audience
from sim.scenario import load_scenario
for path in sys.argv[1:]:
    scenario = load_scenario(path)
    graph = audience(scenario)
    for replication in range(2):
        run_replication(scenario, graph, replication)
print("ok")
"""


def test_every_array_access_is_in_bounds(tmp_path: Path) -> None:
    files = [_short(path, tmp_path, horizon="24h") for path in SCENARIOS]
    busy = tmp_path / "busy.yaml"
    busy.write_text(BUSY.replace("horizon: 12h", "horizon: 12h\nmonitoring: {interval: 7m}"))
    files.append(busy)
    env = {**os.environ, "NUMBA_BOUNDSCHECK": "1", "NUMBA_CACHE_DIR": str(tmp_path / "cache")}
    result = subprocess.run([sys.executable, "-c", SCRIPT, *map(str, files)], cwd=ROOT,
                            env=env, capture_output=True, text=True, timeout=900, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip() == "ok"
