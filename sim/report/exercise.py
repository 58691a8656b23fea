r"""``exercise.html``: a crisis exercise that a trainer projects in a room of trainees.

The page plays one representative simulated incident on a clock. At each decision point
the room chooses what to do, and the incident goes on along the chosen branch (every
branch was simulated with the run, so the page only looks its data up). At the end a
debrief compares the room's path with every other path. The page is one self-contained
file that works offline from ``file://``: the CSS, the JavaScript (``exercise.css`` and
``exercise.js``, package data next to this module) and plotly.js are inlined, and the
data is embedded as JSON.

What the page shows (:func:`data`), per path: the representative incident's cumulative
series (read from the run's store, as ``timeseries.csv`` is), when each decision arises in
it, the team's actions as they take effect, the posts of the feed (simulated with the run,
:func:`sim.experiment.exercise.feed`), and for the debrief the risk metric of every
replication and its statistics, the very numbers of ``paths.csv``. The page never
simulates.

Escaping rules. Every user string (titles, prompts, option and path names, injects, posts,
segment names) is untrusted:

* in the markup it appears only in ``<title>``, escaped with :func:`html.escape` (control
  characters first written as their escapes, ``\x7f``, by :func:`sim.formatting.printable`);
  the script puts everything else in with ``textContent``, never ``innerHTML``;
* the data is ``<script id="exercise-data" type="application/json">``, written by
  :func:`json.dumps` (``allow_nan=False``) with the characters of
  :data:`sim.report.html.JSON_ESCAPES` (``<``, ``>``, ``&``, DEL, the C1 controls, U+2028
  and U+2029) as ``\uXXXX`` escapes, so no text can close the element, and the JSON stays
  valid JavaScript;
* in plotly labels (tick labels, hover text) the script writes each of ``& < > " ' $ %``
  as a numeric character reference, so plotly shows markup, LaTeX or template fields
  literally (as :func:`sim.report.html.plot_text` does).
"""

from __future__ import annotations

import html
import json
import math
from importlib.resources import files
from pathlib import Path as FilePath
from typing import Any

import numpy as np
from plotly.offline import get_plotlyjs

from sim.errors import FlashpointError
from sim.experiment.exercise import FEED_KEY, Path, decided, path_stats
from sim.experiment.results import Results
from sim.formatting import printable
from sim.io import atomic_write_text
from sim.metrics import SERIES
from sim.report.html import JSON_ESCAPES, metric_title
from sim.scenario.action import Action
from sim.scenario.exercise import Decision, Option
from sim.scenario.metric_registry import METRICS as REGISTRY
from sim.scenario.values import HOUR, Fixed, format_duration

FILE = "exercise.html"
PLAYED = ("reach", "reactions", "articles")  # the series the page plays


def data(results: Results, path_list: list[Path]) -> dict[str, Any]:
    """Everything ``exercise.html`` shows, as plain JSON (the contract of the page)."""
    scenario = results.scenario
    exercise = scenario.exercise
    if exercise is None:
        raise FlashpointError("these results are not an exercise's (no exercise: section)")
    risk = scenario.risk_metric
    stored = (results.snapshot or {}).get(FEED_KEY)  # the played incident, with its posts
    if stored is None:
        raise FlashpointError("these results hold no exercise feed: run the exercise with "
                              "flashpoint exercise (or sim.experiment.exercise.run_exercise)")
    replication = stored["replication"]
    r = results.replications.index(replication)
    arisen = decided(results, path_list)
    when = [d.when is not None for d in exercise.decisions]
    played = results.series_store.replication(r)  # [policy, series, time]: one read
    paths = []
    for p, path in enumerate(path_list):
        policy = results.policies.index(path.name)
        values = results.metric(path.name, risk)
        took = results.actions_h[policy, r]
        actions = [{"at_h": float(took[i]), "text": _did(action)}
                   for i, action in enumerate(path.policy.actions) if not math.isnan(took[i])]
        paths.append({
            "name": path.name,
            "choices": [_index(d.options, c) for d, c in
                        zip(exercise.decisions, path.choices, strict=True)],
            "series": {name: _numbers(played[policy, SERIES.index(name)]) for name in PLAYED},
            "decided_h": _numbers(arisen[p, r]),
            "actions": sorted(actions, key=lambda a: a["at_h"]),
            "feed": stored["paths"][p],
            "stats": dict(zip(("mean", "p10", "p50", "p90"), path_stats(values), strict=True)),
            "values": _numbers(values),
            "arose": [float(np.mean(~np.isnan(arisen[p, :, j]))) if w else None
                      for j, w in enumerate(when)],
        })
    names = stored["segments"]
    return {
        "title": scenario.scenario,
        "description": scenario.description,
        "horizon_h": scenario.horizon / HOUR,
        "audience": stored["accounts"],
        "risk": {"metric": risk, "label": metric_title(risk), "count": REGISTRY[risk].count},
        "replication": int(replication),
        "replications": len(results.replications),
        "times_h": _numbers(results.times_h),
        "segments": names,
        "posts": [list(exercise.posts.get(name, [])) for name in names],
        "decisions": [{
            "prompt": d.prompt,
            "at_h": None if d.at is None else d.at / HOUR,
            "when": None if d.when is None else _trigger(d),
            "options": [{"name": o.name, "summary": _summary(o)} for o in d.options],
        } for d in exercise.decisions],
        "injects": sorted(({"at_h": i.at / HOUR, "sender": i.sender, "text": i.text}
                           for i in exercise.injects), key=lambda i: i["at_h"]),
        "paths": paths,
        "delay_pairs": delay_pairs(exercise.decisions),
    }


def delay_pairs(decisions: list[Decision]) -> list[dict[str, Any]]:
    """Options of one decision that do the same thing, one a fixed time after the other.

    The debrief shows what the later one costs on the room's path: the cost of deciding
    later, where the exercise's tree holds it.
    """
    out = []
    for j, decision in enumerate(decisions):
        for a, first in enumerate(decision.options):
            for b, second in enumerate(decision.options):
                if (a != b and first.actions and _same_actions(first, second)
                        and isinstance(first.delay, Fixed) and isinstance(second.delay, Fixed)
                        and first.delay.value < second.delay.value):
                    out.append({"decision": j, "sooner": a, "later": b, "delay": (
                        f"{format_duration(second.delay.value - first.delay.value)} later")})
    return out


# the page's constant markup: the script fills it in (user text only with textContent)
_SKELETON = """<noscript><p>This exercise needs JavaScript.</p></noscript>
<header id="bar">
<h1 id="title"></h1>
<div id="clock-box" aria-label="simulated time"><span id="clock">T+00:00</span>
<span id="clock-total"></span></div>
<button id="play" type="button" title="Play or pause (Space)">Play</button>
<label class="control">Speed <select id="speed">
<option value="1">1 h per 1 s</option>
<option value="2">1 h per 2 s</option>
<option value="5">1 h per 5 s</option>
<option value="10" selected>1 h per 10 s</option>
<option value="30">1 h per 30 s</option>
<option value="60">1 h per 60 s</option>
</select></label>
<button id="skip" type="button" title="Skip to the next event (N or Right arrow)">
Next event</button>
<button id="undo" type="button" title="Undo the last decision (U or Ctrl+Z)">Undo</button>
<label class="control">Countdown <select id="countdown">
<option value="0" selected>off</option>
<option value="30">30 s</option>
<option value="60">60 s</option>
<option value="120">2 min</option>
</select></label>
</header>
<main id="main">
<div id="left">
<div id="counters">
<div class="counter"><div class="value" id="counter-reach">0</div>
<div class="label">Accounts reached</div></div>
<div class="counter"><div class="value" id="counter-rate">0</div>
<div class="label">Reactions in the last hour</div></div>
<div class="counter"><div class="value" id="counter-articles">0</div>
<div class="label">Articles</div></div>
</div>
<div id="timeline"></div>
<section id="decision" class="idle" aria-live="polite">
<div class="decision-head"><span id="decision-tag"></span><span id="timer"></span></div>
<p id="prompt"></p>
<p id="decision-note"></p>
<div id="options" role="group" aria-label="options"></div>
<p id="next-decision"></p>
</section>
</div>
<div id="right">
<section class="pane" id="injects-pane"><h2>Injects</h2><ol id="injects"></ol></section>
<section class="pane" id="feed-pane"><h2>Feed</h2><ol id="feed"></ol></section>
</div>
</main>
<section id="debrief" hidden>
<div class="debrief-inner">
<h2>Debrief</h2>
<h3>Your path</h3>
<ol id="room-choices"></ol>
<p id="rank"></p>
<p id="best"></p>
<ul id="delays"></ul>
<ul id="arose"></ul>
<h3 id="distribution-title">Every path</h3>
<div id="distribution"></div>
<table id="paths-table">
<caption id="paths-caption"></caption>
<thead><tr><th scope="col">Rank</th><th scope="col">Path</th><th scope="col">Mean</th>
<th scope="col">10th pct</th><th scope="col">Median</th><th scope="col">90th pct</th></tr></thead>
<tbody></tbody>
</table>
<h3>Session log</h3>
<table id="log-table">
<thead><tr><th scope="col">Decision</th><th scope="col">Prompt</th><th scope="col">Choice</th>
<th scope="col">Simulated time</th><th scope="col">Wall-clock time</th></tr></thead>
<tbody></tbody>
</table>
<p class="buttons"><button id="log-json" type="button">Download log (JSON)</button>
<button id="log-csv" type="button">Download log (CSV)</button>
<button id="restart" type="button">Restart</button></p>
</div>
</section>
<section id="intro">
<div class="card">
<p class="kicker">Flashpoint exercise</p>
<h2 id="intro-title"></h2>
<p id="intro-description"></p>
<p id="intro-facts"></p>
<p><button id="start" type="button">Start</button></p>
<p class="keys">Enter: start &middot; Space: play or pause &middot; N or &rarr;: next event &middot;
1&ndash;5: choose an option &middot; U: undo the last decision</p>
</div>
</section>
"""


def _asset(name: str) -> str:
    """The text of a package-data file of :mod:`sim.report` (``exercise.js``, ``.css``).

    Args:
        name: The file's name.

    Returns:
        Its text (UTF-8).
    """
    return (files("sim.report") / name).read_text(encoding="utf-8")


def _data_json(data: dict[str, Any]) -> str:
    """``data`` as JSON that is safe as the text of a ``<script>`` element.

    Args:
        data: The exercise's data (the contract in :func:`page`).

    Returns:
        The JSON text, with ``<``, ``>``, ``&``, U+007F..U+009F, U+2028 and U+2029 written
        as unicode escapes.

    Raises:
        ValueError: If the data holds NaN or an infinity (JSON has no such numbers).
    """
    return json.dumps(data, allow_nan=False).translate(JSON_ESCAPES)


def page(data: dict[str, Any]) -> str:
    """The whole ``exercise.html`` as one string.

    The data contract (all text is untrusted): ``title``, ``description``, ``horizon_h``,
    ``audience``, ``risk`` (``metric``, ``label``, ``count``), ``replication``,
    ``replications``, ``times_h``, ``segments``, ``posts``, ``decisions`` (``prompt``,
    ``at_h`` or ``when``, ``options`` with ``name`` and ``summary``), ``injects``
    (``at_h``, ``sender``, ``text``), ``paths`` (in :func:`itertools.product` order over the
    decisions' options, the last decision varying fastest: ``name``, ``choices``,
    ``series`` with cumulative ``reach``, ``reactions`` and ``articles`` on ``times_h``,
    ``decided_h``, ``actions``, ``feed``, ``stats``, ``values``, ``arose``) and
    ``delay_pairs`` (``decision``, ``sooner``, ``later``, ``delay``).

    Args:
        data: The exercise's data, as above.

    Returns:
        The page: one self-contained HTML document (CSS, JavaScript and plotly.js inlined).

    Raises:
        ValueError: If the data holds NaN or an infinity.
    """
    title = html.escape(printable(data.get("title", "")), quote=True)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} - Flashpoint exercise</title>
<style>{_asset("exercise.css")}</style>
<script>{get_plotlyjs()}</script>
</head>
<body>
{_SKELETON}<script id="exercise-data" type="application/json">{_data_json(data)}</script>
<script>{_asset("exercise.js")}</script>
</body>
</html>
"""


def write(results: Results, path_list: list[Path], directory: str | FilePath) -> FilePath:
    """Write ``exercise.html`` into ``directory`` atomically; return its path."""
    target = FilePath(directory) / FILE
    text = page(data(results, path_list))
    try:
        atomic_write_text(target, text)
    except OSError as exc:
        raise FlashpointError(f"{target}: cannot write it: {exc.strerror}") from None
    return target


def _same_actions(first: Option, second: Option) -> bool:
    return ([a.model_dump(mode="json") for a in first.actions]
            == [a.model_dump(mode="json") for a in second.actions])


def _index(options: list[Option], name: str) -> int:
    return next(i for i, option in enumerate(options) if option.name == name)


def _did(action: Action) -> str:
    """An action as the feed shows it: ``statement (apology)``, ``stop promotion``."""
    words = action.do.replace("_", " ")
    strategy = getattr(action, "strategy", None)
    return f"{words} ({strategy})" if strategy else words


def _summary(option: Option) -> str:
    """What an option does, in a few words: ``statement (apology), after 2h``."""
    words = ", ".join(_did(action) for action in option.actions)
    if words and not (isinstance(option.delay, Fixed) and option.delay.value == 0):
        delay = option.delay
        words += (f", after {format_duration(delay.value)}" if isinstance(delay, Fixed)
                  else f", after {delay}")
    return words


def _trigger(decision: Decision) -> str:
    assert decision.when is not None
    return f"{REGISTRY[decision.when.metric].label} above {decision.when.above:,g}"


def _numbers(values: Any) -> list[float | int | None]:
    """Floats as JSON: ``nan`` as None, whole numbers as integers (counts: a smaller page)."""
    return [None if math.isnan(v) else int(v) if v.is_integer() and abs(v) < 2**53
            else float(v) for v in np.asarray(values, dtype=float).tolist()]
