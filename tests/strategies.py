"""Hypothesis strategies for time: dates, ranges and cycles that stress clock changes,
month ends and leap years."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import strategies as st

from engagerules import Cycle, Duration

#: 1996..2040 covers leap years (including 2000) and both directions of every change.
dates = st.dates(min_value=date(1996, 1, 1), max_value=date(2040, 12, 31))

#: Days that are awkward on purpose: clock changes, month ends, 29 February.
awkward_days = st.sampled_from(
    [
        date(2022, 3, 27),
        date(2022, 10, 30),
        date(2024, 2, 29),
        date(2023, 1, 31),
        date(2024, 3, 31),
        date(2025, 10, 26),
        date(2000, 2, 29),
        date(2022, 12, 31),
    ]
)


@st.composite
def date_ranges(draw: st.DrawFn, max_days: int = 800) -> tuple[date, date]:
    start = draw(st.one_of(dates, awkward_days))
    length = draw(st.integers(min_value=0, max_value=max_days))
    return start, start + timedelta(days=length)


cadences = st.one_of(
    st.builds(Duration, days=st.integers(1, 10)),
    st.builds(Duration, weeks=st.integers(1, 8)),
    st.builds(Duration, months=st.sampled_from([1, 2, 3, 4, 6, 12])),
    st.builds(Duration, years=st.integers(1, 2)),
)


@st.composite
def cycles(draw: st.DrawFn) -> Cycle:
    every = draw(cadences)
    anchor = draw(st.none() | dates)
    if anchor is not None and (every.months or every.years):
        anchor = anchor.replace(day=min(anchor.day, 28))
    return Cycle(every, anchor)
