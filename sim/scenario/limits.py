"""The limits of a valid scenario: what ``flashpoint validate`` accepts, ``flashpoint run`` runs.

Each limit is a constant, the same on every machine, so that a file valid here is valid
everywhere; it is chosen so that a run within it fits an ordinary machine and finishes. Only
the refusal of a run that cannot fit *this* machine's memory (:mod:`sim.experiment.capacity`)
depends on the machine. docs/scenarios.md lists them with their reasons.
"""

from __future__ import annotations

MAX_REPLICATIONS = 100_000  # replications, max_replications, --replications: the results
# table and the series store grow with them; a million would take hours even for tiny runs
MAX_STEPS = 100_000  # horizon / resolution (each replication's time series: this many bins
# per series and policy) and horizon / monitoring.interval (monitor samples)
MAX_SEGMENTS = 254  # segments, "public" included: the engine keeps an account's segment in
# a byte beside its flags (one row is the brand's)
MAX_WEIGHT = 1_000_000.0  # a segment's weight (the exposure index stays finite in float32)
MAX_IMPRESSIONS_PER_HOUR = 10_000_000.0  # a promotion's impressions per hour
MAX_PROMOTED = 100_000_000.0  # a promotion's impressions over its whole duration (each one is
# an exposure record: 100 million take about 2 GB)
MAX_IMPRESSIONS_PER_REACTION = 1_000.0  # trending impressions per recent reaction
MAX_ADVOCATE_RATE = 10_000.0  # supportive posts per hour of one advocates action
MAX_ADVOCATE_POSTS = 1_000_000.0  # rate_per_hour x horizon in hours (one simulated event each)
MAX_EXERCISE_PATHS = 243  # an exercise's paths, the product of its decisions' option counts
# (3 x 3 x 3 x 3 x 3): each path is a policy of the run, simulated in every replication
