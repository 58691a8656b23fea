"""Fault injection for the crash tests: pause at a named point so a test can kill the run.

Set ``FLASHPOINT_FAULT_PAUSE`` to a point name (``result:K`` after the K-th finished
replication, ``saved:K`` after the K-th checkpoint transaction, ``outputs`` between two
output files). When the run reaches it, it prints ``flashpoint-fault: paused at POINT`` to
standard error and sleeps, waiting to be killed. Unset (always, outside the tests), this
does nothing.
"""

from __future__ import annotations

import os
import sys
import time

VARIABLE = "FLASHPOINT_FAULT_PAUSE"
_counts: dict[str, int] = {}


def reached(kind: str) -> None:
    """Count one more ``kind`` event and pause if the variable names it."""
    wanted = os.environ.get(VARIABLE)
    if not wanted:
        return
    _counts[kind] = _counts.get(kind, 0) + 1
    point = kind if kind == "outputs" else f"{kind}:{_counts[kind]}"
    if point == wanted:
        print(f"flashpoint-fault: paused at {point}", file=sys.stderr, flush=True)
        time.sleep(3600)
