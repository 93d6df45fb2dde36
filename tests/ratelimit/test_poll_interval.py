"""The poll interval grows with the time a run has waited, up to a cap."""

from __future__ import annotations

import pytest

from airflow_provider_hex.exceptions import HexInvalidArgumentError
from airflow_provider_hex.triggers.polling import next_poll_interval


@pytest.mark.parametrize(
    ("elapsed", "base", "options", "expected"),
    [
        (0, 10, {}, 10),
        (60, 10, {}, 11),
        (5 * 60, 10, {}, 15),
        (10 * 60, 10, {}, 20),
        (30 * 60, 10, {}, 40),
        (50 * 60, 10, {}, 60),
        (6 * 3600, 10, {}, 60),
        (-5, 10, {}, 10),
        (30 * 60, 10, {"max_interval": 300}, 40),
        (6 * 3600, 10, {"max_interval": 300}, 300),
        (10 * 60, 10, {"growth": 0.5}, 60),
        (6 * 3600, 10, {"growth": 0}, 10),
        (6 * 3600, 120, {}, 120),
    ],
    ids=[
        "at-start",
        "one-minute",
        "five-minutes",
        "ten-minutes",
        "half-hour",
        "reaches-cap",
        "six-hours-capped",
        "clock-skew-counts-as-zero",
        "higher-cap-not-reached",
        "higher-cap-reached",
        "faster-growth",
        "no-growth",
        "base-above-cap-wins",
    ],
)
def test_interval_grows_linearly_with_waiting_time_up_to_the_cap(
    elapsed: float, base: float, options: dict[str, float], expected: float
) -> None:
    assert next_poll_interval(elapsed, base, **options) == pytest.approx(expected)


def test_a_six_hour_run_costs_a_fifth_of_the_polls_of_a_fixed_interval() -> None:
    polls, waited = 0, 0.0
    while waited < 6 * 3600:
        waited += next_poll_interval(waited, 10)
        polls += 1

    assert polls < 6 * 3600 / 10 / 5


@pytest.mark.parametrize(
    ("args", "options", "name"),
    [
        ((0, 0), {}, "base"),
        ((0, -1), {}, "base"),
        ((0, 10), {"growth": -0.1}, "growth"),
        ((float("nan"), 10), {}, "elapsed"),
        ((0, 10), {"max_interval": float("inf")}, "max_interval"),
    ],
    ids=["zero-base", "negative-base", "negative-growth", "nan-elapsed", "infinite-cap"],
)
def test_nonsense_arguments_are_refused_by_name(
    args: tuple[float, float], options: dict[str, float], name: str
) -> None:
    with pytest.raises(HexInvalidArgumentError, match=name):
        next_poll_interval(*args, **options)
