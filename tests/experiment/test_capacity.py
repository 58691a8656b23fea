"""Worker counts come from the cores and the memory a worker needs; what cannot fit is refused."""

from __future__ import annotations

from pathlib import Path

import pytest

import sim
from sim.engine.world import scratch_bytes
from sim.errors import FlashpointError
from sim.experiment import capacity
from sim.scenario.resources import human_bytes
from tests.conftest import FLAGSHIP
from tests.engine.helpers import er_scenario

GIB = 2**30


def _big(accounts: int) -> sim.Scenario:
    scenario = sim.load_scenario(FLAGSHIP)
    network = scenario.network.model_copy(update={"accounts": accounts, "mean_follows": 40})
    return scenario.model_copy(update={"network": network})


def test_one_worker_per_core_when_memory_allows() -> None:
    plan = capacity.plan(_big(1_000_000), cores=8, available=64 * GIB)
    assert plan.workers == 8 and not plan.limited_by_memory
    assert plan.describe() == f"8 workers (one per core; {human_bytes(plan.worker_bytes)} each)"


def test_memory_caps_the_workers_and_the_estimate_follows_the_scenario() -> None:
    scenario = _big(10_000_000)
    accounts, follows = capacity.network_size(scenario)
    assert accounts == 10_000_001 and follows == 10_000_000 * 40 + 20_000
    each = (capacity.PROCESS_BYTES + scratch_bytes(scenario, accounts)
            + capacity.volume_bytes(scenario, accounts))
    network = int(accounts * capacity.GRAPH_BYTES_PER_ACCOUNT
                  + follows * capacity.GRAPH_BYTES_PER_FOLLOW)
    available = capacity.PROCESS_BYTES + network + 3 * each + each // 2  # room for 3.5
    plan = capacity.plan(scenario, cores=8, available=available)
    assert plan.workers == 3 and plan.limited_by_memory
    assert plan.worker_bytes == each and plan.network_bytes == network
    assert plan.describe().startswith("3 workers (as many as fit: ")


def test_a_run_that_cannot_fit_is_refused_with_the_estimate() -> None:
    with pytest.raises(FlashpointError, match=r"cannot fit in memory: it needs about .* GiB "
                                              r"for the network and .* per worker"):
        capacity.plan(_big(10_000_000), cores=2, available=2 * GIB)
    with pytest.raises(FlashpointError, match=r"with 8 workers.*at most \d+ workers? would "
                                              r"fit \(--workers \d+\)"):
        capacity.plan(_big(10_000_000), 8, cores=8, available=8 * GIB)


def test_statements_and_advocates_need_more_per_worker() -> None:
    plain = er_scenario(1000, 4, 0.1)
    talking = er_scenario(1000, 4, 0.1, policies=(
        "  - name: none\n  - name: talk\n    actions:\n"
        "      - {do: statement, strategy: apology, at: 1h}\n"
        "      - {do: statement, strategy: holding, at: 2h}\n"))
    assert scratch_bytes(talking, 1000) == scratch_bytes(plain, 1000) + 2 * 13 * 1000


def test_the_command_line_says_how_many_workers_and_why(tmp_path: Path, cli,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    shown: list[str | None] = []
    import sim.terminal

    real = sim.terminal.progress_bar

    def spy(total, quiet=False, note=None):  # type: ignore[no-untyped-def]
        shown.append(note)
        return real(total, quiet=True, note=note)

    monkeypatch.setattr(sim.terminal, "progress_bar", spy)
    scenario = tmp_path / "small.yaml"
    scenario.write_text(FLAGSHIP.read_text().replace("accounts: 3000000", "accounts: 3000")
                        .replace("brand_followers: 20000", "brand_followers: 100"))
    code, _, err = cli("run", str(scenario), "--replications", "2", "--out",
                       str(tmp_path / "out"))
    assert code == 0, err
    assert shown and shown[0] is not None and "worker" in shown[0] and "each" in shown[0]


def test_the_estimate_covers_the_promotion_trending_and_the_time_series() -> None:
    """mcdstories at 10^6: 28,000 promoted impressions an hour for 24h, 10 trending
    impressions per reaction, 385 steps of 6 series for 5 policies, each counted."""
    scenario = _big(1_000_000)
    promoted = 28000 * 24
    trending = 10 * 1_000_001
    series = 385 * 6 * 5 * 8
    expected = (promoted + 8 * promoted**0.5 + 32 + trending) * capacity.EXPOSURE_BYTES
    assert capacity.volume_bytes(scenario, 1_000_001) == int(expected) + series
    longer = scenario.model_copy(update={"horizon": 4 * scenario.horizon})
    assert (capacity.plan(longer, cores=1, available=64 * GIB).worker_bytes
            > capacity.plan(scenario, cores=1, available=64 * GIB).worker_bytes)


def test_ignore_memory_overrides_the_refusal(tmp_path, cli, monkeypatch) -> None:
    scenario = tmp_path / "small.yaml"
    scenario.write_text(FLAGSHIP.read_text().replace("accounts: 3000000", "accounts: 3000")
                        .replace("brand_followers: 20000", "brand_followers: 100"))
    monkeypatch.setattr(capacity, "available_memory", lambda: 2**20)  # 1 MiB free
    code, _, err = cli("run", str(scenario), "--replications", "2", "--quiet",
                       "--out", str(tmp_path / "refused"))
    assert code == 2 and "cannot fit in memory" in err and "--ignore-memory" in err
    code, _, err = cli("run", str(scenario), "--replications", "2", "--quiet", "--workers", "1",
                       "--ignore-memory", "--out", str(tmp_path / "out"))
    assert code == 0, err
    assert (tmp_path / "out" / "report.html").exists()
