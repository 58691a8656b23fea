"""Value forms of scenario files: durations, distributions and novelty curves.

Every parser here takes the raw value from YAML and either returns the parsed
value or raises :class:`BadValue` whose text says what was expected. The
parsers are hand-written: nothing from a scenario is ever evaluated.

Durations are held as ``float`` seconds and written back in the shortest exact
form (``7200.0`` becomes ``"2h"``), so that a resolved scenario round-trips.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, fields
from decimal import Decimal
from typing import Any, ClassVar

import numpy as np

from sim.scenario.limits import MAX_REPLICATIONS
from sim.scenario.suggest import did_you_mean

UNITS: dict[str, float] = {"s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
HOUR = UNITS["h"]  # seconds in an hour: engine times are seconds, reported times hours
_DURATION = re.compile(r"(\d+(?:\.\d*)?|\.\d+)([smhd])")
_CALL = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\s*\((.*)\)", re.DOTALL)
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_NUMBER = re.compile(r"[+-]?(\d+(?:\.\d*)?|\.\d+)([eE][+-]?\d+)?")

DURATION_EXPECTED = "a duration with a unit, like '90s', '30m', '2h' or '1.5d'"


class BadValue(ValueError):
    """A value that does not have the expected form; the text is what was expected."""

    def __init__(self, expected: str) -> None:
        super().__init__(expected)
        self.expected = expected


# ---------------------------------------------------------------- durations


def parse_duration(value: Any, *, positive: bool = False) -> float:
    """Parse ``'90s'``, ``'30m'``, ``'2h'``, ``'1.5d'`` (or a bare ``0``) into seconds."""
    expected = DURATION_EXPECTED + (" (greater than 0)" if positive else "")
    if isinstance(value, bool):
        raise BadValue(expected)
    if isinstance(value, int | float) and value == 0:
        seconds = 0.0
    elif isinstance(value, str):
        text = value.strip()
        if text == "0":
            seconds = 0.0
        else:
            match = _DURATION.fullmatch(text)
            if match is None:
                raise BadValue(expected)
            seconds = float(match.group(1)) * UNITS[match.group(2)]
            if not math.isfinite(seconds):
                raise BadValue(expected)
    else:
        raise BadValue(expected)
    if positive and seconds <= 0:
        raise BadValue(expected)
    return seconds


def format_duration(seconds: float) -> str:
    """Write seconds exactly, in whole hours or minutes where possible (``5400.0`` -> ``'90m'``)."""
    if seconds == 0:
        return "0s"
    if float(seconds).is_integer():
        whole = int(seconds)
        for unit, size in (("h", 3600), ("m", 60)):
            if whole % size == 0:
                return f"{whole // size}{unit}"
        return f"{whole}s"
    return f"{Decimal(repr(seconds)):f}s"


def say_duration(seconds: float) -> str:
    """A duration for people, in hours with up to two decimals from an hour on.

    ``48600.0`` -> ``'13.5h'`` (:func:`format_duration` writes ``'810m'``); under an hour,
    or a whole number of hours, as :func:`format_duration`. Not for files: it may round.
    """
    hours = seconds / 3600
    if seconds >= 3600 and not hours.is_integer():
        return f"{round(hours, 2):g}h"
    return format_duration(seconds)


# ---------------------------------------------------------------- precision

PRECISION_EXPECTED = "a number > 0 (in the metric's units) or a percentage like '5%'"
_PERCENT = re.compile(r"(\d+(?:\.\d*)?|\.\d+)\s*%")


@dataclass(frozen=True)
class Precision:
    """The target half-width of ``replications: auto``.

    Absolute (in the metric's units), or a share of the baseline's mean (``relative``).
    """

    value: float
    relative: bool

    def target(self, baseline_mean: float) -> float:
        """The half-width to reach, given the baseline's mean of the primary metric."""
        return self.value * abs(baseline_mean) if self.relative else self.value

    def __str__(self) -> str:
        return f"{self.value * 100:g}%" if self.relative else f"{self.value:g}"


def parse_precision(value: Any) -> Precision:
    """Parse ``'5%'`` (of the baseline's mean) or a positive number (absolute)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        if math.isfinite(value) and value > 0:
            return Precision(float(value), relative=False)
    elif isinstance(value, str):
        match = _PERCENT.fullmatch(value.strip())
        if match and 0 < float(match.group(1)) <= 100:
            return Precision(float(match.group(1)) / 100, relative=True)
    raise BadValue(PRECISION_EXPECTED)


REPLICATIONS_EXPECTED = f"a whole number in [1, {MAX_REPLICATIONS:,}] or 'auto'"


def parse_replications(value: Any) -> int | str:
    """A whole number in [1, MAX_REPLICATIONS], or ``'auto'``."""
    if isinstance(value, str) and value == "auto":
        return value
    if (isinstance(value, int | np.integer) and not isinstance(value, bool)
            and 1 <= value <= MAX_REPLICATIONS):
        return int(value)
    raise BadValue(REPLICATIONS_EXPECTED)


# ---------------------------------------------------------------- call syntax


@dataclass(frozen=True)
class _Param:
    name: str
    kind: str  # "duration" | "number"
    low: float
    low_inclusive: bool
    required: bool = True

    def parse(self, text: str, signature: str) -> float:
        if self.kind == "duration":
            try:
                value = parse_duration(text)
            except BadValue:
                raise BadValue(f"{signature} with {self.name} a duration like '30m'") from None
        else:
            if _NUMBER.fullmatch(text) is None:
                raise BadValue(f"{signature} with {self.name} a number")
            value = float(text)
            if not math.isfinite(value):
                raise BadValue(f"{signature} with {self.name} a finite number")
        ok = value >= self.low if self.low_inclusive else value > self.low
        if not ok:
            bound = ">=" if self.low_inclusive else ">"
            unit = "" if self.kind == "number" else "s"
            raise BadValue(f"{signature} with {self.name} {bound} {self.low:g}{unit}")
        return value


def _parse_call(
    value: Any, signatures: dict[str, tuple[type, tuple[_Param, ...]]], example: str
) -> Any:
    """Parse ``name(a=1, b=2m)`` against a table of known call signatures."""
    names = ", ".join(signatures)
    general = f"a call like '{example}' (one of: {names})"
    if not isinstance(value, str):
        raise BadValue(general)
    text = value.strip()
    bare = _NAME.fullmatch(text)
    match = _CALL.fullmatch(text)
    name = text if bare else (match.group(1) if match else None)
    if match is None and "(" in text and ")" not in text:
        raise BadValue(general + "; the call was cut at a comma: inside a {...} mapping, "
                       "put the call in quotes")
    if name is None or name not in signatures:
        raise BadValue(general + did_you_mean(name or "", list(signatures)))
    cls, params = signatures[name]
    signature = f"{name}({', '.join(_signature_part(p) for p in params)})"
    args_text = match.group(2).strip() if match else ""
    if not params:
        if args_text:
            raise BadValue(f"'{name}' with no arguments")
        return cls()
    if match is None:
        raise BadValue(f"{signature}")
    given: dict[str, str] = {}
    positional_allowed = True
    for index, part in enumerate(args_text.split(",") if args_text else []):
        part = part.strip()
        if "=" in part:
            key, _, raw = (s.strip() for s in part.partition("="))
            positional_allowed = False
            if key not in {p.name for p in params}:
                known = ", ".join(p.name for p in params)
                raise BadValue(f"{signature} (unknown argument '{key}'; arguments: {known})")
        else:
            if not positional_allowed or index >= len(params):
                raise BadValue(f"{signature}")
            key, raw = params[index].name, part
        if not raw:
            raise BadValue(f"{signature} ({key} has no value)")
        if key in given:
            raise BadValue(f"{signature} ({key} given twice)")
        given[key] = raw
    missing = [p.name for p in params if p.required and p.name not in given]
    if missing:
        raise BadValue(f"{signature} (missing {', '.join(missing)})")
    parsed = {p.name: p.parse(given[p.name], signature) for p in params if p.name in given}
    result = cls(**parsed)
    result.check(signature)
    return result


def _signature_part(param: _Param) -> str:
    part = f"{param.name}=<{'duration' if param.kind == 'duration' else 'number'}>"
    return part if param.required else f"[{part}]"


class _Call:
    """Shared behaviour of values written in call syntax."""

    name: ClassVar[str]

    def __str__(self) -> str:
        parts = []
        for f in fields(self):  # type: ignore[arg-type]
            value = getattr(self, f.name)
            if value is None:  # an optional argument left out
                continue
            if f.metadata.get("kind") == "duration":
                parts.append(f"{f.name}={format_duration(value)}")
            else:
                parts.append(f"{f.name}={value!r}")
        return f"{self.name}({', '.join(parts)})"

    def check(self, signature: str) -> None:
        """Check relations between parameters; raise :class:`BadValue` if broken."""


def _duration_field() -> Any:
    return field(metadata={"kind": "duration"})


def _number_field() -> Any:
    return field(metadata={"kind": "number"})


# ---------------------------------------------------------------- distributions
# Each distribution declares its numeric code and the four numbers the compiled quantile
# (sim.randomness.distributions.quantile) reads, and its own distribution function.

FIXED, EXPONENTIAL, LOGNORMAL, UNIFORM, SEISMIC = range(5)
_ERF = np.vectorize(math.erf, otypes=[np.float64])


@dataclass(frozen=True)
class Exponential(_Call):
    """Exponential delay with the given mean (seconds)."""

    name: ClassVar[str] = "exponential"
    code: ClassVar[int] = EXPONENTIAL
    mean: float = _duration_field()

    def numbers(self) -> tuple[float, float, float, float]:
        """The parameters as the compiled quantile reads them."""
        return self.mean, 0.0, math.inf, 0.0

    def cdf(self, t: np.ndarray) -> np.ndarray:
        """P(delay <= t), t in seconds."""
        return 1.0 - np.exp(-np.maximum(np.asarray(t, dtype=np.float64), 0) / self.mean)


@dataclass(frozen=True)
class LogNormal(_Call):
    """Log-normal delay: ``median`` in seconds, ``sigma`` of the underlying normal."""

    name: ClassVar[str] = "lognormal"
    code: ClassVar[int] = LOGNORMAL
    median: float = _duration_field()
    sigma: float = _number_field()

    def numbers(self) -> tuple[float, float, float, float]:
        """The parameters as the compiled quantile reads them."""
        return self.median, self.sigma, math.inf, 0.0

    def cdf(self, t: np.ndarray) -> np.ndarray:
        """P(delay <= t), t in seconds."""
        t = np.asarray(t, dtype=np.float64)
        z = (np.log(np.maximum(t, 1e-300)) - math.log(self.median)) / self.sigma
        return np.where(t > 0, 0.5 * (1.0 + _ERF(z / math.sqrt(2.0))), 0.0)


@dataclass(frozen=True)
class Fixed(_Call):
    """A delay that is always ``value`` seconds."""

    name: ClassVar[str] = "fixed"
    code: ClassVar[int] = FIXED
    value: float = _duration_field()

    def __str__(self) -> str:
        return f"fixed({format_duration(self.value)})"

    def numbers(self) -> tuple[float, float, float, float]:
        """The parameters as the compiled quantile reads them."""
        return self.value, 0.0, math.inf, 0.0

    def cdf(self, t: np.ndarray) -> np.ndarray:
        """P(delay <= t), t in seconds."""
        return (np.asarray(t, dtype=np.float64) >= self.value).astype(np.float64)


@dataclass(frozen=True)
class Uniform(_Call):
    """Uniform delay between ``low`` and ``high`` seconds."""

    name: ClassVar[str] = "uniform"
    code: ClassVar[int] = UNIFORM
    low: float = _duration_field()
    high: float = _duration_field()

    def check(self, signature: str) -> None:
        """Require ``low < high``."""
        if not self.low < self.high:
            raise BadValue(f"{signature} with low < high")

    def numbers(self) -> tuple[float, float, float, float]:
        """The parameters as the compiled quantile reads them."""
        return self.low, self.high, math.inf, 0.0

    def cdf(self, t: np.ndarray) -> np.ndarray:
        """P(delay <= t), t in seconds."""
        t = np.asarray(t, dtype=np.float64)
        return np.clip((t - self.low) / (self.high - self.low), 0.0, 1.0)


@dataclass(frozen=True)
class Seismic(_Call):
    """SEISMIC memory kernel: flat density to ``plateau``, then a power law, exponent -(1+theta).

    With ``knee`` and ``tail``, the power law steepens at ``knee``: beyond it the survival
    function falls as ``t^-tail`` instead of ``t^-theta`` (a tail cut down to what real
    reaction times show; docs/validation.md).
    """

    name: ClassVar[str] = "seismic"
    code: ClassVar[int] = SEISMIC
    theta: float = _number_field()
    plateau: float = _duration_field()
    knee: float | None = field(default=None, metadata={"kind": "duration"})
    tail: float | None = field(default=None, metadata={"kind": "number"})

    def numbers(self) -> tuple[float, float, float, float]:
        """The parameters as the compiled quantile reads them (no knee: infinite, theta)."""
        if self.knee is None or self.tail is None:
            return self.theta, self.plateau, math.inf, self.theta
        return self.theta, self.plateau, self.knee, self.tail

    def cdf(self, t: np.ndarray) -> np.ndarray:
        """P(delay <= t), t in seconds."""
        t = np.asarray(t, dtype=np.float64)
        a, b, c, d = self.numbers()
        head = a / (1.0 + a)
        with np.errstate(divide="ignore", invalid="ignore"):
            survival = (np.clip(t, b, c) / b) ** (-a) / (1.0 + a)
            if math.isfinite(c):
                survival = survival * (np.maximum(t, c) / c) ** (-d)
        return np.where(t <= 0, 0.0, np.where(t < b, head * t / b, 1.0 - survival))

    def check(self, signature: str) -> None:
        """Require ``knee`` and ``tail`` together, and the knee beyond the plateau."""
        if (self.knee is None) != (self.tail is None):
            raise BadValue(f"{signature} with knee and tail given together (or neither)")
        if self.knee is not None and not self.knee > self.plateau:
            raise BadValue(f"{signature} with knee > plateau")


Distribution = Exponential | LogNormal | Fixed | Uniform | Seismic

DISTRIBUTIONS: dict[str, tuple[type, tuple[_Param, ...]]] = {
    "exponential": (Exponential, (_Param("mean", "duration", 0.0, False),)),
    "lognormal": (
        LogNormal,
        (_Param("median", "duration", 0.0, False), _Param("sigma", "number", 0.0, False)),
    ),
    "fixed": (Fixed, (_Param("value", "duration", 0.0, True),)),
    "uniform": (
        Uniform,
        (_Param("low", "duration", 0.0, True), _Param("high", "duration", 0.0, False)),
    ),
    "seismic": (
        Seismic,
        (_Param("theta", "number", 0.0, False), _Param("plateau", "duration", 0.0, False),
         _Param("knee", "duration", 0.0, False, required=False),
         _Param("tail", "number", 0.0, False, required=False)),
    ),
}
DISTRIBUTION_EXAMPLE = "lognormal(median=45m, sigma=0.6)"


def parse_distribution(value: Any) -> Distribution:
    """Parse a distribution call such as ``lognormal(median=45m, sigma=0.6)``.

    A plain duration such as ``30m`` is accepted as ``fixed(30m)``.
    """
    if isinstance(value, str) and _DURATION.fullmatch(value.strip()):
        return Fixed(parse_duration(value))
    result: Distribution = _parse_call(value, DISTRIBUTIONS, DISTRIBUTION_EXAMPLE)
    return result


# ---------------------------------------------------------------- novelty


@dataclass(frozen=True)
class NoNovelty(_Call):
    """Novelty switched off: the story never grows stale."""

    name: ClassVar[str] = "none"

    def __str__(self) -> str:
        return "none"


@dataclass(frozen=True)
class StretchedExp(_Call):
    """novelty(a) = exp(-ln2 * (a / half_life) ** beta)."""

    name: ClassVar[str] = "stretched_exp"
    half_life: float = _duration_field()
    beta: float = _number_field()


Novelty = NoNovelty | StretchedExp
NOVELTIES: dict[str, tuple[type, tuple[_Param, ...]]] = {
    "none": (NoNovelty, ()),
    "stretched_exp": (
        StretchedExp,
        (_Param("half_life", "duration", 0.0, False), _Param("beta", "number", 0.0, False)),
    ),
}


def parse_novelty(value: Any) -> Novelty:
    """Parse ``none`` or ``stretched_exp(half_life=1h, beta=0.4)``."""
    result: Novelty = _parse_call(value, NOVELTIES, "stretched_exp(half_life=1h, beta=0.4)")
    return result
