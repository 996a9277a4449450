"""The limits engagerules holds every input to, and the one wording each is stated in.

Python's `datetime` holds years 1 to 9999 and raises OverflowError past them; a duty
computed from an event near either end (a deadline `P2D` after 9999-12-31, a window
around 0001-01-01 in a zone ahead of UTC) would step outside. So dates and timestamps a
user gives are held to `FIRST_YEAR`..`LAST_YEAR`, and durations to `MAX_DURATION_DAYS`:
every instant the engine computes from them then stays centuries clear of the edges.
The JSON limits keep a record from exhausting the parser (nesting) or Python's integer
conversion, and keep numbers finite so sums and comparisons stay numbers. A range judged
in one run is held to `MAX_RANGE_DAYS` (10 years), so a typo of a century is an error,
not hours of work building windows.
"""

from __future__ import annotations

import os
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from zoneinfo import available_timezones

__all__ = [
    "FIRST_YEAR",
    "LAST_YEAR",
    "MAX_DEPTH",
    "MAX_DIGITS",
    "MAX_DURATION_DAYS",
    "MAX_RANGE_DAYS",
    "NAME_BYTES",
    "RANGE_YEARS",
    "YEARS",
    "csv_message",
    "path_problem",
    "range_problem",
    "year_problem",
    "zone_names",
]

#: The first and last years a date or timestamp given to engagerules may fall in.
FIRST_YEAR = 1900
LAST_YEAR = 2999
#: The supported years, as every message that rejects a date says them.
YEARS = f"{FIRST_YEAR} to {LAST_YEAR}"
#: The longest duration (cadence, deadline, slot) accepted: 100 years, in days.
MAX_DURATION_DAYS = 36_600
#: How deeply JSON arrays and objects may nest in an event record, waiver or configuration.
MAX_DEPTH = 64
#: The most digits an integer in JSON may have (a float holds about 308).
MAX_DIGITS = 300
#: The longest range judged in one run (`--from`..`--to` inclusive; `evaluate`'s and
#: `schedule`'s start..end): 10 years, leap days included. Why 10: a plan runs 3 to 5
#: years (a PCC's term is 4) and the history a force checks a few, so 10 years holds any
#: real question, while the work stays bounded. Windows grow with the range: a daily duty
#: in each ward of a 600-ward force is about 220,000 windows a year, 2.2 million in 10
#: years, but 240 million over the 1,100 supported years; Gwent's bundled plan, judged
#: over 100 years, already takes about 30 s and 250 MB. A longer history is judged in
#: parts of up to 10 years.
RANGE_YEARS = 10
MAX_RANGE_DAYS = 366 * RANGE_YEARS
#: The longest name of one folder or file in a path, in bytes (ext4's, NTFS's and APFS's).
NAME_BYTES = 255


def year_problem(day: date) -> str | None:
    """Why `day` (a date or datetime) is outside the supported years, or None."""
    if FIRST_YEAR <= day.year <= LAST_YEAR:
        return None
    return f"the year {day.year} is outside the years supported ({YEARS})"


def range_problem(first: date, last: date, *, flags: bool = False) -> str | None:
    """Why `first`..`last` (inclusive) is longer than one run judges, with the first part
    of at most `RANGE_YEARS` to judge instead, or None. With `flags`, the dates are
    written as the command line takes them (`--from 2000-01-01 --to 2009-12-31`)."""
    for day in (first, last):
        problem = year_problem(day)
        if problem is not None:
            return f"{day.isoformat()}: {problem}"
    days = (last - first).days + 1
    if days <= MAX_RANGE_DAYS:
        return None
    try:  # the same day RANGE_YEARS on, less a day; 29 February has no such day
        part = first.replace(year=first.year + RANGE_YEARS) - timedelta(days=1)
    except ValueError:
        part = first.replace(year=first.year + RANGE_YEARS, day=28)
    shown, first_part = (
        (f"--from {first} --to {last}", f"--from {first} --to {part}")
        if flags
        else (f"{first} to {last}", f"{first} to {part}")
    )
    return (
        f"{shown} is {days:,} days, more than the {MAX_RANGE_DAYS:,} days ({RANGE_YEARS} years)"
        f" one run judges: narrow the range, or judge it in parts ({first_part} first)"
    )


@cache
def zone_names() -> frozenset[str]:
    """The zone names zoneinfo knows; anything else (a directory such as 'Europe', a path,
    300 characters) must never be handed to ZoneInfo, which would raise OS errors."""
    return frozenset(available_timezones())


def path_problem(text: str) -> str | None:
    """Why `text`, a path named inside a file a user gave (a units file, a key file), or on
    the command line, can name no file, or None: a NUL (no system takes one), a folder or
    file name longer than `NAME_BYTES`, or a `~user` whose home cannot be found."""
    if "\x00" in text:
        return "a path cannot hold a NUL character"
    for part in Path(text).parts:
        try:
            size = len(os.fsencode(part))
        except UnicodeEncodeError:
            return "the path holds a character no file name can (a lone surrogate)"
        if size > NAME_BYTES:
            return f"a folder or file name in the path is longer than {NAME_BYTES} bytes"
    if text.startswith("~"):
        try:
            Path(text).expanduser()
        except RuntimeError:
            return f"{text.split('/', 1)[0]!r}: no such user's home folder"
    return None


def csv_message(exc: Exception) -> str:
    """`not valid CSV: ...` for an error of Python's `csv`, stating the field limit when
    that is what was passed (every CSV reader says it the same way)."""
    import csv

    msg = f"not valid CSV: {exc}"
    if "field limit" in str(exc):
        msg += f" (a field may hold at most {csv.field_size_limit():,} characters)"
    return msg
