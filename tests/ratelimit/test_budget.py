"""The shared request budget, on a fake clock: pacing, bursts, groups, 429s and recovery."""

from __future__ import annotations

import heapq
import itertools
import logging
import random
import threading
from collections.abc import Callable
from typing import Any

import pytest

from airflow_provider_hex.hooks.budget import (
    BURST,
    DEFAULT_PAUSE,
    Limit,
    RateBudget,
    get_budget,
    reset_budgets,
)

STATUS = "hex-api"
STARTS = "hex-run-kernel"


class FakeClock:
    """A monotonic clock that only moves when told to."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def send_times(budget: RateBudget, clock: FakeClock, groups: list[str | None]) -> list[float]:
    """Reserve one slot per entry at the current time; return when each may be sent."""
    return [clock.now + budget.reserve(group) for group in groups]


def most_in_any_window(times: list[float], length: float) -> int:
    """The largest number of ``times`` inside any half-open window of ``length`` seconds."""
    ordered = [round(t, 6) for t in sorted(times)]
    best, start = 0, 0
    for end, at in enumerate(ordered):
        while ordered[start] <= round(at - length, 6):
            start += 1
        best = max(best, end - start + 1)
    return best


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def test_first_requests_go_at_once_up_to_the_burst(clock: FakeClock) -> None:
    budget = RateBudget(requests_per_minute=60, clock=clock)

    waits = [budget.reserve() for _ in range(int(BURST))]

    assert waits == [0.0] * int(BURST)
    assert budget.reserve() > 0


def test_requests_after_the_burst_are_spaced_at_the_rate_with_headroom(clock: FakeClock) -> None:
    budget = RateBudget(requests_per_minute=60, headroom=0.9, clock=clock)

    times = send_times(budget, clock, [None] * 50)

    gaps = {round(b - a, 6) for a, b in itertools.pairwise(times[5:])}
    assert gaps == {round(60 / 54, 6)}


def test_a_quiet_spell_refills_the_burst(clock: FakeClock) -> None:
    budget = RateBudget(requests_per_minute=60, clock=clock)
    send_times(budget, clock, [None] * 20)

    clock.now += 120

    assert [budget.reserve() for _ in range(5)] == [0.0] * 5


@pytest.mark.parametrize(
    ("group", "limit"),
    [(None, 60), (STATUS, 30), ("hex-api-30rpm", 30), (STARTS, 20)],
    ids=["global", "status-reads", "content", "run-starts"],
)
def test_no_minute_window_ever_holds_more_than_hex_allows(
    clock: FakeClock, group: str | None, limit: int
) -> None:
    budget = RateBudget(
        requests_per_minute=60,
        group_limits={STATUS: 30, "hex-api-30rpm": 30, STARTS: 20},
        clock=clock,
    )

    times = send_times(budget, clock, [group] * 300)

    assert most_in_any_window(times, 60.0) <= limit
    assert most_in_any_window(times, 60.0) >= int(limit * 0.9)


def test_a_group_is_paced_at_its_own_limit_while_others_use_the_rest(clock: FakeClock) -> None:
    budget = RateBudget(requests_per_minute=60, group_limits={STATUS: 30}, clock=clock)
    groups: list[str | None] = [STATUS, None] * 200

    times = send_times(budget, clock, groups)

    status_times = [t for t, g in zip(times, groups, strict=True) if g == STATUS]
    assert most_in_any_window(status_times, 60.0) <= 30
    assert most_in_any_window(times, 60.0) <= 60


def test_status_reads_do_not_slow_requests_outside_their_group_beyond_the_global_limit(
    clock: FakeClock,
) -> None:
    budget = RateBudget(requests_per_minute=60, group_limits={STATUS: 30}, clock=clock)
    send_times(budget, clock, [STATUS] * 3)

    assert budget.peek(STATUS) > 0
    assert budget.peek(None) == 0


def test_run_starts_respect_the_hourly_limit(clock: FakeClock) -> None:
    budget = RateBudget(requests_per_minute=60, group_limits={STARTS: Limit(20, 60)}, clock=clock)

    times = send_times(budget, clock, [STARTS] * 120)

    assert most_in_any_window(times, 3600.0) == 54
    assert most_in_any_window(times, 60.0) <= 20
    assert times[53] - times[0] < 4 * 60  # a fan-out goes at the minute rate, not 1/min


def test_get_budget_adds_hexs_hourly_run_start_limit(clock: FakeClock) -> None:
    budget = get_budget(
        ("https://app.hex.tech", "abc"),
        requests_per_minute=60,
        group_limits={STARTS: 20},
        clock=clock,
    )

    times = send_times(budget, clock, [STARTS] * 60)

    assert most_in_any_window(times, 3600.0) == 54


def test_a_429_pauses_everyone_for_retry_after_and_halves_the_rates(clock: FakeClock) -> None:
    budget = RateBudget(requests_per_minute=60, clock=clock)

    budget.penalize(retry_after=7.0)

    assert budget.factor == 0.5
    assert budget.reserve() == pytest.approx(7.0)
    clock.now += 7.0
    times = send_times(budget, clock, [None] * 40)
    gaps = {round(b - a, 6) for a, b in itertools.pairwise(times[10:])}
    assert gaps == {round(60 / 27, 6)}


def test_a_429_without_retry_after_pauses_for_the_default(clock: FakeClock) -> None:
    budget = RateBudget(clock=clock)

    budget.penalize(None)

    assert budget.pause_left() == pytest.approx(DEFAULT_PAUSE)


def test_429s_during_one_pause_count_as_one_episode(clock: FakeClock) -> None:
    budget = RateBudget(clock=clock)

    budget.penalize(5.0)
    clock.now += 1
    budget.penalize(8.0)
    budget.penalize(2.0)

    assert budget.penalties == 1
    assert budget.factor == 0.5
    assert budget.pause_left() == pytest.approx(8.0)


def test_repeated_429_episodes_keep_halving_down_to_a_floor(clock: FakeClock) -> None:
    budget = RateBudget(clock=clock)

    for _ in range(10):
        budget.penalize(1.0)
        clock.now += 1.0

    assert budget.penalties == 10
    assert budget.factor == pytest.approx(1 / 16, abs=0.01)


@pytest.mark.parametrize(
    ("minutes_after_pause", "factor"),
    [(0, 0.5), (1, 0.6), (2.5, 0.75), (5, 1.0), (30, 1.0)],
    ids=["at-pause-end", "one-minute", "two-and-a-half", "five-minutes", "long-after"],
)
def test_the_rates_recover_a_tenth_per_quiet_minute_after_the_pause(
    clock: FakeClock, minutes_after_pause: float, factor: float
) -> None:
    budget = RateBudget(clock=clock)
    budget.penalize(retry_after=20.0)

    clock.now += 20.0 + 60 * minutes_after_pause

    assert budget.factor == pytest.approx(factor)


def test_a_time_scale_makes_the_budgets_minute_shorter(clock: FakeClock) -> None:
    budget = RateBudget(requests_per_minute=60, time_scale=60, clock=clock)

    times = send_times(budget, clock, [None] * 200)

    assert most_in_any_window(times, 1.0) <= 60
    assert times[-1] - times[0] == pytest.approx((200 - 5) / 54, rel=0.01)


def test_a_time_scale_reads_retry_after_in_real_seconds(clock: FakeClock) -> None:
    budget = RateBudget(time_scale=60, clock=clock)

    budget.penalize(retry_after=0.5)

    assert budget.reserve() == pytest.approx(0.5)
    clock.now += 0.5 + 60 / 60  # one simulated minute after the pause
    assert budget.factor == pytest.approx(0.6)


def test_acquire_sits_out_a_pause_that_began_while_it_slept(clock: FakeClock) -> None:
    budget = RateBudget(requests_per_minute=60, clock=clock)
    send_times(budget, clock, [None] * 5)
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        if len(slept) == 1:
            budget.penalize(retry_after=30.0)
        clock.sleep(seconds)

    budget.acquire(sleep=sleep)

    assert slept[0] == pytest.approx(60 / 54)
    assert sum(slept) == pytest.approx(30.0)


def test_threads_sharing_a_budget_get_distinct_slots(clock: FakeClock) -> None:
    budget = RateBudget(requests_per_minute=60, burst=1, clock=clock)
    waits: list[float] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(50):
            wait = budget.reserve()
            with lock:
                waits.append(wait)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert budget.reservations == 400
    assert len({round(w, 6) for w in waits}) == 400


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: RateBudget(headroom=0), "headroom"),
        (lambda: RateBudget(headroom=1.5), "headroom"),
        (lambda: RateBudget(time_scale=0), "time_scale"),
    ],
    ids=["no-headroom", "headroom-above-one", "frozen-time"],
)
def test_nonsense_settings_are_refused(make: Callable[[], RateBudget], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        make()


def test_one_budget_per_host_and_token_and_the_first_settings_win() -> None:
    first = get_budget(("h", "t1"), requests_per_minute=60, group_limits={})
    again = get_budget(("h", "t1"), requests_per_minute=999, group_limits={})
    other = get_budget(("h", "t2"), requests_per_minute=60, group_limits={})

    assert again is first
    assert other is not first
    reset_budgets()
    assert get_budget(("h", "t1"), requests_per_minute=60, group_limits={}) is not first


def acquire_times(
    budget: Any, clock: FakeClock, groups: list[str | None]
) -> list[tuple[str | None, float]]:
    """(group, send time) of requests that all start waiting now, each doing what
    ``acquire`` does: claim, sleep, and take the next step until its slot is booked."""
    start = clock.now
    sent: list[tuple[str | None, float]] = []
    asking = [(clock.now, index, group, False) for index, group in enumerate(groups)]
    heapq.heapify(asking)
    while asking:
        at, index, group, booked = heapq.heappop(asking)
        clock.now = max(clock.now, at)
        wait, done = budget.claim(group, booked=booked)
        if done:
            sent.append((group, clock.now + wait))
        else:
            heapq.heappush(asking, (clock.now + wait, index, group, not booked))
    clock.now = start
    return sent


def test_run_starts_waiting_for_the_hour_do_not_hold_up_other_requests(clock: FakeClock) -> None:
    budget = RateBudget(
        requests_per_minute=60, group_limits={STARTS: Limit(20, 60), STATUS: 30}, clock=clock
    )
    booked = acquire_times(budget, clock, [STARTS] * 54)  # the hour's run starts
    clock.now = max(at for _, at in booked)

    held = [budget.claim(STARTS) for _ in range(6)]
    wait, done = budget.claim(STATUS)

    assert done
    assert wait < 60.0  # not behind the next hour
    assert not any(done for _, done in held)
    assert min(wait for wait, _ in held) > 3000.0


def test_one_step_reservations_would_hold_everything_up_for_the_hour(clock: FakeClock) -> None:
    budget = RateBudget(
        requests_per_minute=60, group_limits={STARTS: Limit(20, 60), STATUS: 30}, clock=clock
    )
    for _ in range(60):
        budget.reserve(STARTS)

    assert budget.reserve(STATUS) > 3600.0  # why acquire() takes two steps


def test_two_step_acquisitions_keep_every_limit(clock: FakeClock) -> None:
    budget = RateBudget(
        requests_per_minute=60, group_limits={STARTS: Limit(20, 60), STATUS: 30}, clock=clock
    )
    groups: list[str | None] = [STARTS] * 70 + [STATUS] * 100 + [None] * 100
    random.Random(3).shuffle(groups)

    sent = acquire_times(budget, clock, groups)

    assert len(sent) == 270
    every = [at for _, at in sent]
    starts = [at for group, at in sent if group == STARTS]
    assert most_in_any_window(every, 60.0) <= 60
    assert most_in_any_window([at for group, at in sent if group == STATUS], 60.0) <= 30
    assert most_in_any_window(starts, 60.0) <= 20
    assert most_in_any_window(starts, 3600.0) <= 60
    # Status reads and plain requests did not wait for the run starts' next hour.
    assert max(at for group, at in sent if group != STARTS) < clock.now + 3600.0


def test_the_state_is_logged_at_debug_and_summarised_at_info_when_it_changes(
    clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="airflow_provider_hex.budget")
    budget = RateBudget(requests_per_minute=60, group_limits={STATUS: 30}, clock=clock)

    budget.reserve(STATUS)
    budget.reserve(STATUS)  # within DEBUG_EVERY of the first: not logged again
    budget.penalize(7.0)
    clock.now += 8.0
    budget.reserve()

    lines = [(r.levelname, r.getMessage()) for r in caplog.records]
    assert [level for level, _ in lines] == ["DEBUG", "INFO", "INFO"]
    assert "granted 1, waited 0.0s, 429s 0" in lines[0][1]
    assert "global 54.0/min, hex-api 27.0/min" in lines[0][1]
    assert "paused 7.0s after a 429; rates at 50%" in lines[1][1]
    assert "paused" not in lines[2][1]  # the pause is over: a new summary
    assert "429s 1" in lines[2][1]
