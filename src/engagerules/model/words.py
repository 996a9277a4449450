"""The words people read: duties, roles, units, event types, cadences, times and citations.

Sergeants, analysts and boards read reports, agendas and calendars; codes such as
`ORLO_SPOC`, `P3M` or `000_a4e1ad9ca434798f.txt` mean nothing to them. Every output that
people read says these things through this one module, so the text report, the agenda,
explain, the calendar and the force docs cannot say the same thing in different ways.

Times have one format everywhere: local wall-clock time in the force's zone with the zone's
abbreviation, `Mon 14 Nov 2022 08:30 GMT`. When the clocks go back an hour happens twice,
so a time in that hour also carries its offset (`Sun 29 Oct 2023 01:30 BST, +01:00`), the
one thing that tells the two apart.

Where a machine or a reviewer needs the code (an obligation id to pass to `explain`, a file
name to open), it is set beside the words, never instead of them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta, tzinfo

from engagerules.model.durations import Duration, parse_duration
from engagerules.model.periods import Window
from engagerules.model.plan import Citation, Force, Requirement
from engagerules.model.readings import Reading

__all__ = [
    "amount",
    "and_list",
    "attr_words",
    "cadence_words",
    "citation_words",
    "clock_words",
    "day_words",
    "days_words",
    "deadline_words",
    "denial_words",
    "duration_words",
    "duty_words",
    "every_words",
    "markdown_codes",
    "markdown_text",
    "on_days_words",
    "part_windows_words",
    "plain_words",
    "plural",
    "printable",
    "printable_lines",
    "reading_words",
    "requirement_words",
    "role_words",
    "time_words",
    "type_words",
    "unit_words",
    "when_words",
    "window_words",
]

#: Duration fields, largest first, with their singular word.
_UNITS = (
    ("years", "year"),
    ("months", "month"),
    ("weeks", "week"),
    ("days", "day"),
    ("hours", "hour"),
    ("minutes", "minute"),
)

#: The one-word name of a cadence of one whole unit.
_ONCE_A = {
    "years": "yearly",
    "months": "monthly",
    "weeks": "weekly",
    "days": "daily",
    "hours": "hourly",
}


def plural(n: float, word: str, many: str | None = None) -> str:
    """`1 window`, `3 windows`: a count with its noun agreeing."""
    return f"{amount(n)} {word if n == 1 else (many or word + 's')}"


def amount(value: float) -> str:
    """A number as a person writes it: `3`, not `3.0`; `2.5` stays."""
    return f"{int(value)}" if float(value).is_integer() else f"{value:g}"


def and_list(items: Iterable[str], conjunction: str = "and") -> str:
    """`a`, `a and b`, `a, b and c`."""
    found = list(items)
    if len(found) < 2:
        return "".join(found)
    return ", ".join(found[:-1]) + f" {conjunction} " + found[-1]


def attr_words(attr: str) -> str:
    """An attribute's code as a reason says it: `booking_ref` -> `booking ref`."""
    return attr.replace("_", " ").strip()


def denial_words(attr: str) -> str:
    """How a reason says a record denies what a condition asks is there ("No partners
    attended"), without repeating what was typed: `partners recorded as none`."""
    return f"{attr_words(attr)} recorded as none"


def duration_words(duration: Duration) -> str:
    """`2 days`, `1 month 2 days`, `48 hours`: a duration in the units it was written in."""
    parts = [
        plural(getattr(duration, field), word) for field, word in _UNITS if getattr(duration, field)
    ]
    return " ".join(parts) or "no time"


def every_words(cadence: Duration) -> str:
    """`every week`, `every 3 months`: a cadence by its largest unit, as a reviewer's page
    says it beside the ISO code (`cadence_words` is the shorter form for everyone else)."""
    for field, word in _UNITS:
        n = getattr(cadence, field)
        if n:
            return f"every {word}" if n == 1 else f"every {n} {field}"
    return str(cadence)


def cadence_words(cadence: Duration | None, anchor: date | None = None) -> str:
    """How often a duty recurs: `weekly`, `every 3 months`, `every 6 weeks from 5 Aug 2019`.

    The anchor is said only when it is given, since that is when the plan fixes where
    the cycles start (e.g. six-monthly in April and October). None is `once`.
    """
    if cadence is None:
        return "once"
    used = [(field, getattr(cadence, field)) for field, _ in _UNITS if getattr(cadence, field)]
    if len(used) == 1 and used[0][1] == 1 and used[0][0] in _ONCE_A:
        text = _ONCE_A[used[0][0]]
    else:
        text = f"every {duration_words(cadence)}"
    if anchor is not None:
        text += f" from {day_words(anchor, weekday=False)}"
    return text


def day_words(day: date, *, weekday: bool = True) -> str:
    """`Mon 14 Nov 2022` (or `14 Nov 2022`): a date without leading zeros or ISO codes."""
    text = f"{day.day} {day:%b %Y}"
    return f"{day:%a} {text}" if weekday else text


def _repeated(moment: datetime) -> bool:
    """Whether the wall-clock time of the aware `moment` happens twice (clocks going back)."""
    other = moment.replace(fold=1 - moment.fold)
    return other.utcoffset() != moment.utcoffset()


def _offset(moment: datetime) -> str:
    offset = moment.utcoffset() or timedelta(0)
    sign = "-" if offset < timedelta(0) else "+"
    minutes = abs(int(offset.total_seconds())) // 60
    return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def _zone_name(moment: datetime) -> str:
    """The zone's abbreviation (`GMT`, `BST`); zones without one show the offset."""
    name = moment.tzname() or ""
    if not name or name[0] in "+-":
        return f"UTC{_offset(moment)}"
    return name


def time_words(moment: datetime, zone: tzinfo, *, weekday: bool = True) -> str:
    """`Mon 14 Nov 2022 08:30 GMT`: an instant as local time in `zone`, with the zone.

    In the hour that happens twice when the clocks go back, the offset is added
    (`Sun 29 Oct 2023 01:30 BST, +01:00`), since the abbreviation alone is easy to miss.
    """
    local = moment.astimezone(zone)
    text = f"{day_words(local.date(), weekday=weekday)} {local:%H:%M} {_zone_name(local)}"
    if _repeated(local):
        text += f", {_offset(local)}"
    return text


def clock_words(moment: datetime, zone: tzinfo) -> str:
    """`08:30 GMT`: the time of day only, for lines that already say the day."""
    local = moment.astimezone(zone)
    text = f"{local:%H:%M} {_zone_name(local)}"
    if _repeated(local):
        text += f", {_offset(local)}"
    return text


def deadline_words(moment: datetime, zone: tzinfo) -> str:
    """When something is due by: `the end of Sun 9 Oct 2022` for a deadline at local
    midnight (which people count as the day before), else `Thu 6 Oct 2022 15:00 BST`."""
    local = moment.astimezone(zone)
    if local.time() == time(0):
        return f"the end of {day_words(local.date() - timedelta(days=1))}"
    return time_words(local, zone)


def days_words(first: date, last: date) -> str:
    """Whole days, the last included: `Mon 3 Oct 2022` for one, `Mon 3 Oct to Sun 9 Oct
    2022` within a year (the year said once), `Fri 30 Dec 2022 to Mon 2 Jan 2023` across."""
    if last <= first:
        return day_words(first)
    if first.year == last.year:
        return f"{first:%a} {first.day} {first:%b} to {day_words(last)}"
    return f"{day_words(first)} to {day_words(last)}"


def _whole_days(window: Window) -> tuple[date, date] | None:
    """The first and last local day of a window of whole days; None for a timed slot."""
    start, end = window.local_start, window.local_end
    if start.time() == time(0) and end.time() == time(0):
        return start.date(), end.date() - timedelta(days=1)
    return None


def window_words(window: Window) -> str:
    """A due window in words: `Mon 3 Oct 2022` for a day, `Mon 3 Oct to Sun 9 Oct 2022` for
    whole days, `Mon 3 Oct 2022 08:00 to 09:00 BST` for a timed slot (the end is exclusive
    for instants, so a slot ending at 09:00 is said so; whole days name their last day)."""
    zone = window.zone
    days = _whole_days(window)
    if days is not None:
        return days_words(*days)
    start, end = window.local_start, window.local_end
    plain = not _repeated(start) and start.tzname() == end.tzname()
    if start.date() == end.date() and plain:
        return f"{day_words(start.date())} {start:%H:%M} to {clock_words(end, zone)}"
    return f"{time_words(start, zone)} to {time_words(end, zone)}"


def when_words(window: Window) -> str:
    """A due window as a sentence says it: `on Mon 3 Oct 2022` for one day, `from Mon 3 Oct
    to Sun 9 Oct 2022` or `from Mon 3 Oct 2022 08:00 to 09:00 BST` otherwise."""
    days = _whole_days(window)
    if days is not None:
        return on_days_words(*days)
    return f"from {window_words(window)}"


def on_days_words(first: date, last: date) -> str:
    """Whole days as a sentence says them: `on Mon 3 Oct 2022`, `from Mon 3 Oct to Sun 9
    Oct 2022`."""
    return f"{'on' if last <= first else 'from'} {days_words(first, last)}"


def role_words(force: Force, role_id: str | None) -> str:
    """A role's title as the force's configuration gives it (the code if it has none).
    A role the force does not declare came from a record, where a person may have typed
    anything (a name in the role column): it is never repeated back."""
    if role_id is None:
        return "anyone"
    return next(
        (r.title or r.id for r in force.roles if r.id == role_id),
        "a role this force does not declare",
    )


def type_words(force: Force, type_id: str) -> str:
    """An event type's title (`Foot patrol`), or its code when the vocabulary has none."""
    return next((t.title for t in force.event_types if t.id == type_id), type_id)


def requirement_words(force: Force, requirement: Requirement) -> str:
    """What a requirement asks for: its own title (`posters and flyers updated via the
    Design team`), else the titles of the event types that count (`Foot patrol or Leaflet
    drop`), since a reason that names `foot_patrol` names a code, not an activity."""
    if requirement.title:
        return requirement.title
    return " or ".join(type_words(force, t) for t in requirement.types)


def unit_words(force: Force, scope: str | None) -> str:
    """A unit's name (`Ystrad Mynach`); `force-wide` for none; the id if it is unknown."""
    if scope is None:
        return "force-wide"
    unit = force.unit(scope)
    return unit.name if unit else scope


def duty_words(force: Force, obligation_id: str, *, with_id: bool = True) -> str:
    """A duty's title, with its id in brackets where a reader may need to pass it on
    (`engagerules explain` takes the id)."""
    found = force.obligation(obligation_id)
    title = found[0].title if found else obligation_id
    if not with_id or not found:
        return title
    return f"{title} ({obligation_id})"


def citation_words(force: Force, citation: Citation) -> str:
    """`"Caerphilly North Communication Plan", section "Weekly" (000_a4e1ad9ca434798f.txt)`:
    the document's title for the reader, its file name for whoever checks the quote."""
    doc = next((d for d in force.documents if d.id == citation.document), None)
    if doc is None:
        return f'{citation.document}, section "{citation.section}"'
    return f'"{doc.title}", section "{citation.section}" ({doc.id})'


#: An ISO 8601 duration (`P3M`, `PT30M`, `P1DT2H`) standing as a word of its own.
_ISO_DURATION = re.compile(r"\bP(?:\d+[YMWD])*(?:T(?:\d+[HMS])+)?\b")
#: An ISO 8601 date (`2026-12-06`), not part of a longer token.
_ISO_DATE = re.compile(r"(?<![\w-])(\d{4})-(\d{2})-(\d{2})(?![\w:-])")


def plain_words(text: str) -> str:
    """`text` with every ISO 8601 duration and date said in words (`P3M` -> `3 months`,
    `2026-12-06` -> `Sun 6 Dec 2026`): the one pass every line a person reads can take,
    so a code written for the engine never leads or fills a sentence."""

    def duration(match: re.Match[str]) -> str:
        if match[0] in ("P", "PT"):
            return match[0]
        try:
            return duration_words(parse_duration(match[0]))
        except ValueError:
            return match[0]

    def day(match: re.Match[str]) -> str:
        try:
            return day_words(date(int(match[1]), int(match[2]), int(match[3])))
        except ValueError:
            return match[0]

    return _ISO_DATE.sub(day, _ISO_DURATION.sub(duration, text))


def reading_words(force: Force, reading: Reading) -> str:
    """A reading as people read it (`Community Support Officer (CSO): our reading; the
    plan says 'CSO/Ward & NET'`): a role read as the owner by its title, its code after
    it; durations and dates in words."""
    text = reading.sentence()
    value = reading.reading
    if any(role.id == value for role in force.roles):
        text = f"{role_words(force, value)} ({value})" + text[len(value) :]
    return plain_words(text)


# ---------------------------------------------------------------- words set in Markdown

_SPECIAL = re.compile(r"([\\*_<>|`\[\]])")


def markdown_text(value: str) -> str:
    """Plain text made safe to place in Markdown: on one line, with no accidental markup."""
    return _SPECIAL.sub(r"\\\1", " ".join(value.split()))


def markdown_codes(values: Sequence[str], joiner: str = ", ") -> str:
    """Codes (ids a reviewer looks up) each set as code."""
    return joiner.join(f"`{v}`" for v in values)


def part_windows_words(owed: bool) -> str:
    """Whether part windows in post are owed, in words (notes and readings)."""
    if owed:
        return "owed for every period someone is on the roster at any time, even part of it"
    return (
        "owed only for whole periods in post: someone who joins or leaves during a period "
        "does not owe it"
    )


#: What a terminal would act on rather than show: C0 and C1 control characters, DEL, the
#: line and paragraph separators, and the bidirectional overrides and isolates that
#: reorder what is shown (a "Trojan Source" id).
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def printable(line: str) -> str:
    """`line` with every control character shown as an escape (`\\x1b`, `\\n`): an event
    id holding ESC must not restyle the terminal, nor a CR or LF forge a line. Every line
    a terminal is given (reports, explain, agenda, schedule, messages) passes through
    here, one logical line at a time."""
    return _CONTROL.sub(lambda m: repr(m.group())[1:-1], line)


def printable_lines(lines: Iterable[str]) -> str:
    """Lines, each made `printable`, each ending in a line feed."""
    return "".join(printable(line) + "\n" for line in lines)


def duplicate_words(first: str) -> str:
    """Why a record counted once: it repeats another, field for field where it matters."""
    return f"repeats {first} (same type, unit, role, person, instant and details): counted once"


def requirement_text(force: Force, req: Requirement) -> str:
    """One requirement with its threshold, as a reader says it: "Tweet: at least 1, by
    Sergeant, where topic is ..." (the calendar's and `obligations`' words)."""
    label = requirement_words(force, req)
    if req.sum is not None:
        text = f"{label}: {req.sum} totalling at least {amount(req.min)}"
    elif req.distinct is not None:
        text = f"{label}: at least {amount(req.min)} different {req.distinct}"
    else:
        text = f"{label}: at least {amount(req.min)}"
    if req.any_role:
        text += ", by any role"
    elif req.roles:
        text += f", by {' or '.join(role_words(force, r) for r in req.roles)}"
    if req.where:
        text += ", where " + " and ".join(c.describe() for c in req.where)
    return text
