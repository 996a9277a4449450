"""The calendar export, proved with parsers that are not ours.

Every exported file is expanded by recurring-ical-events (Python) and by Mozilla's ical.js
(the parser inside Thunderbird, run under node), and the occurrences are compared one by
one, both ways, with `schedule()` as `engagerules schedule --format json` shows it. The
expected side is computed here from the documented placement (all-day items on the first
day of their window; timed items at their local time), never copied from the exporter.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import attrs
import icalendar
import pytest
import recurring_ical_events
from dateutil import rrule
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engagerules import (
    Advisory,
    Citation,
    ConfigError,
    Cycle,
    Duration,
    Force,
    Kind,
    Obligation,
    Recurring,
    Requirement,
    Scope,
    available_forces,
    build_calendar,
    due_json,
    duty_calendar,
    evaluate,
    load_force,
    open_force,
    read_events,
    schedule,
    simulate,
)
from engagerules.cli import main
from engagerules.engine.schedule import applies_to_scope, owned_by
from engagerules.model.words import role_words
from strategies import cycles, date_ranges

HERE = Path(__file__).parent
FIXTURES = HERE / "fixtures"
JS = HERE / "js"
SRC = HERE.parent / "src"
LONDON = ZoneInfo("Europe/London")

#: A year that crosses both clock changes: 30 October 2022 and 26 March 2023.
YEAR = (date(2022, 10, 1), date(2023, 9, 30))
#: Two years for the fixture force, so yearly series repeat and February 2024 has 29 days.
TWO_YEARS = (date(2022, 10, 1), date(2024, 9, 30))
STAMP = datetime(2022, 9, 1, tzinfo=UTC)

#: Every bundled force (and installed plugin), so forces merged later are covered too.
FORCE_NAMES = [source.name for source in available_forces()]

Key = tuple[str, str, datetime, datetime, str]


# ---------------------------------------------------------------------------- helpers


def _fixture(name: str) -> Force:
    return load_force(FIXTURES / name)


def _force(name: str) -> Force:
    return (
        _fixture(name.removeprefix("fixture:")) if name.startswith("fixture:") else open_force(name)
    )


def _local_midnight_utc(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def _expected(
    force: Force, start: date, end: date, role: str | None = None, scope: str | None = None
) -> Counter[Key]:
    """What the schedule says, in the calendar's documented placement, from its JSON."""
    zone = ZoneInfo(str(force.zone))
    found: Counter[Key] = Counter()
    weeks: set[tuple[int, str, date]] = set()
    for due in schedule(force, start, end, role=role, scope=scope):
        shape = due_json(due)
        begin = datetime.fromisoformat(shape["start"])
        finish = datetime.fromisoformat(shape["end"])
        unit = shape["scope"] or "force-wide"
        ob = due.obligation
        every_day = str(ob.cadence) == "P1D" and not ob.times and not ob.scope.rota
        if every_day and begin.time() == time(0) and finish.time() == time(0):
            # one item per week, on its Monday (or the first day of a week the range cuts)
            monday = begin.date() - timedelta(days=begin.weekday())
            if (id(ob), unit, monday) in weeks:
                continue
            weeks.add((id(ob), unit, monday))
            first_day = begin.date()  # schedule is in time order: the week's first day
            start_utc = _local_midnight_utc(first_day, zone)
            end_utc = _local_midnight_utc(first_day + timedelta(days=1), zone)
            found[(shape["obligation"], unit, start_utc, end_utc, "all-day")] += 1
        elif begin.time() == time(0) and finish.time() == time(0):
            first_day = max(begin.date(), start)  # a period under way: from the first day
            start_utc = _local_midnight_utc(first_day, zone)
            end_utc = _local_midnight_utc(first_day + timedelta(days=1), zone)
            found[(shape["obligation"], unit, start_utc, end_utc, "all-day")] += 1
        else:
            local = begin.strftime("%H:%M")
            key = (shape["obligation"], unit, begin.astimezone(UTC), finish.astimezone(UTC), local)
            found[key] += 1
    return found


def _wall(reading: datetime, zone: ZoneInfo) -> str:
    """The local time a parser read, as a clock shows it. A time the parser gives in UTC is
    shown in the zone; a local reading is kept, except that one inside the spring gap
    (01:30 on the day clocks go forward) is the instant 02:30 BST, as RFC 5545 says."""
    if reading.tzinfo is not None and str(reading.tzinfo) != str(zone):
        return reading.astimezone(zone).strftime("%H:%M")
    naive = reading.replace(tzinfo=None)
    return naive.replace(tzinfo=zone).astimezone(UTC).astimezone(zone).strftime("%H:%M")


def _python_occurrences(ics: bytes, zone: ZoneInfo) -> Counter[Key]:
    """Occurrences as recurring-ical-events expands them (VTIMEZONE read by icalendar)."""
    cal = icalendar.Calendar.from_ical(ics)
    found: Counter[Key] = Counter()
    query = recurring_ical_events.of(cal)
    for item in query.between(datetime(1990, 1, 1), datetime(2100, 1, 1)):
        if "X-ENGAGERULES-TRIGGER" in item:
            continue
        begin, finish = item["DTSTART"].dt, item["DTEND"].dt
        ob, unit = str(item["X-ENGAGERULES-OBLIGATION"]), str(item["X-ENGAGERULES-SCOPE"])
        if isinstance(begin, datetime):
            local = _wall(begin, zone)
            found[(ob, unit, begin.astimezone(UTC), finish.astimezone(UTC), local)] += 1
        else:
            found[
                (
                    ob,
                    unit,
                    _local_midnight_utc(begin, zone),
                    _local_midnight_utc(finish, zone),
                    "all-day",
                )
            ] += 1
    return found


def _node() -> str:
    """node with ical.js installed; a failure in CI, where these tests must run."""
    node = shutil.which("node")
    if node is None or not (JS / "node_modules" / "ical.js" / "package.json").is_file():
        msg = "node and ical.js are needed (run tools/setup-calendar.sh: npm ci in tests/js)"
        if os.environ.get("CI") == "true":
            pytest.fail(msg)
        pytest.skip(msg)
    return node


def _ical_js(path: Path, stop: date = date(2100, 1, 1)) -> dict[str, Any]:
    """The file as ical.js reads and expands it (the zone from the file's VTIMEZONE)."""
    done = subprocess.run(
        [_node(), str(JS / "expand.mjs"), str(path), stop.isoformat()],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert done.returncode == 0, f"ical.js failed on {path}: {done.stderr}"
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def _js_occurrences(expanded: dict[str, Any], zone: ZoneInfo) -> Counter[Key]:
    found: Counter[Key] = Counter()
    for occ in expanded["occurrences"]:
        if occ["all_day"]:
            begin = _local_midnight_utc(date.fromisoformat(occ["start"]), zone)
            finish = _local_midnight_utc(date.fromisoformat(occ["end"]), zone)
            local = "all-day"
        else:
            begin = datetime.fromtimestamp(occ["start_unix"], UTC)
            finish = datetime.fromtimestamp(occ["end_unix"], UTC)
            local = _wall(datetime.fromisoformat(occ["start"]), zone)
        found[(occ["obligation"], occ["scope"], begin, finish, local)] += 1
    return found


def _same(actual: Counter[Key], expected: Counter[Key], parser: str) -> None:
    """A bijection: every occurrence matches a due window, and every due window one item."""
    extra = actual - expected
    missing = expected - actual
    assert not extra and not missing, (
        f"{parser}: {sum(extra.values())} occurrences match no due window, e.g. "
        f"{sorted(extra)[:3]}; {sum(missing.values())} due windows have no occurrence, e.g. "
        f"{sorted(missing)[:3]}"
    )


def _write(tmp_path: Path, cal: icalendar.Calendar, name: str = "duties.ics") -> Path:
    path = tmp_path / name
    path.write_bytes(cal.to_ical())
    return path


def _events(cal: icalendar.Calendar) -> list[icalendar.Event]:
    return list(cal.walk("VEVENT"))


_RULE_KEYS = {
    "FREQ",
    "INTERVAL",
    "UNTIL",
    "COUNT",
    "BYDAY",
    "BYMONTHDAY",
    "BYMONTH",
    "BYSETPOS",
    "WKST",
}
_WEEKDAY = re.compile(r"^(MO|TU|WE|TH|FR|SA|SU)$")


def outlook_rule_problems(rule: str, dtstart: date | datetime) -> list[str]:
    """Why an RRULE falls outside the patterns Outlook maps (docs/calendar.md), if it does.

    Daily; weekly on plain weekdays; monthly on one day (or -1) or on one BYSETPOS of
    weekdays; yearly on one month and day, or nth weekday of one month. No ordinal BYDAY,
    no lists in BYMONTHDAY/BYMONTH/BYSETPOS, COUNT at most 999 and not with UNTIL, UNTIL
    in UTC for a timed start and a date for an all-day one.
    """
    parts = dict(p.split("=", 1) for p in rule.split(";"))
    problems = [f"{key} is not in the subset" for key in sorted(set(parts) - _RULE_KEYS)]
    freq = parts.get("FREQ")
    for key in ("BYMONTHDAY", "BYMONTH", "BYSETPOS", "INTERVAL", "COUNT"):
        if "," in parts.get(key, ""):
            problems.append(f"{key} is a list")
    for day in parts.get("BYDAY", "").split(",") if "BYDAY" in parts else []:
        if not _WEEKDAY.match(day):
            problems.append(f"BYDAY {day!r} has an ordinal")
    if "BYMONTHDAY" in parts and "," not in parts["BYMONTHDAY"]:
        value = int(parts["BYMONTHDAY"])
        if not (1 <= value <= 31 or value == -1):
            problems.append(f"BYMONTHDAY {value} is neither a day nor -1")
    if "COUNT" in parts and "UNTIL" in parts:
        problems.append("COUNT and UNTIL together")
    if "COUNT" in parts and "," not in parts["COUNT"] and int(parts["COUNT"]) > 999:
        problems.append("COUNT above 999")
    if "UNTIL" in parts:
        timed = isinstance(dtstart, datetime)
        if timed and not re.fullmatch(r"\d{8}T\d{6}Z", parts["UNTIL"]):
            problems.append("UNTIL of a timed series is not in UTC")
        if not timed and not re.fullmatch(r"\d{8}", parts["UNTIL"]):
            problems.append("UNTIL of an all-day series is not a date")
    by = {k for k in parts if k.startswith("BY")}
    allowed = {
        "DAILY": [set()],
        "WEEKLY": [set(), {"BYDAY"}],
        "MONTHLY": [set(), {"BYMONTHDAY"}, {"BYDAY", "BYSETPOS"}],
        "YEARLY": [set(), {"BYMONTH", "BYMONTHDAY"}, {"BYMONTH", "BYDAY", "BYSETPOS"}],
    }
    if freq not in allowed:
        problems.append(f"FREQ {freq} is not daily, weekly, monthly or yearly")
    elif by not in allowed[freq]:
        problems.append(f"{freq} with {sorted(by)} is not one of Outlook's patterns")
    return problems


def _first_of(rule: str, dtstart: date | datetime) -> datetime:
    """The first occurrence dateutil gives, to check DTSTART is one (RFC 5545 says a
    DTSTART off the rule still counts, and Outlook then disagrees with everyone)."""
    naive = (
        dtstart.replace(tzinfo=None)
        if isinstance(dtstart, datetime)
        else datetime.combine(dtstart, time(0))
    )
    body = re.sub(r"UNTIL=[^;]*;?", "", rule).rstrip(";")
    first: datetime = rrule.rrulestr(body, dtstart=naive)[0]
    return first


# ---------------------------------------------------------------------------- the proof


@pytest.mark.parametrize("name", [*FORCE_NAMES, "fixture:mini", "fixture:calendar"])
def test_both_parsers_expand_exactly_the_schedule(name: str, tmp_path: Path) -> None:
    """Both parsers expand each force's export to exactly the schedule's windows, and back."""
    force = _force(name)
    start, end = TWO_YEARS if name == "fixture:calendar" else YEAR
    zone = ZoneInfo(str(force.zone))
    cal = duty_calendar(force, start, end)
    path = _write(tmp_path, cal)
    expected = _expected(force, start, end)
    assert expected, f"{name} schedules nothing in the range: the test would prove nothing"
    _same(_python_occurrences(path.read_bytes(), zone), expected, "recurring-ical-events")
    _same(_js_occurrences(_ical_js(path), zone), expected, "ical.js")


def _clock_change_days(zone: ZoneInfo, first: date, last: date) -> set[date]:
    """Local dates on which the clocks change, found from zoneinfo day by day."""
    days = set()
    day = first
    while day <= last:
        here = datetime.combine(day, time(0), tzinfo=zone).utcoffset()
        following = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone).utcoffset()
        if here != following:
            days.add(day)
        day += timedelta(days=1)
    return days


@pytest.mark.parametrize("name", [*FORCE_NAMES, "fixture:mini", "fixture:calendar"])
def test_one_item_per_duty_unit_and_time(name: str) -> None:
    """One VEVENT per duty, unit and time; only clock-change days and cut first weeks apart."""
    force = _force(name)
    zone = ZoneInfo(str(force.zone))
    cal = duty_calendar(force, *YEAR)
    changes = _clock_change_days(zone, YEAR[0] - timedelta(days=1), YEAR[1] + timedelta(days=1))
    near_change = {d + timedelta(days=k) for d in changes for k in (-1, 0, 1)}
    uids = [str(e["UID"]) for e in _events(cal)]
    assert len(uids) == len(set(uids))
    groups: dict[tuple[str, str, str], list[icalendar.Event]] = {}
    for event in _events(cal):
        start = event["DTSTART"].dt
        at = start.astimezone(zone).strftime("%H:%M") if isinstance(start, datetime) else "all-day"
        version = str(event.get("DESCRIPTION", "")).count("In force: from")
        key = (
            str(event["X-ENGAGERULES-OBLIGATION"]),
            str(event["X-ENGAGERULES-SCOPE"]),
            f"{at}{version}",
        )
        groups.setdefault(key, []).append(event)
    for key, events in groups.items():
        series = [e for e in events if "RRULE" in e]
        apart = [e for e in events if "RRULE" not in e]
        under_way = [e for e in apart if e["DTSTART"].dt == YEAR[0]]  # from the first day
        assert len(series) + len(apart) - len(under_way) <= 1 or len(series) == 1, (
            f"{key} is split up"
        )
        if series:
            for event in apart:
                start = event["DTSTART"].dt
                if not isinstance(start, datetime) and start == YEAR[0]:
                    continue  # a period under way on the export's first day: from that day
                if not isinstance(start, datetime):  # an every-day duty's cut first week
                    assert start.weekday() and start <= series[0]["DTSTART"].dt, key
                    assert len(apart) == 1 and "every day this week" in str(event["SUMMARY"])
                    continue
                day = start.astimezone(zone).date()
                assert day in near_change, f"{key}: {day} stands apart from its series"
    wanted = {
        (shape["obligation"], shape["scope"] or "force-wide")
        for shape in (due_json(d) for d in schedule(force, *YEAR))
    }
    assert {(ob, unit) for ob, unit, _ in groups} == wanted


@pytest.mark.parametrize("name", [*FORCE_NAMES, "fixture:mini", "fixture:calendar"])
def test_every_rule_keeps_to_the_outlook_subset(name: str) -> None:
    """Every exported RRULE is one of the patterns Outlook maps, starting on an occurrence."""
    force = _force(name)
    cal = duty_calendar(force, *TWO_YEARS)
    rules = 0
    for event in _events(cal):
        if "RRULE" not in event:
            continue
        rules += 1
        rule = event["RRULE"].to_ical().decode()
        start = event["DTSTART"].dt
        assert outlook_rule_problems(rule, start) == [], f"{event['UID']}: {rule}"
        naive = (
            start.replace(tzinfo=None)
            if isinstance(start, datetime)
            else datetime.combine(start, time(0))
        )
        assert _first_of(rule, start) == naive, f"DTSTART is not the first occurrence of {rule}"
    assert rules > 0


def test_outlook_subset_checker_rejects_what_outlook_cannot_show() -> None:
    """The subset check rejects what Outlook cannot show and accepts its six patterns."""
    at = datetime(2022, 10, 3, 8, tzinfo=LONDON)
    day = date(2022, 10, 3)
    bad = [
        ("FREQ=MONTHLY;BYDAY=2WE", at),
        ("FREQ=MONTHLY;BYMONTHDAY=1,15", at),
        ("FREQ=YEARLY;BYMONTH=3,9;BYMONTHDAY=1", at),
        ("FREQ=DAILY;BYHOUR=8,13", at),
        ("FREQ=DAILY;COUNT=1000", at),
        ("FREQ=DAILY;UNTIL=20230101T080000", at),
        ("FREQ=WEEKLY;UNTIL=20230101T000000Z", day),
        ("FREQ=WEEKLY;BYMONTHDAY=3", day),
        ("FREQ=MONTHLY;BYDAY=MO,TU;BYSETPOS=1,2", day),
        ("FREQ=HOURLY", at),
    ]
    for rule, start in bad:
        assert outlook_rule_problems(rule, start), rule
    good = [
        ("FREQ=DAILY;INTERVAL=2;UNTIL=20230101T080000Z", at),
        ("FREQ=WEEKLY;INTERVAL=6;BYDAY=MO", day),
        ("FREQ=MONTHLY;INTERVAL=3;BYMONTHDAY=-1;UNTIL=20231231", day),
        ("FREQ=MONTHLY;BYDAY=WE;BYSETPOS=2;COUNT=999", at),
        ("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=-1", day),
        ("FREQ=YEARLY;BYMONTH=10;BYDAY=SU;BYSETPOS=-1", day),
    ]
    for rule, start in good:
        assert outlook_rule_problems(rule, start) == [], rule


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    cycle=cycles(),
    days=date_ranges(max_days=400),
    rota=st.sampled_from([None, "listed", "any"]),
    at=st.none() | st.sampled_from([time(0, 30), time(1, 30), time(8), time(23, 15)]),
)
def test_any_cycle_expands_to_its_schedule(
    cycle: Cycle, days: tuple[date, date], rota: str | None, at: time | None
) -> None:
    """Any cadence, anchor, rota (in the listed order, or in any order: whole rounds) and
    time over any range expands to exactly its schedule."""
    if rota == "any" and at is not None:
        rota = "listed"  # a rota in any order has no times of day (validation refuses it)
    base = _fixture("mini")
    ob = Obligation(
        id="prop.duty",
        title="Property duty",
        rule=Recurring(
            cadence=cycle.every,
            anchor=cycle.anchor,
            times=() if at is None else (at,),
            slot=None if at is None else Duration(hours=1),
        ),
        owner="PS",
        source=Citation("plan.txt", "Weekly"),
        scope=Scope(
            "section", ("north", "south", "east"), rota=rota is not None, order=rota or "listed"
        ),
        evidence=(Requirement(("tweet",)),),
    )
    force = attrs.evolve(base, obligations=(ob,))
    # as the calendar is exported: a period under way on the first day shows from that day
    cal = duty_calendar(force, *days, stamp=STAMP)
    expected = _expected(force, *days)
    _same(_python_occurrences(cal.to_ical(), LONDON), expected, "recurring-ical-events")
    with tempfile.TemporaryDirectory() as folder:
        path = _write(Path(folder), cal)
        _same(_js_occurrences(_ical_js(path), LONDON), expected, "ical.js")


def test_eight_oclock_is_eight_local_on_both_sides_of_each_clock_change(tmp_path: Path) -> None:
    """The 08:00 briefing is 08:00 UK time on both sides of both clock changes, in both parsers."""
    force = _fixture("mini")
    path = _write(tmp_path, duty_calendar(force, *YEAR))
    days = [date(2022, 10, 29), date(2022, 10, 31), date(2023, 3, 25), date(2023, 3, 27)]
    expected = {day: datetime.combine(day, time(8), tzinfo=LONDON).astimezone(UTC) for day in days}
    assert {e.hour for e in expected.values()} == {7, 8}, "the days straddle the changes"
    js = [
        o
        for o in _ical_js(path)["occurrences"]
        if o["obligation"] == "mini.briefings" and not o["all_day"] and o["start"][11:16] == "08:00"
    ]
    js_by_day = {
        date.fromisoformat(o["start"][:10]): datetime.fromtimestamp(o["start_unix"], UTC)
        for o in js
    }
    py = [
        item
        for item in recurring_ical_events.of(
            icalendar.Calendar.from_ical(path.read_bytes())
        ).between(datetime(2022, 10, 1), datetime(2023, 10, 1))
        if str(item["X-ENGAGERULES-OBLIGATION"]) == "mini.briefings"
        and item["DTSTART"].dt.hour == 8
    ]
    py_by_day = {item["DTSTART"].dt.date(): item["DTSTART"].dt.astimezone(UTC) for item in py}
    for day, instant in expected.items():
        assert js_by_day[day] == instant, f"ical.js puts {day}'s 08:00 at {js_by_day[day]}"
        assert py_by_day[day] == instant, (
            f"recurring-ical-events puts {day}'s 08:00 at {py_by_day[day]}"
        )


@pytest.mark.parametrize("at", [time(0, 30), time(1), time(1, 30), time(2), time(23, 30)])
@pytest.mark.parametrize("hours", [1, 3])
def test_night_duties_across_clock_changes_match_in_both_parsers(
    at: time, hours: int, tmp_path: Path
) -> None:
    """Small-hours duties across a year's clock changes stay one series and expand exactly."""
    base = _fixture("mini")
    ob = Obligation(
        id="night.duty",
        title="Night duty",
        rule=Recurring(cadence=Duration(days=1), times=(at,), slot=Duration(hours=hours)),
        owner="PS",
        source=Citation("plan.txt", "Weekly"),
        evidence=(Requirement(("briefing",)),),
    )
    force = attrs.evolve(base, obligations=(ob,))
    cal = build_calendar(force, schedule(force, *YEAR), stamp=STAMP)
    path = _write(tmp_path, cal)
    expected = _expected(force, *YEAR)
    assert sum(expected.values()) == (YEAR[1] - YEAR[0]).days + 1
    _same(_python_occurrences(path.read_bytes(), LONDON), expected, "recurring-ical-events")
    _same(_js_occurrences(_ical_js(path), LONDON), expected, "ical.js")
    series = [e for e in _events(cal) if "RRULE" in e]
    assert len(series) == 1
    assert len(_events(cal)) <= 1 + 2 * 2, "at most two nights per change stand apart"


# ---------------------------------------------------------------------------- the file


def test_calendar_has_the_properties_outlook_needs() -> None:
    """The calendar and every item carry the properties Outlook needs, DTEND included."""
    cal = duty_calendar(_fixture("calendar"), *YEAR)
    assert str(cal["VERSION"]) == "2.0"
    assert str(cal["PRODID"]).startswith("-//")
    assert str(cal["METHOD"]) == "PUBLISH"
    assert "Calendar Fixture Constabulary" in str(cal["X-WR-CALNAME"])
    assert [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")] == ["Europe/London"]
    events = _events(cal)
    assert events
    for event in events:
        for prop in ("UID", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY", "DESCRIPTION", "CATEGORIES"):
            assert prop in event, f"{event.get('UID')} lacks {prop}"
        assert "DURATION" not in event
        start, end = event["DTSTART"].dt, event["DTEND"].dt
        assert type(start) is type(end)
        assert start < end


def test_lines_are_crlf_folded_and_at_most_75_octets() -> None:
    """Every line ends in CRLF, no bare CR or LF is left, and no line exceeds 75 octets."""
    data = duty_calendar(_fixture("calendar"), *YEAR).to_ical()
    assert data.endswith(b"\r\n")
    lines = data.split(b"\r\n")[:-1]
    assert all(b"\n" not in line and b"\r" not in line for line in lines)
    assert max(len(line) for line in lines) <= 75
    assert any(line.startswith(b" ") for line in lines), "long lines are folded"


def test_title_with_semicolon_comma_and_newline_round_trips(tmp_path: Path) -> None:
    """A title and description with ';', ',', newlines and non-ASCII round-trip in both parsers."""
    force = _fixture("calendar")
    (ob,) = force.obligation("calfix.awkward-text")
    assert all(c in ob.title for c in ";,\n\\")
    path = _write(tmp_path, duty_calendar(force, *YEAR))
    unit = force.unit("east")
    assert unit is not None
    parsed = [
        e
        for e in _events(icalendar.Calendar.from_ical(path.read_bytes()))
        if str(e["X-ENGAGERULES-OBLIGATION"]) == ob.id
    ]
    assert len(parsed) == 1
    assert str(parsed[0]["SUMMARY"]) == f"{ob.title} ({unit.name}): due by the end of the month"
    # a CRLF inside the text is one line break, as iCalendar TEXT has only one kind;
    # the title (first line) and the plan's quote carry the awkward characters
    title = ob.title.replace("\r\n", "\n")
    assert str(parsed[0]["DESCRIPTION"]).startswith(title)
    assert ob.source.quote is not None and ob.source.quote in str(parsed[0]["DESCRIPTION"])
    assert ob.description not in str(parsed[0]["DESCRIPTION"])  # a note for reviewers
    js = [e for e in _ical_js(path)["events"] if e["obligation"] == ob.id]
    assert len(js) == 1
    assert js[0]["summary"] == f"{ob.title} ({unit.name}): due by the end of the month"
    assert js[0]["description"].startswith(title) and ob.source.quote in js[0]["description"]


def test_same_inputs_give_byte_identical_files(tmp_path: Path) -> None:
    """Two exports in separate processes (different hash seeds) are byte for byte equal."""
    outputs = []
    for seed in ("1", "2"):
        out = tmp_path / f"run{seed}.ics"
        env = {**os.environ, "PYTHONPATH": str(SRC), "PYTHONHASHSEED": seed}
        env.pop("SOURCE_DATE_EPOCH", None)
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "engagerules",
                "calendar",
                str(FIXTURES / "calendar"),
                "--from",
                "2022-10-01",
                "--to",
                "2023-09-30",
                "-o",
                str(out),
            ],
            capture_output=True,
            text=True,
            env=env,
            check=False,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1]
    assert b"BEGIN:VEVENT" in outputs[0]


def test_dtstamp_is_the_configurations_published_time_not_the_clock() -> None:
    """Every DTSTAMP is the force's `published` instant in UTC."""
    force = _fixture("calendar")
    assert force.published is not None
    stamps = {e["DTSTAMP"].dt for e in _events(duty_calendar(force, *YEAR))}
    assert stamps == {force.published.astimezone(UTC)}


def test_source_date_epoch_sets_dtstamp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With SOURCE_DATE_EPOCH set, the CLI stamps every item with that instant."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    out = tmp_path / "d.ics"
    assert (
        main(
            [
                "calendar",
                str(FIXTURES / "calendar"),
                "--from",
                "2022-10-01",
                "--to",
                "2022-12-31",
                "-o",
                str(out),
            ]
        )
        == 0
    )
    stamps = {e["DTSTAMP"].dt for e in _events(icalendar.Calendar.from_ical(out.read_bytes()))}
    assert stamps == {datetime.fromtimestamp(1700000000, UTC)}


def test_bad_source_date_epoch_is_one_line_and_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A SOURCE_DATE_EPOCH that is not seconds is a usage error, not a traceback."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    code = main(
        [
            "calendar",
            "gwent",
            "--from",
            "2022-10-01",
            "--to",
            "2022-10-31",
            "-o",
            str(tmp_path / "x.ics"),
        ]
    )
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and "SOURCE_DATE_EPOCH" in err
    assert not (tmp_path / "x.ics").exists()


# ---------------------------------------------------------------------------- UIDs


def _uids(cal: icalendar.Calendar) -> dict[tuple[str, str, str], str]:
    found = {}
    for event in _events(cal):
        start = event["DTSTART"].dt
        at = start.strftime("%H:%M") if isinstance(start, datetime) else "all-day"
        key = (str(event["X-ENGAGERULES-OBLIGATION"]), str(event["X-ENGAGERULES-SCOPE"]), at)
        if key in found:
            key = (*key[:2], f"{at} {start}")
        found[key] = str(event["UID"])
    return found


def test_uids_survive_reexport_and_unrelated_edits() -> None:
    """UIDs survive re-export, another range, and edits to other duties; none is shared."""
    force = _fixture("calendar")
    before = _uids(duty_calendar(force, *YEAR))
    again = _uids(duty_calendar(force, date(2023, 1, 1), date(2023, 12, 31)))
    edited_ob, dropped_ob = (
        force.obligation("calfix.six-weekly")[0],
        force.obligation("calfix.quarterly")[0],
    )
    edited = attrs.evolve(
        force,
        obligations=tuple(
            attrs.evolve(o, title="Renamed; review") if o is edited_ob else o
            for o in force.obligations
            if o is not dropped_ob
        ),
    )
    after = _uids(duty_calendar(edited, *YEAR))
    assert len(set(before.values())) == len(before)
    shared = set(before) & set(again)
    assert len(shared) > 20
    assert all(before[k] == again[k] for k in shared)
    assert all(after[k] == before[k] for k in after), "an edit elsewhere changed a UID"
    assert not any(k[0] == "calfix.quarterly" for k in after)
    assert (
        after[("calfix.six-weekly", "force-wide", "all-day")]
        == before[("calfix.six-weekly", "force-wide", "all-day")]
    )


def test_uids_differ_by_force_unit_and_time_of_day() -> None:
    """The same duty in another unit, at another time, or in another force is another UID."""
    force = _fixture("calendar")
    uids = _uids(duty_calendar(force, *YEAR))
    assert (
        uids[("calfix.briefings", "force-wide", "08:00")]
        != uids[("calfix.briefings", "force-wide", "13:00")]
    )
    assert (
        uids[("calfix.quarterly", "north", "all-day")]
        != uids[("calfix.quarterly", "south", "all-day")]
    )
    other = attrs.evolve(force, id="otherforce")
    assert set(_uids(duty_calendar(other, *YEAR)).values()).isdisjoint(uids.values())


# ---------------------------------------------------------------------------- shapes of series


def _series(cal: icalendar.Calendar, obligation: str) -> list[icalendar.Event]:
    return [e for e in _events(cal) if str(e["X-ENGAGERULES-OBLIGATION"]) == obligation]


def _rule(event: icalendar.Event) -> dict[str, str]:
    return dict(p.split("=", 1) for p in event["RRULE"].to_ical().decode().split(";"))


def test_cadences_map_to_the_expected_frequency_and_interval() -> None:
    """P6W, P3M, P4M, P6M, P2D and P1Y map to their Outlook frequency and interval."""
    force = _fixture("calendar")
    cal = duty_calendar(force, *TWO_YEARS)
    wanted = {
        "calfix.six-weekly": ("WEEKLY", "6"),
        "calfix.quarterly": ("MONTHLY", "3"),
        "calfix.four-monthly": ("MONTHLY", "4"),
        "calfix.six-monthly": ("MONTHLY", "6"),
        "calfix.every-other-day": ("DAILY", "2"),
    }
    for ob_id, (freq, interval) in wanted.items():
        (ob,) = force.obligation(ob_id)
        assert ob.anchor is not None
        for event in _series(cal, ob_id):
            if "RRULE" not in event:  # a period under way on the first day: its own item
                assert event["DTSTART"].dt == TWO_YEARS[0]
                continue
            rule = _rule(event)
            assert (rule["FREQ"], rule.get("INTERVAL", "1")) == (freq, interval), ob_id
            if freq == "MONTHLY":
                first = event["DTSTART"].dt
                assert rule["BYMONTHDAY"] == "1"
                # on the first day of a period, in step with the anchor's months
                assert (first.month - ob.anchor.month) % int(interval) == 0
    (yearly,) = [e for e in _series(cal, "calfix.yearly-from-march") if "RRULE" in e]
    assert _rule(yearly)["FREQ"] == "YEARLY"
    assert (_rule(yearly)["BYMONTH"], _rule(yearly)["BYMONTHDAY"]) == ("3", "1")


def test_rota_is_one_series_per_unit_on_its_turns() -> None:
    """A monthly three-unit rota is MONTHLY;INTERVAL=3 per unit, starting on its first turn."""
    force = _fixture("mini")
    cal = duty_calendar(force, *YEAR)
    (ob,) = force.obligation("mini.action-day-rota")
    series = _series(cal, ob.id)
    assert sorted(str(e["X-ENGAGERULES-SCOPE"]) for e in series) == sorted(ob.scope.units)
    turns = [d for d in schedule(force, *YEAR) if d.obligation.id == ob.id]
    for event in series:
        unit = str(event["X-ENGAGERULES-SCOPE"])
        first = min(d.window.local_start.date() for d in turns if d.scope == unit)
        assert event["DTSTART"].dt == first
        assert (_rule(event)["FREQ"], _rule(event)["INTERVAL"]) == (
            "MONTHLY",
            str(len(ob.scope.units)),
        )


def test_versions_end_where_they_stop_being_in_force() -> None:
    """A version's series ends where it stops being in force and keeps its UID; the next is new."""
    force = _fixture("calendar")
    old, new = force.obligation("calfix.revised")
    assert old.effective_until is not None and new.effective_from is not None
    cal = duty_calendar(force, *TWO_YEARS)
    for unit in ("north", "south"):
        items = [e for e in _series(cal, old.id) if str(e["X-ENGAGERULES-SCOPE"]) == unit]
        assert len(items) == 2
        first, second = sorted(items, key=lambda e: e["DTSTART"].dt)
        old_dues = [
            d for d in schedule(force, *TWO_YEARS) if d.obligation is old and d.scope == unit
        ]
        last_due = max(d.window.local_start.date() for d in old_dues)
        assert _rule(first)["UNTIL"] == last_due.strftime("%Y%m%d")
        assert last_due <= old.effective_until + timedelta(days=31)
        assert second["DTSTART"].dt > old.effective_until
        assert _rule(second)["FREQ"] == "WEEKLY"
        assert first["UID"] != second["UID"]
    unrevised = attrs.evolve(
        force,
        obligations=tuple(
            attrs.evolve(o, effective_until=None) if o is old else o
            for o in force.obligations
            if o is not new
        ),
    )
    before = {
        str(e["X-ENGAGERULES-SCOPE"]): str(e["UID"])
        for e in _series(duty_calendar(unrevised, *TWO_YEARS), old.id)
    }
    after = {
        str(e["X-ENGAGERULES-SCOPE"]): str(e["UID"])
        for e in _series(cal, old.id)
        if "UNTIL=2023" in e["RRULE"].to_ical().decode()
    }
    assert before == after, "revising a duty must update, not replace, its old series"


def test_per_person_duty_is_one_series_for_everyone() -> None:
    """A per-person duty is a single series with scope '*', described as everyone's."""
    cal = duty_calendar(_fixture("calendar"), *YEAR)
    (item,) = _series(cal, "calfix.cadet-hours")
    assert str(item["X-ENGAGERULES-SCOPE"]) == "*"
    assert "every person" in str(item["DESCRIPTION"]).lower()
    assert _rule(item)["FREQ"] == "MONTHLY"


def test_advisory_duty_is_exported_and_marked() -> None:
    """An advisory duty with a cadence is exported, marked as advisory with its reason."""
    force = _fixture("calendar")
    (ob,) = force.obligation("calfix.advisory-review")
    (item,) = _series(duty_calendar(force, *YEAR), ob.id)
    assert str(item["SUMMARY"]).startswith("Advisory")
    assert "Advisory" in item["CATEGORIES"].cats
    assert str(item["X-ENGAGERULES-KIND"]) == "advisory"
    assert isinstance(ob.rule, Advisory)
    assert ob.rule.reason in str(item["DESCRIPTION"])


@pytest.mark.parametrize("name", [*FORCE_NAMES, "fixture:calendar"])
def test_items_name_owner_scope_evidence_and_source(name: str) -> None:
    """Items name obligation, unit, owner, scope, evidence and source, for people and machines."""
    force = _force(name)
    for event in _events(duty_calendar(force, *YEAR)):
        ob = force.obligation(str(event["X-ENGAGERULES-OBLIGATION"]))[0]
        unit = str(event["X-ENGAGERULES-SCOPE"])
        text = str(event["DESCRIPTION"])
        assert ob.owner in event["CATEGORIES"].cats
        assert f"Owner: {role_words(force, ob.owner)}" in text
        # roles by title; codes on the Reference line
        assert f"Owner: {role_words(force, ob.owner)} ({ob.owner})" not in text
        *lines, reference = text.split("\n")
        assert reference == (
            f"Reference: {ob.id} ({ob.kind.value}); source document {ob.source.document}"
        )
        assert not any("Reference:" in line or ob.source.document in line for line in lines)
        assert ob.source.section in text
        assert "Evidence:" in text
        if unit == "force-wide":
            assert "Scope: force-wide" in text
        elif unit == "*":
            assert "Scope: every person" in text
        else:
            named = force.unit(unit)
            assert named is not None and named.name in text and named.name in str(event["SUMMARY"])


# ---------------------------------------------------------------------------- filters


@pytest.mark.parametrize("name", FORCE_NAMES)
def test_role_and_scope_filters_agree_with_schedule(name: str) -> None:
    """For every role and unit, the calendar expands to exactly what `schedule` lists."""
    force = open_force(name)
    start, end = date(2022, 10, 1), date(2022, 12, 31)
    zone = ZoneInfo(str(force.zone))
    for role in [None, *(r.id for r in force.roles)]:
        for unit in [None, *(u.id for u in force.units)]:
            cal = duty_calendar(force, start, end, role=role, scope=unit)
            expected = _expected(force, start, end, role=role, scope=unit)
            _same(_python_occurrences(cal.to_ical(), zone), expected, f"{role}/{unit}")


def _unit_of(event: icalendar.Event) -> str | None:
    unit = str(event["X-ENGAGERULES-SCOPE"])
    return None if unit == "force-wide" else unit


def test_cso_in_bargoed_gets_exactly_their_own_duties() -> None:
    """A CSO in Bargoed gets exactly the duties of a CSO or a CSO's team owed in Bargoed."""
    force = open_force("gwent")
    events = _events(duty_calendar(force, *YEAR, role="CSO", scope="bargoed"))
    assert events
    for event in events:
        (ob, *_) = force.obligation(str(event["X-ENGAGERULES-OBLIGATION"]))
        assert owned_by(ob, "CSO", force)
        assert applies_to_scope(force, _unit_of(event), "bargoed")
    everything = _events(duty_calendar(force, *YEAR))
    theirs = {
        str(e["UID"])
        for e in everything
        if owned_by(force.obligation(str(e["X-ENGAGERULES-OBLIGATION"]))[0], "CSO", force)
        and applies_to_scope(force, _unit_of(e), "bargoed")
    }
    assert {str(e["UID"]) for e in events} == theirs
    owners = {force.obligation(str(e["X-ENGAGERULES-OBLIGATION"]))[0].owner for e in events}
    assert {"CSO", "NPT"} <= owners
    patrol = [
        e for e in events if str(e["X-ENGAGERULES-OBLIGATION"]) == "gwent.cn.daily-foot-patrol"
    ]
    assert patrol and str(patrol[0]["SUMMARY"]).endswith("(Bargoed): every day this week")
    assert "FREQ=WEEKLY" in patrol[0]["RRULE"].to_ical().decode()


def test_reminders_are_alarms_before_each_item() -> None:
    """--remind P1D --remind-timed PT15M: every all-day item has a display alarm a day
    before (from 09:00), every timed one a quarter of an hour before; without
    --remind-timed a timed item (a briefing twice a day) has none."""
    force = open_force("gwent")
    cal = duty_calendar(
        force,
        *YEAR,
        scope="bargoed",
        reminder=timedelta(days=1),
        timed_reminder=timedelta(minutes=15),
    )
    events = _events(cal)
    assert any(isinstance(e["DTSTART"].dt, datetime) for e in events)
    for event in events:
        (alarm,) = event.walk("VALARM")
        assert str(alarm["ACTION"]) == "DISPLAY"
        start = event["DTSTART"].dt
        expected = (
            timedelta(minutes=-15)
            if isinstance(start, datetime)
            else timedelta(days=-1) + timedelta(hours=9)
        )
        assert alarm["TRIGGER"].dt == expected
    plain = _events(duty_calendar(force, *YEAR, scope="bargoed", reminder=timedelta(days=1)))
    for event in plain:
        timed = isinstance(event["DTSTART"].dt, datetime)
        assert len(event.walk("VALARM")) == (0 if timed else 1)
    assert not any(e.walk("VALARM") for e in _events(duty_calendar(force, *YEAR, role="CSO")))


def test_calendar_remind_option_is_checked(capsys: pytest.CaptureFixture[str]) -> None:
    """A reminder in months is refused in one line; the file is not written."""
    code = main(
        ["calendar", "gwent", "--from", "2022-10-01", "--to", "2022-10-31", "--remind", "P1M"]
    )
    assert code == 2
    assert "'P1M' is not a duration in weeks, days, hours or minutes" in capsys.readouterr().err


# ---------------------------------------------------------------------------- triggered duties


@pytest.mark.parametrize("name", FORCE_NAMES)
def test_triggered_duties_become_items_due_at_the_engines_deadlines(
    name: str, tmp_path: Path
) -> None:
    """With --events, each triggered duty is one item ending at the engine's deadline."""
    force = open_force(name)
    start, end = date(2022, 10, 1), date(2022, 12, 31)
    log = tmp_path / "log.jsonl"
    records = simulate(force, start, end, events=3000, compliance=0.5, seed=4)
    log.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    out = tmp_path / "with-events.ics"
    args = ["calendar", name, "--from", str(start), "--to", str(end), "--events", str(log)]
    code = main([*args, "-o", str(out)])
    assert code == 0
    # Judged once every event is known (events after the instant of judgement are not).
    later = datetime(2023, 6, 1, tzinfo=UTC)
    report = evaluate(force, read_events([log], force), start, end, later)
    triggered = {o.id for o in force.obligations if o.kind is Kind.TRIGGERED}
    wanted = Counter(  # items end on the whole minute of the engine's deadline
        (r.obligation, r.scope or "force-wide", r.window.end.replace(second=0, microsecond=0))
        for r in report.results
        if r.obligation in triggered
    )
    assert wanted or not triggered, "the simulated log sets off no triggered duty"
    zone = ZoneInfo(str(force.zone))
    py = Counter()
    cal = icalendar.Calendar.from_ical(out.read_bytes())
    for event in _events(cal):
        if "X-ENGAGERULES-TRIGGER" not in event:
            continue
        finish = event["DTEND"].dt
        deadline = (
            finish.astimezone(UTC)
            if isinstance(finish, datetime)
            else _local_midnight_utc(finish, zone)
        )
        py[
            (str(event["X-ENGAGERULES-OBLIGATION"]), str(event["X-ENGAGERULES-SCOPE"]), deadline)
        ] += 1
        assert "RRULE" not in event
    assert py == wanted
    js = Counter()
    trigger_uids = {str(e["UID"]) for e in _events(cal) if "X-ENGAGERULES-TRIGGER" in e}
    for occ in _ical_js(out)["occurrences"]:
        if occ["uid"] not in trigger_uids:
            continue
        deadline = (
            _local_midnight_utc(date.fromisoformat(occ["end"]), zone)
            if occ["all_day"]
            else datetime.fromtimestamp(occ["end_unix"], UTC)
        )
        js[(occ["obligation"], occ["scope"], deadline)] += 1
    assert js == wanted


def test_warrant_item_reads_like_a_to_do(tmp_path: Path) -> None:
    """A warrant follow-up reads 'Warrant executed at North on 3 Oct: ... due by 5 Oct 10:15'."""
    force = _fixture("calendar")
    events = tmp_path / "log.jsonl"
    events.write_text(
        json.dumps(
            {
                "id": "w1",
                "type": "warrant_executed",
                "at": "2022-10-03T10:15:00+01:00",
                "scope": "n-ward",
            }
        )
        + "\n"
        + json.dumps({"id": "w2", "type": "warrant_executed", "at": "2022-11-07", "scope": "south"})
        + "\n",
        encoding="utf-8",
    )
    log = read_events([events], force)
    cal = duty_calendar(force, date(2022, 10, 1), date(2022, 12, 31), events=log)
    items = {
        str(e["X-ENGAGERULES-TRIGGER"]): e for e in _events(cal) if "X-ENGAGERULES-TRIGGER" in e
    }
    assert set(items) == {"w1", "w2"}
    timed = items["w1"]
    summary = str(timed["SUMMARY"])
    assert summary.startswith("Warrant executed at North on 3 Oct:")
    assert "tweet, leaflet drop, KIN update" in summary
    assert summary.endswith("due by 5 Oct 10:15")
    assert timed["DTEND"].dt == datetime(2022, 10, 5, 10, 15, tzinfo=LONDON)
    assert str(timed["X-ENGAGERULES-SCOPE"]) == "north"
    # a bare-date trigger is due by the end of the day before the midnight deadline
    all_day = items["w2"]
    assert all_day["DTSTART"].dt == date(2022, 11, 8)
    assert all_day["DTEND"].dt == date(2022, 11, 9)
    assert str(all_day["SUMMARY"]).endswith("due by 8 Nov")
    # the step owners are categories, so a CSO filter finds the leaflet drop
    assert {"PS", "COMMS", "CSO"} <= set(timed["CATEGORIES"].cats)
    # ... and a CSO's own item names only the CSO's step
    mine = duty_calendar(force, date(2022, 10, 1), date(2022, 12, 31), role="CSO", events=log)
    (step,) = [e for e in _events(mine) if str(e.get("X-ENGAGERULES-TRIGGER")) == "w1"]
    assert ": leaflet drop due by 5 Oct 10:15" in str(step["SUMMARY"])
    cso = duty_calendar(
        force, date(2022, 10, 1), date(2022, 12, 31), role="CSO", scope="east", events=log
    )
    assert not any("X-ENGAGERULES-TRIGGER" in e for e in _events(cso)), "east had no warrant"


# ---------------------------------------------------------------------------- VTIMEZONE


def _vtimezone(cal: icalendar.Calendar) -> icalendar.Timezone:
    (tz,) = cal.walk("VTIMEZONE")
    return tz


def test_vtimezone_is_in_rrule_form() -> None:
    """The VTIMEZONE is one STANDARD and one DAYLIGHT in yearly RRULE form, without RDATE."""
    tz = _vtimezone(duty_calendar(open_force("gwent"), *YEAR))
    parts = tz.subcomponents
    assert sorted(p.name for p in parts) == ["DAYLIGHT", "STANDARD"]
    for part in parts:
        assert "RDATE" not in part
        rule = _rule(part)
        assert rule["FREQ"] == "YEARLY"
        assert re.fullmatch(r"\d{1,2}", rule["BYMONTH"])
        assert re.fullmatch(r"-?[1-5](MO|TU|WE|TH|FR|SA|SU)", rule["BYDAY"])


def _offsets_from_vtimezone(
    tz: icalendar.Timezone, until: datetime
) -> list[tuple[datetime, timedelta]]:
    """The (UTC instant, new offset) changes a VTIMEZONE describes, read independently:
    each onset is local time in TZOFFSETFROM (RFC 5545 3.6.5)."""
    changes = []
    for part in tz.subcomponents:
        before = part["TZOFFSETFROM"].td
        after = part["TZOFFSETTO"].td
        start = part["DTSTART"].dt
        rule = part["RRULE"].to_ical().decode()
        for onset in rrule.rrulestr(rule, dtstart=start).between(start, until, inc=True):
            changes.append((onset.replace(tzinfo=UTC) - before, after))
    return sorted(changes)


def test_vtimezone_agrees_with_zoneinfo_hour_by_hour() -> None:
    """Read back two independent ways, the VTIMEZONE gives zoneinfo's offset every hour."""
    tz = _vtimezone(duty_calendar(open_force("gwent"), *YEAR))
    changes = _offsets_from_vtimezone(tz, datetime(2025, 1, 1))
    built = tz.to_tz(lookup_tzid=False)
    moment = datetime(2021, 1, 1, tzinfo=UTC)
    checked = 0
    while moment < datetime(2025, 1, 1, tzinfo=UTC):
        truth = moment.astimezone(LONDON).utcoffset()
        by_hand = [offset for at, offset in changes if at <= moment][-1]
        assert by_hand == truth, f"{moment}: the rules give {by_hand}, zoneinfo {truth}"
        assert moment.astimezone(built).utcoffset() == truth, f"{moment}: icalendar reads it wrong"
        moment += timedelta(hours=1)
        checked += 1
    assert checked > 35000


def test_vtimezone_transitions_fall_on_the_hour_zoneinfo_changes() -> None:
    """Around each 2022 change, one second before and at the change, the offsets match."""
    tz = _vtimezone(duty_calendar(open_force("gwent"), *YEAR))
    changes = _offsets_from_vtimezone(tz, datetime(2023, 1, 1))
    in_2022 = [(at, off) for at, off in changes if at.year == 2022]
    assert [at for at, _ in in_2022] == [
        datetime(2022, 3, 27, 1, tzinfo=UTC),
        datetime(2022, 10, 30, 1, tzinfo=UTC),
    ]
    for at, offset in in_2022:
        assert at.astimezone(LONDON).utcoffset() == offset
        assert (at - timedelta(seconds=1)).astimezone(LONDON).utcoffset() != offset


@pytest.mark.parametrize("zone_name", ["Asia/Tokyo", "Australia/Sydney", "America/New_York"])
def test_other_zones_expand_exactly_in_both_parsers(zone_name: str, tmp_path: Path) -> None:
    """Zones without, or with southern or American, clock changes expand exactly in both parsers."""
    zone = ZoneInfo(zone_name)
    force = attrs.evolve(_fixture("calendar"), zone=zone)
    path = _write(tmp_path, duty_calendar(force, *YEAR))
    tz = _vtimezone(icalendar.Calendar.from_ical(path.read_bytes()))
    assert str(tz["TZID"]) == zone_name
    changes = _clock_change_days(zone, *YEAR)
    assert len(tz.subcomponents) == (2 if changes else 1)
    expected = _expected(force, *YEAR)
    _same(_python_occurrences(path.read_bytes(), zone), expected, "recurring-ical-events")
    _same(_js_occurrences(_ical_js(path), zone), expected, "ical.js")


def test_zone_that_changed_its_rules_in_the_range_is_a_config_error() -> None:
    """A zone that changed its clock rules within the range is a ConfigError, not a wrong offset."""
    force = attrs.evolve(_fixture("calendar"), zone=ZoneInfo("America/Sao_Paulo"))
    with pytest.raises(ConfigError, match="America/Sao_Paulo"):
        duty_calendar(force, date(2018, 6, 1), date(2020, 6, 1))


# ---------------------------------------------------------------------------- the command


def test_cli_writes_the_file_the_api_builds(tmp_path: Path) -> None:
    """`engagerules calendar` writes exactly the bytes `duty_calendar` builds."""
    out = tmp_path / "cli.ics"
    args = [
        "calendar",
        "gwent",
        "--from",
        "2022-10-01",
        "--to",
        "2022-12-31",
        "--role",
        "CSO",
        "--scope",
        "bargoed",
        "-o",
        str(out),
    ]
    assert main(args) == 0
    force = open_force("gwent")
    built = duty_calendar(force, date(2022, 10, 1), date(2022, 12, 31), role="CSO", scope="bargoed")
    assert out.read_bytes() == built.to_ical()
    assert "(CSO, Bargoed)" in str(icalendar.Calendar.from_ical(out.read_bytes())["X-WR-CALNAME"])


@pytest.mark.parametrize(
    ("extra", "needle"),
    [
        (["--role", "CHIEF"], "--role"),
        (["--scope", "atlantis"], "--scope"),
        (["--events", "no-such-file.jsonl"], "no-such-file.jsonl"),
    ],
)
def test_cli_bad_input_is_one_line_and_exit_2(
    extra: Sequence[str], needle: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An unknown role or unit, or an unreadable events file, is one line and exit 2."""
    code = main(
        [
            "calendar",
            "gwent",
            "--from",
            "2022-10-01",
            "--to",
            "2022-10-31",
            *extra,
            "-o",
            str(tmp_path / "x.ics"),
        ]
    )
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and needle in err


def test_cli_without_output_writes_the_calendar_to_stdout(
    capsysbinary: pytest.CaptureFixture[bytes],
) -> None:
    """Without -o the bytes, CRLF and all, go to standard output."""
    assert main(["calendar", "gwent", "--from", "2022-10-01", "--to", "2022-10-07"]) == 0
    out = capsysbinary.readouterr().out
    assert out.startswith(b"BEGIN:VCALENDAR\r\n")
    assert out.endswith(b"END:VCALENDAR\r\n")
    assert b"\r\r" not in out


def test_cli_warns_about_rejected_events_and_still_exports(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A rejected event record is reported on stderr with its line; the file is written."""
    log = tmp_path / "log.jsonl"
    log.write_text('{"id": "x", "type": "nonsense", "at": "2022-10-03"}\n', encoding="utf-8")
    out = tmp_path / "x.ics"
    code = main(
        [
            "calendar",
            "gwent",
            "--from",
            "2022-10-01",
            "--to",
            "2022-10-31",
            "--events",
            str(log),
            "-o",
            str(out),
        ]
    )
    assert code == 0
    assert f"{log}:1" in capsys.readouterr().err
    assert out.read_bytes().startswith(b"BEGIN:VCALENDAR\r\n")
