from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import settings

from sim.cli import main

# Property tests explore with a fixed seed, so a run is reproducible; raise max_examples
# locally (or pass --hypothesis-seed) to search wider.
settings.register_profile("flashpoint", derandomize=True, deadline=None)
settings.load_profile("flashpoint")

ROOT = Path(__file__).resolve().parent.parent


def like_a_terminal() -> None:
    """A child's ``preexec_fn``: Ctrl-C (SIGINT) handled by default, as in a terminal.

    A shell starts background jobs with SIGINT ignored, and children inherit that; tests
    that send SIGINT to a child (to play a Ctrl-C) would then wait for nothing when the
    suite itself runs in the background (``make test &``).
    """
    signal.signal(signal.SIGINT, signal.SIG_DFL)
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))
# the scenario the README's demo runs: the tests that need one full-featured bundled file
# (a promoted hashtag, a press wave, every kind of action) use it
FLAGSHIP = ROOT / "scenarios" / "mcdstories.yaml"
SHARED_DATA = ROOT.parent / "shared" / "data"


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., tuple[int, str, str]]:
    """Run the command line in-process; return (exit code, stdout, stderr)."""

    def run(*argv: str) -> tuple[int, str, str]:
        code = main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    return run


def run_flashpoint(*argv: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``python -m sim`` in a subprocess, as a user would."""
    return subprocess.run(
        [sys.executable, "-m", "sim", *argv], capture_output=True, text=True, cwd=cwd,
        timeout=120, check=False,
    )
