"""The ledger's time steps agree with the reported time grid, boundaries included."""

from __future__ import annotations

import numpy as np
import pytest

from sim.engine.ledger import step_of
from sim.metrics import time_grid


@pytest.mark.parametrize(("horizon", "resolution"), [(72 * 3600.0, 900.0), (100.0, 30.0),
                                                     (7.0 * 3600 + 1.5, 0.1), (3.0, 1.0)])
def test_step_of_is_the_grid_step_that_holds_the_time(horizon: float, resolution: float) -> None:
    grid = time_grid(horizon, resolution)
    rng = np.random.default_rng(7)
    times = np.concatenate([
        rng.uniform(0, horizon, 20_000),
        grid, np.nextafter(grid, np.inf), np.nextafter(grid, -np.inf),
        np.arange(1, 2000) * resolution * (1 + 1e-16),
    ])
    times = times[(times >= 0) & (times <= horizon)]
    expected = np.searchsorted(grid, times, side="left")  # step k holds (grid[k-1], grid[k]]
    got = np.array([step_of(t, resolution, len(grid) - 1) for t in times])
    assert np.array_equal(got, expected)
