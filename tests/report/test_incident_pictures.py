"""Each incident page's picture, as a reader sees it in headless Chromium.

Every label is inside the picture and no two overlap, at the size the page shows it.
"""

from __future__ import annotations

import shutil

import pytest

from tests.conftest import ROOT

CHROMIUM = "/usr/bin/chromium"
PICTURES = sorted((ROOT / "docs" / "incidents" / "images").glob("*.svg"))

LAYOUT = """() => {
  const svg = document.querySelector('svg');
  const width = svg.width.baseVal.value, height = svg.height.baseVal.value;
  const boxes = [...svg.querySelectorAll('text')].map(t => {
    const b = t.getBBox(); return {text: t.textContent, x: b.x, y: b.y, w: b.width, h: b.height};
  });
  return {width, height, boxes};
}"""


@pytest.mark.skipif(shutil.which(CHROMIUM) is None, reason="needs Debian's chromium")
@pytest.mark.parametrize("picture", PICTURES, ids=[p.stem for p in PICTURES])
def test_every_label_of_an_incident_picture_is_inside_it_and_none_overlap(picture) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox",
                                                                     "--disable-gpu"])
        page = browser.new_context(offline=True).new_page()
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.goto(picture.as_uri())
        layout = page.evaluate(LAYOUT)
        browser.close()
    assert errors == []
    boxes = layout["boxes"]
    assert len(boxes) >= 6
    for b in boxes:
        assert b["w"] > 0 and b["x"] >= 0 and b["y"] >= 0, b
        assert b["x"] + b["w"] <= layout["width"] and b["y"] + b["h"] <= layout["height"], b
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            apart = (a["x"] + a["w"] <= b["x"] or b["x"] + b["w"] <= a["x"]
                     or a["y"] + a["h"] <= b["y"] or b["y"] + b["h"] <= a["y"])
            assert apart, (a["text"], b["text"])
