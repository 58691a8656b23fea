"""``exercise.html`` played in a real browser: headless Debian Chromium, offline, file://.

A room plays the whole exercise: options chosen by clicking and by keyboard, one decision
undone, the clock fast-forwarded; the debrief must show the room's path with the numbers
``paths.csv`` has for it (read from the file, not from the page's data).
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest

from sim.experiment.results import csv_text_value
from sim.report.html import metric_value
from tests.report.test_exercise import HOSTILE, out, paths_rows  # noqa: F401 (a fixture)

sync_api = pytest.importorskip("playwright.sync_api")
CHROMIUM = "/usr/bin/chromium"
pytestmark = pytest.mark.skipif(shutil.which(CHROMIUM) is None,
                                reason="needs Debian's chromium (make test installs it)")
SIZES = [(1366, 768), (1920, 1080)]
# what must be on the screen while the incident plays: the prompt and its options, the
# counters and the timeline
ON_SCREEN = ("#prompt", "#options", ".option", "#counter-reach", "#counter-rate",
             "#counter-articles", "#timeline")
PLAYING = ("#decision", "#next-decision", "#counter-reach", "#counter-rate",
           "#counter-articles", "#timeline")  # between decisions: the panel says what is next


class Session:
    """A page in a fresh offline browser, with its console errors and dialogs recorded."""

    def __init__(self, p: object, page_file: Path, width: int, height: int) -> None:
        self.browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"])
        context = self.browser.new_context(offline=True, accept_downloads=True,
                                           viewport={"width": width, "height": height})
        self.page = context.new_page()
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text)
                     if m.type in ("error", "warning") else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.page.goto(page_file.as_uri())
        self.page.wait_for_function("window.exercise !== undefined")

    def phase(self) -> str:
        return self.page.evaluate("window.exercise.state.phase")

    def fast_forward_to_decision(self, via_button: bool = False) -> int:
        """Skip ahead (button or N key) until a decision is put to the room; its index."""
        for _ in range(100):
            if self.phase() == "decision":
                break
            if via_button:
                self.page.click("#skip")
            else:
                self.page.keyboard.press("n")
        assert self.phase() == "decision"
        self.page.wait_for_selector("#decision .option")
        return int(self.page.evaluate("window.exercise.state.pending"))

    def outside(self, width: int, height: int, selectors: tuple[str, ...] = ON_SCREEN
                ) -> list[str]:
        """The ``selectors`` not wholly inside the viewport, and any scroll."""
        return self.page.evaluate("""([selectors, w, h]) => {
          const out = [];
          for (const s of selectors) {
            const found = document.querySelectorAll(s);
            if (!found.length) out.push(s + ' missing');
            for (const e of found) {
              const r = e.getBoundingClientRect();
              if (!(r.left >= 0 && r.top >= 0 && r.right <= w && r.bottom <= h
                    && r.height > 0 && r.width > 0)) out.push(s + ' ' + JSON.stringify(r));
            }
          }
          const d = document.documentElement;
          if (d.scrollHeight > d.clientHeight || d.scrollWidth > d.clientWidth) out.push('scroll');
          return out;
        }""", [list(selectors), width, height])


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_the_room_sees_prompt_options_counters_and_timeline_without_scrolling(
        size: tuple[int, int], out: Path) -> None:  # noqa: F811
    width, height = size
    with sync_api.sync_playwright() as p:
        room = Session(p, out / "exercise.html", width, height)
        room.page.click("#start")
        assert room.fast_forward_to_decision() == 0
        assert room.outside(width, height) == []
        room.page.keyboard.press("2")  # the incident plays on along "pull"
        room.page.wait_for_function("window.exercise.state.t > 0.5")
        assert room.phase() == "play"
        assert room.outside(width, height, PLAYING) == []
        assert "Next" in room.page.inner_text("#next-decision")
        assert room.fast_forward_to_decision() == 1
        assert room.outside(width, height) == []
        assert room.errors == []
        room.browser.close()


def test_a_room_plays_the_whole_exercise_and_its_debrief_has_the_numbers_of_paths_csv(
        out: Path, tmp_path: Path) -> None:  # noqa: F811
    page_file = out / "exercise.html"
    assert page_file.stat().st_size < 15e6
    with sync_api.sync_playwright() as p:
        room = Session(p, page_file, 1366, 768)
        page = room.page
        page.keyboard.press("Enter")  # the intro's Start
        assert room.phase() == "play"
        # decision 1 at 30m: chosen with the mouse
        assert room.fast_forward_to_decision(via_button=True) == 0
        assert page.inner_text("#prompt") == "The hashtag is being hijacked. Pull the promotion?"
        page.click('#decision .option[data-option="1"]')  # "pull"
        # the inject that arrived before it is shown as text, with its sender
        injects = page.inner_text("#injects")
        assert HOSTILE in injects and "Reporter </script><script>window.pwned=1</script>" \
            in injects
        assert page.locator("#injects img, #feed img, #feed b").count() == 0
        # decision 2 at 2h: chosen with the keyboard, then undone and chosen again
        assert room.fast_forward_to_decision() == 1
        page.keyboard.press("3")  # "defend"
        assert room.phase() in ("play", "decision")
        page.keyboard.press("u")  # the facilitator's undo: decision 2 is put again, at 2h
        assert room.phase() == "decision"
        assert page.evaluate("[window.exercise.state.pending, window.exercise.state.t]") == [1, 2]
        page.keyboard.press("ArrowDown")
        page.keyboard.press("ArrowDown")
        page.keyboard.press("Enter")  # the second option: "apologise"
        # decision 3 (a trigger): put when it arises, or at the end if it never does
        assert room.fast_forward_to_decision() == 2
        page.keyboard.press("1")  # "leave"
        for _ in range(100):
            if room.phase() == "debrief":
                break
            page.keyboard.press("n")
        assert room.phase() == "debrief"
        chosen = "pull / apologise / leave"
        # the debrief: the room's path, its rank, and its numbers, as paths.csv has them
        assert page.inner_text("#room-choices").count("\u2192") == 3
        for option in ("pull", "apologise", "leave"):
            assert option in page.inner_text("#room-choices")
        rows = paths_rows(out, "exposure")
        means = {name: float(row["mean"]) for name, row in rows.items()}
        room_row = page.locator("#paths-table tr.room")
        assert room_row.count() == 1
        assert room_row.locator("td").nth(1).inner_text().startswith(chosen)
        for column in ("mean", "p10", "p50", "p90"):
            shown = room_row.locator(f"td.{column}").inner_text()
            assert shown == metric_value("exposure", float(rows[chosen][column]),
                                         mean=column == "mean"), column
        rank = 1 + sum(m < means[chosen] for m in means.values())
        assert f"ranks {rank} of {len(means)}" in page.inner_text("#rank")
        best = min(means, key=means.__getitem__)
        assert best != chosen
        assert f"\u201c{best}\u201d" in page.inner_text("#best")
        assert metric_value("exposure", means[best], mean=True) in page.inner_text("#best")
        # every path's row, with its own numbers
        for name, row in rows.items():
            cells = page.locator("#paths-table tr[data-path]").filter(has_text=name).first
            assert cells.locator("td.mean").inner_text() == metric_value(
                "exposure", float(row["mean"]), mean=True)
        # the trigger decision: how often it arose on the room's path
        assert "Decision 3 arose in" in page.inner_text("#arose")
        # the session log, downloaded as JSON and CSV
        with page.expect_download() as download:
            page.click("#log-json")
        log = json.loads(Path(download.value.path()).read_text())["log"]
        assert [(e["decision"], e["choice"]) for e in log] == [
            (1, "pull"), (2, "defend"), (2, "undo"), (2, "apologise"), (3, "leave")]
        assert all(e["wall_clock"].endswith("Z") for e in log)
        with page.expect_download() as download:
            page.click("#log-csv")
        rows_csv = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text())))
        assert [csv_text_value(r["choice"]) for r in rows_csv] == [e["choice"] for e in log]
        assert page.evaluate("typeof window.pwned") == "undefined"
        assert room.errors == [] and room.dialogs == []
        room.browser.close()


def test_the_clock_runs_at_the_chosen_speed_pauses_and_the_countdown_runs_out(
        out: Path) -> None:  # noqa: F811
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox",
                                                                     "--disable-gpu"])
        page = browser.new_context(offline=True, viewport={"width": 1366, "height": 768}
                                   ).new_page()
        page.clock.install()  # the page's time is the test's: no waiting, no flakiness
        page.goto((out / "exercise.html").as_uri())
        page.wait_for_function("window.exercise !== undefined")
        page.clock.pause_at(page.evaluate("Date.now()") + 1000)  # only run_for moves it now
        page.click("#start")
        assert page.input_value("#speed") == "10"  # 1 simulated hour per 10 seconds
        page.clock.run_for(1800)  # 1.8 s: 0.18 simulated hours, 10.8 minutes
        assert page.inner_text("#clock") == "T+00:11"
        page.keyboard.press(" ")  # pause
        page.clock.run_for(5000)
        assert page.inner_text("#clock") == "T+00:11"
        page.select_option("#speed", "2")  # 1 hour per 2 seconds
        page.keyboard.press(" ")
        page.clock.run_for(340)  # 0.17 hours more: 21 minutes in
        assert page.inner_text("#clock") == "T+00:21"
        # the first inject (at 20 minutes) has arrived; the first decision (30m) not yet
        assert "Reporter" in page.inner_text("#injects")
        assert page.evaluate("window.exercise.state.phase") == "play"
        page.clock.run_for(1000)  # the clock stops at the decision, at 30 minutes
        assert page.evaluate("window.exercise.state.phase") == "decision"
        assert page.inner_text("#clock") == "T+00:30"
        page.select_option("#countdown", "30")
        page.clock.run_for(10_500)  # half a second clear of a whole second, either way
        assert page.inner_text("#timer") == "0:20 left"
        page.clock.run_for(20_000)
        assert page.inner_text("#timer") == "Time's up"
        assert page.evaluate("window.exercise.state.phase") == "decision"  # the room decides
        page.keyboard.press("1")
        assert page.evaluate("window.exercise.state.phase") == "play"
        browser.close()
