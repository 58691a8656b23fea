"""The library of real incidents: every shipped scenario is one, with its page and its sources.

The figures themselves are checked against the model in tests/experiment/test_bundled.py;
here, that each incident's page and the library's table say what the scenario file says.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

import sim
from tests.conftest import ROOT, SCENARIOS

INCIDENTS = ROOT / "docs" / "incidents"
# issue 17's library: the five incidents it names and the two brand-post crises chosen to
# complete it
LIBRARY = ("mcdstories", "dominos-video", "chrysler-tweet", "police-officer-post",
           "recruitment-campaign", "kitchenaid-tweet", "kenneth-cole-cairo")
SECTIONS = ("## What happened", "## How it is modelled", "## Fitting",
            "## The baseline against what was reported",
            "## What the alternatives would have done", "## Sources", "## Limits")


def test_every_shipped_scenario_is_a_documented_incident_of_the_library() -> None:
    assert {p.stem for p in SCENARIOS} == set(LIBRARY)
    for path in SCENARIOS:
        scenario = sim.load_scenario(path)
        assert scenario.documented is not None, path.name
        uses = {f.use for f in scenario.documented.figures}
        assert {"fit", "check"} <= uses, (path.name, uses)
        assert scenario.fitted, f"{path.name}: the searched values are listed in fitted:"


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_an_incident_page_has_its_parts_its_picture_and_every_source(path) -> None:
    scenario = sim.load_scenario(path)
    page = (INCIDENTS / f"{path.stem}.md").read_text(encoding="utf-8")
    positions = [page.find(section) for section in SECTIONS]
    found = dict(zip(SECTIONS, positions, strict=True))
    assert -1 not in positions and positions == sorted(positions), found
    assert f"](images/{path.stem}.svg)" in page
    for figure in scenario.documented.figures:
        assert figure.source in page, (path.stem, figure.source)
    picture = ET.parse(INCIDENTS / "images" / f"{path.stem}.svg").getroot()
    texts = [t.text or "" for t in picture.iter("{http://www.w3.org/2000/svg}text")]
    for figure in scenario.documented.figures:  # one row per figure, labelled with its use
        assert any(t.startswith(f"[{figure.use}] {figure.figure[:40]}") for t in texts), (
            path.stem, figure.figure)
    assert not list(picture.iter("{http://www.w3.org/2000/svg}script"))
    assert f"scenarios/{path.name}" in page


def test_the_library_table_lists_every_incident_with_its_audience_and_sources() -> None:
    table = (INCIDENTS / "README.md").read_text(encoding="utf-8")
    header = "| incident | year | kind | audience | documented figures reproduced | sources |"
    assert header in table
    rows = [line for line in table.splitlines() if line.startswith("| [")]
    linked = [re.search(r"\]\(([^)]+)\.md\)", row).group(1) for row in rows]
    assert sorted(linked) == sorted(p.stem for p in SCENARIOS)
    for row, stem in zip(rows, linked, strict=True):
        scenario = sim.load_scenario(ROOT / "scenarios" / f"{stem}.yaml")
        assert f"{scenario.network.accounts:,}" in row, (stem, row)
        assert "http" in row, (stem, row)
