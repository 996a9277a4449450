"""Periods a record names (issue 19): read by the calendar or the duty's own declared
years, counted only for the window holding them, from their first day to the grace after
their end; an unreadable label is rejected where it is read."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import FIXTURES
from engagerules import Cycle, Duration, Status, evaluate, load_force, parse_events
from engagerules.model.periods import (
    NamedPeriod,
    Window,
    is_period_label,
    local_midnight,
    named_period,
    period_fate,
)

LONDON = ZoneInfo("Europe/London")
CONTRACT_YEARS = Cycle(Duration(years=1), date(2019, 8, 1))


@pytest.mark.parametrize(
    ("label", "first", "end"),
    [
        ("2022-12-05", date(2022, 12, 5), date(2022, 12, 6)),
        ("2022-12", date(2022, 12, 1), date(2023, 1, 1)),
        ("2022-Q4", date(2022, 10, 1), date(2023, 1, 1)),
        ("2022-q1", date(2022, 1, 1), date(2022, 4, 1)),
        ("2022-H2", date(2022, 7, 1), date(2023, 1, 1)),
        ("2022", date(2022, 1, 1), date(2023, 1, 1)),
        (2022, date(2022, 1, 1), date(2023, 1, 1)),
    ],
)
def test_calendar_labels_name_their_days(label: object, first: date, end: date) -> None:
    """Day, month, quarter, half and year labels name the calendar's days, end exclusive."""
    assert named_period(label) == NamedPeriod(str(label), first, end)


def test_a_split_year_is_the_duty_year_that_starts_in_its_first_year() -> None:
    """'2019-20' is the contract year from 1 August 2019, when the duty declares its years."""
    period = named_period("2019-20", CONTRACT_YEARS)
    assert period == NamedPeriod("2019-20", date(2019, 8, 1), date(2020, 8, 1))
    assert named_period("2019-20") is None  # a duty without declared years cannot read it
    assert named_period("1999-00", CONTRACT_YEARS) == NamedPeriod(
        "1999-00", date(1999, 8, 1), date(2000, 8, 1)
    )


@pytest.mark.parametrize(
    "label", ["2022-13", "2022-Q5", "2022-H3", "2019-21", "Dec 2022", "", True]
)
def test_unreadable_labels_name_nothing(label: object) -> None:
    """A label that is no period is never read as one (nor as the wrong one)."""
    assert named_period(label, CONTRACT_YEARS) is None
    assert not is_period_label(label)


def _month(year: int, month: int) -> Window:
    start = date(year, month, 1)
    following = date(year + month // 12, month % 12 + 1, 1)
    return Window(local_midnight(start, LONDON), local_midnight(following, LONDON), LONDON)


def test_a_record_made_before_the_month_it_names_never_counts_for_it() -> None:
    """28 November naming December: early for December; 1 December: counts."""
    december, grace = _month(2022, 12), Duration(days=7)
    period = named_period("2022-12")
    early = datetime(2022, 11, 28, 10, tzinfo=UTC)
    assert period_fate(period, early, december, grace) == "period_early"
    assert period_fate(period, datetime(2022, 12, 1, tzinfo=UTC), december, grace) is None


def test_grace_runs_from_the_end_of_the_named_period() -> None:
    """Up to seven days after December ends counts; the instant the grace ends does not."""
    december, grace = _month(2022, 12), Duration(days=7)
    period = named_period("2022-12")
    assert period_fate(period, datetime(2023, 1, 7, 23, 59, tzinfo=UTC), december, grace) is None
    late = datetime(2023, 1, 8, tzinfo=UTC)
    assert period_fate(period, late, december, grace) == "period_late"


def test_a_quarter_counts_for_its_quarter_never_for_one_of_its_months() -> None:
    """'2022-Q4' fits a quarterly window; in October's window it is no single month."""
    quarter = Window(
        local_midnight(date(2022, 10, 1), LONDON), local_midnight(date(2023, 1, 1), LONDON)
    )
    at = datetime(2022, 12, 20, tzinfo=UTC)
    grace = Duration(months=1)
    assert period_fate(named_period("2022-Q4"), at, quarter, grace) is None
    assert period_fate(named_period("2022-Q4"), at, _month(2022, 10), grace) == "period_unfit"
    assert period_fate(named_period("2022-11"), at, quarter, grace) is None
    assert period_fate(named_period("2022-Q3"), at, quarter, grace) == "other_period"


_LABELS = st.one_of(
    st.builds(lambda y, m: f"{y}-{m:02d}", st.integers(2022, 2024), st.integers(1, 12)),
    st.builds(lambda y, q: f"{y}-Q{q}", st.integers(2022, 2024), st.integers(1, 4)),
    st.builds(lambda y, h: f"{y}-H{h}", st.integers(2022, 2024), st.integers(1, 2)),
    st.builds(str, st.integers(2022, 2024)),
    st.builds(lambda d: d.isoformat(), st.dates(date(2022, 1, 1), date(2024, 12, 31))),
)


@settings(max_examples=300, deadline=None)
@given(
    label=_LABELS,
    months=st.sampled_from([1, 3, 6, 12]),
    day=st.dates(date(2022, 1, 1), date(2024, 12, 31)),
    minutes=st.integers(-400 * 24 * 60, 400 * 24 * 60),
)
def test_a_label_never_counts_for_a_period_it_does_not_name(
    label: str, months: int, day: date, minutes: int
) -> None:
    """Whatever the label, the window and the moment, a record counts for a window only if
    the window holds every day the label names and the record was made on or after the
    first of them."""
    cycle = Cycle(Duration(months=months))
    window = next(cycle.windows(range_window(day), LONDON))
    at = local_midnight(day, LONDON) + timedelta(minutes=minutes)
    period = named_period(label)
    assert period is not None
    if period_fate(period, at, window, Duration(days=7)) is None:
        assert window.local_start.date() <= period.first
        assert local_midnight(period.end, LONDON) <= window.end
        assert at >= local_midnight(period.first, LONDON)


def range_window(day: date) -> Window:
    return Window(local_midnight(day, LONDON), local_midnight(day + timedelta(days=1), LONDON))


def test_an_unreadable_declared_label_is_rejected_where_it_is_read() -> None:
    """A `period` attribute that is no label is a rejection naming file, line and forms."""
    force = load_force(FIXTURES.parent.parent / "forces" / "gwent")
    record: dict[str, Any] = {
        "id": "r1",
        "type": "council_written_report",
        "at": "2022-12-05T10:00:00Z",
        "scope": "bargoed",
        "role": "CSO",
        "attrs": {"for_period": "Dec 2022"},
    }
    log = parse_events([("log.jsonl", 3, record)], force)
    (rejection,) = log.rejections
    assert rejection.line == 3 and "is not a period" in rejection.reason


def test_unmatched_period_records_say_why() -> None:
    """Records naming a period they cannot count for are unmatched with their own reason."""
    force = load_force(FIXTURES / "verdicts")
    records = [
        {"id": "early", "type": "report", "at": "2023-05-28T10:00:00Z", "scope": "north",
         "role": "PS", "attrs": {"for_period": "2023-06"}},
        {"id": "late", "type": "report", "at": "2023-06-20T10:00:00Z", "scope": "north",
         "role": "PS", "attrs": {"for_period": "2023-05"}},
        {"id": "long", "type": "report", "at": "2023-06-20T10:00:00Z", "scope": "north",
         "role": "PS", "attrs": {"for_period": "2023-Q2"}},
        {"id": "ok", "type": "report", "at": "2023-06-02T10:00:00Z", "scope": "south",
         "role": "PS", "attrs": {"for_period": "2023-05"}},
    ]  # fmt: skip
    log = parse_events([("log", i + 1, r) for i, r in enumerate(records)], force)
    as_of = datetime(2023, 7, 10, tzinfo=UTC)
    report = evaluate(force, log, date(2023, 5, 1), date(2023, 6, 30), as_of)
    by = {(r.obligation, r.scope, r.window.local_start.date()): r for r in report.results}
    assert by[("v.report", "south", date(2023, 5, 1))].status is Status.MET
    assert by[("v.report", "north", date(2023, 6, 1))].status is Status.MISSED
    assert report.events.by_reason == {"period_early": 1, "period_late": 1, "period_unfit": 1}
