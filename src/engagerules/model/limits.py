"""The limits engagerules holds every input to, and the one wording each is stated in.

Python's `datetime` holds years 1 to 9999 and raises OverflowError past them; a duty
computed from an event near either end (a deadline `P2D` after 9999-12-31, a window
around 0001-01-01 in a zone ahead of UTC) would step outside. So dates and timestamps a
user gives are held to `FIRST_YEAR`..`LAST_YEAR`, and durations to `MAX_DURATION_DAYS`:
every instant the engine computes from them then stays centuries clear of the edges.
The JSON limits keep a record from exhausting the parser (nesting) or Python's integer
conversion, and keep numbers finite so sums and comparisons stay numbers.
"""

from __future__ import annotations

from datetime import date

__all__ = [
    "FIRST_YEAR",
    "LAST_YEAR",
    "MAX_DEPTH",
    "MAX_DIGITS",
    "MAX_DURATION_DAYS",
    "YEARS",
    "year_problem",
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


def year_problem(day: date) -> str | None:
    """Why `day` (a date or datetime) is outside the supported years, or None."""
    if FIRST_YEAR <= day.year <= LAST_YEAR:
        return None
    return f"the year {day.year} is outside the years supported ({YEARS})"
