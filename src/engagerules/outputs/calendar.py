"""Duties as an iCalendar file (RFC 5545) that Outlook, Thunderbird and phones can import.

Neighbourhood staff live in their calendar, so the duties a plan sets are exported to it.
The file is built to survive the clients that read it:

- Every item comes from `schedule()` (and, for triggered duties, from the engine's own
  reading of the trigger events), so the calendar, `engagerules schedule` and a `check`
  report cannot disagree about what was due, for whom, or when.
- A series per duty and unit uses only the recurrence patterns Outlook can show (daily,
  weekly, monthly on a day, yearly on a day; see `docs/calendar.md`). Before a series is
  written, its rule is expanded and compared with the schedule; anything the subset
  cannot say exactly is written as separate one-off items instead, never approximated.
- The VTIMEZONE is written in the RRULE form Outlook itself writes, derived from zoneinfo
  and checked against it for every year exported. (icalendar's own generator lists the
  transitions as comma-joined RDATEs, which ical.js, Thunderbird's parser, misreads: a
  winter 08:00 comes out an hour wrong.)
- The same inputs give the same bytes: UIDs are hashed from force, obligation, unit and
  time of day, and DTSTAMP is the configuration's `published` time (or
  `SOURCE_DATE_EPOCH`), never the clock. A re-import therefore updates items in place.

This module only builds values; reading event files and writing the file is the CLI's job.
"""

from __future__ import annotations

import calendar as _months
import functools
import hashlib
import itertools
import re
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

import attrs
import icalendar
from dateutil import rrule

from engagerules.engine.evaluate import evaluate_obligation
from engagerules.engine.filters import check_filters
from engagerules.engine.index import EventIndex
from engagerules.engine.kinds import kind_module
from engagerules.engine.schedule import Due, applies_to_scope, judged_cycle, owned_by, schedule
from engagerules.errors import ConfigError, Problem, UsageError
from engagerules.model.event import Event, EventLog
from engagerules.model.limits import LAST_YEAR, YEARS
from engagerules.model.periods import (
    Window,
    judged_bounds,
    local_midnight,
    localize,
    range_bounds,
)
from engagerules.model.plan import Force, Obligation, Requirement
from engagerules.model.words import (
    day_words,
    duration_words,
    plain_words,
    reading_words,
    requirement_text,
    role_words,
    time_words,
)

__all__ = [
    "EVERY_PERSON",
    "FORCE_WIDE",
    "PRODID",
    "FollowUp",
    "add_reminders",
    "build_calendar",
    "calendar_stamp",
    "duty_calendar",
    "escape_text",
    "follow_ups",
    "vtimezone",
]

#: `X-ENGAGERULES-SCOPE` of a force-wide duty (`scope: null` in the JSON shapes).
FORCE_WIDE = "force-wide"
#: The scope `schedule()` gives per-person duties: one series stands for every person.
EVERY_PERSON = "*"

#: No version number: a new release that writes the same items writes the same bytes.
PRODID = "-//engagerules//engagerules duty calendar//EN"
_UID_DOMAIN = "engagerules"
#: The DTSTAMP of a configuration that has no `published` time, when no
#: SOURCE_DATE_EPOCH is given either: fixed, so exports stay reproducible.
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
#: The first SOURCE_DATE_EPOCH past the years supported.
_LAST_STAMP = int(datetime(LAST_YEAR + 1, 1, 1, tzinfo=UTC).timestamp())
#: Minutes a follow-up item occupies before its deadline.
_FOLLOW_UP_LENGTH = timedelta(minutes=30)

_FREQ_NAMES = {
    rrule.DAILY: "DAILY",
    rrule.WEEKLY: "WEEKLY",
    rrule.MONTHLY: "MONTHLY",
    rrule.YEARLY: "YEARLY",
}
_PERIOD_WORDS = {
    rrule.DAILY: ("day", "days"),
    rrule.WEEKLY: ("week", "weeks"),
    rrule.MONTHLY: ("month", "months"),
    rrule.YEARLY: ("year", "years"),
}
_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


# ---------------------------------------------------------------------------- inputs


@attrs.frozen
class FollowUp:
    """A triggered duty set off by one event: its steps are due by `window.end`.

    The window is the engine's own (`check` judges the same one), so the calendar's
    deadline and the report's cannot differ.
    """

    obligation: Obligation
    scope: str | None
    trigger: Event
    window: Window
    #: The steps of the follow-up this item is for (all, unless exported for a role that
    #: owns only some of them: a CSO's item names the CSO's step).
    steps: tuple[Requirement, ...] = ()

    @property
    def deadline(self) -> datetime:
        return self.window.end


def follow_ups(
    force: Force,
    log: EventLog | Sequence[Event],
    start: date,
    end: date,
    *,
    role: str | None = None,
    scope: str | None = None,
) -> list[FollowUp]:
    """Every triggered duty the events set off between `start` and `end` inclusive.

    The engine decides which events count as triggers and which unit owes the follow-up,
    exactly as `check` does; role and scope filter as `schedule()` does.
    """
    check_filters(force, role=role, scope=scope)
    events = log.events if isinstance(log, EventLog) else tuple(log)
    span = judged_bounds(start, end, force.zone)
    index = EventIndex(events, force)
    by_id = {e.id: e for e in events}
    order = _obligation_order(force)
    found: list[FollowUp] = []
    for obligation in force.obligations:
        if not kind_module(obligation.kind).FOLLOWS_EVENTS:
            continue
        if role is not None and not owned_by(obligation, role, force):
            continue
        outcome = evaluate_obligation(force, obligation, index, span, span.end)
        for result in outcome.results:
            if scope is not None and not applies_to_scope(force, result.scope, scope):
                continue
            if result.trigger is None:  # pragma: no cover - triggered results name it
                continue
            fired = by_id[result.trigger]
            found.append(
                FollowUp(
                    obligation,
                    result.scope,
                    fired,
                    result.window,
                    _steps_of(force, obligation, role),
                )
            )
    found.sort(key=lambda f: (f.deadline, order[f.obligation.id], f.scope or "", f.trigger.id))
    return found


def _steps_of(force: Force, obligation: Obligation, role: str | None) -> tuple[Requirement, ...]:
    """The steps a role's item names: every step when it (or its team) owns the duty, else
    only the steps it owns; everything without a role."""
    if role is None:
        return obligation.evidence
    roles = force.teams_of(role)
    if obligation.owner in roles:
        return obligation.evidence
    return tuple(r for r in obligation.evidence if r.owner in roles)


def calendar_stamp(force: Force, source_date_epoch: str | None = None) -> datetime:
    """The DTSTAMP every item carries: `SOURCE_DATE_EPOCH` when given (the reproducible
    builds convention), else the configuration's `published` time, else 1970-01-01.

    Raises ValueError for a SOURCE_DATE_EPOCH that is not a whole number of seconds.
    """
    if source_date_epoch is not None and source_date_epoch.strip():
        text = source_date_epoch.strip()
        if not (text.isascii() and text.isdigit()):
            shown = text if len(text) <= 30 else text[:27] + "..."
            msg = f"SOURCE_DATE_EPOCH {shown!r} is not a whole number of seconds"
            raise UsageError(msg)
        if len(text) > 15 or int(text) >= _LAST_STAMP:
            shown = text if len(text) <= 30 else text[:27] + "..."
            msg = (
                f"SOURCE_DATE_EPOCH {shown!r} is past the years supported ({YEARS}): "
                f"at most {_LAST_STAMP - 1} seconds"
            )
            raise UsageError(msg)
        return datetime.fromtimestamp(int(text), UTC)
    if force.published is not None:
        return force.published.astimezone(UTC)
    return _EPOCH


def duty_calendar(
    force: Force,
    start: date,
    end: date,
    *,
    role: str | None = None,
    scope: str | None = None,
    events: EventLog | Sequence[Event] | None = None,
    stamp: datetime | None = None,
    reminder: timedelta | None = None,
    timed_reminder: timedelta | None = None,
) -> icalendar.Calendar:
    """The duties between `start` and `end` inclusive, as `engagerules calendar` exports
    them: the scheduled windows of `schedule()` with the same filters, plus one item per
    triggered duty when `events` are given; with `reminder`, each all-day item has an
    alarm, and with `timed_reminder` each timed one (a briefing twice a day wants none).

    A period already under way on `start` (an export made mid-quarter) has its item on
    `start`, not on the period's first day in the past, so it shows, and its reminder
    rings, from the day the calendar is made.

    A duty judged by gaps (standing, or recurring with `rolling`) has no fixed periods:
    without `events` its item runs from the start to when the first update falls due;
    with them, from the last update to the next one due, as `check` and the agenda judge."""
    opened = local_midnight(start, force.zone)
    dues = [_from(opened, due) for due in schedule(force, start, end, role=role, scope=scope)]
    triggered = (
        [] if events is None else follow_ups(force, events, start, end, role=role, scope=scope)
    )
    if events is not None:
        dues = _from_last_update(force, dues, events, range_bounds(start, end, force.zone))
    name = _calendar_name(force, role, scope)
    cal = build_calendar(force, dues, triggered, stamp=stamp or calendar_stamp(force), name=name)
    if reminder is not None or timed_reminder is not None:
        add_reminders(cal, reminder, timed=timed_reminder)
    return cal


@attrs.frozen
class _UnderWay(Due):
    """A period under way when the calendar is made, shown from that day; `began` is when
    the period began, so its item keeps one UID whichever day the export is made."""

    began: datetime = attrs.field(kw_only=True)


def _from(opened: datetime, due: Due) -> Due:
    """A whole-day period under way at `opened`, as its item shows it: from `opened` on."""
    window = due.window
    if window.start >= opened or not _is_all_day(window):
        return due
    clipped = Window(opened, window.end, window.zone)
    return _UnderWay(due.obligation, due.scope, clipped, began=window.start)


def _from_last_update(
    force: Force, dues: list[Due], log: EventLog | Sequence[Event], span: Window
) -> list[Due]:
    """Each gap-judged duty's item moved to run from the last update known by the end of
    the range to the next one due, as the engine computes it (`agenda_deadline`)."""
    events = log.events if isinstance(log, EventLog) else tuple(log)
    index = EventIndex(events, force)
    moved: list[Due] = []
    judged: dict[Obligation, dict[str | None, Window]] = {}
    for due in dues:
        ob = due.obligation
        module = kind_module(ob.kind)
        if ob.rule.due_once(ob, span) is None or ob.cadence is None:
            moved.append(due)
            continue
        if ob not in judged:
            judged[ob] = {}
            for result in evaluate_obligation(force, ob, index, span, span.end).results:
                decided = module.agenda_deadline(ob, ob.rule, result, index, span.end)
                if decided is not None:
                    judged[ob][result.scope] = decided[0].window
        window = judged[ob].get(due.scope)
        moved.append(due if window is None else Due(ob, due.scope, window))
    return moved


#: All-day items start at midnight; their reminders count back from 09:00 that day, so
#: `P1D` rings at 09:00 the day before rather than at midnight.
_WORKING_HOURS = timedelta(hours=9)


def add_reminders(
    cal: icalendar.Calendar,
    before: timedelta | None,
    *,
    timed: timedelta | None = None,
) -> None:
    """A display alarm (VALARM) `before` the start of every all-day item (its start
    counted as 09:00), and `timed` before every timed item; None: no alarm on those.
    Outlook and phones show it as the item's reminder."""
    for given in (before, timed):
        if given is not None and given < timedelta(0):
            msg = f"a reminder must come before the item, not {-given} after it"
            raise UsageError(msg)
    for event in cal.walk("VEVENT"):
        all_day = not isinstance(event.decoded("DTSTART"), datetime)
        ahead = before if all_day else timed
        if ahead is None:
            continue
        alarm = icalendar.Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", _text(str(event["SUMMARY"])))
        alarm.add("trigger", (_WORKING_HOURS if all_day else timedelta(0)) - ahead)
        event.add_component(alarm)


# ---------------------------------------------------------------------------- building


def build_calendar(
    force: Force,
    dues: Iterable[Due],
    follow_up_items: Iterable[FollowUp] = (),
    *,
    stamp: datetime,
    name: str | None = None,
) -> icalendar.Calendar:
    """A VCALENDAR holding one VEVENT per duty, unit and time of day, and one per follow-up.

    `stamp` (aware) is every item's DTSTAMP. Raises `ConfigError` if the force's time zone
    cannot be written as one yearly rule for the years the items span.
    """
    if stamp.tzinfo is None:
        msg = "stamp must be time-zone aware"
        raise UsageError(msg)
    stamp = stamp.astimezone(UTC)
    zone = force.zone
    items: list[icalendar.Event] = []
    used: set[str] = set()
    # The VTIMEZONE must hold in the years timed items fall in (all-day items use none).
    timed: set[int] = set()
    every: set[int] = set()
    for series in _group(force, _by_week(force, dues)):
        for event in _series_events(force, series, stamp):
            _unique_uid(event, used)
            items.append(event)
        found = {
            y for d in series.dues for y in (d.window.local_start.year, d.window.local_end.year)
        }
        every |= found
        if series.at is not None:
            timed |= found
    for follow in follow_up_items:
        event = _follow_up_event(force, follow, stamp)
        _unique_uid(event, used)
        items.append(event)
        timed |= {follow.window.local_start.year, follow.window.local_end.year}
    years = timed or every or {stamp.year}

    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", _xtext(name or _calendar_name(force, None, None)))
    cal.add("x-wr-caldesc", _xtext(f"Duties from {force.name}'s engagement plan, by engagerules"))
    # No X-WR-TIMEZONE: it only re-zones floating times (there are none), and readers
    # that apply it to UTC times (x-wr-timezone) lose the second 01:30 of an autumn night.
    cal.add_component(vtimezone(zone, range(min(years), max(years) + 1)))
    for item in items:
        cal.add_component(item)
    return cal


def _calendar_name(force: Force, role: str | None, scope: str | None) -> str:
    parts = [role] if role else []
    if scope:
        unit = force.unit(scope)
        parts.append(unit.name if unit else scope)
    return f"{force.name} duties" + (f" ({', '.join(parts)})" if parts else "")


def _unique_uid(event: icalendar.Event, used: set[str]) -> None:
    """Two versions that share every identifying part still get distinct UIDs."""
    uid = str(event["uid"])
    candidate, n = uid, 1
    while candidate in used:
        n += 1
        candidate = uid.replace("@", f"-{n}@", 1)
    used.add(candidate)
    if candidate != uid:
        event["uid"] = candidate


# ---------------------------------------------------------------------------- series


@attrs.frozen
class _Series:
    """The dues of one obligation version for one unit at one time of day (None: all day)."""

    obligation: Obligation
    version: int
    scope: str | None
    at: time | None
    dues: tuple[Due, ...]


def _obligation_order(force: Force) -> dict[str, int]:
    return {ob_id: i for i, ob_id in enumerate(force.obligation_ids)}


def _version_of(force: Force, obligation: Obligation) -> int:
    return _versions(force).get(obligation, len(force.obligations))


@functools.cache
def _versions(force: Force) -> dict[Obligation, int]:
    """Each obligation's place in its force, looked up by value: every `Force` is
    hashable (its values are frozen all the way down), so this is built once per force."""
    found: dict[Obligation, int] = {}
    for i, ob in enumerate(force.obligations):
        found.setdefault(ob, i)
    return found


def _is_all_day(window: Window) -> bool:
    """Whole local days (periods, targets) become all-day items; anything else is timed."""
    return window.local_start.time() == time(0) and window.local_end.time() == time(0)


def _nominal_times(obligation: Obligation, day: date, zone: tzinfo) -> dict[datetime, time]:
    """The instant (UTC) each of the obligation's times of day falls at on `day`, mapped to
    the time it was set for (the first listed, where two fall at one instant)."""
    found: dict[datetime, time] = {}
    for at in obligation.times:
        found.setdefault(localize(datetime.combine(day, at), zone).astimezone(UTC), at)
    return found


def _nominal_time(window: Window, nominal: dict[datetime, time]) -> time:
    """The time of day a slot was set for: 01:30 even on the day it falls at 02:30 BST."""
    return nominal.get(window.start, window.local_start.time().replace(tzinfo=None))


def _group(force: Force, dues: Iterable[Due]) -> list[_Series]:
    order = _obligation_order(force)
    unit_order = {u.id: i for i, u in enumerate(force.units)}
    groups: dict[tuple[int, str | None, time | None], list[Due]] = {}
    obligations: dict[int, Obligation] = {}
    # Times of day per version and local day, computed once: a duty with n times a day
    # has n dues a day, so looking each up stays linear in series x times.
    nominal: dict[tuple[int, date], dict[datetime, time]] = {}
    for due in dues:
        version = _version_of(force, due.obligation)
        obligations.setdefault(version, due.obligation)
        at = None
        if not _is_all_day(due.window):
            day = due.window.local_start.date()
            if (version, day) not in nominal:
                nominal[version, day] = _nominal_times(due.obligation, day, force.zone)
            at = _nominal_time(due.window, nominal[version, day])
        groups.setdefault((version, due.scope, at), []).append(due)
    series = [
        _Series(obligations[v], v, scope, at, tuple(sorted(found, key=lambda d: d.window.start)))
        for (v, scope, at), found in groups.items()
    ]
    series.sort(
        key=lambda s: (
            order.get(s.obligation.id, len(order)),
            s.version,
            -1 if s.scope is None else unit_order.get(s.scope, len(unit_order)),
            s.scope or "",
            s.at or time(0),
        )
    )
    return series


def _last_day(window: Window) -> date:
    """The last day of a window: the day it is due by."""
    return window.local_end.date() - timedelta(days=1)


def _every_day(obligation: Obligation) -> bool:
    """A duty done every day with no time of day (a daily patrol, a storm-log review)."""
    cycle = obligation.cycle
    return (
        cycle is not None
        and cycle.freq == rrule.DAILY
        and cycle.interval == 1
        and not obligation.times
        and not obligation.scope.rota
    )


def _by_week(force: Force, dues: Iterable[Due]) -> list[Due]:
    """Dues of every-day duties folded into one per unit and week (Monday to Sunday, cut
    at the ends of the range): an all-day item on every day of the year hides the items
    that matter, so such a duty is one item on each Monday that stands for its week."""
    kept: list[Due] = []
    weeks: dict[tuple[int, str | None, date], list[Due]] = {}
    for due in dues:
        if _every_day(due.obligation) and _is_all_day(due.window):
            day = due.window.local_start.date()
            key = (
                _version_of(force, due.obligation),
                due.scope,
                day - timedelta(days=day.weekday()),
            )
            weeks.setdefault(key, []).append(due)
        else:
            kept.append(due)
    for group in weeks.values():
        group.sort(key=lambda d: d.window.start)
        first, last = group[0], group[-1]
        window = Window(first.window.start, last.window.end, first.window.zone)
        kept.append(Due(first.obligation, first.scope, window))
    return kept


def _first_day(window: Window) -> date:
    """The day an all-day item sits on: the first day of its window, when the work can
    still be planned (an item on the day it is due by only says it is too late)."""
    return window.local_start.date()


def _month_end(day: date) -> bool:
    return day.day == _months.monthrange(day.year, day.month)[1]


def _all_day_rule(obligation: Obligation, days: Sequence[date]) -> dict[str, Any] | None:
    """The Outlook-safe rule whose occurrences are the last days of the periods, if any.

    A rota turns one unit per period, so each unit's series steps `units` periods at a
    time from its first turn. Month ends are `BYMONTHDAY=-1`, which also covers the
    changing end of February in a yearly series.
    """
    cycle = obligation.cycle
    if cycle is None or len(days) < 2:
        return None
    step = cycle.interval
    if obligation.scope.rota and obligation.scope.units:
        step *= len(obligation.scope.units)
    freq = rrule.WEEKLY if _every_day(obligation) else cycle.freq  # folded by week
    first = days[0]
    parts: dict[str, Any] = {"freq": _FREQ_NAMES[freq]}
    if step > 1:
        parts["interval"] = step
    if freq == rrule.WEEKLY:
        parts["byday"] = _WEEKDAYS[first.weekday()]
    elif cycle.freq == rrule.MONTHLY:
        parts["bymonthday"] = -1 if _month_end(first) else first.day
    elif cycle.freq == rrule.YEARLY:
        parts["bymonth"] = first.month
        parts["bymonthday"] = -1 if first.month == 2 and _month_end(first) else first.day
    parts["until"] = days[-1]
    return parts


def _timed_rule(days: Sequence[date], last: datetime) -> dict[str, Any]:
    """Slots recur daily (every day of each period), or every n days on a daily rota;
    the series ends (UNTIL, in UTC) with the start of its `last` occurrence."""
    gap = min((b - a).days for a, b in itertools.pairwise(days))
    parts: dict[str, Any] = {"freq": "DAILY"}
    if gap > 1:
        parts["interval"] = gap
    parts["until"] = last.astimezone(UTC)
    return parts


def _expand(parts: dict[str, Any], first: datetime) -> list[datetime]:
    """The naive starts `parts` gives from `first`, by dateutil, to check a rule before
    it is written."""
    freq = {name: f for f, name in _FREQ_NAMES.items()}[parts["freq"]]
    until = parts["until"]
    if isinstance(until, datetime):
        until = until.astimezone(first.tzinfo).replace(tzinfo=None) if first.tzinfo else until
    else:
        until = datetime.combine(until, time(0))
    naive_first = first.replace(tzinfo=None)
    byday = parts.get("byday")
    rule = rrule.rrule(
        freq,  # type: ignore[arg-type]  # dateutil's stub wants a Literal
        dtstart=naive_first,
        interval=parts.get("interval", 1),
        byweekday=None if byday is None else rrule.weekdays[_WEEKDAYS.index(byday)],
        bymonthday=parts.get("bymonthday"),
        bymonth=parts.get("bymonth"),
        until=until,
    )
    return list(rule)


def _series_events(force: Force, series: _Series, stamp: datetime) -> Iterator[icalendar.Event]:
    """One VEVENT for the series if a rule in the subset reproduces it exactly; else one
    one-off VEVENT per due, so nothing is ever shown on a day it is not due.

    A timed series keeps its rule across the nights the clocks change: an occurrence that
    touches the change (see `_clear_of_clock_changes`) is left out of the series (EXDATE)
    and written as its own item in exact UTC times.
    """
    uid = _series_uid(force, series.obligation, series.scope, series.at)
    dues: Sequence[Due] = series.dues
    if len(dues) > 1:
        plan = _all_day_plan(series) if series.at is None else _timed_plan(series, force.zone)
        if plan is not None:
            first, parts, excluded, apart = plan
            event = _duty_event(force, series, first, uid, stamp)
            event.add("rrule", icalendar.vRecur(parts))
            for moment in excluded:  # one property each: some readers take one value only
                event.add("exdate", moment)
            yield event
            dues = apart
    for due in dues:
        own = uid
        if len(series.dues) > 1:
            began = due.began if isinstance(due, _UnderWay) else due.window.start
            own = _uid(uid, began.astimezone(force.zone).strftime("%Y%m%dT%H%M"))
        yield _duty_event(force, series, due, own, stamp)


_Plan = tuple[Due, dict[str, Any], list[datetime], list[Due]]


def _all_day_plan(series: _Series) -> _Plan | None:
    """(first due, rule, excluded starts, dues left apart) for an all-day series, or None."""
    dues = list(series.dues)
    apart: list[Due] = []
    if _every_day(series.obligation) and len(dues) > 1 and _first_day(dues[0].window).weekday():
        apart = dues[:1]  # a week cut by the start of the range: the series starts on Monday
        dues = dues[1:]
    plan = _all_day_fit(series.obligation, dues)
    if plan is None and len(dues) > 2:  # a period under way on the first day: its own item
        apart, dues = [*apart, dues[0]], dues[1:]
        plan = _all_day_fit(series.obligation, dues)
    if plan is None:
        return None
    return dues[0], plan, [], apart


def _all_day_fit(obligation: Obligation, dues: Sequence[Due]) -> dict[str, Any] | None:
    """The rule whose occurrences are exactly the dues' first days, or None."""
    days = [_first_day(d.window) for d in dues]
    parts = _all_day_rule(obligation, days)
    if parts is None:
        return None
    expected = [datetime.combine(d, time(0)) for d in days]
    return parts if _expand(parts, expected[0]) == expected else None


def _timed_plan(series: _Series, zone: tzinfo) -> _Plan | None:
    """(first due, rule, excluded starts, dues left apart) for a timed series, or None.

    The series runs from the first to the last occurrence clear of clock changes; those in
    between that are not clear are excluded from it and left to be items of their own.
    """
    at = series.at
    assert at is not None  # noqa: S101 - only timed series come here
    clear = [d for d in series.dues if _clear_of_clock_changes(d, at)]
    clear_ids = {id(d) for d in clear}
    if len(clear) < 2 or len({d.window.end - d.window.start for d in clear}) != 1:
        return None
    parts = _timed_rule([d.window.local_start.date() for d in series.dues], clear[-1].window.start)
    inside = [
        d for d in series.dues if clear[0].window.start <= d.window.start <= clear[-1].window.start
    ]
    nominal = [datetime.combine(d.window.local_start.date(), at) for d in inside]
    if _expand(parts, nominal[0].replace(tzinfo=zone)) != nominal:
        return None
    excluded = [
        n.replace(tzinfo=zone)
        for n, d in zip(nominal, inside, strict=True)
        if id(d) not in clear_ids
    ]
    apart = [d for d in series.dues if id(d) not in clear_ids]
    return clear[0], parts, excluded, apart


# ---------------------------------------------------------------------------- items


def _duty_event(
    force: Force, series: _Series, due: Due, uid: str, stamp: datetime
) -> icalendar.Event:
    ob = series.obligation
    event = icalendar.Event()
    event.add("uid", uid)
    event.add("dtstamp", stamp)
    window = due.window
    if series.at is None:
        day = _first_day(window)
        event.add("dtstart", day)
        event.add("dtend", day + timedelta(days=1))
    else:
        # For an occurrence clear of clock changes this is its nominal local time.
        begin, finish = _instants(window.start, window.end, force.zone)
        event.add("dtstart", begin)
        event.add("dtend", finish)
    summary = _summary(force, ob, series.scope)
    if series.at is None:
        summary += f": {_due_phrase(ob, window)}"
    event.add("summary", _text(summary))
    event.add("description", _text(_duty_description(force, series)))
    _tag(event, force, ob, series.scope, all_day=series.at is None)
    return event


def _follow_up_event(force: Force, follow: FollowUp, stamp: datetime) -> icalendar.Event:
    """A one-off item due at the follow-up's deadline: all day on the last day when the
    deadline is a midnight, else the half hour that ends at the deadline."""
    ob = follow.obligation
    window = follow.window
    event = icalendar.Event()
    event.add(
        "uid", _uid(force.id, ob.id, follow.scope or FORCE_WIDE, "trigger", follow.trigger.id)
    )
    event.add("dtstamp", stamp)
    all_day = window.local_end.time() == time(0)
    # Whole minutes: a deadline of 13:10:18 is shown, and ends, at 13:10.
    end = window.end.replace(second=0, microsecond=0)
    if all_day:
        day = _last_day(window)
        event.add("dtstart", day)
        event.add("dtend", day + timedelta(days=1))
        due_by = _day_label(day)
    else:
        begin = max(window.start, end - _FOLLOW_UP_LENGTH)
        if begin.second or begin.microsecond:
            begin = begin.replace(second=0, microsecond=0) + timedelta(minutes=1)
        begin, finish = _instants(min(begin, end), end, force.zone)
        if begin == finish:  # a deadline within a minute of its trigger
            finish = finish + timedelta(minutes=1)
        event.add("dtstart", begin)
        event.add("dtend", finish)
        local_end = end.astimezone(force.zone)
        due_by = f"{_day_label(local_end.date())} {local_end:%H:%M}"
    fired = follow.trigger
    kind = next((t.title for t in force.event_types if t.id == fired.type), fired.type)
    place = _unit_name(force, follow.scope)
    where = f" at {place}" if follow.scope else ""
    on = _day_label(fired.at.astimezone(force.zone).date())
    steps = ", ".join(r.label for r in (follow.steps or ob.evidence)) or ob.title
    event.add("summary", _text(f"{kind}{where} on {on}: {steps} due by {due_by}"))
    trigger_line = (
        f"Set off by: {kind} (record {fired.id}) on {time_words(fired.at, force.zone)}"
        + (f" in {place}" if follow.scope else "")
    )
    within = kind_module(ob.kind).within_words(ob.rule)
    due_line = f"Due by: {time_words(end, force.zone)}{within}"
    lines = [ob.title, "", trigger_line, due_line, *_common_lines(force, ob, follow.scope)]
    event.add("description", _text(_described(force, ob, lines)))
    _tag(event, force, ob, follow.scope, all_day=all_day)
    event.add("x-engagerules-trigger", _xtext(fired.id))
    return event


def _unambiguous(wall: datetime, zone: tzinfo) -> bool:
    """Whether a local reading names exactly one instant (not in a gap or a repeated hour)."""
    first = wall.replace(tzinfo=zone, fold=0).utcoffset()
    return first == wall.replace(tzinfo=zone, fold=1).utcoffset()


def _instants(start: datetime, end: datetime, zone: tzinfo) -> tuple[datetime, datetime]:
    """Start and end as local times in `zone` when both readings name their instants
    unambiguously, else both in UTC.

    Clients pick different instants for 01:30 on the night the clocks go back (ical.js
    takes the second, RFC 5545 the first), and some re-zone DTEND into DTSTART's zone,
    losing which 01:30 it was; none misreads a pair of UTC times.
    """
    local = (start.astimezone(zone), end.astimezone(zone))
    if all(_unambiguous(m.replace(tzinfo=None), zone) for m in local):
        return local
    return start.astimezone(UTC), end.astimezone(UTC)


def _clear_of_clock_changes(due: Due, at: time) -> bool:
    """Whether an occurrence can be one of a series: it starts at its nominal time, neither
    end reads ambiguously, and its length on the wall clock is its real length.

    Clients disagree about occurrences that touch a clock change (some add DTEND - DTSTART
    as wall-clock time, some as elapsed time; some read 01:30 on the night the clocks go
    back as BST, some as GMT), so a slot in the small hours of those two nights makes its
    duty separate items with exact (UTC) times, rather than a series some clients misplace.
    """
    zone = due.window.zone
    start = due.window.local_start.replace(tzinfo=None)
    end = due.window.local_end.replace(tzinfo=None)
    return (
        start.time() == at
        and _unambiguous(start, zone)
        and _unambiguous(end, zone)
        and end - start == due.window.end - due.window.start
    )


#: Line breaks of any kind, each written as the TEXT escape `\n`.
_BREAKS = re.compile("\r\n|[\r\n\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")
#: Every other control character (C0, DEL, C1): RFC 5545 allows none in a value. A tab
#: becomes a space; the rest are dropped.
_CONTROLS = re.compile("[\x00-\x08\x0e-\x1b\x1f\x7f-\x84\x86-\x9f]")


def escape_text(value: str, *, separators: bool = True) -> str:
    r"""`value` as an RFC 5545 TEXT value: the one place calendar text is made safe.

    Backslash, semicolon and comma are escaped, every kind of line break becomes `\n`,
    a tab a space, and other control characters are dropped, so nothing a plan or an
    event log holds can end a content line early (a lone CR would let a reader that
    breaks lines on CR see components that were never written) or be misread (icalendar
    alone turns the `\N` of `C:\Network` into a line break). icalendar folds the
    escaped line at 75 octets when it writes it.

    With `separators` false, commas and semicolons stay as they are: X- properties
    (`X-WR-CALNAME`) are read back as unknown values, which no reader unescapes, and in
    the value part of a line neither can end or split anything.
    """
    text = value.replace("\\", "\\\\")
    if separators:
        text = text.replace(";", "\\;").replace(",", "\\,")
    text = _BREAKS.sub("\\\\n", text.replace("\t", " "))
    return _CONTROLS.sub("", text)


class _Text(icalendar.vText):
    r"""A TEXT value written through `escape_text`, in place of icalendar's own escaping
    (which rewrites `\N`) and of no escaping at all (which X- properties get)."""

    __slots__ = ()

    def to_ical(self) -> bytes:
        return escape_text(str(self)).encode("utf-8")


class _XText(_Text):
    """An X- property's text: `escape_text` without escaping commas and semicolons."""

    __slots__ = ()

    def to_ical(self) -> bytes:
        return escape_text(str(self), separators=False).encode("utf-8")


def _text(value: str) -> _Text:
    """Every text property the calendar writes goes through here (see `escape_text`)."""
    return _Text(value)


def _xtext(value: str) -> _Text:
    """Every X- text property the calendar writes goes through here."""
    return _XText(value)


def _tag(
    event: icalendar.Event, force: Force, ob: Obligation, scope: str | None, *, all_day: bool
) -> None:
    """Machine-readable links back to the duty, and how the item shows in Outlook."""
    roles = list(dict.fromkeys([ob.owner, *(r.owner for r in ob.evidence if r.owner)]))
    label = kind_module(ob.kind).CALENDAR_LABEL
    categories = [*roles, label] if label else roles
    event.add("categories", categories)
    event.add("x-engagerules-force", _xtext(force.id))
    event.add("x-engagerules-obligation", _xtext(ob.id))
    event.add("x-engagerules-scope", _xtext(FORCE_WIDE if scope is None else scope))
    event.add("x-engagerules-kind", ob.kind.value)
    # Due dates and deadlines must not show the owner as busy; briefings do.
    transparent = all_day or kind_module(ob.kind).CALENDAR_FREE
    event.add("transp", "TRANSPARENT" if transparent else "OPAQUE")
    event.add("x-microsoft-cdo-busystatus", "FREE" if transparent else "BUSY")
    if all_day:
        event.add("x-microsoft-cdo-alldayevent", "TRUE")


def _summary(force: Force, ob: Obligation, scope: str | None) -> str:
    label = kind_module(ob.kind).CALENDAR_LABEL
    prefix = f"{label}: " if label else ""
    if scope is None:
        return prefix + ob.title
    return f"{prefix}{ob.title} ({_unit_name(force, scope)})"


def _due_phrase(ob: Obligation, window: Window) -> str:
    """When an all-day item (on the first day of its window) is due, said so that it holds
    for every occurrence of its series: `due today`, `due by Sunday`, `due within 3 months`
    (a rota in any order: within its round)."""
    cycle = judged_cycle(ob)
    if cycle is None or kind_module(ob.kind).DUE_BY_LAST_DAY:
        return f"due by {day_words(_last_day(window))}"
    if _every_day(ob):
        return "every day this week"
    if cycle.freq == rrule.DAILY and cycle.interval == 1:
        return "due today"
    last = _last_day(window)
    if cycle.freq == rrule.WEEKLY and cycle.interval == 1:
        return f"due by {last:%A}"
    if cycle.freq == rrule.MONTHLY and cycle.interval == 1 and window.local_start.day == 1:
        return "due by the end of the month"
    return f"due within {duration_words(cycle.every)}"


def _unit_name(force: Force, scope: str | None) -> str:
    if scope is None:
        return "force-wide"
    if scope == EVERY_PERSON:
        return "each person"
    unit = force.unit(scope)
    return unit.name if unit else scope


def _day_label(day: date) -> str:
    """`3 Oct`: the item itself is on the calendar, so the year would only be noise."""
    return f"{day.day} {day:%b}"


def _every(freq: int, n: int) -> str:
    one, many = _PERIOD_WORDS[freq]
    return f"every {one}" if n == 1 else f"every {n} {many}"


def _duty_description(force: Force, series: _Series) -> str:
    ob = series.obligation
    # The description is for the person doing the duty: the configuration's own
    # `description` is a note for reviewers (how the plan was read) and stays in
    # `engagerules docs`; the plan's words are in the source line.
    lines = [ob.title, ""]
    lines.append(_when(force, series))
    lines += kind_module(ob.kind).detail_lines(ob.rule)
    lines += _common_lines(force, ob, series.scope)
    return _described(force, ob, lines)


def _described(force: Force, ob: Obligation, lines: list[str]) -> str:
    """A description as people read it, durations and dates in words, ending in one
    `Reference:` line that holds the codes: the duty's id and its source document."""
    doc = ob.source.document
    reference = f"Reference: {ob.id} ({ob.kind.value}); source document {doc}"
    return "\n".join([*(plain_words(line) for line in lines), reference])


def _when(force: Force, series: _Series) -> str:
    ob = series.obligation
    cycle = ob.cycle
    rota = ""
    if ob.scope.rota and ob.scope.units:
        turns = ", ".join(_unit_name(force, u) for u in ob.scope.units)
        rota = f", on a rota ({turns}): this series is {_unit_name(force, series.scope)}'s turns"
        if ob.scope.any_order:
            rota = (
                f", on a rota in any order ({turns}): this series is "
                f"{_unit_name(force, series.scope)}'s rounds, each owing one, in whichever "
                "period of the round"
            )
    if series.at is not None:
        window = series.dues[0].window
        days = sorted({d.window.local_start.date() for d in series.dues})
        gaps = [(b - a).days for a, b in itertools.pairwise(days)]
        often = _every(rrule.DAILY, min(gaps)) if gaps else f"once, on {day_words(days[0])}"
        return (
            f"When: {often}{rota}, at {series.at:%H:%M} local time ({_tzid(force.zone)}) "
            f"for {_length(window.end - window.start)}; the same local time all year, "
            "across clock changes."
        )
    placed = (
        "This item sits on the first day of the period it covers, so the work can be "
        "planned; it is due by the end of that period"
    )
    if cycle is None:
        window = series.dues[0].window
        span = f"{day_words(window.local_start.date())} to {day_words(_last_day(window))}"
        return f"When: once, {span}. {placed}."
    if _every_day(ob):
        return (
            "When: every day. So that a duty done every day does not fill every day of the "
            "calendar, this item sits on the Monday of each week and stands for its seven days."
        )
    when = f"When: {_every(cycle.freq, cycle.interval)}"
    if rota and ob.scope.any_order:
        when = f"When: {_every(cycle.freq, cycle.interval * len(ob.scope.units))}{rota}"
    elif rota:
        when += f"{rota}, {_every(cycle.freq, cycle.interval * len(ob.scope.units))}"
    when += kind_module(ob.kind).when_suffix(ob, ob.rule)
    return f"{when}. {placed}."


def _length(length: timedelta) -> str:
    minutes = int(length.total_seconds() // 60)
    if minutes % 60:
        return f"{minutes} minutes"
    hours = minutes // 60
    return "1 hour" if hours == 1 else f"{hours} hours"


def _common_lines(force: Force, ob: Obligation, scope: str | None) -> list[str]:
    """Owner, scope, evidence, validity and source: what a reader needs to act and to check."""
    owner = f"Owner: {role_words(force, ob.owner)}"
    steps = [r for r in ob.evidence if r.owner and r.owner != ob.owner]
    if steps:
        owner += "; steps: " + "; ".join(f"{r.label}: {role_words(force, r.owner)}" for r in steps)
    if scope is None:
        where = "Scope: force-wide"
    elif scope == EVERY_PERSON:
        where = "Scope: every person, each on their own (one series for everyone)"
    else:
        unit = force.unit(scope)
        where = f"Scope: {_unit_name(force, scope)}" + (f", a {unit.kind}" if unit else "")
    lines = [owner, where]
    evidence = kind_module(ob.kind).evidence_line(force, ob, ob.rule)
    if evidence is not None:
        lines.append(evidence)
    elif ob.evidence:
        lines.append("Evidence: " + "; ".join(requirement_text(force, r) for r in ob.evidence))
    else:
        lines.append("Evidence: none that activity records can show")
    if ob.effective_from or ob.effective_until:
        since = f" from {day_words(ob.effective_from)}" if ob.effective_from else ""
        until = f" until {day_words(ob.effective_until)}" if ob.effective_until else ""
        lines.append(f"In force:{since}{until}")
    lines += kind_module(ob.kind).note_lines(ob.rule)
    lines.extend(f"Reading ({r.part.value}): {reading_words(force, r)}" for r in ob.readings.read)
    lines.append(_citation(force, ob))
    return lines


def _number(value: float) -> str:
    return f"{value:g}"


def _citation(force: Force, ob: Obligation) -> str:
    doc = next((d for d in force.documents if d.id == ob.source.document), None)
    title = doc.title if doc else "the plan"  # its file is on the Reference line
    text = f'Source: {title}, section "{ob.source.section}"'
    if ob.source.quote:
        text += f': "{ob.source.quote}"'
    return text


# ---------------------------------------------------------------------------- UIDs


def _uid(*parts: str) -> str:
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:32]
    return f"{digest}@{_UID_DOMAIN}"


def _series_uid(force: Force, ob: Obligation, scope: str | None, at: time | None) -> str:
    """Stable for the same duty, unit and time of day, whatever else the plan says.

    A later version (one with `effective_from`) gets its own UID, so revising a duty ends
    the old series and starts a new one rather than rewriting history.
    """
    parts = [
        force.id,
        ob.id,
        FORCE_WIDE if scope is None else scope,
        at.strftime("%H:%M") if at else "",
    ]
    if ob.effective_from is not None:
        parts.append(f"from {ob.effective_from.isoformat()}")
    return _uid(*parts)


# ---------------------------------------------------------------------------- VTIMEZONE


@attrs.frozen
class _Onset:
    """One clock change, described the way a yearly rule describes it."""

    daylight: bool
    month: int
    weekday: int
    ordinals: frozenset[int]
    at: time
    offset_from: timedelta
    offset_to: timedelta
    name: str


def _tzid(zone: tzinfo) -> str:
    return str(getattr(zone, "key", None) or zone)


def _offset(zone: tzinfo, moment: datetime) -> timedelta:
    offset = moment.astimezone(zone).utcoffset()
    return offset if offset is not None else timedelta(0)


def _changes(zone: tzinfo, year: int) -> list[_Onset]:
    """The clock changes of `year`, found from zoneinfo by day steps then bisection."""
    found: list[_Onset] = []
    moment = datetime(year, 1, 1, tzinfo=UTC)
    stop = datetime(year + 1, 1, 1, tzinfo=UTC)
    while moment < stop:
        following = moment + timedelta(days=1)
        if _offset(zone, moment) != _offset(zone, following):
            lo, hi = moment, following
            while hi - lo > timedelta(seconds=1):
                mid = lo + (hi - lo) / 2
                if _offset(zone, mid) == _offset(zone, lo):
                    lo = mid
                else:
                    hi = mid
            before, after = _offset(zone, lo), _offset(zone, hi)
            onset = hi.replace(tzinfo=None, microsecond=0) + before
            last = _months.monthrange(onset.year, onset.month)[1]
            ordinals = {(onset.day - 1) // 7 + 1}
            if onset.day + 7 > last:
                ordinals.add(-1)
            local = hi.astimezone(zone)
            found.append(
                _Onset(
                    daylight=bool(local.dst()),
                    month=onset.month,
                    weekday=onset.weekday(),
                    ordinals=frozenset(ordinals),
                    at=onset.time(),
                    offset_from=before,
                    offset_to=after,
                    name=local.tzname() or _tzid(zone),
                )
            )
        moment = following
    return found


def _yearly_rules(zone: tzinfo, years: range) -> list[_Onset] | None:
    """One yearly rule per kind of change, holding in every year of `years`, or None."""
    per_year = [_changes(zone, y) for y in years]
    first = per_year[0]
    rules: list[_Onset] = []
    for i, onset in enumerate(first):
        ordinals = set(onset.ordinals)
        for changes in per_year:
            if len(changes) != len(first):
                return None
            other = changes[i]
            if attrs.evolve(other, ordinals=onset.ordinals) != onset:
                return None
            ordinals &= other.ordinals
        if not ordinals:
            return None
        rules.append(
            attrs.evolve(onset, ordinals=frozenset({-1} if -1 in ordinals else {min(ordinals)}))
        )
    return rules


def vtimezone(zone: tzinfo, years: range) -> icalendar.Timezone:
    """The zone as a VTIMEZONE in RRULE form (`BYMONTH=10;BYDAY=-1SU`), as Outlook writes
    it and every client reads it, derived from zoneinfo and true for every year of `years`.

    Raises `ConfigError` when the zone changed its rules within `years`: one yearly rule
    could not describe it, and a wrong offset would move every timed duty.
    """
    tzid = _tzid(zone)
    rules = _yearly_rules(zone, years)
    if rules is None:
        where = f"{years.start}..{years.stop - 1}"
        msg = (
            f"time zone {tzid} changes its clock rules within {where}; the calendar needs "
            "one yearly rule: export a shorter range"
        )
        raise ConfigError([Problem("$.timezone", msg)])
    tz = icalendar.Timezone()
    tz.add("tzid", tzid)
    if not rules:
        moment = datetime(years.start, 1, 1, tzinfo=UTC).astimezone(zone)
        standard = icalendar.TimezoneStandard()
        standard.add("dtstart", datetime.combine(date(1970, 1, 1), time(0)))
        standard.add("tzoffsetfrom", _offset(zone, moment))
        standard.add("tzoffsetto", _offset(zone, moment))
        standard.add("tzname", moment.tzname() or tzid)
        tz.add_component(standard)
        return tz
    for rule in sorted(rules, key=lambda r: r.daylight):
        (ordinal,) = rule.ordinals
        weekday = rrule.weekdays[rule.weekday](ordinal)
        first = rrule.rrule(
            rrule.YEARLY,
            bymonth=rule.month,
            byweekday=weekday,
            dtstart=datetime.combine(date(1970, 1, 1), rule.at),
            count=1,
        )[0]
        part = icalendar.TimezoneDaylight() if rule.daylight else icalendar.TimezoneStandard()
        part.add("dtstart", first)
        part.add(
            "rrule",
            icalendar.vRecur(
                {
                    "freq": "YEARLY",
                    "bymonth": rule.month,
                    "byday": f"{ordinal}{_WEEKDAYS[rule.weekday]}",
                }
            ),
        )
        part.add("tzoffsetfrom", rule.offset_from)
        part.add("tzoffsetto", rule.offset_to)
        part.add("tzname", rule.name)
        tz.add_component(part)
    return tz
