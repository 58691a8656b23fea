"""Numbers as people read them, for the terminal table and the HTML report."""

from __future__ import annotations

import math


def readable(value: float | None, digits: int = 0) -> str:
    """``value`` with thousands separators and ``digits`` decimals; ``-`` when undefined."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return f"{value:,.{digits}f}"


def percents(*shares: float | None, signed: bool = False) -> list[str]:
    """Shares (0.25 is 25%) as percentages, all with the same number of decimals.

    For a value with its interval, such as ``-0.004, -0.012, -0.001`` ->
    ``-0.4%, -1.2%, -0.1%``. The decimals give the spread of the values two significant
    digits (none when the spread is 10 points or more, at most two), and more, up to two,
    when a value that is not zero would otherwise read as zero. A value that rounds to
    zero is ``0%`` without a sign, never ``-0%``. ``signed`` puts ``+`` before positive
    values. Undefined values (None or NaN) are ``-``.
    """
    points = [None if v is None or not math.isfinite(v) else 100 * v for v in shares]
    finite = [p for p in points if p is not None]
    digits = 0
    if finite:
        spread = round(max(finite) - min(finite), 2)  # what two decimals could show
        if spread > 0:
            digits = 1 - math.floor(math.log10(spread))
        else:
            digits = 0 if not 0 < abs(finite[0]) < 10 else 1
        digits = min(max(digits, 0), 2)
        while digits < 2 and any(p != 0 and round(p, digits) == 0 for p in finite):
            digits += 1
    out = []
    for p in points:
        if p is None:
            out.append("-")
        elif round(p, digits) == 0:
            out.append(f"{0:.{digits}f}%")
        else:
            out.append(f"{p:{'+' if signed else ''},.{digits}f}%")
    return out


def with_article(word: str) -> str:
    """``word`` after its indefinite article: "an advocates", "a statement", "a delete"."""
    return f"{'an' if word and word[0].lower() in 'aeiou' else 'a'} {word}"


def printable(text: object, keep: str = "") -> str:
    r"""``text`` with every control character written as its escape, safe to show anywhere.

    Control characters (C0, DEL and C1: ``\x00``-``\x1f``, ``\x7f``-``\x9f``) are what a
    terminal acts on (``\x1b[2J`` clears the screen, ``\x1b]8;;URL\x1b\\`` makes a
    hyperlink) and what HTML and CSV readers choke on (``\x00``). Each becomes the four
    characters of its Python escape (ESC -> ``\x1b``), so the text still says what it held.

    Args:
        text: any value; ``str(text)`` is escaped.
        keep: control characters to leave as they are, such as ``"\n"`` for text printed
            on several lines.

    Returns:
        The text with no control character but those in ``keep``.
    """
    shown = str(text)
    if not any(_is_control(c) and c not in keep for c in shown):
        return shown
    return "".join(f"\\x{ord(c):02x}" if _is_control(c) and c not in keep else c
                   for c in shown)


def _is_control(char: str) -> bool:
    """Whether ``char`` is a C0 or C1 control character or DEL (unicode category Cc)."""
    code = ord(char)
    return code < 0x20 or 0x7F <= code <= 0x9F
