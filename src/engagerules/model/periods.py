"""Due windows: the periods a recurring duty is judged in, computed in the force's zone.

Periods are generated as naive local wall-clock starts by `dateutil.rrule` and only then
given the zone, so a week is Monday 00:00 to Monday 00:00 local whether it has 167, 168 or
169 hours. The calendar export builds its RRULE from the same `Cycle`, so the windows a
check judges and the items Outlook shows cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta, tzinfo

import attrs
from dateutil import rrule
from dateutil.relativedelta import relativedelta

from engagerules.errors import UsageError
from engagerules.model.durations import Duration
from engagerules.model.limits import range_problem, year_problem

__all__ = [
    "PERIOD_FORMS",
    "Cycle",
    "NamedPeriod",
    "Window",
    "is_period_label",
    "judged_bounds",
    "local_midnight",
    "localize",
    "named_period",
    "period_fate",
    "range_bounds",
]

#: Phase of cycles whose plan fixes none: weeks start on Monday (3 January 2000 was one),
#: months, quarters and years on 1 January.
_DEFAULT_WEEK_ANCHOR = date(2000, 1, 3)
_DEFAULT_ANCHOR = date(2000, 1, 1)


@attrs.frozen(order=True)
class Window:
    """A half-open interval `[start, end)` of instants, kept in UTC, shown in its zone.

    Python compares two datetimes that share a tzinfo by their wall-clock reading, so
    01:30 BST and 01:15 GMT on the night the clocks go back would sort the wrong way
    round. Keeping every instant in UTC makes comparison and subtraction exact; the
    force's zone (`zone`, by default the zone `start` was given in) is kept for display
    and for the local dates periods are counted in.
    """

    start: datetime
    end: datetime
    tz: tzinfo | None = attrs.field(default=None, eq=False, order=False, repr=False)

    def __attrs_post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            msg = f"window {self.start}..{self.end} must be time-zone aware"
            raise UsageError(msg)
        object.__setattr__(self, "tz", self.tz or self.start.tzinfo)
        object.__setattr__(self, "start", self.start.astimezone(UTC))
        object.__setattr__(self, "end", self.end.astimezone(UTC))
        if not self.start < self.end:
            msg = f"window start {self.start.isoformat()} is not before end {self.end.isoformat()}"
            raise UsageError(msg)

    @property
    def zone(self) -> tzinfo:
        """The zone the window is counted and shown in."""
        return self.tz or UTC

    @property
    def local_start(self) -> datetime:
        return self.start.astimezone(self.zone)

    @property
    def local_end(self) -> datetime:
        return self.end.astimezone(self.zone)

    def contains(self, moment: datetime) -> bool:
        return self.start <= moment < self.end

    def overlaps(self, other: Window) -> bool:
        return self.start < other.end and other.start < self.end

    @property
    def label(self) -> str:
        """A short human label: `2022-10-03` for a day, `2022-10-03..2022-10-09` otherwise."""
        start, end = self.local_start, self.local_end
        first = start.date()
        last = (end - timedelta(microseconds=1)).date()
        if start.time() != time(0) or end.time() != time(0):
            return f"{start:%Y-%m-%d %H:%M}"
        return first.isoformat() if first == last else f"{first.isoformat()}..{last.isoformat()}"


def localize(naive: datetime, zone: tzinfo) -> datetime:
    """Attach `zone` to a wall-clock time, moving a time that falls in a spring-forward gap
    to the instant the clock actually shows after the change (01:30 becomes 02:30 BST).

    Round-tripping through UTC does exactly that and leaves every other time unchanged;
    in an autumn overlap the first (summer-time) occurrence is taken.
    """
    return naive.replace(tzinfo=zone).astimezone(UTC).astimezone(zone)


def local_midnight(day: date, zone: tzinfo) -> datetime:
    return localize(datetime.combine(day, time(0)), zone)


def range_bounds(first: date, last: date, zone: tzinfo) -> Window:
    """The window from `first` 00:00 to the midnight after `last` (`--to` is inclusive)."""
    if last < first:
        msg = f"--to {last.isoformat()} is before --from {first.isoformat()}"
        raise UsageError(msg)
    for day in (first, last):
        problem = year_problem(day)
        if problem is not None:  # date.max + 1 day, or midnight of date.min in +01:00
            raise UsageError(f"{day.isoformat()}: {problem}")
    return Window(local_midnight(first, zone), local_midnight(last + timedelta(days=1), zone))


def judged_bounds(first: date, last: date, zone: tzinfo) -> Window:
    """`range_bounds`, for a range one run judges: at most `MAX_RANGE_DAYS` long, so a
    caller of the Python API gets the limit the command line holds (a thousand-year
    `simulate` is an error, not a minute of work)."""
    span = range_bounds(first, last, zone)
    too_long = range_problem(first, last)
    if too_long is not None:
        raise UsageError(too_long)
    return span


@attrs.frozen
class Cycle:
    """A cadence fixed in phase: every `every`, counted from `anchor` (forwards and back)."""

    every: Duration
    anchor: date | None = None
    _recurrence: tuple[int, int] = attrs.field(init=False, repr=False)

    @_recurrence.default
    def _check_recurrence(self) -> tuple[int, int]:
        rec = self.every.recurrence()
        if rec is None:
            msg = f"cadence {self.every} is not a whole number of days, weeks, months or years"
            raise UsageError(msg)
        return rec

    @property
    def freq(self) -> int:
        """The dateutil frequency constant (`rrule.WEEKLY` ...)."""
        return self._recurrence[0]

    @property
    def interval(self) -> int:
        return self._recurrence[1]

    @property
    def phase(self) -> date:
        """The anchor in use: the declared one or the conventional default."""
        if self.anchor is not None:
            return self.anchor
        return _DEFAULT_WEEK_ANCHOR if self.freq == rrule.WEEKLY else _DEFAULT_ANCHOR

    def first_start_on_or_before(self, day: date) -> date:
        """The start of the period containing `day`, which may lie before the anchor."""
        phase = self.phase
        n = self.interval
        if self.freq in (rrule.DAILY, rrule.WEEKLY):
            step = n * (7 if self.freq == rrule.WEEKLY else 1)
            k = (day - phase).days // step
            return phase + timedelta(days=k * step)
        step_months = n * (12 if self.freq == rrule.YEARLY else 1)
        months = (day.year - phase.year) * 12 + (day.month - phase.month)
        k = months // step_months
        start = phase + relativedelta(months=k * step_months)
        if start > day:
            start -= relativedelta(months=step_months)
        return start

    def rule(self, dtstart: date) -> rrule.rrule:
        """The dateutil rule of period starts from `dtstart`, a start of this cycle."""
        return rrule.rrule(
            self.freq,  # type: ignore[arg-type]  # dateutil's stub wants a Literal
            interval=self.interval,
            dtstart=datetime.combine(dtstart, time(0)),
        )

    def period_index(self, day: date) -> int:
        """How many whole periods separate the anchor's period from the one holding `day`.

        Rotas use this to decide whose turn a period is, so the turn does not depend on
        where a report's range happens to begin.
        """
        start = self.first_start_on_or_before(day)
        phase = self.phase
        if self.freq in (rrule.DAILY, rrule.WEEKLY):
            step = self.interval * (7 if self.freq == rrule.WEEKLY else 1)
            return (start - phase).days // step
        step_months = self.interval * (12 if self.freq == rrule.YEARLY else 1)
        return ((start.year - phase.year) * 12 + start.month - phase.month) // step_months

    def windows(self, span: Window, zone: tzinfo) -> Iterator[Window]:
        """Every period overlapping `span`, whole (not clipped), adjacent, in order.

        Whole periods are judged whole: a report from Saturday 1 October includes the week
        that began on Monday 26 September, so no week is judged on two days of evidence.
        """
        first = self.first_start_on_or_before(span.start.astimezone(zone).date())
        starts = iter(self.rule(first))
        current = localize(next(starts), zone)
        for naive in starts:
            following = localize(naive, zone)
            if following <= current:  # a local day the zone skipped (Pacific/Apia, 2011)
                continue
            yield Window(current, following, zone)
            if following >= span.end:
                return
            current = following


def slot_windows(days: Window, times: tuple[time, ...], length: Duration) -> Iterator[Window]:
    """The timed slots (a briefing at 08:00 for an hour) inside a period of whole days."""
    zone = days.zone
    day = days.local_start.date()
    last = (days.local_end - timedelta(microseconds=1)).date()
    while day <= last:
        for at in times:
            start = localize(datetime.combine(day, at), zone)
            if start.date() != day:  # the zone skipped the whole day (Pacific/Apia, 2011)
                continue
            yield Window(start, length.after(start, zone), zone)
        day += timedelta(days=1)


#: The labels a record may name its period by, in words for errors and docs.
PERIOD_FORMS = "YYYY, YYYY-MM, YYYY-Qn, YYYY-Hn, YYYY-MM-DD or a split year YYYY-YY"


@attrs.frozen
class NamedPeriod:
    """The period a record says it reports on (`for_period`), as local days: from `first`
    up to, not including, `end`."""

    label: str
    first: date
    end: date


def _label(value: object) -> str | None:
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    return str(value).strip()


def _split_year(text: str) -> int | None:
    """The first year of a split-year label such as 2019-20 (the next year, two digits)."""
    if len(text) == 7 and text[4] == "-" and text[:4].isdigit() and text[5:].isdigit():
        first = int(text[:4])
        if int(text[5:]) == (first + 1) % 100:
            return first
    return None


def _calendar_period(text: str) -> NamedPeriod | None:
    """A day, month, quarter, half or year by the calendar, or None."""
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            return NamedPeriod(text, day, day + timedelta(days=1))
        if len(text) == 4 and text.isdigit():
            return NamedPeriod(text, date(int(text), 1, 1), date(int(text) + 1, 1, 1))
        if len(text) != 7 or text[4] != "-" or not text[:4].isdigit():
            return None
        year, tail = int(text[:4]), text[5:].upper()
        if tail.isdigit():
            first = date(year, int(tail), 1)
            return NamedPeriod(text, first, first + relativedelta(months=1))
        if tail[0] in "QH" and tail[1:] in (("1", "2", "3", "4") if tail[0] == "Q" else ("1", "2")):
            months = 3 if tail[0] == "Q" else 6
            first = date(year, months * (int(tail[1]) - 1) + 1, 1)
            return NamedPeriod(text, first, first + relativedelta(months=months))
    except ValueError:  # month 13, 30 February, year 0
        return None
    return None


def is_period_label(value: object) -> bool:
    """Whether `value` is written as a period label at all (`PERIOD_FORMS`), so a record
    whose label cannot be read is rejected where it is read, with its file and line."""
    text = _label(value)
    if text is None:
        return False
    return _calendar_period(text) is not None or _split_year(text) is not None


def named_period(value: object, years: Cycle | None = None) -> NamedPeriod | None:
    """The period `value` names, or None if it names none this duty can read.

    Calendar labels (day, month, quarter, half, year) are read by the calendar. A split
    year (2019-20) is the year of `years` (a duty's yearly cycle, such as a contract year
    from August) that starts in its first year; a duty that declares no such years cannot
    read it, and says so rather than guess a calendar."""
    text = _label(value)
    if text is None:
        return None
    calendar = _calendar_period(text)
    if calendar is not None:
        return calendar
    first_year = _split_year(text)
    if first_year is None or years is None:
        return None
    start = years.first_start_on_or_before(date(first_year, 12, 31))
    if start.year != first_year:
        return None
    return NamedPeriod(text, start, start + relativedelta(years=1))


def period_fate(
    period: NamedPeriod | None,
    at: datetime,
    window: Window,
    grace: Duration,
    early: Duration | None = None,
) -> str | None:
    """Why a record naming `period`, made at `at`, does not count for `window`, or None
    when it does: the period must lie inside the window (a month counts for its quarter;
    a quarter never for one of its months), and the record be made on or after the
    period's first day (or `early` before it, where the duty allows a record ahead of its
    period) and before `grace` after its end. The words are the unmatched
    reasons' (`period_unreadable`, `period_unfit`, `period_early`, `period_late`);
    `other_period` when it names a period of another window."""
    if period is None:
        return "period_unreadable"
    zone = window.zone
    first = window.local_start.date()
    end = (window.local_end - timedelta(microseconds=1)).date() + timedelta(days=1)
    if not (first <= period.first < end):
        return "other_period"
    if period.end > end:
        return "period_unfit"
    opens = local_midnight(period.first, zone)
    if at < (opens if early is None else early.before(opens, zone)):
        return "period_early"
    if at >= grace.after(local_midnight(period.end, zone), zone):
        return "period_late"
    return None
