from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.scenario import values
from sim.scenario.values import (
    BadValue,
    format_duration,
    parse_distribution,
    parse_duration,
    say_duration,
)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("90s", 90.0), ("30m", 1800.0), ("2h", 7200.0), ("1.5d", 129600.0), (0, 0.0),
     ("0", 0.0), ("0.5s", 0.5), (".5h", 1800.0), ("3.m", 180.0)],
)
def test_durations_parse_to_seconds(text: object, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", [5, 2.5, "5", "-3m", "2 hours", "2hr", "h", "", "1e3s",
                                  True, None, [], "nan s", "inf h", "9" * 400 + "d"])
def test_bad_durations_are_refused(text: object) -> None:
    with pytest.raises(BadValue):
        parse_duration(text)


def test_positive_durations_refuse_zero() -> None:
    with pytest.raises(BadValue, match="greater than 0"):
        parse_duration("0s", positive=True)


@pytest.mark.parametrize(("seconds", "text"), [(7200.0, "2h"), (5400.0, "90m"), (90.0, "90s"),
                                               (0.0, "0s"), (345600.0, "96h"), (0.25, "0.25s")])
def test_durations_are_written_exactly(seconds: float, text: str) -> None:
    assert format_duration(seconds) == text


@pytest.mark.parametrize(("seconds", "text"), [(48600.0, "13.5h"), (5400.0, "1.5h"),
                                               (7200.0, "2h"), (1800.0, "30m"), (90.0, "90s"),
                                               (3601.0, "1h"), (4000.0, "1.11h")])
def test_durations_for_people_are_in_hours_from_an_hour_on(seconds: float, text: str) -> None:
    assert say_duration(seconds) == text


@given(st.floats(min_value=0, max_value=1e12, allow_nan=False, allow_infinity=False))
def test_written_durations_read_back_exactly(seconds: float) -> None:
    assert parse_duration(format_duration(seconds)) == seconds


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("exponential(mean=30m)", values.Exponential(mean=1800.0)),
        ("lognormal(median=45m, sigma=0.6)", values.LogNormal(median=2700.0, sigma=0.6)),
        ("fixed(2h)", values.Fixed(value=7200.0)),
        ("fixed(value=2h)", values.Fixed(value=7200.0)),
        ("uniform(low=10m, high=1h)", values.Uniform(low=600.0, high=3600.0)),
        ("seismic(theta=0.23, plateau=5m)", values.Seismic(theta=0.23, plateau=300.0)),
        ("  lognormal( sigma = 0.6 , median = 45m )  ", values.LogNormal(2700.0, 0.6)),
        ("30m", values.Fixed(1800.0)),
    ],
)
def test_distributions_parse(text: str, expected: values.Distribution) -> None:
    assert parse_distribution(text) == expected


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("lognormal(median=5m)", "missing sigma"),
        ("exponential(mean=-1m)", "mean a duration"),
        ("exponential(mean=0s)", "mean > 0"),
        ("eval(1)", "one of: exponential"),
        ("__import__('os').system('x')", "one of: exponential"),
        ("lognormal(median=5m, sigma=1, sigma=2)", "sigma given twice"),
        ("lognormal(median=5m, mu=2)", "unknown argument 'mu'"),
        ("uniform(low=2h, high=1h)", "low < high"),
        ("seismic(theta=-1, plateau=5m)", "theta > 0"),
        ("seismic(theta=abc, plateau=5m)", "theta a number"),
        ("lognormal(median=6h", "put the call in quotes"),
        ("exponentail(mean=5m)", "did you mean 'exponential'"),
        ("fixed(1h, 2h)", "fixed(value=<duration>)"),
        ("fixed(value=)", "value has no value"),
        (42, "a call like"),
    ],
)
def test_bad_distributions_say_what_is_wrong(text: object, says: str) -> None:
    with pytest.raises(BadValue) as caught:
        parse_distribution(text)
    assert says in caught.value.expected


@pytest.mark.parametrize("text", ["exponential(mean=30m)", "lognormal(median=45m, sigma=0.6)",
                                  "fixed(2h)", "uniform(low=10m, high=1h)",
                                  "seismic(theta=0.23, plateau=5m)"])
def test_distributions_are_written_back_as_given(text: str) -> None:
    assert str(parse_distribution(text)) == text


def test_novelty_forms() -> None:
    assert values.parse_novelty("none") == values.NoNovelty()
    assert str(values.parse_novelty("none")) == "none"
    novelty = values.parse_novelty("stretched_exp(half_life=1h, beta=0.4)")
    assert novelty == values.StretchedExp(half_life=3600.0, beta=0.4)
    assert str(novelty) == "stretched_exp(half_life=1h, beta=0.4)"
    with pytest.raises(BadValue, match="no arguments"):
        values.parse_novelty("none(1)")


def test_numbers_must_be_finite() -> None:
    with pytest.raises(BadValue):
        parse_distribution("lognormal(median=1h, sigma=1e999)")
    assert math.isfinite(parse_distribution("lognormal(median=1h, sigma=1e3)").sigma)


def test_exponent_numbers_read_as_numbers_when_unquoted() -> None:
    from sim.scenario.yamlsource import parse

    source, problems = parse(b'a: 1e-06\nb: "1e-06"\nc: 2E3\nd: 1.5e3\ne: .5e1\nf: 1e5x\n')
    assert problems == [] and source is not None
    assert source.data == {"a": 1e-06, "b": "1e-06", "c": 2000.0, "d": 1500.0, "e": 5.0,
                           "f": "1e5x"}
