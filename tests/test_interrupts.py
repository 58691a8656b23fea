"""A Ctrl-C is never lost, even when Python swallows it in a callback from C code.

numba's compiler calls Python back from LLVM; a ``KeyboardInterrupt`` raised there is printed
as "Exception ignored" and dropped, which let a Ctrl-C during a first compilation leave a run
going on for minutes. These tests drop one the same way, through a ctypes callback.
"""

from __future__ import annotations

import ctypes
import os
import signal
from collections.abc import Iterator
from typing import Any

import pytest

from sim.experiment.api import LazyExecutor
from sim.interrupts import handled, raise_if_interrupted
from sim.scenario.loader import parse_scenario

CALLBACK = ctypes.CFUNCTYPE(None)
# the dropped exception is reported by pytest as unraisable: that is the point of the tests
pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")


@pytest.fixture(autouse=True)
def _ctrl_c_as_in_a_terminal() -> Iterator[None]:
    """Python's own Ctrl-C handling, as in a terminal (pytest-xdist's workers ignore it)."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)

SMALL = b"""\
scenario: small
horizon: 2h
replications: 5
network: {generator: erdos_renyi, accounts: 200, mean_follows: 5}
behaviour: {share_probability: 0.1}
incident: {type: post, author: random}
policies: [{name: none}]
"""


def _ctrl_c_inside_a_c_callback() -> None:
    """Deliver SIGINT while Python runs a callback from C, where the exception is dropped."""

    def callback() -> None:
        os.kill(os.getpid(), signal.SIGINT)
        for _ in range(1000):  # the handler runs at one of these bytecodes, in the callback
            pass

    CALLBACK(callback)()


def test_a_ctrl_c_swallowed_by_a_c_callback_is_raised_again() -> None:
    with handled():
        _ctrl_c_inside_a_c_callback()  # no exception gets out of the callback
        with pytest.raises(KeyboardInterrupt):
            raise_if_interrupted()
    raise_if_interrupted()  # forgotten once the block is left


def test_without_an_interrupt_nothing_is_raised() -> None:
    with handled():
        raise_if_interrupted()


def test_ctrl_c_is_left_alone_when_the_process_ignores_it() -> None:
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)  # as in a background job
    try:
        with handled():
            assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGINT, previous)


ran: list[int] = []


def _task(scenario: Any, graph: Any, replication: int) -> int:
    ran.append(replication)
    if replication == 1:
        _ctrl_c_inside_a_c_callback()
    return replication


def test_replications_stop_after_the_one_in_which_ctrl_c_was_swallowed() -> None:
    ran.clear()
    scenario = parse_scenario(SMALL)
    got = []
    with handled(), pytest.raises(KeyboardInterrupt):
        with LazyExecutor(scenario, 1, "processes", None, task=_task) as executor:
            for result in executor.run(range(5)):
                got.append(result)
    assert ran == [0, 1] and got == [0, 1]
