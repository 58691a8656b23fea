"""The series store: exact statistics by streaming, raw curves, and where the store lives."""

from __future__ import annotations

import gc
import sqlite3
from pathlib import Path

import numpy as np
import pytest

import sim
from sim.errors import FlashpointError
from sim.experiment import series as series_module
from sim.experiment.checkpoint import Checkpoint
from sim.experiment.runner import ReplicationResult
from sim.experiment.series import ArraySeries, SeriesStore, block_bounds, summarise
from sim.metrics import METRICS, SERIES
from tests.engine.helpers import er_scenario


def _store(folder: Path, values: np.ndarray) -> SeriesStore:
    """``values[policy, replication, series, time]`` saved as a run saves them."""
    policies, replications, count, steps = values.shape
    shapes = ((policies, len(METRICS)), (policies, count, steps), (policies, 1))
    checkpoint = Checkpoint.create(folder, er_scenario(10, 1.0, 0.1), "test", shapes)
    for first in range(0, replications, 10):
        checkpoint.save(ReplicationResult(r, np.zeros(shapes[0]), values[:, r],
                                          np.full(shapes[2], np.nan))
                        for r in range(first, min(first + 10, replications)))
    checkpoint.close()
    return checkpoint.series(replications)


def test_blocks_cover_the_steps_and_a_lone_last_step_joins_the_block_before() -> None:
    assert block_bounds(1, 16) == [(0, 1)]
    assert block_bounds(16, 16) == [(0, 16)]
    assert block_bounds(17, 16) == [(0, 17)]
    assert block_bounds(18, 16) == [(0, 16), (16, 18)]
    assert block_bounds(33, 16) == [(0, 16), (16, 33)]
    for steps in range(1, 70):
        bounds = block_bounds(steps, 16)
        assert bounds[0][0] == 0 and bounds[-1][1] == steps
        assert all(a[1] == b[0] for a, b in zip(bounds, bounds[1:], strict=False))
        assert all(stop - start >= 2 for start, stop in bounds) or steps == 1


@pytest.mark.parametrize("group", [1, 3, None])  # replications per group (None: all)
@pytest.mark.parametrize("replications", [1, 2, 9, 40])
@pytest.mark.parametrize("steps", [1, 2, 16, 17, 33, 50])
def test_streamed_statistics_are_those_of_the_whole_array_to_the_bit(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, group: int | None, replications: int,
        steps: int) -> None:
    rng = np.random.default_rng(replications * 100 + steps)
    values = np.cumsum(rng.lognormal(3, 2, (2, replications, len(SERIES), steps)), axis=3)
    if group is not None:
        monkeypatch.setattr(series_module, "GROUP_BYTES", group * 8 * 2 * len(SERIES) * steps)
    store = _store(tmp_path, values)
    streamed = summarise(store, 2, len(SERIES), steps)
    in_memory = summarise(ArraySeries(values), 2, len(SERIES), steps)
    for p in range(2):
        for s in range(len(SERIES)):
            whole = values[p, :, s, :]  # what timeseries.csv was computed from before
            p10, p50, p90 = np.percentile(whole, [10, 50, 90], axis=0)
            for stats in (streamed, in_memory):
                assert np.array_equal(stats.mean[p, s], whole.mean(axis=0))
                assert np.array_equal(stats.p10[p, s], p10)
                assert np.array_equal(stats.p50[p, s], p50)
                assert np.array_equal(stats.p90[p, s], p90)
            assert np.array_equal(store.curves(p, s), whole)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["results.sqlite"]


def test_a_damaged_store_is_a_clear_error(tmp_path: Path) -> None:
    store = _store(tmp_path, np.ones((1, 5, len(SERIES), 20)))
    with sqlite3.connect(store.path) as db:
        db.execute("DELETE FROM replication WHERE replication = 3")
    db.close()
    with pytest.raises(FlashpointError, match="replication 3 are missing"):
        store.curves(0, 0)
    with pytest.raises(FlashpointError, match="replication 3 are missing"):
        summarise(store, 1, len(SERIES), 20)
    store.path.unlink()
    with pytest.raises(FlashpointError, match="series are gone"):
        store.curves(0, 0)


def test_a_run_without_a_checkpoint_keeps_its_store_as_long_as_its_results() -> None:
    results = sim.run(er_scenario(100, 1.5, 0.3, replications=3, horizon="20h"))
    assert isinstance(results.series_store, SeriesStore)
    folder = results.series_store.path.parent
    assert folder.is_dir()
    reach = results.curves("none", "reach")
    assert reach.shape == (3, 21) and np.all(np.diff(reach, axis=1) >= 0)
    assert np.array_equal(results.timeseries.mean[0, SERIES.index("reach")], reach.mean(axis=0))
    del results
    gc.collect()
    assert not folder.exists()


def test_a_failed_run_leaves_no_temporary_folder(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))

    def interrupted(done: int, total: int) -> None:
        if done == 2:
            assert len(list(tmp_path.iterdir())) == 1  # the run's temporary folder
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        sim.run(er_scenario(100, 1.5, 0.3, replications=5, horizon="20h"),
                progress=interrupted)
    assert list(tmp_path.iterdir()) == []
