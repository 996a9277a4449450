"""Hypothesis strategies for time: dates, ranges and cycles that stress clock changes,
month ends and leap years."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

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


#: Records for the verdicts test force (tests/fixtures/verdicts): a few types, units and
#: roles, some missing, follow-ups naming earlier warrants, around a June 2023 range.
_VERDICT_TYPES = ("notice", "warrant", "tweet", "surgery", "report", "session", "unused")


@st.composite
def verdict_logs(draw: st.DrawFn, max_size: int = 25) -> list[dict[str, object]]:
    count = draw(st.integers(0, max_size))
    records: list[dict[str, object]] = []
    warrants: list[str] = []
    for i in range(count):
        kind = draw(st.sampled_from(_VERDICT_TYPES))
        moment = datetime(2023, 5, 1, tzinfo=UTC) + timedelta(
            minutes=draw(st.integers(0, 92 * 24 * 60))
        )
        record: dict[str, object] = {"id": f"e{i}", "type": kind, "at": moment.isoformat()}
        scope = draw(st.sampled_from([None, "north", "south", "town"]))
        if scope is not None:
            record["scope"] = scope
        role = draw(st.sampled_from([None, "PS", "PCSO"]))
        if role is not None:
            record["role"] = role
        if kind == "tweet" and warrants and draw(st.booleans()):
            record["refs"] = [draw(st.sampled_from(warrants))]
        if kind == "surgery" and draw(st.booleans()):
            record["attrs"] = {"location": draw(st.sampled_from(["hall", "library"]))}
        if kind == "session":
            record["attrs"] = {"hours": draw(st.sampled_from([0.5, 1, 2.5, 3]))}
        if kind == "report" and draw(st.booleans()):
            record["attrs"] = {"for_period": draw(st.sampled_from(["2023-05", "2023-06"]))}
        if kind == "warrant":
            warrants.append(f"e{i}")
        records.append(record)
    return records
