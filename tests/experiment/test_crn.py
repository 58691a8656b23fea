"""Common random numbers make paired comparisons far sharper than independent runs."""

from __future__ import annotations

import math

import numpy as np

import sim
from sim.stats import t975
from tests.conftest import FLAGSHIP

N = 40  # the ratio is about 11 (200 replications); these 40 give 6.1, three times the bound
# Pairing narrows the interval of a difference by the covariance of the two policies'
# outcomes, which is largest when the policies are close: a policy that cuts the exposure
# by three quarters ("pull promotion at 2h") leaves a difference whose variance is mostly
# the baseline's own (paired 1.3 times narrower), while one that changes it by a few
# percent is where common random numbers matter (about 11 times narrower).
POLICY = "monitored apology"


def test_paired_interval_is_at_least_twice_as_narrow_as_independent_seeds() -> None:
    """mcdstories.yaml as shipped, baseline and one policy, 40 replications each.

    Paired: both from the same replications (seed 2012). Unpaired: the policy from seed
    2012 and the baseline from seed 2013, so the two samples are independent (Welch). Both
    half-widths are t intervals, so only the pairing differs.
    """
    scenario = sim.load_scenario(FLAGSHIP)
    paired_run = sim.run(scenario, replications=N, policies=[POLICY], workers=2)
    other_run = sim.run(scenario, replications=N, seed=scenario.seed + 1, policies=[POLICY],
                        workers=2)
    policy = paired_run.metric(POLICY, "exposure")
    baseline = paired_run.metric("do nothing", "exposure")
    independent_baseline = other_run.metric("do nothing", "exposure")
    diff = policy - baseline
    paired_half = t975(N - 1) * diff.std(ddof=1) / math.sqrt(N)
    unpaired_half = t975(2 * N - 2) * math.sqrt(
        policy.var(ddof=1) / N + independent_baseline.var(ddof=1) / N)
    assert not np.array_equal(baseline, independent_baseline)
    assert paired_half * 2 <= unpaired_half, (paired_half, unpaired_half)
