"""Screenshots of a fit.html and a forecast.html for docs/calibration.md, in headless Chromium.

Usage: python tools/calibration_screenshots.py FIT_DIR/fit.html FORECAST_DIR/forecast.html \
    docs/images

Saves each page, its whole length, at 1366 pixels wide (FOLDER/fit-page.png, ...).
"""

from __future__ import annotations

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"


def main(pages: list[Path], folder: Path) -> None:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox",
                                                                     "--disable-gpu"])
        for page_file in pages:
            page = browser.new_context(offline=True, viewport={"width": 1366, "height": 768}
                                       ).new_page()
            page.goto(page_file.as_uri())
            page.wait_for_selector(".main-svg")
            page.wait_for_timeout(500)
            page.screenshot(path=str(folder / f"{page_file.stem}-page.png"), full_page=True)
        browser.close()


if __name__ == "__main__":
    main([Path(name).resolve() for name in sys.argv[1:-1]], Path(sys.argv[-1]))
