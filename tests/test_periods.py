"""Windows in the force's zone: tiling, clock changes, month ends, leap years, anchors."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engagerules import Cycle, Duration, Window, range_bounds
from engagerules.model.periods import localize, slot_windows
from strategies import cycles, date_ranges

LONDON = ZoneInfo("Europe/London")


@given(cycles(), date_ranges())
def test_windows_tile_any_range(cycle: Cycle, days: tuple[date, date]) -> None:
    """Windows cover the range with no gap or overlap, whole periods, across clock changes."""
    span = range_bounds(days[0], days[1], LONDON)
    windows = list(cycle.windows(span, LONDON))
    assert windows, "a range always has at least one window"
    assert windows[0].start <= span.start
    assert windows[-1].end >= span.end
    for before, after in pairwise(windows):
        assert before.end == after.start
    for window in windows:
        assert window.overlaps(span)
        local = window.start.astimezone(LONDON)
        assert local.time() == time(0), "periods start at local midnight"
        assert cycle.first_start_on_or_before(local.date()) == local.date()


@given(cycles(), date_ranges(max_days=400))
def test_window_lengths_are_calendar_lengths(cycle: Cycle, days: tuple[date, date]) -> None:
    """A period is the same number of local days whatever the clock does inside it."""
    span = range_bounds(days[0], days[1], LONDON)
    for window in cycle.windows(span, LONDON):
        first = window.start.astimezone(LONDON).date()
        last = window.end.astimezone(LONDON).date()
        assert first + cycle.every.delta == last


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2039, 1, 1)), cycles())
def test_period_index_counts_consecutive_periods(day: date, cycle: Cycle) -> None:
    """The next period's index is one more, so a rota turns once per period."""
    start = cycle.first_start_on_or_before(day)
    following = start + cycle.every.delta
    assert cycle.period_index(following) == cycle.period_index(day) + 1


def test_week_across_autumn_change_has_169_hours() -> None:
    """The week of 30 October 2022 is Monday to Monday local, 169 hours long."""
    span = range_bounds(date(2022, 10, 30), date(2022, 10, 30), LONDON)
    (week,) = Cycle(Duration(weeks=1)).windows(span, LONDON)
    assert week.start == datetime(2022, 10, 24, tzinfo=LONDON)
    assert week.end == datetime(2022, 10, 31, tzinfo=LONDON)
    assert week.end - week.start == timedelta(hours=169)


def test_week_across_spring_change_has_167_hours() -> None:
    """The week of 27 March 2022 loses an hour but still ends Monday 00:00 local."""
    span = range_bounds(date(2022, 3, 27), date(2022, 3, 27), LONDON)
    (week,) = Cycle(Duration(weeks=1)).windows(span, LONDON)
    assert week.end - week.start == timedelta(hours=167)
    assert week.end.astimezone(LONDON).hour == 0


def test_quarter_has_thirteen_or_fourteen_weekly_windows() -> None:
    """Q4 2022 (Sat 1 Oct to Sat 31 Dec) overlaps 14 Monday-based weeks, first from 26 Sep."""
    span = range_bounds(date(2022, 10, 1), date(2022, 12, 31), LONDON)
    weeks = list(Cycle(Duration(weeks=1)).windows(span, LONDON))
    assert len(weeks) == 14
    assert weeks[0].local_start.date() == date(2022, 9, 26)
    assert all(w.local_start.weekday() == 0 for w in weeks)


def test_months_end_on_the_first_and_february_is_leap() -> None:
    """Calendar months: February 2024 runs 29 days, to 1 March."""
    span = range_bounds(date(2024, 2, 10), date(2024, 2, 10), LONDON)
    (month,) = Cycle(Duration(months=1)).windows(span, LONDON)
    assert (month.local_start.date(), month.local_end.date()) == (
        date(2024, 2, 1),
        date(2024, 3, 1),
    )


def test_six_month_cycle_anchored_in_april_runs_april_and_october() -> None:
    """The 'Your Voice' style cycle: April 2015 anchor gives April and October periods."""
    span = range_bounds(date(2016, 1, 1), date(2017, 12, 31), LONDON)
    starts = [
        w.local_start.date()
        for w in Cycle(Duration(months=6), date(2015, 4, 1)).windows(span, LONDON)
    ]
    assert starts == [
        date(2015, 10, 1),
        date(2016, 4, 1),
        date(2016, 10, 1),
        date(2017, 4, 1),
        date(2017, 10, 1),
    ]


def test_four_monthly_and_six_weekly_cycles_follow_their_anchor() -> None:
    """4-monthly from March, 6-weekly from a Wednesday: both phases hold years later."""
    span = range_bounds(date(2019, 1, 1), date(2019, 12, 31), LONDON)
    four = [
        w.local_start.date()
        for w in Cycle(Duration(months=4), date(2018, 3, 1)).windows(span, LONDON)
    ]
    assert four == [date(2018, 11, 1), date(2019, 3, 1), date(2019, 7, 1), date(2019, 11, 1)]
    six = list(Cycle(Duration(weeks=6), date(2019, 8, 7)).windows(span, LONDON))
    assert all((w.local_start.date() - date(2019, 8, 7)).days % 42 == 0 for w in six)
    assert all(w.local_start.weekday() == 2 for w in six)


def test_cycle_rejects_mixed_duration() -> None:
    """P1M2D has no recurrence rule, so it cannot be a cadence."""
    with pytest.raises(ValueError, match="P1M2D"):
        Cycle(Duration(months=1, days=2))


def test_localize_moves_a_spring_gap_time_forward() -> None:
    """01:30 on 27 March 2022 does not exist in London; the clock shows 02:30 BST."""
    moment = localize(datetime(2022, 3, 27, 1, 30), LONDON)
    assert (moment.hour, moment.minute, moment.utcoffset()) == (2, 30, timedelta(hours=1))


def test_slots_keep_local_time_across_clock_change() -> None:
    """A 08:00 briefing is 08:00 local on the Saturday (BST) and Sunday (GMT) of the change."""
    days = range_bounds(date(2022, 10, 29), date(2022, 10, 30), LONDON)
    slots = list(slot_windows(days, (time(8),), Duration(hours=1)))
    assert [s.start.astimezone(LONDON).hour for s in slots] == [8, 8]
    assert [s.local_start.utcoffset() for s in slots] == [timedelta(hours=1), timedelta(0)]


def test_range_bounds_rejects_reversed_range() -> None:
    """--to before --from is an error naming both dates."""
    with pytest.raises(ValueError, match="2022-01-01"):
        range_bounds(date(2022, 1, 2), date(2022, 1, 1), LONDON)


def test_window_must_be_aware_and_ordered() -> None:
    """Naive or empty windows are programming errors caught at construction."""
    start = datetime(2022, 1, 1, tzinfo=LONDON)
    with pytest.raises(ValueError, match="aware"):
        Window(datetime(2022, 1, 1), start)
    with pytest.raises(ValueError, match="not before"):
        Window(start, start)
