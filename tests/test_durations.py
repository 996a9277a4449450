"""ISO 8601 durations as written, applied in wall-clock units."""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

import pytest
from dateutil import rrule
from dateutil.relativedelta import relativedelta
from hypothesis import example, given
from hypothesis import strategies as st

from engagerules import Duration, parse_duration

LONDON = ZoneInfo("Europe/London")


#: Any duration, in units of any size and mixed.
_MIXED = st.builds(
    Duration,
    years=st.integers(0, 3),
    months=st.integers(0, 25),
    weeks=st.integers(0, 9),
    days=st.integers(0, 40),
    hours=st.integers(0, 49),
    minutes=st.integers(0, 61),
)


@given(_MIXED)
def test_text_round_trips(duration: Duration) -> None:
    """str() gives ISO 8601 text that parses back to the same duration."""
    if duration.is_zero:
        return
    assert parse_duration(str(duration)) == duration


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("P1W", (rrule.WEEKLY, 1)),
        ("P6W", (rrule.WEEKLY, 6)),
        ("P4M", (rrule.MONTHLY, 4)),
        ("P1Y", (rrule.YEARLY, 1)),
        ("P1D", (rrule.DAILY, 1)),
        ("P1M2D", None),
        ("PT1H", None),
    ],
)
def test_recurrence_of_cadences(text: str, expected: tuple[int, int] | None) -> None:
    """Only a whole number of one calendar unit is a cycle."""
    assert parse_duration(text).recurrence() == expected


@pytest.mark.parametrize("text", ["", "P", "1W", "P1.5D", "PT", "P1X", "p1w"])
def test_bad_text_is_rejected_with_the_text(text: str) -> None:
    """The error quotes what was written."""
    with pytest.raises(ValueError, match="ISO 8601"):
        parse_duration(text)


def test_days_are_wall_clock_and_hours_are_elapsed() -> None:
    """P2D after 10:00 BST is 10:00 GMT two days on; PT48H is 48 real hours (09:00 GMT)."""
    start = datetime(2022, 10, 29, 10, 0, tzinfo=LONDON)
    assert parse_duration("P2D").after(start) == datetime(2022, 10, 31, 10, 0, tzinfo=LONDON)
    later = parse_duration("PT48H").after(start)
    assert later - start == timedelta(hours=48)
    assert later.astimezone(LONDON).hour == 9


def _month_end(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


@given(
    st.integers(1996, 2040),
    st.integers(1, 12),
    st.integers(1, 24),
    st.times(),
)
def test_a_month_after_a_month_end_is_the_next_month_end(
    year: int, month: int, months: int, at: time
) -> None:
    """From the last day of a month, N months later is the last day of that month, at the
    same wall-clock time: 28 February 2023 + P1M is 31 March, 29 February 2024 + P1Y is 28
    February 2025, so updates on the last day of every month never lapse."""
    start = datetime.combine(date(year, month, _month_end(year, month)), at, LONDON)
    due = Duration(months=months).after(start, LONDON).astimezone(LONDON)
    total = year * 12 + month - 1 + months
    target = (total // 12, total % 12 + 1)
    assert (due.year, due.month, due.day) == (*target, _month_end(*target))
    if not _clocks_change(start.date()) and not _clocks_change(due.date()):
        assert due.time() == at


def _clocks_change(day: date) -> bool:
    """Whether the clocks go forward or back on `day` in London (some times of day then
    do not exist, or come twice)."""
    first, last = datetime.combine(day, time(0), LONDON), datetime.combine(day, time(23), LONDON)
    return first.utcoffset() != last.utcoffset()


@given(st.dates(date(1996, 1, 1), date(2040, 12, 31)), st.integers(1, 24))
def test_other_days_keep_their_day_or_take_the_month_end(day: date, months: int) -> None:
    """From any other day the day of the month is kept, or the month's last if it has
    fewer: 30 January + P1M is 28 February (29 in a leap year)."""
    if day.day == _month_end(day.year, day.month):
        return
    noon = datetime.combine(day, time(12), LONDON)
    due = Duration(months=months).after(noon, LONDON).astimezone(LONDON)
    assert due.day == min(day.day, _month_end(due.year, due.month))
    assert (due.year * 12 + due.month) - (day.year * 12 + day.month) == months


@given(
    st.dates(date(1996, 1, 1), date(2040, 12, 31)),
    st.integers(0, 400),
    st.sampled_from(["P1M", "P3M", "P4M", "P6M", "P1Y", "P6W", "P1D"]),
)
def test_a_later_update_never_falls_due_earlier(first: date, apart: int, text: str) -> None:
    """Counting from a later day never gives an earlier due date, month ends included
    (31 January and 1 February both fall due after 28 February's due date is passed)."""
    cadence = parse_duration(text)
    a = datetime.combine(first, time(12), LONDON)
    b = datetime.combine(first + timedelta(days=apart), time(12), LONDON)
    assert cadence.after(a, LONDON) <= cadence.after(b, LONDON)


@pytest.mark.parametrize(
    ("start", "text", "expected"),
    [
        ("2023-02-28T10:00", "P1M", "2023-03-31T10:00"),
        ("2024-02-29T10:00", "P1M", "2024-03-31T10:00"),
        ("2023-01-31T10:00", "P1M", "2023-02-28T10:00"),
        ("2023-01-30T10:00", "P1M", "2023-02-28T10:00"),
        ("2023-02-27T10:00", "P1M", "2023-03-27T10:00"),
        ("2024-02-29T00:00", "P1Y", "2025-02-28T00:00"),
        ("2023-02-28T00:00", "P1Y", "2024-02-29T00:00"),
        ("2022-11-30T09:00", "P3M", "2023-02-28T09:00"),
        ("2023-02-28T09:00", "P6W", "2023-04-11T09:00"),
    ],
)
def test_month_ends_by_example(start: str, text: str, expected: str) -> None:
    """The month-end rule applies to months and years only; weeks and days count days."""
    moment = datetime.fromisoformat(start).replace(tzinfo=LONDON)
    due = parse_duration(text).after(moment, LONDON).astimezone(LONDON)
    assert due.replace(tzinfo=None) == datetime.fromisoformat(expected)


def _by_relativedelta(duration: Duration, moment: datetime, zone: tzinfo) -> datetime:
    """`Duration.after` as first written, by `relativedelta`: the plain rule."""
    local = moment.astimezone(zone).replace(tzinfo=None)
    month_end = bool(duration.years or duration.months) and (local + timedelta(days=1)).day == 1
    calendar = relativedelta(
        years=duration.years,
        months=duration.months,
        weeks=duration.weeks,
        days=duration.days,
        day=31 if month_end else None,
    )
    wall = (local + calendar).replace(tzinfo=zone)
    return wall.astimezone(UTC) + timedelta(hours=duration.hours, minutes=duration.minutes)


#: Durations as plans write them (one unit), and any mixture.
_DURATIONS = st.one_of(
    st.sampled_from(
        [parse_duration(t) for t in ("P1D", "P2D", "P1W", "P1M", "P2M", "P1Y", "PT1H")]
    ),
    _MIXED,
)

#: Instants around London's clock changes, month ends and 29 February, and any other.
_MOMENTS = st.one_of(
    st.datetimes(datetime(1996, 1, 1), datetime(2040, 12, 31), timezones=st.just(UTC)),
    st.builds(
        lambda day, minutes: datetime.combine(day, time(0), UTC) + timedelta(minutes=minutes),
        st.sampled_from(
            [
                date(y, m, d)
                for y in (2022, 2023, 2024)
                for m, d in ((2, 28), (2, 29), (3, 26), (3, 27), (3, 31), (10, 29), (10, 30))
                if calendar.monthrange(y, m)[1] >= d
            ]
            + [date(y, m, calendar.monthrange(y, m)[1]) for y in (2023, 2024) for m in range(1, 13)]
            + [date(2011, 12, 29), date(2011, 12, 30)]  # Samoa skipped the 30th
        ),
        st.integers(-1440, 2 * 1440),
    ),
)


@given(
    _DURATIONS,
    _MOMENTS,
    st.sampled_from([LONDON, ZoneInfo("America/New_York"), ZoneInfo("Australia/Lord_Howe"), UTC]),
)
def test_after_is_relativedelta_arithmetic(
    duration: Duration, moment: datetime, zone: tzinfo
) -> None:
    """`after` moves the wall clock by its own arithmetic (no `relativedelta` is built,
    a fifth of the time): the instant `relativedelta` gives, across clock changes (in gaps
    and folds too), month ends and leap years, in any zone."""
    assert duration.after(moment, zone) == _by_relativedelta(duration, moment, zone)


@given(
    _DURATIONS,
    _MOMENTS,
    st.sampled_from(
        [LONDON, ZoneInfo("Pacific/Apia"), ZoneInfo("Pacific/Kiritimati"), ZoneInfo("Etc/GMT+12")]
    ),
)
@example(parse_duration("P1D"), datetime(2022, 3, 26, 12, tzinfo=UTC), LONDON)  # 23 hours
@example(parse_duration("P1M"), datetime(2023, 1, 31, 12, tzinfo=UTC), LONDON)  # 28 days
@example(parse_duration("P2D"), datetime(2011, 12, 29, 12, tzinfo=UTC), ZoneInfo("Pacific/Apia"))
def test_least_is_never_more_than_after_moves(
    duration: Duration, moment: datetime, zone: tzinfo
) -> None:
    """No instant is moved by less than `least` (a record nearer its previous needs no
    deadline worked out), across clock changes, month ends, leap years and a zone that
    skipped a day (Samoa, 30 December 2011)."""
    assert duration.after(moment, zone) - moment >= duration.least
