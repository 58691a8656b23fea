"""What the standalone pages (fit, forecast, sweep) share: their shell, numbers and writing.

Each page is one self-contained HTML file: the report's style and script
(:mod:`sim.report.html`), plotly.js inlined, the charts' figures as escaped JSON.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from plotly.offline import get_plotlyjs

from sim._version import __version__
from sim.errors import FlashpointError
from sim.io import atomic_write_text
from sim.report.html import _CSS, _JS, _figures_json, esc

_SUPERSCRIPTS = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def significant(value: float | None, digits: int = 3) -> str:
    """``value`` to ``digits`` significant figures: ``0.00123``, ``2.00``, ``1.23×10⁻⁶``.

    Fixed notation (with thousands separators) from 0.0001 to below a million; beyond, the
    mantissa times a power of ten. Zero is ``0``; None, NaN and infinities are ``-``.
    """
    if value is None or not math.isfinite(value):
        return "-"
    if value == 0:
        return "0"
    mantissa, exponent = f"{value:.{digits - 1}e}".split("e")
    power = int(exponent)
    if -4 <= power < 6:
        return f"{float(mantissa) * 10.0**power:,.{max(0, digits - 1 - power)}f}"
    return f"{mantissa}×10{str(power).translate(_SUPERSCRIPTS)}"


def write_html(text: str, path: str | Path) -> Path:
    """Write a page to ``path`` atomically; return the path.

    Raises:
        FlashpointError: the file cannot be written (the message says why).
    """
    target = Path(path)
    try:
        atomic_write_text(target, text)
    except OSError as exc:
        raise FlashpointError(f"{target}: cannot write it: {exc.strerror}") from None
    return target


def document(title: str, heading: str, top: str, intro: str, meta: str, sections: list[str],
             charts: dict[str, Any], css: str = "") -> str:
    """A whole page.

    Args:
        title: the window's title (plain text; escaped here).
        heading: the ``h1``'s HTML (escaped by the caller).
        top: HTML under the heading: warnings or headlines (escaped by the caller).
        intro: the explanation's HTML (escaped by the caller).
        meta: the meta line's HTML after the version (escaped by the caller; may be empty).
        sections: the sections' HTML.
        charts: the figures, by chart id.
        css: the page's own style, after the report's.
    """
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(title)}</title>
<style>{_CSS}{css}</style>
<script>{get_plotlyjs()}</script>
</head>
<body>
<header id="headline">
<h1>{heading}</h1>
{top}
<p class="description">{intro}</p>
<p class="meta">Flashpoint {esc(__version__)}{meta}</p>
</header>
<main>
{''.join(sections)}
</main>
<script id="figures" type="application/json">{_figures_json(charts)}</script>
<script>{_JS}</script>
</body>
</html>
"""
