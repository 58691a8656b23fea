/*
 * exercise.html: a tabletop exercise for a room of trainees.
 *
 * One representative simulated incident plays on a clock (simulated hours advance with
 * wall time at a chosen speed). At each decision point the clock stops and the room
 * chooses an option; the incident goes on along the chosen path (every path was
 * simulated beforehand: this script only looks up data). At the end, a debrief compares
 * the room's path with every other path.
 *
 * All text in the data is untrusted: it reaches the page only through textContent, and
 * plotly labels only through plotText (numeric character references).
 */
(function () {
  "use strict";

  // ---------------------------------------------------------------- constants and data

  const DATA = JSON.parse(document.getElementById("exercise-data").textContent);
  const DECISIONS = DATA.decisions || [];
  const PATHS = DATA.paths || [];
  const TIMES = DATA.times_h || [];
  const HORIZON = Number(DATA.horizon_h) || 0;
  const RISK = DATA.risk || {metric: "risk", label: "risk", count: false};
  const INJECTS = (DATA.injects || []).slice().sort((a, b) => a.at_h - b.at_h);
  const INJECT_TIMES = INJECTS.map((inject) => inject.at_h);

  // Okabe & Ito's colour-blind-safe palette
  const BLUE = "#0072B2";
  const ORANGE = "#E69F00";
  const GREEN = "#009E73";
  const PINK = "#CC79A7";
  const SKY = "#56B4E9";
  const VERMILION = "#D55E00";
  const SEGMENT_COLORS = [BLUE, PINK, SKY, ORANGE, GREEN, VERMILION];

  const FEED_MAX = 40;           // feed items kept in the DOM
  const CHART_EVERY_MS = 200;    // timeline redraws while the clock runs
  const CHART_POINTS = 600;      // at most this many points on the timeline curve
  const TICK_CHARS = 60;         // path names longer than this are cut in the debrief chart
  const EPS = 1e-9;
  const DEFAULT_SPEED = 10;      // wall seconds per simulated hour

  // stride of each decision in the path index (product order: the last varies fastest)
  const STRIDES = (function () {
    const strides = new Array(DECISIONS.length).fill(1);
    for (let j = DECISIONS.length - 2; j >= 0; j--) {
      strides[j] = strides[j + 1] * DECISIONS[j + 1].options.length;
    }
    return strides;
  })();

  const COUNT_FORMAT = new Intl.NumberFormat("en-US", {maximumFractionDigits: 0});
  const FORMATS = [0, 1, 2].map((digits) => new Intl.NumberFormat("en-US", {
    minimumFractionDigits: digits, maximumFractionDigits: digits}));

  // ---------------------------------------------------------------- state

  const state = {
    phase: "intro",        // intro | play | decision | debrief
    t: 0,                  // simulated hours
    playing: false,
    secondsPerHour: DEFAULT_SPEED,
    choices: DECISIONS.map(() => null),  // option per decision, null: not chosen yet
    taken: [],             // [{decision, t}] in the order the room decided (for undo)
    pending: null,         // the decision on the screen
    arose: true,           // whether the pending decision arose in the incident
    highlight: -1,         // option selected with the arrow keys
    countdown: 0,          // seconds the room has for a decision (0: no countdown)
    deadline: null,        // performance.now() when the countdown ends
    log: [],               // the session log
    dirty: true,           // the panels need a redraw
  };

  // what is on the screen, to redraw only what changed
  const shown = {feedPath: -1, feedCount: 0, injects: -1, chartAt: -Infinity,
                 timer: null, texts: new Map()};

  // ---------------------------------------------------------------- small helpers

  function $(id) {
    return document.getElementById(id);
  }

  /** An element with a class and text (always textContent: the text may be anything). */
  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  /** Set an element's text only when it changed (cheap to call every frame). */
  function setText(node, text) {
    const value = String(text);
    if (shown.texts.get(node) !== value) {
      node.textContent = value;
      shown.texts.set(node, value);
    }
  }

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
  }

  function pad2(n) {
    return n < 10 ? "0" + n : String(n);
  }

  /** Simulated hours as "T+01:30". */
  function clockText(hours) {
    const minutes = Math.max(0, Math.round(hours * 60));
    return "T+" + pad2(Math.floor(minutes / 60)) + ":" + pad2(minutes % 60);
  }

  function formatCount(x) {
    return COUNT_FORMAT.format(Math.round(x));
  }

  /** A number with `digits` decimals and thousands separators, never "-0". */
  function formatNumber(x, digits) {
    const text = FORMATS[digits].format(x);
    return /^-0(\.0*)?$/.test(text) ? text.slice(1) : text;
  }

  /**
   * A value of the risk metric: counts are whole numbers (a mean below 10 keeps one
   * decimal); other values have one decimal below 100 and none from 100 on.
   */
  function formatMetric(x, isMean) {
    if (x === null || x === undefined || !isFinite(x)) return "\u2013";
    if (RISK.count) return formatNumber(x, isMean && Math.abs(x) < 10 ? 1 : 0);
    return formatNumber(x, Math.abs(x) < 100 ? 1 : 0);
  }

  function percent(share) {
    return Math.round(share * 100) + "%";
  }

  /**
   * Text for plotly labels that shows literally: control characters as visible escapes,
   * and each of & < > " ' $ % as a numeric character reference (plotly reads a subset of
   * HTML, LaTeX between $ signs and %{...} template fields).
   */
  function plotText(text) {
    return String(text)
      .replace(/[\u0000-\u001f\u007f-\u009f]/g,
        (c) => "\\x" + c.charCodeAt(0).toString(16).padStart(2, "0"))
      .replace(/[&<>"'$%]/g, (c) => "&#" + c.charCodeAt(0) + ";");
  }

  /** The root font size in pixels (it follows the viewport): charts scale with it. */
  function remPixels() {
    return parseFloat(window.getComputedStyle(document.documentElement).fontSize) || 16;
  }

  /** A long name cut to `max` characters with an ellipsis. */
  function shorten(text, max) {
    const chars = Array.from(String(text));
    return chars.length <= max ? chars.join("") : chars.slice(0, max - 1).join("") + "\u2026";
  }

  /** Index of the first element of a sorted array greater than x. */
  function upperBound(sorted, x) {
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (sorted[mid] <= x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** A series on TIMES at time t (linear interpolation; flat outside the grid). */
  function interpolate(series, t) {
    const n = Math.min(series.length, TIMES.length);
    if (n === 0) return 0;
    if (t <= TIMES[0]) return series[0] || 0;
    if (t >= TIMES[n - 1]) return series[n - 1] || 0;
    const i = upperBound(TIMES, t) - 1;
    const t0 = TIMES[i];
    const t1 = TIMES[i + 1];
    const y0 = series[i] || 0;
    const y1 = series[i + 1] || 0;
    return t1 > t0 ? y0 + (y1 - y0) * (t - t0) / (t1 - t0) : y1;
  }

  /** Mean and 95% interval of paired differences a - b over replications where both exist. */
  function pairedDifference(a, b) {
    const diffs = [];
    const n = Math.min(a.length, b.length);
    for (let r = 0; r < n; r++) {
      if (a[r] !== null && b[r] !== null && isFinite(a[r]) && isFinite(b[r])) {
        diffs.push(a[r] - b[r]);
      }
    }
    if (diffs.length === 0) return null;
    const mean = diffs.reduce((s, d) => s + d, 0) / diffs.length;
    if (diffs.length < 2) return {n: diffs.length, mean: mean, lo: null, hi: null};
    const variance = diffs.reduce((s, d) => s + (d - mean) * (d - mean), 0) / (diffs.length - 1);
    const half = 1.96 * Math.sqrt(variance) / Math.sqrt(diffs.length);
    return {n: diffs.length, mean: mean, lo: mean - half, hi: mean + half};
  }

  // ---------------------------------------------------------------- paths and decisions

  /** The path index of a list of choices (null: option 0). */
  function pathIndex(choices) {
    return (choices || state.choices).reduce((sum, c, j) => sum + (c || 0) * STRIDES[j], 0);
  }

  function currentPath() {
    return PATHS[pathIndex()];
  }

  /** The unchosen decision that arises first on the current path: {k, at}, or null. */
  function nextDecision() {
    const decided = currentPath().decided_h || [];
    let best = null;
    DECISIONS.forEach((_, k) => {
      const at = decided[k];
      if (state.choices[k] !== null || at === null || at === undefined) return;
      if (best === null || at < best.at) best = {k: k, at: at};
    });
    return best;
  }

  function optionName(k, i) {
    return DECISIONS[k].options[i].name;
  }

  // ---------------------------------------------------------------- the clock

  function start() {
    if (state.phase !== "intro") return;
    state.phase = "play";
    state.playing = true;
    $("intro").hidden = true;
    advanceTo(0);
    changed();
  }

  function togglePlay() {
    if (state.phase === "intro") {
      start();
    } else if (state.phase === "play") {
      state.playing = !state.playing;
      changed();
    }
  }

  /**
   * Move the clock to `target` hours, stopping at the next decision (which is then put to
   * the room) or at the end of the incident.
   */
  function advanceTo(target) {
    const to = Math.min(target, HORIZON);
    const next = nextDecision();
    if (next && next.at <= to + EPS) {
      state.t = Math.max(0, Math.min(next.at, HORIZON));
      present(next.k, true);
      return;
    }
    if (to >= HORIZON) {
      reachEnd();
      return;
    }
    state.t = Math.max(0, to);
  }

  /** Skip to the next decision point, inject or the end, whichever comes first. */
  function skip() {
    if (state.phase !== "play") return false;
    let target = HORIZON;
    const next = nextDecision();
    if (next) target = Math.min(target, Math.max(next.at, state.t));
    for (const inject of INJECTS) {
      if (inject.at_h > state.t + EPS) {
        target = Math.min(target, inject.at_h);
        break;
      }
    }
    advanceTo(target);
    changed();
    return true;
  }

  /** The end of the incident: decisions that never arose are put to the room, then the debrief. */
  function reachEnd() {
    state.t = HORIZON;
    state.playing = false;
    const left = state.choices.indexOf(null);
    if (left >= 0) present(left, false);
    else showDebrief();
  }

  // ---------------------------------------------------------------- decisions

  function present(k, arose) {
    state.phase = "decision";
    state.pending = k;
    state.arose = arose;
    state.playing = false;
    state.highlight = -1;
    restartCountdown();
    changed();
  }

  function restartCountdown() {
    state.deadline = state.countdown > 0 ? performance.now() + state.countdown * 1000 : null;
  }

  /** The room chooses option i of the pending decision. */
  function choose(i) {
    if (state.phase !== "decision") return false;
    const k = state.pending;
    if (!(Number.isInteger(i) && i >= 0 && i < DECISIONS[k].options.length)) return false;
    state.choices[k] = i;
    state.taken.push({decision: k, t: state.t});
    addLog(k, optionName(k, i), i);
    state.pending = null;
    state.deadline = null;
    state.phase = "play";
    if (state.t >= HORIZON - EPS) {
      reachEnd();
    } else {
      state.playing = true;
      advanceTo(state.t);  // another decision may arise at the same time
    }
    changed();
    return true;
  }

  /** Undo the last decision: back to its time, and put it to the room again. */
  function undo() {
    if (state.phase === "intro" || state.taken.length === 0) return false;
    const last = state.taken.pop();
    const k = last.decision;
    state.choices[k] = null;
    state.t = last.t;
    addLog(k, "undo", null);
    $("debrief").hidden = true;
    $("main").hidden = false;
    const at = (currentPath().decided_h || [])[k];
    present(k, at !== null && at !== undefined && at <= HORIZON + EPS);
    return true;
  }

  function addLog(k, choice, option) {
    state.log.push({
      decision: k + 1,
      prompt: DECISIONS[k].prompt,
      choice: choice,
      option: option === null ? null : option + 1,
      simulated_h: Math.round(state.t * 1e6) / 1e6,
      simulated: clockText(state.t),
      wall_clock: new Date().toISOString(),
    });
  }

  function restart() {
    if (state.log.length > 0 && !window.confirm("Restart the exercise? The session log will be cleared.")) {
      return;
    }
    state.phase = "intro";
    state.t = 0;
    state.playing = false;
    state.choices = DECISIONS.map(() => null);
    state.taken = [];
    state.pending = null;
    state.deadline = null;
    state.log = [];
    $("debrief").hidden = true;
    $("main").hidden = false;
    $("intro").hidden = false;
    $("start").focus();
    changed();
  }

  function changed() {
    state.dirty = true;
  }

  // ---------------------------------------------------------------- drawing: play view

  function renderClock() {
    setText($("clock"), clockText(state.t));
  }

  function renderCounters() {
    const series = currentPath().series;
    const t = state.t;
    const reactions = interpolate(series.reactions, t) - interpolate(series.reactions, Math.max(0, t - 1));
    setText($("counter-reach"), formatCount(interpolate(series.reach, t)));
    setText($("counter-rate"), formatCount(Math.max(0, reactions)));
    setText($("counter-articles"), formatCount(Math.floor(interpolate(series.articles, t) + 1e-6)));
  }

  function renderButtons() {
    const play = $("play");
    setText(play, state.playing ? "Pause" : "Play");
    play.classList.toggle("playing", state.playing);
    play.disabled = state.phase !== "play";
    $("skip").disabled = state.phase !== "play";
    $("undo").disabled = state.phase === "intro" || state.taken.length === 0;
  }

  /** The decision panel: the pending decision with its options, or what comes next. */
  function renderDecision() {
    const panel = $("decision");
    const options = $("options");
    clear(options);
    const pending = state.phase === "decision";
    panel.className = pending ? "pending" : "idle";
    $("prompt").hidden = !pending;
    $("decision-note").hidden = !pending || state.arose;
    $("next-decision").hidden = pending;
    $("timer").hidden = !pending;
    shown.timer = null;
    if (!pending) {
      setText($("decision-tag"), DECISIONS.length ? "Decisions" : "");
      setText($("next-decision"), nextDecisionText());
      return;
    }
    const k = state.pending;
    const decision = DECISIONS[k];
    setText($("decision-tag"), "Decision " + (k + 1) + " of " + DECISIONS.length
      + " \u00b7 " + clockText(state.t));
    setText($("prompt"), decision.prompt);
    if (!state.arose) setText($("decision-note"), notArisenText(k));
    decision.options.forEach((option, i) => options.appendChild(optionButton(option, i)));
    options.classList.toggle("many", decision.options.length > 4);
    renderHighlight();
    fitDecision();
  }

  /** Smaller type in the decision panel when a long prompt would not fit on the screen. */
  function fitDecision() {
    const panel = $("decision");
    panel.classList.remove("fit1", "fit2");
    if (state.phase !== "decision") return;
    for (const level of ["fit1", "fit2"]) {
      if (panel.getBoundingClientRect().bottom <= window.innerHeight) return;
      panel.classList.remove("fit1");
      panel.classList.add(level);
    }
  }

  function nextDecisionText() {
    if (state.phase === "debrief") return "";
    const next = nextDecision();
    let k = next ? next.k : -1;
    if (k < 0) {
      // a trigger that does not fire in this incident: the room cannot know that yet
      k = DECISIONS.findIndex((d, j) => state.choices[j] === null && d.when);
    }
    if (k < 0) {
      return state.choices.indexOf(null) >= 0
        ? "No more decisions until the end (" + clockText(HORIZON) + ")."
        : "No more decisions: the incident plays to its end (" + clockText(HORIZON) + ").";
    }
    const decision = DECISIONS[k];
    if (decision.at_h !== null && decision.at_h !== undefined) {
      return "Next: decision " + (k + 1) + " at " + clockText(decision.at_h);
    }
    return "Next decision: when " + (decision.when || "it arises");
  }

  function notArisenText(k) {
    const arose = (currentPath().arose || [])[k];
    const share = arose === null || arose === undefined ? ""
      : " (it arose in " + percent(arose) + " of the simulated incidents on this path)";
    return "This decision did not arise in this incident" + share + ". What would you have done?";
  }

  function optionButton(option, i) {
    const button = el("button", "option");
    button.type = "button";
    button.dataset.option = String(i);
    button.appendChild(el("span", "num", String(i + 1)));
    const body = el("span", "body");
    body.appendChild(el("span", "name", option.name));
    body.appendChild(el("span", "summary", option.summary ? option.summary : "no action"));
    button.appendChild(body);
    button.addEventListener("click", () => choose(i));
    return button;
  }

  function renderHighlight() {
    document.querySelectorAll("#options .option").forEach((button, i) => {
      button.classList.toggle("selected", i === state.highlight);
    });
  }

  /** The countdown on the prompt: seconds left, then "Time's up" (the room still decides). */
  function renderTimer(now) {
    const timer = $("timer");
    let text = "";
    let up = false;
    if (state.phase === "decision" && state.deadline !== null) {
      const left = Math.ceil((state.deadline - now) / 1000);
      up = left <= 0;
      text = up ? "Time's up" : Math.floor(left / 60) + ":" + pad2(left % 60) + " left";
    }
    if (shown.timer !== text) {
      timer.textContent = text;
      timer.classList.toggle("up", up);
      shown.timer = text;
    }
  }

  // ---------------------------------------------------------------- drawing: feed and injects

  const feedCache = new Map();

  /** The feed of a path: its posts and the organisation's actions, by time. */
  function feedItems(index) {
    if (feedCache.has(index)) return feedCache.get(index);
    const path = PATHS[index];
    const items = [];
    (path.feed || []).forEach((event) => {
      items.push({t: event[0], segment: event[1], post: event[2], action: false});
    });
    (path.actions || []).forEach((action) => {
      items.push({t: action.at_h, text: action.text, action: true});
    });
    items.sort((a, b) => a.t - b.t);  // stable: posts before actions at the same time
    const result = {items: items, times: items.map((item) => item.t)};
    feedCache.set(index, result);
    return result;
  }

  function feedElement(item) {
    const node = el("li", item.action ? "action" : "post");
    const meta = el("div", "meta");
    let who;
    let text;
    if (item.action) {
      who = "Your organisation";
      text = item.text;
    } else {
      const segments = DATA.segments || [];
      const posts = (DATA.posts || [])[item.segment] || [];
      who = segments[item.segment] !== undefined ? segments[item.segment] : "segment " + item.segment;
      text = posts[item.post] !== undefined ? posts[item.post] : "(a post)";
      node.style.borderLeftColor = SEGMENT_COLORS[Math.abs(item.segment | 0) % SEGMENT_COLORS.length];
    }
    meta.appendChild(el("span", "who", who));
    meta.appendChild(el("span", "when", clockText(item.t)));
    node.appendChild(meta);
    node.appendChild(el("p", "text", text));
    return node;
  }

  /** The feed, newest first, at most FEED_MAX items (new items are added, not redrawn). */
  function renderFeed() {
    const index = pathIndex();
    const feed = feedItems(index);
    const count = upperBound(feed.times, state.t + EPS);
    if (index === shown.feedPath && count === shown.feedCount) return;
    const list = $("feed");
    const incremental = index === shown.feedPath && shown.feedCount > 0
      && count > shown.feedCount && count - shown.feedCount <= FEED_MAX;
    if (!incremental) clear(list);
    const from = incremental ? shown.feedCount : Math.max(0, count - FEED_MAX);
    for (let i = from; i < count; i++) {
      const node = feedElement(feed.items[i]);
      if (incremental) node.classList.add("new");
      list.insertBefore(node, list.firstChild);
    }
    while (list.children.length > FEED_MAX) list.removeChild(list.lastChild);
    if (count === 0) list.appendChild(el("li", "empty", "Nothing yet."));
    shown.feedPath = index;
    shown.feedCount = count;
  }

  /** The injects that have arrived, newest first; the newest highlighted (flashes on arrival). */
  function renderInjects() {
    const count = upperBound(INJECT_TIMES, state.t + EPS);
    if (count === shown.injects) return;
    const arrived = shown.injects >= 0 && count > shown.injects;
    const list = $("injects");
    clear(list);
    for (let i = count - 1; i >= 0; i--) {
      const inject = INJECTS[i];
      const node = el("li", "inject");
      if (i === count - 1) {
        node.classList.add("newest");
        if (arrived) node.classList.add("flash");
      }
      const meta = el("div", "meta");
      meta.appendChild(el("span", "who", inject.sender));
      meta.appendChild(el("span", "when", clockText(inject.at_h)));
      node.appendChild(meta);
      node.appendChild(el("p", "text", inject.text));
      list.appendChild(node);
    }
    if (count === 0) list.appendChild(el("li", "empty", "No injects yet."));
    shown.injects = count;
  }

  // ---------------------------------------------------------------- drawing: timeline chart

  const PLOT_CONFIG = {responsive: true, displayModeBar: false, displaylogo: false};

  /** The timeline: accounts reached up to t, decisions taken and injects arrived. */
  function timelineFigure() {
    const t = state.t;
    const reach = currentPath().series.reach;
    const end = upperBound(TIMES, t);
    const step = Math.max(1, Math.ceil(end / CHART_POINTS));
    const x = [];
    const y = [];
    for (let i = 0; i < end; i += step) {
      x.push(TIMES[i]);
      y.push(reach[i] || 0);
    }
    x.push(t);
    y.push(interpolate(reach, t));
    const xMax = Math.max(2, Math.min(HORIZON, 1.3 * t));
    const yMax = Math.max(10, 1.12 * Math.max.apply(null, y));
    const arrived = INJECTS.filter((inject) => inject.at_h <= t + EPS);
    const rem = remPixels();
    const traces = [
      {type: "scatter", mode: "lines", x: x, y: y, line: {color: BLUE, width: Math.round(rem / 4)},
       hovertemplate: "%{y:,.0f} accounts<extra></extra>", name: "reached"},
      {type: "scatter", mode: "markers", x: arrived.map((inject) => inject.at_h),
       y: arrived.map((inject) => interpolate(reach, inject.at_h)),
       marker: {color: ORANGE, size: Math.round(0.8 * rem), symbol: "diamond",
                line: {color: "#000", width: 1}},
       text: arrived.map((inject) => plotText(inject.sender + ": " + shorten(inject.text, 80))),
       hoverinfo: "text", name: "injects"},
    ];
    const shapes = [];
    const annotations = [];
    state.taken.forEach((taken, n) => {
      shapes.push({type: "line", xref: "x", yref: "paper", x0: taken.t, x1: taken.t, y0: 0, y1: 1,
                   line: {color: VERMILION, width: 2, dash: "dash"}});
      // labels step down, so that decisions close in time stay readable
      annotations.push({x: taken.t, y: 1 - 0.08 * (n % 3), xref: "x", yref: "paper",
                        text: "D" + (taken.decision + 1), showarrow: false, xanchor: "left",
                        yanchor: "top", xshift: 3,
                        font: {color: VERMILION, size: Math.round(0.85 * rem)},
                        bgcolor: "rgba(255,255,255,0.8)"});
    });
    const layout = {
      margin: {l: Math.round(4.2 * rem), r: Math.round(rem), t: Math.round(0.6 * rem),
               b: Math.round(3 * rem)},
      showlegend: false,
      paper_bgcolor: "rgba(0,0,0,0)",
      plot_bgcolor: "#fff",
      font: {size: Math.round(0.8 * rem), color: "#222"},
      xaxis: {range: [0, xMax], title: {text: "simulated hours", standoff: 4}, fixedrange: true,
              zeroline: false, gridcolor: "#e4e4e4"},
      yaxis: {range: [0, yMax], tickformat: "~s", fixedrange: true, gridcolor: "#e4e4e4",
              title: {text: "accounts reached"}},
      shapes: shapes,
      annotations: annotations,
    };
    return {traces: traces, layout: layout};
  }

  function renderChart(now, force) {
    if (!force && !(state.playing && now - shown.chartAt >= CHART_EVERY_MS)) return;
    const figure = timelineFigure();
    window.Plotly.react($("timeline"), figure.traces, figure.layout, PLOT_CONFIG);
    shown.chartAt = now;
  }

  // ---------------------------------------------------------------- debrief

  function showDebrief() {
    state.phase = "debrief";
    state.playing = false;
    state.pending = null;
    $("main").hidden = true;
    $("debrief").hidden = false;
    $("debrief").scrollTop = 0;
    buildDebrief();
    changed();
  }

  /** Paths by mean of the risk metric, lowest (best) first; paths without a mean last. */
  function rankedPaths() {
    const mean = (i) => (PATHS[i].stats || {}).mean;
    const order = PATHS.map((_, i) => i);
    order.sort((a, b) => {
      const ma = mean(a);
      const mb = mean(b);
      const na = ma === null || ma === undefined;
      const nb = mb === null || mb === undefined;
      if (na || nb) return na === nb ? a - b : (na ? 1 : -1);
      return ma - mb || a - b;
    });
    const ranks = new Array(PATHS.length).fill(null);
    order.forEach((i, position) => {
      const m = mean(i);
      if (m === null || m === undefined) return;
      const previous = position > 0 ? order[position - 1] : null;
      ranks[i] = previous !== null && mean(previous) === m ? ranks[previous] : position + 1;
    });
    const ranked = order.filter((i) => ranks[i] !== null).length;
    return {order: order, ranks: ranks, ranked: ranked};
  }

  function intervalText(diff) {
    return diff && diff.lo !== null
      ? " (95% interval " + formatMetric(diff.lo, true) + " to " + formatMetric(diff.hi, true) + ")"
      : "";
  }

  function buildDebrief() {
    const room = pathIndex();
    const ranking = rankedPaths();
    buildRoomChoices();
    buildRank(room, ranking);
    buildDelays(room);
    buildArose(room);
    buildTable(room, ranking);
    buildLog();
    buildDistribution(room, ranking);
  }

  function buildRoomChoices() {
    const list = $("room-choices");
    clear(list);
    DECISIONS.forEach((decision, k) => {
      const item = el("li");
      item.appendChild(el("span", "prompt", decision.prompt));
      item.appendChild(el("span", "arrow", " \u2192 "));
      item.appendChild(el("strong", "choice", optionName(k, state.choices[k] || 0)));
      list.appendChild(item);
    });
  }

  function buildRank(room, ranking) {
    const path = PATHS[room];
    const stats = path.stats || {};
    const rank = ranking.ranks[room];
    const label = RISK.label || RISK.metric;
    setText($("rank"), rank === null
      ? "Your path has no mean " + label + " (no replication measured it)."
      : "Your path ranks " + rank + " of " + ranking.ranked + " by the mean " + label
        + ", lowest first: mean " + formatMetric(stats.mean, true)
        + ", 10th\u201390th percentile " + formatMetric(stats.p10, false) + " to "
        + formatMetric(stats.p90, false) + ".");
    const best = ranking.order[0];
    const bestMean = (PATHS[best].stats || {}).mean;
    let text;
    if (rank === null || bestMean === null || bestMean === undefined) {
      text = "";
    } else if (best === room || stats.mean <= bestMean) {
      text = "Your path is the best of the " + ranking.ranked + " paths.";
    } else {
      const diff = pairedDifference(path.values || [], PATHS[best].values || []);
      text = "The best path is \u201c" + PATHS[best].name + "\u201d, with a mean of "
        + formatMetric(bestMean, true) + ". It would have saved "
        + formatMetric(stats.mean - bestMean, true) + " in " + metricWord() + intervalText(diff)
        + ".";
    }
    setText($("best"), text);
  }

  /** The cost of choosing the later of two options that differ only in delay, on the room's path. */
  function buildDelays(room) {
    const list = $("delays");
    clear(list);
    (DATA.delay_pairs || []).forEach((pair) => {
      const k = pair.decision;
      const choices = state.choices.map((c) => c || 0);
      choices[k] = pair.sooner;
      const sooner = PATHS[pathIndex(choices)];
      choices[k] = pair.later;
      const later = PATHS[pathIndex(choices)];
      const diff = pairedDifference(later.values || [], sooner.values || []);
      const what = "Choosing \u201c" + optionName(k, pair.later) + "\u201d (" + pair.delay
        + ") instead of \u201c" + optionName(k, pair.sooner) + "\u201d";
      let text;
      if (!diff) {
        text = what + ": no replication to compare on your path.";
      } else if (diff.mean >= 0) {
        text = what + " costs " + formatMetric(diff.mean, true) + " in " + metricWord()
          + intervalText(diff) + " on your path.";
      } else {
        const saving = {n: diff.n, mean: -diff.mean, lo: diff.hi === null ? null : -diff.hi,
                        hi: diff.lo === null ? null : -diff.lo};
        text = what + " saves " + formatMetric(saving.mean, true) + " in " + metricWord()
          + intervalText(saving) + " on your path.";
      }
      list.appendChild(el("li", "delay", text));
    });
    list.hidden = list.children.length === 0;
  }

  function metricWord() {
    return String(RISK.metric || "risk").replace(/_/g, " ");
  }

  function buildArose(room) {
    const list = $("arose");
    clear(list);
    const arose = PATHS[room].arose || [];
    DECISIONS.forEach((decision, k) => {
      if (!decision.when || arose[k] === null || arose[k] === undefined) return;
      list.appendChild(el("li", "arose", "Decision " + (k + 1) + " arose in " + percent(arose[k])
        + " of the simulated incidents on your path; where it did not, it was skipped."));
    });
    list.hidden = list.children.length === 0;
  }

  /** Every path's statistics exactly as the run wrote them (paths.csv), by rank. */
  function buildTable(room, ranking) {
    setText($("paths-caption"), "Every path, by mean " + (RISK.label || RISK.metric)
      + " over " + DATA.replications + " simulated incidents each (lowest is best)");
    const body = $("paths-table").tBodies[0];
    clear(body);
    ranking.order.forEach((i) => {
      const path = PATHS[i];
      const stats = path.stats || {};
      const row = el("tr", i === room ? "room" : "");
      row.dataset.path = String(i);
      row.appendChild(el("td", "rank", ranking.ranks[i] === null ? "\u2013" : ranking.ranks[i]));
      const name = el("td", "name", path.name);
      if (i === room) name.appendChild(el("span", "you", "your path"));
      row.appendChild(name);
      row.appendChild(el("td", "mean", formatMetric(stats.mean, true)));
      row.appendChild(el("td", "p10", formatMetric(stats.p10, false)));
      row.appendChild(el("td", "p50", formatMetric(stats.p50, false)));
      row.appendChild(el("td", "p90", formatMetric(stats.p90, false)));
      body.appendChild(row);
    });
  }

  function buildLog() {
    const body = $("log-table").tBodies[0];
    clear(body);
    state.log.forEach((entry) => {
      const row = el("tr", entry.choice === "undo" ? "undo" : "");
      [entry.decision, entry.prompt, entry.choice, entry.simulated, entry.wall_clock]
        .forEach((value) => row.appendChild(el("td", "", value)));
      body.appendChild(row);
    });
  }

  /** A horizontal box per path (the risk metric over replications), by mean; the room's highlighted. */
  function buildDistribution(room, ranking) {
    const traces = [];
    const tickvals = [];
    const ticktext = [];
    ranking.order.forEach((i, position) => {
      const path = PATHS[i];
      const values = (path.values || []).filter((v) => v !== null && isFinite(v));
      const colour = i === room ? VERMILION : BLUE;
      const label = plotText(shorten(path.name, TICK_CHARS));
      tickvals.push(position);
      ticktext.push(i === room ? "<b>your path: " + label + "</b>" : label);
      traces.push({type: "box", orientation: "h", x: values, y0: position, name: plotText(path.name),
                   boxmean: true, boxpoints: false, marker: {color: colour},
                   line: {color: colour, width: i === room ? 3 : 1.5},
                   fillcolor: i === room ? "rgba(213,94,0,0.35)" : "rgba(0,114,178,0.15)",
                   hoverinfo: "x+name"});
    });
    const rows = ranking.order.length;
    const rem = remPixels();
    // heavy tails: a log axis when every value is positive and they span a wide range
    let low = Infinity;
    let high = -Infinity;
    traces.forEach((trace) => trace.x.forEach((v) => {
      low = Math.min(low, v);
      high = Math.max(high, v);
    }));
    const logAxis = low > 0 && high / low > 50;
    const title = (RISK.label || RISK.metric) + (logAxis ? " (log scale)" : "");
    const layout = {
      height: Math.round(Math.max(20 * rem, 1.6 * rem * rows + 6 * rem)),
      margin: {l: 20, r: 20, t: 10, b: Math.round(4 * rem)},
      showlegend: false,
      font: {size: Math.round(0.75 * rem), color: "#222"},
      xaxis: logAxis
        ? {title: {text: plotText(title)}, type: "log", separatethousands: true,
           zeroline: false, gridcolor: "#e4e4e4"}
        : {title: {text: plotText(title)}, separatethousands: true, zeroline: false,
           gridcolor: "#e4e4e4", rangemode: "tozero"},
      yaxis: {type: "linear", tickvals: tickvals, ticktext: ticktext, autorange: "reversed",
              automargin: true, range: [rows - 0.5, -0.5], showgrid: false, zeroline: false},
    };
    window.Plotly.react($("distribution"), traces, layout, PLOT_CONFIG);
  }

  // ---------------------------------------------------------------- the session log files

  function download(name, type, text) {
    const url = URL.createObjectURL(new Blob([text], {type: type}));
    const link = document.createElement("a");
    link.href = url;
    link.download = name;
    link.hidden = true;
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  }

  const LOG_COLUMNS = ["decision", "prompt", "choice", "option", "simulated_h", "simulated",
                       "wall_clock"];

  function logJson() {
    return JSON.stringify({
      title: DATA.title,
      replication: DATA.replication,
      path: PATHS[pathIndex()].name,
      log: state.log,
    }, null, 2) + "\n";
  }

  /** One CSV cell: RFC 4180 quoting, and a leading ' on text a spreadsheet would run. */
  function csvCell(value) {
    let text = value === null || value === undefined ? "" : String(value);
    if (/^[=+\-@\t\r']/.test(text)) text = "'" + text;  // as the CSV outputs do
    return /[",\r\n]/.test(text) ? "\"" + text.replace(/"/g, "\"\"") + "\"" : text;
  }

  function logCsv() {
    const lines = [LOG_COLUMNS.join(",")];
    state.log.forEach((entry) => {
      lines.push(LOG_COLUMNS.map((column) => csvCell(entry[column])).join(","));
    });
    return lines.join("\r\n") + "\r\n";
  }

  // ---------------------------------------------------------------- the frame loop

  let lastFrame = null;

  function frame(now) {
    const dt = lastFrame === null ? 0 : Math.min(0.25, (now - lastFrame) / 1000);
    lastFrame = now;
    if (state.phase === "play" && state.playing) {
      advanceTo(state.t + dt / state.secondsPerHour);
    }
    render(now);
    window.requestAnimationFrame(frame);
  }

  function render(now) {
    const force = state.dirty;
    if (state.dirty) {
      state.dirty = false;
      renderDecision();
      renderButtons();
    }
    if (state.phase !== "debrief") {
      renderClock();
      renderCounters();
      renderFeed();
      renderInjects();
      renderChart(now, force);
    } else {
      renderClock();
    }
    renderTimer(now);
  }

  // ---------------------------------------------------------------- input

  function moveHighlight(step) {
    const n = DECISIONS[state.pending].options.length;
    state.highlight = state.highlight < 0 ? (step > 0 ? 0 : n - 1) : (state.highlight + step + n) % n;
    renderHighlight();
  }

  function onKey(event) {
    const tag = event.target && event.target.tagName;
    if (tag === "SELECT" || tag === "INPUT" || tag === "TEXTAREA") return;
    const key = event.key;
    if ((event.ctrlKey || event.metaKey) && !event.altKey && (key === "z" || key === "Z")) {
      event.preventDefault();
      if (!event.repeat) undo();
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    // a focused button does its own thing on Enter and Space
    if (tag === "BUTTON" && (key === "Enter" || key === " ")) return;
    let handled = true;
    if (key === " " || key === "Spacebar") {
      if (!event.repeat) togglePlay();
    } else if (key === "Enter") {
      if (state.phase === "intro") start();
      else if (state.phase === "decision" && state.highlight >= 0 && !event.repeat) choose(state.highlight);
    } else if (key === "n" || key === "N" || key === "ArrowRight") {
      skip();
    } else if (key === "u" || key === "U") {
      if (!event.repeat) undo();
    } else if (/^[1-9]$/.test(key) && state.phase === "decision") {
      if (!event.repeat) choose(Number(key) - 1);
    } else if ((key === "ArrowDown" || key === "ArrowUp") && state.phase === "decision") {
      moveHighlight(key === "ArrowDown" ? 1 : -1);
    } else {
      handled = false;
    }
    if (handled) event.preventDefault();
  }

  /** A click handler that also gives the focus back, so that Space and Enter stay shortcuts. */
  function onClick(id, handler) {
    $(id).addEventListener("click", (event) => {
      handler();
      event.currentTarget.blur();
    });
  }

  function wire() {
    onClick("start", start);
    onClick("play", togglePlay);
    onClick("skip", skip);
    onClick("undo", undo);
    onClick("restart", restart);
    onClick("log-json", () => download("exercise-log.json", "application/json", logJson()));
    onClick("log-csv", () => download("exercise-log.csv", "text/csv", logCsv()));
    $("speed").addEventListener("change", (event) => {
      state.secondsPerHour = Number(event.target.value) || DEFAULT_SPEED;
      event.target.blur();
    });
    $("countdown").addEventListener("change", (event) => {
      state.countdown = Number(event.target.value) || 0;
      if (state.phase === "decision") restartCountdown();
      event.target.blur();
    });
    document.addEventListener("keydown", onKey);
    window.addEventListener("resize", () => {
      changed();  // the charts' fonts follow the viewport; the decision panel must fit
    });
    // plotly's responsive option follows the window; the timeline also changes size with the panel
    if (window.ResizeObserver) {
      let queued = false;
      new ResizeObserver(() => {
        if (queued) return;
        queued = true;
        window.requestAnimationFrame(() => {
          queued = false;
          const chart = $("timeline");
          if (chart.data) window.Plotly.Plots.resize(chart);
        });
      }).observe($("timeline"));
    }
  }

  // ---------------------------------------------------------------- start up

  function fillIntro() {
    setText($("title"), DATA.title || "");
    setText($("intro-title"), DATA.title || "");
    setText($("intro-description"), DATA.description || "");
    const n = DECISIONS.length;
    const facts = [n + (n === 1 ? " decision" : " decisions"),
                   formatNumber(HORIZON, HORIZON % 1 ? 1 : 0) + " simulated hours",
                   PATHS.length + " paths, " + DATA.replications + " simulated incidents each"];
    if (DATA.audience) facts.push("audience of " + formatCount(DATA.audience) + " accounts");
    facts.push("you will play simulated incident no. " + DATA.replication);
    setText($("intro-facts"), facts.join(" \u00b7 "));
    setText($("clock-total"), "/ " + clockText(HORIZON));
    $("speed").value = String(DEFAULT_SPEED);
    $("countdown").value = "0";
  }

  fillIntro();
  wire();
  $("start").focus();
  window.exercise = {
    state: state,
    choose: choose,
    skip: skip,
    undo: undo,
    start: start,
    path: () => pathIndex(),
    logCsv: logCsv,
    logJson: logJson,
  };
  window.requestAnimationFrame(frame);
})();
