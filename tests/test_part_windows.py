"""Per person, part windows (issue 19): whether someone in post for only part of a window
owes it is a stated rule of the duty, by default not, and shown as a reading."""

from __future__ import annotations

import json
import tempfile
from datetime import UTC, date, datetime, timedelta
from functools import cache
from itertools import pairwise
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
    # The enrolment and the departure decide who owes the range's months, so they are
    # matched wherever they fall (audit auds: the enrolment, made before the range, was
    # `outside_range`); the hours are accounted for, not dropped: nobody owed November.
    assert report.events.matched == 2
    assert report.events.by_reason == {"nothing_owed": 1}


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


# ---------------------------------------------------------------- the plan's first day


def _plan_force(
    folder: Path, cadence: str, first: date, part: str | None, own: dict[str, Any] | None = None
) -> Force:
    effective: dict[str, Any] = {"from": first.isoformat()}
    if part is not None:
        effective["part_windows"] = part
    duty: dict[str, Any] = {
        "id": "t.tweets",
        "title": "A tweet each period",
        "kind": "recurring",
        "cadence": cadence,
        "owner": "CSO",
        "evidence": [{"types": ["tweet"], "for_period": {"attr": "for_period", "grace": "P7D"}}],
        "source": {"document": "plan.txt", "section": "Rules"},
    }
    if own is not None:
        duty["effective"] = own
    path = folder / "force.json"
    path.write_text(json.dumps({**FORCE_BASE, "effective": effective, "obligations": [duty]}))
    return load_force(path)


@settings(max_examples=40, deadline=None)
@given(
    cadence=st.sampled_from(["P1W", "P1M", "P3M", "P1Y"]),
    first=st.dates(min_value=date(2019, 1, 1), max_value=date(2024, 12, 31)),
    part=st.sampled_from([None, "not_owed", "owed"]),
)
def test_the_period_under_way_on_the_plans_first_day_is_owed_from_it_only_where_declared(
    cadence: str, first: date, part: str | None
) -> None:
    """With `part_windows: owed` the windows tile from the plan's first day (the first one
    from that midnight to its period's end); otherwise the first judged starts on or after
    it, a period start. Nothing is owed before the plan either way."""
    with tempfile.TemporaryDirectory() as folder:
        force = _plan_force(Path(folder), cadence, first, part)
    report = evaluate(force, [], first - timedelta(days=400), first + timedelta(days=400), _NOW_FAR)
    windows = sorted(r.window for r in report.results)
    local = [w.local_start for w in windows]
    assert all(s.date() >= first for s in local)
    assert all(a.end == b.start for a, b in pairwise(windows))
    (ob,) = force.obligations
    cycle = ob.cycle
    assert cycle is not None
    on_start = cycle.first_start_on_or_before(first) == first
    assert (local[0].date() == first) is (part == "owed" or on_start)
    assert local[0].hour == 0


def test_a_record_naming_the_whole_period_counts_in_its_part_and_nothing_before_the_plan() -> None:
    """A month begun before the plan: a record made in its part naming the month counts,
    one made before the plan's day does not; a duty with its own date keeps whole periods."""
    first = date(2019, 8, 2)
    with tempfile.TemporaryDirectory() as folder:
        force = _plan_force(Path(folder), "P1M", first, "owed")
        own = _plan_force(Path(folder), "P1M", first, "owed", {"part_windows": "not_owed"})
    early = {"id": "e0", "type": "tweet", "at": "2019-08-01T10:00:00+01:00", "role": "CSO"}
    named = {**early, "id": "e1", "at": "2019-09-03T10:00:00+01:00"}
    named["attrs"] = {"for_period": "2019-08"}
    for log, status in (([early], Status.MISSED), ([early, named], Status.MET)):
        events = parse_events([("t", i + 1, r) for i, r in enumerate(log)], force)
        report = evaluate(force, events, date(2019, 8, 1), date(2019, 8, 31), _NOW_FAR)
        (august,) = report.results
        assert august.window.local_start.date() == first
        assert august.status is status
    kept = evaluate(own, [], date(2019, 8, 1), date(2019, 9, 30), _NOW_FAR).results
    assert [r.window.local_start.date() for r in kept] == [date(2019, 9, 1)]
    assert own.obligations[0].readings.of(Part.EFFECTIVE) is not None


_NOW_FAR = datetime(2030, 1, 1, tzinfo=UTC)
