"""ISO 8601 durations as written, applied in wall-clock units."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from dateutil import rrule
from hypothesis import given
from hypothesis import strategies as st

from engagerules import Duration, parse_duration

LONDON = ZoneInfo("Europe/London")


@given(
    st.builds(
        Duration,
        years=st.integers(0, 3),
        months=st.integers(0, 11),
        weeks=st.integers(0, 8),
        days=st.integers(0, 9),
        hours=st.integers(0, 48),
        minutes=st.integers(0, 59),
    )
)
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
