"""Common random numbers make paired comparisons far sharper than independent runs."""

from __future__ import annotations

import math

import numpy as np

import sim
from sim.stats import t975
from tests.conftest import FLAGSHIP

N = 25  # these 25 give 4.1, twice the bound (docs/statistics.md)
# Pairing narrows the interval of a difference by the covariance of the two policies'
# outcomes, which is largest when the policies are close: a policy that cuts the exposure
# by three quarters ("pull promotion at 2h") leaves a difference whose variance is mostly
# the baseline's own (paired 1.3 times narrower), while one that changes it by a few
# percent is where common random numbers matter.
POLICY = "monitored apology"


def test_paired_interval_is_at_least_twice_as_narrow_as_independent_seeds() -> None:
    """mcdstories.yaml as shipped, baseline and one policy, 2 x 25 replications of one run.

    Paired: the policy and the baseline from the same replications (the first 25).
    Unpaired: the policy from the first 25 and the baseline from the other 25, whose random
    numbers are independent of the first (each replication has its own streams), so the
    two samples are independent (Welch). Both come from one graph, so the graph is built
    once. Both half-widths are t intervals, so only the pairing differs.
    """
    scenario = sim.load_scenario(FLAGSHIP)
    run = sim.run(scenario, replications=2 * N, policies=[POLICY], workers=2)
    policy = run.metric(POLICY, "exposure")[:N]
    baseline = run.metric("do nothing", "exposure")[:N]
    independent_baseline = run.metric("do nothing", "exposure")[N:]
    diff = policy - baseline
    paired_half = t975(N - 1) * diff.std(ddof=1) / math.sqrt(N)
    unpaired_half = t975(2 * N - 2) * math.sqrt(
        policy.var(ddof=1) / N + independent_baseline.var(ddof=1) / N)
    assert not np.array_equal(baseline, independent_baseline)
    assert paired_half * 2 <= unpaired_half, (paired_half, unpaired_half)
