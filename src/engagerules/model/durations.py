"""ISO 8601 durations, kept as calendar units rather than seconds.

A month is not 30 days and a day is not 24 hours across a clock change, so a duration is
stored as the units it was written in and applied with `relativedelta` to local wall-clock
times. Only the subset plans use is accepted: years, months, weeks, days, hours, minutes.
"""

from __future__ import annotations

import re
from calendar import monthrange
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

import attrs
from dateutil import rrule
from dateutil.relativedelta import relativedelta

from engagerules.errors import ModelError, UsageError
from engagerules.model.checks import non_negative_int
from engagerules.model.limits import MAX_DURATION_DAYS

__all__ = ["Duration", "parse_duration", "positive_duration"]

_PATTERN = re.compile(
    r"^P(?!$)(?:(?P<years>\d+)Y)?(?:(?P<months>\d+)M)?(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?=\d)(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?)?$"
)

#: The JSON Schema pattern for durations; the same grammar as `parse_duration`.
DURATION_PATTERN = _PATTERN.pattern


@attrs.frozen
class Duration:
    """A duration as written (`P6W`, `P4M`, `PT1H`), applied in wall-clock units."""

    years: int = attrs.field(default=0, validator=non_negative_int)
    months: int = attrs.field(default=0, validator=non_negative_int)
    weeks: int = attrs.field(default=0, validator=non_negative_int)
    days: int = attrs.field(default=0, validator=non_negative_int)
    hours: int = attrs.field(default=0, validator=non_negative_int)
    minutes: int = attrs.field(default=0, validator=non_negative_int)

    @property
    def delta(self) -> relativedelta:
        return relativedelta(
            years=self.years,
            months=self.months,
            weeks=self.weeks,
            days=self.days,
            hours=self.hours,
            minutes=self.minutes,
        )

    @property
    def is_zero(self) -> bool:
        return not any(attrs.astuple(self))

    @property
    def least(self) -> timedelta:
        """Less than `after` ever moves any instant, in any zone: N months move a day at
        least 28N days (31 January to 28 February is 28: a day a shorter month cannot
        keep is its last), and the wall clock's offset, held within a day either side of
        UTC, moves an instant less than 2 days. A record this near its previous is in
        time without the deadline being worked out."""
        months = 12 * self.years + self.months
        days = 28 * months + 7 * self.weeks + self.days - 2
        return timedelta(days=days, hours=self.hours, minutes=self.minutes)

    def recurrence(self) -> tuple[int, int] | None:
        """The `(rrule frequency, interval)` this duration repeats at, if it is a cadence.

        A cadence must be a whole number of one calendar unit (`P6W`, `P4M`); mixtures such
        as `P1M2D` have no recurrence rule and return None.
        """
        units = [
            (rrule.YEARLY, self.years),
            (rrule.MONTHLY, self.months),
            (rrule.WEEKLY, self.weeks),
            (rrule.DAILY, self.days),
        ]
        used = [(freq, n) for freq, n in units if n]
        if len(used) != 1 or self.hours or self.minutes:
            return None
        return used[0]

    def after(self, moment: datetime, zone: tzinfo | None = None) -> datetime:
        """The instant (in UTC) this long after the aware `moment`.

        Calendar parts move the wall clock of `zone` (default: `moment`'s own): a day
        after 10:00 is 10:00 the next day, even across a clock change. Hours and minutes
        are elapsed time, as a deadline of PT48H means to the people who set it.

        Months (and years) count from the end of a month to the end of a month: a month
        after 28 February is 31 March, not 28 March, so a duty done on the last day of
        every month never lapses; from any other day the day is kept, or the month's last
        if it has fewer (31 January to 28 February).
        """
        wall_zone = zone or moment.tzinfo
        if wall_zone is None:
            msg = f"{moment.isoformat()} must be time-zone aware"
            raise UsageError(msg)
        local = moment.astimezone(wall_zone).replace(tzinfo=None)
        months = 12 * self.years + self.months
        if months:
            # as `relativedelta` moves a date (a property test holds it to that), without
            # building one: a fifth of the time, and a deadline is found per record of a
            # long log
            month_end = (local + timedelta(days=1)).day == 1
            total = local.month - 1 + months
            year, month = local.year + total // 12, total % 12 + 1
            last = monthrange(year, month)[1]
            local = local.replace(
                year=year, month=month, day=last if month_end else min(last, local.day)
            )
        days = 7 * self.weeks + self.days
        wall = (local + timedelta(days=days) if days else local).replace(tzinfo=wall_zone)
        if self.hours or self.minutes:
            return wall.astimezone(UTC) + timedelta(hours=self.hours, minutes=self.minutes)
        return wall.astimezone(UTC)

    def before(self, moment: datetime, zone: tzinfo | None = None) -> datetime:
        """The instant (in UTC) this long before the aware `moment`: calendar parts moved
        back on the wall clock of `zone` (default: `moment`'s own), hours and minutes as
        elapsed time. Used where a plan allows a record ahead of the period it is for (a
        written report sent before its meeting); from the first of a month, months back
        land on the first of a month."""
        wall_zone = zone or moment.tzinfo
        if wall_zone is None:
            msg = f"{moment.isoformat()} must be time-zone aware"
            raise UsageError(msg)
        local = moment.astimezone(wall_zone).replace(tzinfo=None)
        calendar = relativedelta(
            years=self.years, months=self.months, weeks=self.weeks, days=self.days
        )
        wall = (local - calendar).replace(tzinfo=wall_zone)
        elapsed = timedelta(hours=self.hours, minutes=self.minutes)
        return wall.astimezone(UTC) - elapsed

    def times(self, n: int) -> Duration:
        """This duration `n` times over (`P1M` three times is `P3M`): a round of a rota."""
        return Duration(*(n * part for part in attrs.astuple(self)))

    def __str__(self) -> str:
        date_part = "".join(
            f"{n}{unit}"
            for n, unit in (
                (self.years, "Y"),
                (self.months, "M"),
                (self.weeks, "W"),
                (self.days, "D"),
            )
            if n
        )
        time_part = "".join(
            f"{n}{unit}" for n, unit in ((self.hours, "H"), (self.minutes, "M")) if n
        )
        if not date_part and not time_part:
            return "PT0M"
        return "P" + date_part + (f"T{time_part}" if time_part else "")


def positive_duration(inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """Validator: a `Duration` longer than zero (cadences, deadlines, slots)."""
    if not isinstance(value, Duration):
        msg = f"{type(inst).__name__}.{attribute.name}: {value!r} is not a duration"
        raise ModelError(msg)
    if value.is_zero:
        msg = f"{type(inst).__name__}.{attribute.name}: {value} must be longer than zero"
        raise ModelError(msg)


#: Examples a message offers for a duration of unknown use; a cadence's are cycles.
DURATION_EXAMPLES = "P1W, P1M or PT2H"
CADENCE_EXAMPLES = "P1D, P1W, P6W, P1M, P3M or P1Y"


def parse_duration(text: str, examples: str = DURATION_EXAMPLES) -> Duration:
    """Parse an ISO 8601 duration, raising ValueError that quotes the bad text and offers
    `examples` fit for where it is used (a cadence is never PT1H or P2D)."""
    match = _PATTERN.match(text)
    if match is None:
        shown = text if len(text) <= 40 else text[:37] + "..."
        msg = f"{shown!r} is not an ISO 8601 duration such as {examples}"
        raise UsageError(msg)
    parts = match.groupdict()
    # Digits are checked before int() so a 5,000-digit count cannot hit Python's limit.
    days = sum(
        (int(v) if len(v) < 20 else 10**20) * per_day
        for k, v in parts.items()
        if v
        for per_day in (_DAYS_PER[k],)
    )
    if days > MAX_DURATION_DAYS:
        shown = text if len(text) <= 40 else text[:37] + "..."
        msg = f"{shown!r} is longer than the 100 years supported"
        raise UsageError(msg)
    return Duration(**{k: int(v) for k, v in parts.items() if v})


#: Days each unit may take at most, to bound a duration whatever calendar it lands in.
_DAYS_PER = {
    "years": 366,
    "months": 31,
    "weeks": 7,
    "days": 1,
    "hours": 1 / 24,
    "minutes": 1 / 1440,
}
