"""Screenshots of an exercise.html for docs/exercise.md, in headless Debian Chromium.

Usage: python tools/exercise_screenshots.py OUT/exercise.html docs/images

Plays the page as a room would (decision 1: pull the promotion; decision 2: apologise after
sign-off; the rest: the first option) and saves, at 1366x768 and 1920x1080, the first
decision, the incident playing after it, and the debrief.
"""

from __future__ import annotations

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHOICES = {0: "2", 1: "4"}  # decision index -> key pressed (the rest: "1")


def main(page_file: Path, folder: Path) -> None:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox",
                                                                     "--disable-gpu"])
        for width, height in ((1366, 768), (1920, 1080)):
            page = browser.new_context(offline=True, viewport={"width": width, "height": height}
                                       ).new_page()
            page.goto(page_file.as_uri())
            page.wait_for_function("window.exercise !== undefined")
            page.keyboard.press("Enter")
            shot = 0
            for _ in range(400):
                phase = page.evaluate("window.exercise.state.phase")
                if phase == "debrief":
                    break
                if phase == "decision":
                    k = page.evaluate("window.exercise.state.pending")
                    page.wait_for_timeout(300)
                    if shot == 0:
                        page.screenshot(path=str(folder / f"exercise-decision-{width}.png"))
                    page.keyboard.press(CHOICES.get(k, "1"))
                    if shot == 0:  # the incident plays on along the choice
                        page.select_option("#speed", "2")
                        page.wait_for_timeout(1500)
                        page.keyboard.press(" ")
                        page.wait_for_timeout(300)
                        page.screenshot(path=str(folder / f"exercise-playing-{width}.png"))
                        page.keyboard.press(" ")
                    shot += 1
                else:
                    page.keyboard.press("n")
            page.wait_for_timeout(1000)
            page.screenshot(path=str(folder / f"exercise-debrief-{width}.png"))
        browser.close()


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
