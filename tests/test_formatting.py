"""Numbers as people read them: percentages of a change and its interval."""

from __future__ import annotations

import math
import re

from hypothesis import given
from hypothesis import strategies as st

from sim.formatting import percents, with_article


def test_a_change_and_its_interval_share_their_decimals() -> None:
    assert percents(-0.004, -0.012, -0.001, signed=True) == ["-0.4%", "-1.2%", "-0.1%"]
    assert percents(-0.30, -0.42, -0.17, signed=True) == ["-30%", "-42%", "-17%"]
    assert percents(0.014, -0.05, 0.08, signed=True) == ["+1%", "-5%", "+8%"]
    assert percents(-0.4, -0.4, -0.4) == ["-40%", "-40%", "-40%"]
    assert percents(-0.004, -0.004, -0.004, signed=True) == ["-0.4%", "-0.4%", "-0.4%"]


def test_a_value_that_is_not_zero_does_not_read_as_zero() -> None:
    # at one decimal the upper end would be -0.0%: two decimals show it
    assert percents(-0.004, -0.0104, -0.0003, signed=True) == ["-0.40%", "-1.04%", "-0.03%"]


def test_zero_has_no_sign_and_undefined_is_a_dash() -> None:
    assert percents(0.0, -0.0, 0.0, signed=True) == ["0%", "0%", "0%"]
    assert percents(-0.00001, -0.00002, -0.000001, signed=True) == ["0.00%"] * 3
    assert percents(math.nan, None, 0.1) == ["-", "-", "10%"]


@given(st.lists(st.floats(-2, 2), min_size=1, max_size=3), st.booleans())
def test_never_minus_zero_and_always_the_same_decimals(shares: list[float],
                                                       signed: bool) -> None:
    texts = percents(*shares, signed=signed)
    assert not any(re.fullmatch(r"[-+]0(\.0*)?%", t) for t in texts), texts
    assert len({len(t.rstrip("%").partition(".")[2]) for t in texts}) == 1, texts


def test_every_action_kind_takes_its_article() -> None:
    kinds = ["advocates", "statement", "delete", "takedown", "stop_promotion"]
    assert [with_article(k) for k in kinds] == [
        "an advocates", "a statement", "a delete", "a takedown", "a stop_promotion"]
