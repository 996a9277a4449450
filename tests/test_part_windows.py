"""Per person, part windows (issue 19): whether someone in post for only part of a window
owes it is a stated rule of the duty, by default not, and shown as a reading."""

from __future__ import annotations

import json
import tempfile
from datetime import UTC, date, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from engagerules import Force, Part, Report, Status, evaluate, load_force, parse_events
from strategies import FORCE_BASE


def _config(part_windows: str | None) -> str:
    roster: dict[str, Any] = {"types": ["enrolled"], "clears": ["departed"]}
    if part_windows is not None:
        roster["part_windows"] = part_windows
    obligation = {
        "id": "t.hours",
        "title": "3 hours a month",
        "kind": "recurring",
        "cadence": "P1M",
        "owner": "CADET",
        "scope": {"per": "person", "roster": roster},
        "evidence": [{"types": ["volunteering"], "sum": "hours", "min": 3}],
        "source": {"document": "plan.txt", "section": "Rules"},
    }
    return json.dumps({**FORCE_BASE, "obligations": [obligation]}, sort_keys=True)


@cache
def _force(part_windows: str | None) -> Force:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "force.json"
        path.write_text(_config(part_windows), encoding="utf-8")
        return load_force(path)


def _run(force: Force, records: list[dict[str, Any]]) -> Report:
    log = parse_events([("log", i + 1, r) for i, r in enumerate(records)], force)
    as_of = datetime(2023, 2, 1, tzinfo=UTC)
    return evaluate(force, log, date(2022, 10, 1), date(2022, 12, 31), as_of)


def _months(report: Report) -> dict[date, Status]:
    return {r.window.local_start.date(): r.status for r in report.results}


JOINED_LATE = {"id": "j", "type": "enrolled", "at": "2022-10-31T16:00:00Z", "person": "p1"}


def test_joining_on_the_last_afternoon_does_not_owe_that_month() -> None:
    """By default a month in post for part of its last day is not owed; the next is."""
    months = _months(_run(_force(None), [JOINED_LATE]))
    assert months == {date(2022, 11, 1): Status.MISSED, date(2022, 12, 1): Status.MISSED}


def test_leaving_during_a_month_stops_it_being_owed() -> None:
    """A leaver owes the whole months before leaving, not the one they leave in."""
    records = [
        {"id": "j", "type": "enrolled", "at": "2022-09-01", "person": "p1"},
        {"id": "x", "type": "departed", "at": "2022-11-02T09:00:00Z", "person": "p1"},
        {"id": "h", "type": "volunteering", "at": "2022-11-01T10:00:00Z", "person": "p1",
         "role": "CADET", "attrs": {"hours": 3}},
    ]  # fmt: skip
    report = _run(_force(None), records)
    assert _months(report) == {date(2022, 10, 1): Status.MISSED}
    # The hours (and the departure) are accounted for, not dropped: nobody owed November.
    assert report.events.by_reason == {"outside_range": 1, "nothing_owed": 2}


def test_a_duty_may_state_that_part_windows_are_owed() -> None:
    """With `part_windows: owed`, the month joined on its last afternoon is owed too."""
    months = _months(_run(_force("owed"), [JOINED_LATE]))
    assert months[date(2022, 10, 1)] is Status.MISSED


def test_the_rule_is_shown_as_a_reading_of_who_owes_the_duty() -> None:
    """Unless the configuration reads the units itself, the part-window rule is shown."""
    for part_windows, words in ((None, "whole periods"), ("owed", "even part of it")):
        reading = _force(part_windows).obligations[0].readings.of(Part.UNITS)
        assert reading is not None and words in reading.sentence()


_INSTANTS = st.integers(0, 92 * 24 * 4).map(
    lambda quarter_hours: datetime(2022, 10, 1, tzinfo=UTC) + timedelta(minutes=15 * quarter_hours)
)


@settings(max_examples=150, deadline=None)
@given(joined=_INSTANTS, stay=st.none() | st.integers(1, 92 * 24 * 4))
def test_only_whole_months_in_post_are_owed(joined: datetime, stay: int | None) -> None:
    """Whatever the joining and leaving instants, the months owed are exactly those in
    post from their first to their last moment."""
    records = [{"id": "j", "type": "enrolled", "at": joined.isoformat(), "person": "p1"}]
    left = None if stay is None else joined + timedelta(minutes=15 * stay)
    if left is not None:
        records.append({"id": "x", "type": "departed", "at": left.isoformat(), "person": "p1"})
    report = _run(_force(None), records)
    owed = {r.window.local_start.date() for r in report.results}
    expected = {
        r.window.local_start.date()
        for r in _run(_force("owed"), records).results
        if joined <= r.window.start and (left is None or left >= r.window.end)
    }
    assert owed == expected
