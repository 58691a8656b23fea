"""Ctrl-C and SIGTERM that are never lost: the command line stops, however busy it is.

Python turns Ctrl-C into a ``KeyboardInterrupt`` raised wherever the main thread happens to
be. When that is inside a callback from C, the exception is printed as "Exception ignored"
and dropped: numba's compiler calls back from LLVM (llvmlite's object cache), so a Ctrl-C
during a first compilation was swallowed and a long run went on as if nothing had happened.
While :func:`handled` is active, an interrupt is also remembered, and
:func:`raise_if_interrupted` (called between replications by
:class:`sim.experiment.api.LazyExecutor`) raises it again.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType


class _Pending:
    """Whether an interrupt arrived while :func:`handled` was active (one per process)."""

    interrupted = False


def _interrupt(signum: int, frame: FrameType | None) -> None:
    _Pending.interrupted = True
    raise KeyboardInterrupt


@contextmanager
def handled() -> Iterator[None]:
    """Within the block, SIGTERM and Ctrl-C raise ``KeyboardInterrupt`` and are remembered.

    Only in the main thread, where signals are handled. Ctrl-C keeps Python's own handling
    when the process started with it ignored (a background job).
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    _Pending.interrupted = False
    previous = {signal.SIGTERM: signal.signal(signal.SIGTERM, _interrupt)}
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        previous[signal.SIGINT] = signal.signal(signal.SIGINT, _interrupt)
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        _Pending.interrupted = False


def raise_if_interrupted() -> None:
    """Raise ``KeyboardInterrupt`` if an interrupt arrived (even one that was swallowed)."""
    if _Pending.interrupted:
        raise KeyboardInterrupt
