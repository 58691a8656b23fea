"""The ``flashpoint`` command line: a thin layer over the Python API."""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
import warnings
import webbrowser
from collections.abc import Sequence
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

from sim import interrupts
from sim._version import __version__
from sim.errors import FlashpointError
from sim.formatting import printable
from sim.io import atomic_write_text

TEMPLATES = ("post", "hashtag")
_TITLE_MARK = "__TITLE__"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code.

    0 ok, 2 bad input, 130 interrupted (Ctrl-C, or SIGTERM, which is handled the same way:
    a run saves what it finished and says how to resume), 141 the output was closed (as in
    ``flashpoint validate --resolved FILE | head -1``).
    """
    try:
        with interrupts.handled():
            return _main(argv)
    except KeyboardInterrupt:  # before or after a command's own handling
        print("flashpoint: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        _silence_stdout()
        return 141


def _main(argv: Sequence[str] | None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        code: int = args.handler(args)
        sys.stdout.flush()  # a closed pipe is found here, not at exit
        return code
    except FlashpointError as error:
        print(printable(error, keep="\n\t"), file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print("flashpoint: interrupted", file=sys.stderr)
        return 130


def _silence_stdout() -> None:
    """After a closed pipe: point stdout at /dev/null so that Python's exit flush is quiet."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


class _Command(argparse.ArgumentParser):
    """A subcommand's parser: it refuses unknown arguments itself, with its own usage.

    (Plain argparse hands a subcommand's unknown arguments back to the top-level parser,
    which then prints ``usage: flashpoint [-h] [--version] COMMAND ...``.)
    """

    def parse_known_args(self, args: Sequence[str] | None = None,  # type: ignore[override]
                         namespace: argparse.Namespace | None = None,
                         ) -> tuple[argparse.Namespace, list[str]]:
        parsed, extras = super().parse_known_args(args, namespace)
        if extras:
            self.error(f"unrecognized arguments: {' '.join(extras)}")
        return parsed, extras


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="flashpoint",
        description="Simulate a social-media incident and compare response policies.",
        epilog="Scenario format: docs/scenario-reference.md. Exit codes: 0 ok, 2 bad input, "
        "130 interrupted (Ctrl-C or SIGTERM), 141 output closed.",
    )
    parser.add_argument("--version", action="version", version=f"flashpoint {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Command)

    validate = commands.add_parser(
        "validate", help="check scenario files and report every problem",
        description="Check scenario files. Prints 'FILE: ok' for each valid file and every "
        "problem of the others (FILE:LINE: FIELD must be ...; got ...). A file network "
        "(network.file) is read as a run reads it, with its segments_file and "
        "incident.brand_account; a generated network is not built. Exit 0 only if all "
        "are valid, 2 otherwise.")
    validate.add_argument("files", nargs="+", metavar="FILE", help="scenario YAML files")
    validate.add_argument("--resolved", action="store_true",
                          help="also print each valid scenario with every default filled in")
    validate.add_argument("--quick", action="store_true",
                          help="do not read network files (network.file, segments_file): "
                          "faster for big ones, but their problems and a brand_account "
                          "missing from them show only when the scenario runs")
    validate.set_defaults(handler=_validate)

    new = commands.add_parser(
        "new", help="write a commented starter scenario",
        description="Write NAME.yaml, a commented starter scenario that validates as it is.")
    new.add_argument("name", metavar="NAME", help="file to write (.yaml is added if missing)")
    new.add_argument("--template", choices=TEMPLATES, default="post",
                     help="post: a misjudged post; hashtag: a promoted hashtag hijacked "
                     "(default: post)")
    new.add_argument("--force", action="store_true", help="overwrite an existing file")
    new.set_defaults(handler=_new)

    run = commands.add_parser(
        "run", help="simulate every policy of a scenario and write the results",
        description="Run every policy of SCENARIO for every replication (common random numbers "
        "across policies) and write summary.json, replications.csv, timeseries.csv, "
        "scenario.resolved.yaml, report.html and the checkpoint results.sqlite into the output "
        "folder.")
    run.add_argument("scenario", metavar="SCENARIO")
    run.add_argument("--out", metavar="DIR", help="output folder (default: "
                     "results/<scenario>-<UTC time>/)")
    run.add_argument("--replications", type=_replications, metavar="N|auto",
                     help="replications per policy, or 'auto' to add batches until the "
                     "scenario's precision is reached (default: the scenario's)")
    run.add_argument("--seed", type=_non_negative, metavar="S",
                     help="root seed (default: the scenario's)")
    run.add_argument("--workers", type=_positive, metavar="N",
                     help="worker processes (default: one per core, as many as fit in the "
                     "memory available, said above the progress bar); results do not "
                     "depend on it")
    run.add_argument("--ignore-memory", action="store_true",
                     help="run even if the memory estimate says the run cannot fit this "
                     "machine (for those who know better: the estimate is an upper bound)")
    run.add_argument("--policy", action="append", metavar="NAME",
                     help="run only this policy besides the baseline (repeatable)")
    run.add_argument("--quiet", action="store_true", help="no progress bar and no table")
    run.add_argument("--resume", action="store_true",
                     help="continue the interrupted run in --out DIR (same scenario and "
                     "options); the outputs equal an uninterrupted run's")
    _where_to_run(run, "report.html")
    run.set_defaults(handler=_run)

    exercise = commands.add_parser(
        "exercise", help="run every path of a scenario's exercise and write the results",
        description="Run every path of SCENARIO's exercise (one option at each decision "
        "point) as the policies of one run (common random numbers across paths) and write "
        "summary.json, replications.csv, timeseries.csv, scenario.resolved.yaml, paths.csv, "
        "the checkpoint results.sqlite and exercise.html (the page a trainer projects; "
        "see docs/exercise.md) into DIR.")
    exercise.add_argument("scenario", metavar="SCENARIO")
    exercise.add_argument("--out", required=True, metavar="DIR", help="output folder")
    exercise.add_argument("--replications", type=_positive, metavar="N",
                          help="replications per path (default: the scenario's, at least "
                          "100)")
    _batch_options(exercise, "run")
    _where_to_run(exercise, "exercise.html")
    exercise.set_defaults(handler=_exercise, seed=None, policy=None, ignore_memory=False)

    replay = commands.add_parser(
        "replay", help="run one replication again and print its rows of replications.csv",
        description="Run replication R of SCENARIO again, with the root seed of the run "
        "(--seed; default: the scenario's), and print its rows of replications.csv: "
        "the same numbers the run wrote.")
    replay.add_argument("scenario", metavar="SCENARIO", help="the scenario file of the run")
    replay.add_argument("replication", metavar="R", type=_non_negative,
                        help="the replication column of the row")
    replay.add_argument("--seed", type=_non_negative, help="the seed column of the row")
    replay.set_defaults(handler=_replay)

    report = commands.add_parser(
        "report", help="rebuild report.html from a finished run's folder (no simulation)",
        description="Rebuild DIR/report.html from the results stored in DIR/results.sqlite.")
    report.add_argument("folder", metavar="DIR", help="the --out folder of a finished run")
    report.add_argument("--open", action="store_true", help="open it in the default browser")
    report.set_defaults(handler=_report)

    network = commands.add_parser(
        "network", help="describe or export a scenario's follower network",
        description="Describe or export the follower network of a scenario (or a network file).")
    network_commands = network.add_subparsers(dest="network_command", metavar="ACTION",
                                              required=True)
    describe = network_commands.add_parser(
        "describe", help="size, reciprocity, follower-count tail, connectivity, segments",
        description="Summarise the network of a scenario (.yaml) or of an edge-list or GraphML "
        "file.")
    describe.add_argument("source", metavar="SCENARIO_OR_FILE")
    describe.add_argument("--json", action="store_true", help="print JSON instead of text")
    describe.add_argument("--direction", choices=("follows", "broadcasts"), default="follows",
                          help="for a network file: 'a b' means a follows b (default), or a's "
                          "posts reach b")
    describe.set_defaults(handler=_network_describe)
    export = network_commands.add_parser(
        "export", help="write the network as CSV or GraphML (for Gephi)",
        description="Write a scenario's network: .csv (follower,followed per follow) or "
        ".graphml (segment as a node attribute).")
    export.add_argument("scenario", metavar="SCENARIO")
    export.add_argument("--out", required=True, metavar="FILE", help="a .csv or .graphml file")
    export.set_defaults(handler=_network_export)

    observed = commands.add_parser(
        "observed", help="check an observed incident timeline, or convert one to its format",
        description="Read the timeline of a real incident: one row per post (see "
        "docs/observed.md).")
    observed_commands = observed.add_subparsers(dest="observed_command", metavar="ACTION",
                                                required=True)
    check = observed_commands.add_parser(
        "check", help="check timeline CSV files and summarise each",
        description="Check observed timeline files (CSV: time, and optionally followers, kind, "
        "id, parent). Prints 'FILE: ok: ...' with the posts, their span in hours, the posts "
        "in the first hour and the largest follower count, or the file's first problem "
        "(FILE:LINE: column ... must be ...; got ...). Exit 0 only if all are valid, 2 "
        "otherwise.")
    check.add_argument("files", nargs="+", metavar="FILE", help="timeline CSV files")
    check.set_defaults(handler=_observed_check)
    convert = observed_commands.add_parser(
        "convert", help="convert a cascade file to a timeline CSV",
        description="Convert IN, a cascade in another format, to OUT, a timeline CSV (time in "
        "seconds since the first post, followers, kind).")
    convert.add_argument("--from", dest="source_format", required=True, choices=("seismic",),
                         help="the format of IN; seismic: a SEISMIC/TiDeH retweet cascade "
                         "(first line '<retweets> <start day>', then '<seconds> <followers>' "
                         "per tweet, the original first)")
    convert.add_argument("input", metavar="IN", help="the cascade file")
    convert.add_argument("output", metavar="OUT", help="the timeline CSV to write")
    convert.add_argument("--force", action="store_true", help="overwrite an existing OUT")
    convert.set_defaults(handler=_observed_convert)

    fit = commands.add_parser(
        "fit", help="fit a scenario's share probability and novelty to an observed incident",
        description="Fit SCENARIO's behaviour.share_probability and behaviour.novelty "
        "(half_life, beta) to the observed timeline FILE (docs/observed.md), using only posts "
        "up to --until, and write scenario.fitted.yaml, fit.json and fit.html into DIR. "
        "The method and what the data can identify: docs/calibration.md.")
    fit.add_argument("scenario", metavar="SCENARIO")
    fit.add_argument("--observed", required=True, metavar="FILE",
                     help="the observed timeline CSV (time and followers columns at least)")
    fit.add_argument("--until", type=_duration, metavar="DURATION",
                     help="use posts up to this time after the first, such as 1h (default: "
                     "all of them)")
    _calibration_options(fit, "fit")
    fit.set_defaults(handler=_fit)

    forecast = commands.add_parser(
        "forecast", help="forecast an observed incident's final size under each policy",
        description="Forecast the total posts of the observed incident FILE up to SCENARIO's "
        "horizon, from what is observed up to --at, for each of SCENARIO's policies (their "
        "actions apply from --at on), with 80% and 95% intervals; write forecast.json and "
        "forecast.html into DIR. Method: docs/calibration.md.")
    forecast.add_argument("scenario", metavar="SCENARIO")
    forecast.add_argument("--observed", required=True, metavar="FILE",
                          help="the observed timeline CSV (time and followers columns at "
                          "least)")
    forecast.add_argument("--at", required=True, type=_duration, metavar="DURATION",
                          help="the time of the forecast after the first post, such as 1h: "
                          "later posts are not looked at")
    forecast.add_argument("--json", action="store_true",
                          help="also print forecast.json to standard output")
    _calibration_options(forecast, "forecast")
    forecast.set_defaults(handler=_forecast)

    sweep = commands.add_parser(
        "sweep", help="run every policy over a range of one parameter's values",
        description="Run every policy of SCENARIO at each value of one parameter (common "
        "random numbers across values and policies) and write sweep.csv (value, policy, the "
        "risk metric's mean and 95% CI, the paired difference from the baseline), "
        "sweep.json (slopes, break-even points and headline sentences) and sweep.html into "
        "DIR; each value's run is checkpointed in DIR/value-K and --resume continues. "
        "Without --path, the scenario's sweep: section says what to sweep (one parameter, or "
        "two: every combination). See docs/robustness.md.")
    sweep.add_argument("scenario", metavar="SCENARIO")
    sweep.add_argument("--path", metavar="PATH",
                       help="the parameter, by its dotted path in the report's assumptions "
                       "table, such as behaviour.share_probability or "
                       "policies.3.actions.0.delay.median (default: the scenario's sweep: "
                       "section)")
    sweep.add_argument("--values", metavar="V,V,...",
                       help="the values, comma separated (durations such as 30m,1h,4h for a "
                       "duration)")
    sweep.add_argument("--from", dest="start", metavar="V", help="a range's first value")
    sweep.add_argument("--to", dest="stop", metavar="V", help="a range's last value")
    sweep.add_argument("--steps", type=_positive, metavar="N", help="a range's number of values")
    sweep.add_argument("--log", action="store_true", help="space the range on a log scale")
    sweep.add_argument("--out", required=True, metavar="DIR", help="output folder")
    sweep.add_argument("--replications", type=_positive, metavar="N",
                       help="replications per value (default: the scenario's)")
    _batch_options(sweep, "sweep")
    sweep.set_defaults(handler=_sweep)

    robust = commands.add_parser(
        "robustness", help="does the best policy stay best across the plausible worlds?",
        description="Run every policy of SCENARIO at each point of a Sobol' sequence over its "
        "uncertain parameters (its uncertain: section, or a documented default range "
        "for each of its judgements), with common random numbers across points and policies. "
        "Write robustness.json (each policy's probability of being best, the top two, how "
        "often their order flips, and the Sobol' indices of their ratio), "
        "robustness.csv and robustness.html into DIR. Method: docs/robustness.md.")
    robust.add_argument("scenario", metavar="SCENARIO")
    robust.add_argument("--out", metavar="DIR",
                        help="output folder (default: robustness-<scenario file's name>)")
    robust.add_argument("--samples", type=_positive, metavar="N",
                        help="design points (plausible worlds), a power of 2 (default: 256)")
    robust.add_argument("--replications", type=_positive, metavar="N",
                        help="replications per design point (default: 12)")
    _batch_options(robust, "robustness run")
    _where_to_run(robust, "robustness.html")
    robust.set_defaults(handler=_robustness)

    documented = commands.add_parser(
        "documented", help="does the model reproduce what was reported about an incident?",
        description="Run the policy that SCENARIO's documented: section names (what the "
        "organisation actually did) and show, for each reported figure, the model's 80%% band "
        "(10%% to 90%% of the replications) and whether the figure lies in it with a band no "
        "wider than a factor of 3 (or the figure's own, justified, band). Figures marked "
        "`use: fit` were used to fit the scenario; `use: check` ones are held out. Exit 0 "
        "if every held-out figure is reproduced and no result warning is raised, 1 "
        "otherwise. The incidents: docs/incidents/README.md.")
    documented.add_argument("scenario", metavar="SCENARIO")
    documented.add_argument("--replications", type=_positive, metavar="N",
                            help="replications (default: the scenario's)")
    documented.add_argument("--seed", type=_non_negative, metavar="S",
                            help="root seed (default: the scenario's)")
    documented.add_argument("--json", action="store_true",
                            help="print the comparison as JSON instead of a table")
    _batch_options(documented)
    documented.set_defaults(handler=_documented)
    return parser


def _batch_options(command: argparse.ArgumentParser, what: str | None = None) -> None:
    """The options of a long command: --workers, --quiet, and --resume if it checkpoints.

    ``what`` names the command in --resume's help; None: it does not checkpoint.
    """
    command.add_argument("--workers", type=_positive, metavar="N",
                         help="worker processes (default: one per core, as many as fit in "
                         "the memory available); results do not depend on it")
    command.add_argument("--quiet", action="store_true", help="no progress bar")
    if what is not None:
        command.add_argument("--resume", action="store_true",
                             help=f"continue the interrupted {what} in --out DIR (same "
                             "scenario and options)")


def _calibration_options(parser: argparse.ArgumentParser, name: str) -> None:
    from sim.experiment.priors import DRAWS, TEMPER

    parser.add_argument("--out", metavar="DIR",
                        help=f"output folder (default: {name}-<observed file's name>)")
    parser.add_argument("--draws", type=_positive, default=DRAWS, metavar="N",
                        help=f"posterior draws (and forecast runs per policy); default {DRAWS}")
    parser.add_argument("--temper", type=_at_least_one, default=TEMPER, metavar="T",
                        help=f"raise the likelihood to 1/T, for a simplified model of real "
                        f"sharing (default {TEMPER:g}, chosen on real cascades; 1: the "
                        "posterior as if the model were exact; docs/calibration.md)")
    parser.add_argument("--open", action="store_true", help="open the page in the browser")


def _calibration_inputs(args: argparse.Namespace, name: str) -> tuple[Any, Any, Path]:
    from sim.observed import read_timeline
    from sim.scenario import load_scenario

    scenario = load_scenario(args.scenario)
    timeline = read_timeline(args.observed)
    if timeline.followers is None:
        raise FlashpointError(f"{args.observed}: the fit needs a 'followers' column (each "
                              "post's author's follower count); see docs/observed.md")
    out = Path(args.out) if args.out else Path(f"{name}-{Path(args.observed).stem}")
    if out.exists() and not out.is_dir():
        raise FlashpointError(f"{out}: not a folder; --out names the folder to write into")
    out.mkdir(parents=True, exist_ok=True)
    return scenario, timeline, out


def _fit(args: argparse.Namespace) -> int:
    from sim.experiment import calibration
    from sim.report.calibration import write_fit_page
    from sim.scenario import dump_resolved

    scenario, timeline, out = _calibration_inputs(args, "fit")
    until = float(timeline.times_s[-1]) if args.until is None else args.until
    if until <= 0:
        raise FlashpointError(f"{args.observed}: every post is at time 0; nothing to fit "
                              "over time")
    observed = Path(args.observed).name
    posterior = calibration.fit(timeline, scenario.behaviour.attention, until, scenario.seed,
                                args.draws, temper=args.temper)
    note = f"fitted to {observed} up to {_hours(until)}"
    fitted = calibration.fitted_scenario(scenario, posterior, note)
    warnings_ = calibration.fit_warnings(posterior)
    header = (f"# {scenario.scenario}: {note} by flashpoint fit ({__version__}); fit.json "
              "holds the intervals.\n")
    atomic_write_text(out / "scenario.fitted.yaml", header + dump_resolved(fitted))
    atomic_write_text(out / "fit.json", json.dumps(
        calibration.fit_json(posterior, scenario, observed, args.temper), indent=2) + "\n")
    band = calibration.model_band(timeline, posterior, scenario.behaviour.attention,
                                  scenario.seed)
    page = write_fit_page(calibration.fit_page_data(scenario, timeline, posterior, observed,
                                                    band, warnings_), out / "fit.html")
    for warning in warnings_:
        print(printable(f"warning: {warning}"), file=sys.stderr)
    summary = posterior.summary()
    for prior in calibration.PRIORS:
        row = summary[prior.name]
        print(printable(f"{prior.name}: {_estimate(row['median'], prior.unit)} (95%: "
                        f"{_estimate(row['p2_5'], prior.unit)} to "
                        f"{_estimate(row['p97_5'], prior.unit)})"))
    print(printable(f"wrote {out / 'scenario.fitted.yaml'}, {out / 'fit.json'} and {page}"))
    if args.open:
        webbrowser.open(page.resolve().as_uri())
    return 0


def _forecast(args: argparse.Namespace) -> int:
    from sim.experiment import calibration
    from sim.report.calibration import write_forecast_page

    scenario, timeline, out = _calibration_inputs(args, "forecast")
    observed = Path(args.observed).name
    posterior = calibration.fit(timeline, scenario.behaviour.attention, args.at, scenario.seed,
                                args.draws, temper=args.temper)
    result = calibration.forecast(scenario, timeline, args.at, posterior, args.draws)
    result.warnings[:0] = calibration.fit_warnings(posterior)
    data = result.as_json()
    text = json.dumps(data, indent=2) + "\n"
    atomic_write_text(out / "forecast.json", text)
    page = write_forecast_page(calibration.forecast_page_data(scenario, timeline, result,
                                                              observed), out / "forecast.html")
    for warning in result.warnings:
        print(printable(f"warning: {warning}"), file=sys.stderr)
    if args.json:
        sys.stdout.write(text)
    else:
        for name, policy in data["policies"].items():
            final = policy["final_size"]
            print(printable(f"{name}: {final['median']:,.0f} posts (80%: {final['p10']:,.0f} "
                            f"to {final['p90']:,.0f}; 95%: {final['p2_5']:,.0f} to "
                            f"{final['p97_5']:,.0f})"))
    print(printable(f"wrote {out / 'forecast.json'} and {page}"),
          file=sys.stderr if args.json else sys.stdout)
    if args.open:
        webbrowser.open(page.resolve().as_uri())
    return 0


def _sweep(args: argparse.Namespace) -> int:
    from sim.experiment import capacity, sweep
    from sim.experiment.api import run
    from sim.experiment.checkpoint import FILENAME
    from sim.report.sweep import write_grid_page, write_page
    from sim.scenario import load_scenario
    from sim.scenario import sweeps as swept
    from sim.terminal import progress_bar

    scenario = load_scenario(args.scenario)
    axes = _sweep_axes(args, scenario)
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise FlashpointError(f"{out}: not a folder; --out names the folder to write into")
    out.mkdir(parents=True, exist_ok=True)
    for parameter, values in axes:
        _, own = swept.parameter(scenario, parameter.path)
        now = (swept.shown(parameter, own) if parameter.duration and not isinstance(own, str)
               else own)
        print(printable(f"{parameter.path} (now {now}): {len(values)} values"))
    points = [[(p, x)] for p, xs in axes[:1] for x in xs] if len(axes) == 1 else [
        [(axes[0][0], x), (axes[1][0], y)] for y in axes[1][1] for x in axes[0][1]]
    print(printable(f"{len(points)} runs of {len(scenario.policies)} policies"))

    def one(changed: Any, k: int) -> Any:
        plan = capacity.plan(changed, args.workers)
        replications = args.replications or changed.replications
        label = ", ".join(f"{p.path} = {swept.shown(p, x)}" for p, x in points[k])
        folder = out / f"value-{k}"
        with progress_bar(replications, quiet=args.quiet, note=label) as advance:
            return run(changed, replications=args.replications, workers=plan.workers,
                       progress=advance, checkpoint=folder,
                       resume=args.resume and (folder / FILENAME).exists(),
                       source=args.scenario)

    try:
        if len(axes) == 1:
            result = sweep.run_sweep(scenario, *axes[0], one)
        else:
            grid = sweep.run_grid(scenario, axes, one)
    except KeyboardInterrupt:
        print(printable(f"interrupted: finished values are saved in {out}; continue with "
                        f"--resume and the same options"), file=sys.stderr)
        return 130
    if len(axes) == 1:
        analysis = sweep.analyse(result, scenario.seed)
        written = sweep.write(result, out, analysis)
        written.append(write_page(sweep.page_data(result, scenario.scenario, analysis),
                                  out / "sweep.html"))
        lines = analysis.headlines
    else:
        written = sweep.write_grid(grid, out)
        data = sweep.grid_page_data(grid, scenario.scenario)
        written.append(write_grid_page(data, out / "sweep.html"))
        lines = data["headlines"]
    for line in lines:
        print(printable(line))
    print(printable(f"wrote {', '.join(str(p) for p in written)}"))
    return 0


def _robustness(args: argparse.Namespace) -> int:
    from sim.experiment import robustness
    from sim.report.robustness import write_page
    from sim.scenario import load_scenario
    from sim.terminal import progress_bar

    _check_out(args.out, "a robustness run")
    scenario = load_scenario(args.scenario)
    out = Path(args.out or f"robustness-{Path(args.scenario).stem}")
    samples = args.samples or robustness.SAMPLES
    replications = args.replications or robustness.REPLICATIONS
    plan = robustness.plan(scenario, samples, replications)  # refused now if it cannot run
    for u in plan.parameters:
        print(printable(f"{u.name}: {u.shown(u.low)} to {u.shown(u.high)}"
                        f"{' (log)' if u.log else ''}, now {u.shown(u.value)}"))
    points = len(plan.rows)
    print(printable(f"{points} design points x {replications} replications of "
                    f"{len(scenario.policies)} policies"))
    out.mkdir(parents=True, exist_ok=True)
    try:
        with progress_bar(points, quiet=args.quiet, note="design points") as advance:
            result = robustness.run(scenario, out, samples=samples, replications=replications,
                                    workers=args.workers, executor=args.executor,
                                    scheduler=args.scheduler, resume=args.resume,
                                    progress=advance, source=args.scenario)
    except KeyboardInterrupt:
        print(printable(f"flashpoint: interrupted; the finished design points are saved in "
                        f"{out}\nresume with: {_resume_command(args, out)}"), file=sys.stderr)
        return 130
    written = robustness.write(result, out)
    page = write_page(robustness.page_data(result), out / "robustness.html")
    for warning in result.warnings:
        print(printable(f"warning: {warning}"), file=sys.stderr)
    print(printable(result.headline))
    print(printable(f"wrote {', '.join(str(p) for p in written)}"))
    _announce(page.resolve(), args.open, "robustness report")
    return 0


def _documented(args: argparse.Namespace) -> int:
    from sim.experiment import capacity
    from sim.experiment.api import configure, run
    from sim.experiment.checks import result_warnings
    from sim.experiment.documented import compare
    from sim.scenario import load_scenario
    from sim.terminal import progress_bar

    scenario = load_scenario(args.scenario)
    if scenario.documented is None:
        raise FlashpointError(f"{args.scenario}: no documented: section (the figures reported "
                              "about a real incident; docs/incidents/README.md)")
    policy = scenario.documented.policy
    planned = configure(scenario, args.replications, args.seed, [policy])
    plan = capacity.plan(planned, args.workers)
    with progress_bar(planned.replications, quiet=args.quiet or args.json,
                      note=plan.describe()) as advance:
        results = run(scenario, replications=args.replications, seed=args.seed,
                      workers=plan.workers, policies=[policy], progress=advance,
                      source=args.scenario)
    comparisons = compare(results)
    warnings_ = result_warnings(results)
    for warning in warnings_:
        print(printable(f"warning: {warning}"), file=sys.stderr)
    held_out = [c for c in comparisons if c.figure.use == "check"]
    if args.json:
        print(json.dumps({"scenario": scenario.scenario, "policy": policy,
                          "replications": len(results.replications),
                          "figures": [c.to_json() for c in comparisons],
                          "warnings": warnings_}, indent=2))
    else:
        print(printable(f"{scenario.scenario}: {policy!r}, {len(results.replications)} "
                        f"replications; the model's 80% band"))
        for c in comparisons:
            print(printable(f"  [{c.figure.use}] {c.figure.figure}: {c.figure.quantity} "
                            f"{c.figure.shown}; model {c.shown}: {c.verdict}"))
        reproduced = sum(c.reproduced for c in held_out)
        print(printable(f"{reproduced} of {len(held_out)} held-out figures reproduced"))
    return 0 if all(c.reproduced for c in held_out) and not warnings_ else 1


def _sweep_axes(args: argparse.Namespace, scenario: Any) -> list[Any]:
    """The swept parameters and their values: the command line's, or the scenario's."""
    from sim.scenario import sweeps as swept

    ranged = (args.start, args.stop, args.steps)
    given = args.values is not None or any(part is not None for part in ranged)
    if args.path is None:
        if given:
            raise FlashpointError("--values or a range needs --path (the scenario's sweep: "
                                  "section is used without them)")
        return swept.sweep_grid(scenario)
    if args.values is not None and any(part is not None for part in ranged):
        raise FlashpointError("give the values with --values V,V,... or a range with "
                              "--from, --to and --steps (not both)")
    if args.values is None and any(part is None for part in ranged):
        raise FlashpointError("--path needs --values V,V,... or a range: --from, --to and "
                              "--steps")
    try:
        spec = swept.axis(args.path, None if args.values is None else args.values.split(","),
                          start=args.start, stop=args.stop, steps=args.steps, log=args.log)
    except swept.SweepError as exc:
        raise FlashpointError(f"sweep: {exc}") from None
    return [swept.sweep_values(scenario, spec)]


def _hours(seconds: float) -> str:
    from sim.scenario.values import format_duration

    return format_duration(seconds)


def _estimate(value: float, unit: str) -> str:
    return f"{value / 3600:.3g}h" if unit == "s" else f"{value:.3g}"


def _duration(text: str) -> float:
    from sim.scenario.values import BadValue, parse_duration

    try:
        return parse_duration(text, positive=True)
    except BadValue as exc:
        raise argparse.ArgumentTypeError(f"{exc.expected}; got {text!r}") from None


def _at_least_one(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not value >= 1.0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a number >= 1; got {text!r}")
    return value


def _validate(args: argparse.Namespace) -> int:
    from sim.scenario import dump_resolved, load_scenario
    from sim.scenario.advice import scenario_warnings

    failed = 0
    for name in args.files:
        try:
            scenario = load_scenario(name)
        except FlashpointError as error:
            print(printable(error, keep="\n\t"), file=sys.stderr)
            failed += 1
            continue
        notes: list[str] = []
        if scenario.network.file is not None and not args.quick:  # read it as run will
            from sim.network.loaders import NetworkWarning  # (networkx: only when needed)

            try:
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always", NetworkWarning)
                    _audience(scenario, name)
            except FlashpointError as error:
                print(printable(error, keep="\n\t"), file=sys.stderr)
                failed += 1
                continue
            notes = [f"warning: {warning.message}" for warning in caught]
        print(f"{name}: ok", flush=True)
        for warning in scenario_warnings(scenario):
            print(printable(f"warning: {name}: {warning}"), file=sys.stderr)
        for note in notes:
            print(printable(note), file=sys.stderr)
        if args.resolved:  # PyYAML escapes control characters, but for NEL (U+0085)
            print(printable(dump_resolved(scenario, name), keep="\n"))
    if failed and len(args.files) > 1:
        print(f"{failed} of {len(args.files)} files have problems", file=sys.stderr)
    return 2 if failed else 0


def _new(args: argparse.Namespace) -> int:
    path = Path(args.name)
    if path.suffix.lower() not in (".yaml", ".yml"):
        path = path.with_name(path.name + ".yaml")
    if path.exists() and not args.force:
        raise FlashpointError(f"{path}: already exists; choose another name or pass --force")
    title = path.stem.replace("-", " ").replace("_", " ").strip() or "New scenario"
    template = resources.files("sim.scenario").joinpath("templates", f"{args.template}.yaml")
    text = template.read_text(encoding="utf-8").replace(_TITLE_MARK, _yaml_string(title))
    try:
        atomic_write_text(path, text)
    except OSError as exc:
        raise FlashpointError(f"{path}: cannot write the file: {exc.strerror}") from None
    print(f"wrote {path}; edit it, then check it with: flashpoint validate {path}")
    return 0


def _yaml_string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def _network(source: str, direction: str = "follows") -> tuple[Any, Any]:
    """Load the scenario (or None) and build the network, showing warnings as such."""
    from sim.network.loaders import NetworkWarning, load_graph
    from sim.scenario import load_scenario

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", NetworkWarning)
        if source.lower().endswith((".yaml", ".yml")):
            scenario = load_scenario(source)
            graph = _audience(scenario, source)
        else:
            scenario, graph = None, load_graph(source, direction=direction)
    for warning in caught:
        print(printable(f"warning: {warning.message}"), file=sys.stderr)
    return scenario, graph


def _audience(scenario: Any, source: str) -> Any:
    """Build a scenario's network, as a run does.

    A problem with a scenario key (``incident.brand_account`` not in ``network.file``) names
    the line of that key in ``source``, the scenario file; a problem in a network file names
    that file and its line.
    """
    from sim.network.build import audience
    from sim.scenario.errors import FieldError
    from sim.scenario.loader import problem_at

    try:
        return audience(scenario)
    except FieldError as error:
        raise problem_at(source, error.path, error.expected, error.got) from None


def _network_describe(args: argparse.Namespace) -> int:
    from sim.network.describe import describe
    from sim.scenario.resources import human_bytes

    _, graph = _network(args.source, args.direction)
    facts = describe(graph)
    if args.json:
        print(json.dumps(facts, indent=2))
        return 0
    followers = facts["followers"]
    tail = facts["tail_exponent"]
    rows = [
        ("accounts", f"{facts['accounts']:,}"),
        ("follows", f"{facts['follows']:,} (mean {facts['mean_follows']:.2f} per account)"),
        ("reciprocity", f"{facts['reciprocity']:.3f} of follows are returned"),
        ("followers", f"p50 {followers['p50']:g}, p90 {followers['p90']:g}, "
                      f"p99 {followers['p99']:g}, max {followers['max']:,}"),
        ("tail exponent", "too few accounts to fit" if tail is None else
         f"{tail['exponent']:.2f} (MLE for follower counts >= {tail['xmin']}, "
         f"{tail['tail']:,} accounts)"),
        ("largest component", f"{facts['largest_weak_component_share']:.1%} of accounts "
                              "(weakly connected)"),
        ("segments", ", ".join(f"{name} {count:,}" for name, count in
                               facts["segments"].items())),
        ("brand", "none" if facts["brand"] is None else
         f"account {facts['brand']['id']} with {facts['brand']['followers']:,} followers"),
        *([] if facts["author"] is None else [
            ("author", f"account {facts['author']['id']} with "
                       f"{facts['author']['followers']:,} followers")]),
        ("dropped", f"{facts['dropped_self_loops']:,} self-loops, "
                    f"{facts['dropped_duplicates']:,} duplicate follows"),
        ("memory", human_bytes(facts["memory_bytes"])),
    ]
    width = max(len(label) for label, _ in rows)
    for label, value in rows:
        print(printable(f"{label:<{width}}  {value}"))
    return 0


def _network_export(args: argparse.Namespace) -> int:
    from sim.network.export import export_graph

    if not args.scenario.lower().endswith((".yaml", ".yml")):
        raise FlashpointError(f"{args.scenario}: export takes a scenario file (.yaml)")
    _, graph = _network(args.scenario)
    export_graph(graph, args.out)
    print(f"wrote {args.out}: {graph.accounts:,} accounts, {graph.follows:,} follows")
    return 0


def _observed_check(args: argparse.Namespace) -> int:
    from sim.observed import read_timeline, summary

    failed = 0
    for name in args.files:
        try:
            timeline = read_timeline(name)
        except FlashpointError as error:
            print(printable(error, keep="\n\t"), file=sys.stderr)
            failed += 1
            continue
        print(printable(f"{name}: ok: {summary(timeline)}"), flush=True)
    if failed and len(args.files) > 1:
        print(f"{failed} of {len(args.files)} files have problems", file=sys.stderr)
    return 2 if failed else 0


def _observed_convert(args: argparse.Namespace) -> int:
    from sim.observed import from_seismic, summary, write_timeline

    out = Path(args.output)
    if out.is_dir():
        raise FlashpointError(f"{out}: a folder; name the timeline file to write")
    if out.exists() and not args.force:
        raise FlashpointError(f"{out}: already exists; choose another name or pass --force")
    timeline = from_seismic(args.input)
    write_timeline(timeline, out)
    print(printable(f"wrote {out}: {summary(timeline)}"))
    return 0


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number >= 1; got {text!r}")
    return value


def _replications(text: str) -> int | str:
    from sim.scenario.values import REPLICATIONS_EXPECTED, BadValue, parse_replications

    text = text.strip()
    try:
        return parse_replications("auto" if text == "auto" else int(text))
    except (ValueError, BadValue):
        raise argparse.ArgumentTypeError(f"must be {REPLICATIONS_EXPECTED}; got {text!r}") from None


def _non_negative(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number; got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be a whole number >= 0; got {text!r}")
    return value


def _run(args: argparse.Namespace) -> int:
    from sim.experiment import capacity
    from sim.experiment.api import configure, run
    from sim.scenario import load_scenario
    from sim.scenario.errors import FieldError
    from sim.scenario.loader import problem_at
    from sim.terminal import progress_bar

    scenario = load_scenario(args.scenario)
    _check_out(args.out, "a run")
    if args.resume and not args.out:
        raise FlashpointError("--resume needs --out DIR: the folder of the interrupted run")
    # Check --policy, --seed and --replications against the scenario before anything is shown.
    planned = configure(scenario, args.replications, args.seed, args.policy)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = Path(args.out) if args.out else Path("results") / f"{Path(args.scenario).stem}-{stamp}"
    replications = planned.replications
    workers, note = args.workers, None
    if args.scheduler is None and not args.ignore_memory:  # refused now if it cannot fit
        plan = capacity.plan(planned, args.workers)
        workers, note = plan.workers, plan.describe()
    try:
        with progress_bar(replications, quiet=args.quiet, note=note) as advance:
            results = run(scenario, replications=args.replications, seed=args.seed,
                          workers=workers, policies=args.policy, progress=advance,
                          checkpoint=out, resume=args.resume, executor=args.executor,
                          scheduler=args.scheduler, source=args.scenario,
                          check_memory=not args.ignore_memory)
    except FieldError as error:  # found when the network was read: say where in the file
        raise problem_at(args.scenario, error.path, error.expected, error.got) from None
    except KeyboardInterrupt:
        return _interrupted(args, out)
    try:
        return _write_outputs(args, results, out)
    except KeyboardInterrupt:
        return _interrupted(args, out, writing=True)


def _exercise(args: argparse.Namespace) -> int:
    from sim.experiment import capacity
    from sim.experiment.checkpoint import FILENAME
    from sim.experiment.exercise import (
        DEFAULT_REPLICATIONS,
        path_scenario,
        run_exercise,
        write_paths,
    )
    from sim.report.exercise import write as write_exercise
    from sim.scenario import load_scenario
    from sim.scenario.errors import FieldError
    from sim.scenario.loader import problem_at
    from sim.terminal import progress_bar

    _check_out(args.out, "an exercise run")
    out = Path(args.out)
    scenario = load_scenario(args.scenario)
    if scenario.exercise is None:
        raise FlashpointError(f"{args.scenario}: no exercise: section to run (see "
                              "docs/scenarios.md, Exercises); run its policies with "
                              "flashpoint run")
    planned = path_scenario(scenario, args.replications)
    if planned.replications < DEFAULT_REPLICATIONS:
        print(f"warning: {planned.replications} replications per path, fewer than the "
              f"{DEFAULT_REPLICATIONS} an exercise's debrief is meant for: its ranks and "
              "intervals are a preview", file=sys.stderr)
    workers, note = args.workers, f"{len(planned.policies)} paths"
    if args.scheduler is None:  # refused now if it cannot fit this machine
        plan = capacity.plan(planned, args.workers)
        workers, note = plan.workers, f"{plan.describe()}, for {note}"
    try:
        with progress_bar(planned.replications, quiet=args.quiet, note=note) as advance:
            path_list, results = run_exercise(
                scenario, args.replications, workers=workers, progress=advance,
                checkpoint=out, resume=args.resume, source=args.scenario,
                executor=args.executor, scheduler=args.scheduler)
    except FieldError as error:  # found when the network was read: say where in the file
        raise problem_at(args.scenario, error.path, error.expected, error.got) from None
    except KeyboardInterrupt:
        return _interrupted(args, out)
    try:
        summary = results.summary()  # the bootstrap takes a while: once for both uses
        results.write(out, source=args.scenario, summary=summary)
        write_paths(results, path_list, out)
        page = write_exercise(results, path_list, out)
    except FlashpointError as error:
        raise FlashpointError(f"{error}\nthe run is complete in {out / FILENAME}; write the "
                              f"outputs (nothing is simulated again) with: "
                              f"{_resume_command(args, out)}") from None
    except KeyboardInterrupt:
        return _interrupted(args, out, writing=True)
    for warning in summary["warnings"]:
        print(printable(f"warning: {warning}"), file=sys.stderr)
    print(f"{len(path_list)} paths; results written to {out}/")
    _announce(page.resolve(), args.open, "the exercise, to project")
    return 0


def _where_to_run(command: argparse.ArgumentParser, page: str) -> None:
    """The options of a simulating command: --executor, --scheduler, and --open (``page``)."""
    command.add_argument("--executor", choices=("processes", "dask"), default="processes",
                         help="processes: worker processes on this machine (default); dask: a "
                         "local Dask cluster of --workers processes (needs the dask extra)")
    command.add_argument("--scheduler", metavar="ADDRESS",
                         help="run on the Dask cluster whose scheduler is at ADDRESS, e.g. "
                         "tcp://10.0.0.5:8786 (see docs/clusters.md)")
    command.add_argument("--open", action="store_true",
                         help=f"open {page} in the default browser when done")


def _check_out(out: str | None, what: str) -> None:
    """Refuse an ``--out`` that cannot hold ``what``: empty, or an existing file."""
    if out is not None and not out.strip():
        raise FlashpointError("--out must name a folder; got ''")
    if out and Path(out).exists() and not Path(out).is_dir():
        raise FlashpointError(f"--out {out}: a file, not a folder; name a new folder "
                              f"(or the folder of {what} to --resume)")


def _interrupted(args: argparse.Namespace, out: Path, writing: bool = False) -> int:
    """Say what an interrupted run saved and the command that goes on; the exit code."""
    from sim.experiment.checkpoint import FILENAME

    if writing:
        print(f"flashpoint: interrupted while writing the outputs; the run is complete in "
              f"{out / FILENAME}\nwrite the outputs (nothing is simulated again) with: "
              f"{_resume_command(args, out)}", file=sys.stderr)
    else:
        print(f"flashpoint: interrupted; the finished replications are saved in "
              f"{out / FILENAME}\nresume with: {_resume_command(args, out)}", file=sys.stderr)
    return 130


def _write_outputs(args: argparse.Namespace, results: Any, out: Path) -> int:
    """Write a finished run's outputs and report, and show its summary."""
    from sim.report.html import write as write_report
    from sim.terminal import summary_table

    summary = results.summary()  # the bootstrap takes a while: once for all three uses
    before = _stamps(out)
    try:
        results.write(out, source=args.scenario, summary=summary)
    except FlashpointError as error:  # a full disk, say: the checkpoint holds everything
        raise FlashpointError(
            f"{error}\n{_saved(out, before)}\nonce there is room, write the outputs again "
            f"(nothing is simulated again) with: {_resume_command(args, out)}") from None
    try:
        report = write_report(results, out, summary)
    except OSError as exc:
        raise _unwritten_report(out, exc, _saved(out, before)) from None
    if not args.quiet:
        summary_table(results, summary=summary)
    for warning in summary["warnings"]:  # answers that may not mean what they seem to
        print(printable(f"warning: {warning}"), file=sys.stderr)
    print(f"results written to {out}/")
    _announce(report, args.open)
    return 0


def _replay(args: argparse.Namespace) -> int:
    from sim.experiment.api import replay
    from sim.experiment.results import replications_csv
    from sim.scenario import load_scenario

    rows = replay(load_scenario(args.scenario), args.replication, args.seed)
    print(printable(replications_csv(rows), keep="\n\t"), end="")
    return 0


def _report(args: argparse.Namespace) -> int:
    from sim.experiment.api import load_results
    from sim.report.html import write as write_report

    results = load_results(args.folder)
    try:
        report = write_report(results, args.folder)
    except OSError as exc:
        folder = Path(args.folder)
        saved = f"saved: the run's results, in {folder / 'results.sqlite'}"
        raise _unwritten_report(folder, exc, saved) from None
    _announce(report, args.open)
    return 0


_OUTPUTS = ("scenario.resolved.yaml", "replications.csv", "timeseries.csv", "summary.json",
            "report.html")


def _stamps(out: Path) -> dict[str, tuple[int, int] | None]:
    """The inode and modification time of each output file in ``out`` (None: absent)."""
    stamps: dict[str, tuple[int, int] | None] = {}
    for name in _OUTPUTS:
        try:
            stat = (out / name).stat()
            stamps[name] = (stat.st_ino, stat.st_mtime_ns)
        except OSError:
            stamps[name] = None
    return stamps


def _saved(out: Path, before: dict[str, tuple[int, int] | None]) -> str:
    """What a run whose outputs could not all be written did save in ``out``."""
    written = [name for name, stamp in _stamps(out).items()
               if stamp is not None and stamp != before[name]]
    return (f"saved in {out}/: results.sqlite (every replication)"
            + (f", {', '.join(written)}" if written else "; no output file was written"))


def _unwritten_report(out: Path, exc: OSError, saved: str) -> FlashpointError:
    """The error for a report.html that could not be written (a full disk, say)."""
    return FlashpointError(
        f"{out / 'report.html'}: cannot write the report: {exc.strerror or exc}\n{saved}\n"
        f"once there is room, write the report with: flashpoint report {shlex.quote(str(out))}")


def _announce(page: Path, open_it: bool, label: str = "report") -> None:
    """Say where a page is (``label: page``); open it in the default browser if asked."""
    print(f"{label}: {page}")
    if open_it:
        webbrowser.open(page.resolve().as_uri())


def _resume_command(args: argparse.Namespace, out: Path) -> str:
    words = ["flashpoint", args.command, args.scenario, "--out", str(out), "--resume"]
    if args.replications is not None:
        words += ["--replications", str(args.replications)]
    if getattr(args, "samples", None) is not None:
        words += ["--samples", str(args.samples)]
    if getattr(args, "seed", None) is not None:
        words += ["--seed", str(args.seed)]
    for name in getattr(args, "policy", None) or []:
        words += ["--policy", name]
    if args.scheduler:
        words += ["--scheduler", args.scheduler]
    elif args.executor != "processes":
        words += ["--executor", args.executor]
    if getattr(args, "ignore_memory", False):
        words += ["--ignore-memory"]
    return shlex.join(words)
