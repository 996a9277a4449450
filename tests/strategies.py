"""Hypothesis strategies for time: dates, ranges and cycles that stress clock changes,
month ends and leap years."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

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


# ---------------------------------------------------------------------------- forces and logs
#
# Small forces covering every scored kind, as the JSON a rule author writes (so they go
# through the schema and config as a real force does), and activity logs made to hit
# each rule's edges: other units and people, wrong roles, missing and odd attributes,
# references to the wrong trigger, bare dates, records after the moment judged.

EVENT_TYPES = (
    "tweet", "surgery", "leaflet", "warrant", "poc_named", "poc_left", "reading", "update",
    "volunteering", "enrolled", "departed",
)  # fmt: skip

#: What every generated force shares: two sections, a ward within one, and a vocabulary.
FORCE_BASE: dict[str, Any] = {
    "id": "gen",
    "name": "Generated Constabulary",
    "timezone": "Europe/London",
    "documents": [{"id": "plan.txt", "title": "A generated plan"}],
    "units": [
        {"id": "north", "name": "North", "kind": "section"},
        {"id": "south", "name": "South", "kind": "section"},
        {"id": "n-ward", "name": "North ward", "kind": "ward", "within": "north"},
        {"id": "s-ward", "name": "South ward", "kind": "ward", "within": "south"},
    ],
    "roles": [{"id": r, "title": r} for r in ("CSO", "PS", "PCSO", "CADET")],
    "event_types": [{"id": t, "title": t} for t in EVENT_TYPES],
}

UNITS = ("north", "south", "n-ward", "s-ward")
ROLES = ("CSO", "PS", "PCSO", "CADET")
PERSONS = ("p1", "p2")

_SOURCE = {"document": "plan.txt", "section": "Rules"}
_conditions = st.sampled_from(
    [
        {"attr": "topic", "present": True},
        {"attr": "topic", "equals": "positive"},
        {"attr": "topic", "in": ["positive", "appeal"]},
        {"attr": "topic", "not_equals": "arrest"},
        {"attr": "hours", "min": 2},
    ]
)


@st.composite
def _recurring(draw: st.DrawFn) -> dict[str, Any]:
    shape = draw(st.sampled_from(["force", "section", "ward", "rota", "person", "roster"]))
    ob: dict[str, Any] = {"kind": "recurring", "owner": "CSO"}
    ob["cadence"] = draw(st.sampled_from(["P1D", "P1W", "P1M"]))
    req: dict[str, Any] = {"types": draw(st.sampled_from([["tweet"], ["tweet", "surgery"]]))}
    if shape == "section":
        ob["scope"] = {"per": "section"}
    elif shape == "ward":
        ob["scope"] = {"per": "ward", "units": ["n-ward"]}
    elif shape == "rota":
        ob["scope"] = {"per": "section", "units": ["north", "south"], "rota": True}
        ob["anchor"] = "2022-09-05"
    elif shape in ("person", "roster"):
        ob["scope"] = {"per": "person"}
        if shape == "roster":
            ob["scope"]["roster"] = {"types": ["enrolled"], "clears": ["departed"]}
        req = {"types": ["volunteering"], "sum": "hours", "min": draw(st.sampled_from([1, 3]))}
    if draw(st.booleans()):
        req["roles"] = draw(st.sampled_from([["CSO"], ["CSO", "PS"]]))
    if draw(st.booleans()):
        req["where"] = [draw(_conditions)]
    if "sum" not in req and draw(st.booleans()):
        req["min"] = 2
    ob["evidence"] = [req]
    if draw(st.booleans()):
        ob["times"] = ["08:00"]
        ob["cadence"] = "P1D"
    return ob


@st.composite
def _triggered(draw: st.DrawFn) -> dict[str, Any]:
    trigger: dict[str, Any] = {
        "types": ["warrant"],
        "within": draw(st.sampled_from(["P2D", "P1W"])),
        "match": draw(st.sampled_from(["refs", "refs_or_scope"])),
    }
    if draw(st.booleans()):
        trigger["deadline_attr"] = "deadline"
    if draw(st.booleans()):
        trigger["where"] = [{"attr": "topic", "absent": True}]
    steps = draw(st.sampled_from([["tweet"], ["tweet", "leaflet"]]))
    ob: dict[str, Any] = {
        "kind": "triggered",
        "owner": "PS",
        "trigger": trigger,
        "evidence": [{"types": [t], "title": t} for t in steps],
    }
    per = draw(st.sampled_from([None, "section", "ward"]))
    if per is not None:
        ob["scope"] = {"per": per}
    if draw(st.booleans()):
        ob["evidence"][0]["roles"] = ["PS"]
    return ob


@st.composite
def _constraint(draw: st.DrawFn) -> dict[str, Any]:
    ob: dict[str, Any] = {
        "kind": "constraint",
        "owner": "PS",
        "evidence": [{"types": draw(st.sampled_from([["surgery"], ["surgery", "tweet"]]))}],
        "require": [
            draw(
                st.sampled_from(
                    [
                        {"attr": "location", "differs_from_previous": True},
                        {"attr": "topic", "present": True},
                        {"attr": "hours", "max": 2},
                    ]
                )
            )
        ],
    }
    if draw(st.booleans()):
        ob["scope"] = {"per": "section"}
    if draw(st.booleans()):
        ob["cadence"] = "P1W"
    if draw(st.booleans()):
        ob["evidence"][0]["roles"] = ["CSO"]
    return ob


@st.composite
def _coverage(draw: st.DrawFn) -> dict[str, Any]:
    ob: dict[str, Any] = {
        "kind": "coverage",
        "owner": "PS",
        "scope": {"per": draw(st.sampled_from(["ward", "section"]))},
        "evidence": [{"types": ["poc_named"]}],
    }
    if draw(st.booleans()):
        ob["evidence"][0]["roles"] = ["PCSO"]
    if draw(st.booleans()):
        ob["clears"] = ["poc_left"]
    if draw(st.booleans()):
        ob["cadence"] = "P1W"
    return ob


@st.composite
def _standing(draw: st.DrawFn) -> dict[str, Any]:
    ob: dict[str, Any] = {
        "kind": "standing",
        "owner": "PS",
        "cadence": draw(st.sampled_from(["P3D", "P1W"])),
        "anchor": "2022-09-05",
        "evidence": [{"types": ["update"]}],
    }
    if draw(st.booleans()):
        ob["scope"] = {"per": "section"}
    if draw(st.booleans()):
        ob["evidence"][0]["where"] = [{"attr": "topic", "present": True}]
    return ob


@st.composite
def _target(draw: st.DrawFn) -> dict[str, Any]:
    target: dict[str, Any] = {
        "attr": "likes",
        "value": draw(st.sampled_from([100, 500, 1000])),
        "by": draw(st.sampled_from(["2022-10-16", "2022-10-31", "2022-11-20"])),
        "combine": draw(st.sampled_from(["latest", "sum", "max"])),
    }
    if draw(st.booleans()):
        target["group"] = "account"
    if draw(st.booleans()):
        target["start"] = "2022-10-01"
    ob: dict[str, Any] = {
        "kind": "target",
        "owner": "PS",
        "evidence": [{"types": ["reading"]}],
        "target": target,
    }
    if draw(st.booleans()):
        ob["scope"] = {"per": "section"}
    return ob


@st.composite
def force_configs(draw: st.DrawFn) -> dict[str, Any]:
    """A force's configuration with one obligation of every scored kind, each drawn from
    its variants (unit, person, rota and roster scopes; roles and conditions; trigger
    matching and named deadlines; cadenced and whole-range constraints and coverage; the
    ways a target combines its readings); sometimes a recurring duty in two versions."""
    kinds = [_recurring, _triggered, _constraint, _coverage, _standing, _target]
    obligations = []
    for number, kind in enumerate(kinds):
        ob = draw(kind())
        obligations.append({"id": f"gen.{number}", "title": ob["kind"], **ob, "source": _SOURCE})
    if draw(st.booleans()):
        first, second = dict(obligations[0]), dict(obligations[0])
        first["effective"] = {"until": "2022-10-15"}
        second["effective"] = {"from": "2022-10-16"}
        second["evidence"] = [{"types": ["tweet", "leaflet", "volunteering"]}]
        obligations[0:1] = [first, second]
    return {**FORCE_BASE, "obligations": obligations}


#: Event types as drawn: the ones most duties read, more often.
_LIKELY_TYPES = (*EVENT_TYPES, "tweet", "tweet", "warrant", "surgery", "volunteering")

#: The ranges generated logs are judged over: one across the clocks going back.
RANGE_START = date(2022, 10, 10)


_ATTRIBUTES = st.fixed_dictionaries(
    {},
    optional={
        "topic": st.sampled_from(["positive", "appeal", "arrest", "", 3]),
        "location": st.sampled_from(["library", "Library", "hall"]),
        "hours": st.sampled_from([1, 2.5, "3", "lots"]),
        "likes": st.sampled_from([50, 400, "700", "lots", 1200]),
        "account": st.sampled_from(["fb", "x"]),
        "deadline": st.sampled_from(["2022-10-20", "2022-10-01", "soon"]),
    },
)
_FIELDS = (
    ("scope", st.none() | st.sampled_from(UNITS)),
    ("role", st.none() | st.sampled_from(ROLES)),
    ("person", st.none() | st.sampled_from(PERSONS)),
)
_MINUTES = st.integers(min_value=-10 * 24 * 60, max_value=40 * 24 * 60)
_FOLLOW_UP_DELAY = st.integers(min_value=-60, max_value=4 * 24 * 60)
_TYPES = st.sampled_from(_LIKELY_TYPES)
_FOLLOW_UP_TYPES = st.sampled_from(["tweet", "leaflet"])


@st.composite
def event_records(draw: st.DrawFn, max_size: int = 30) -> list[dict[str, Any]]:
    """Activity records around the judged range (which starts on `RANGE_START` and runs
    up to five weeks), each field drawn so that some records count and some just miss:
    a third of them follow up an earlier warrant, referencing it or not."""
    size = draw(st.integers(min_value=0, max_value=max_size))
    records: list[dict[str, Any]] = []
    base = datetime.combine(RANGE_START, datetime.min.time(), UTC)
    for i in range(size):
        moment = base + timedelta(minutes=draw(_MINUTES))
        bare = draw(st.integers(0, 5)) == 0
        at = moment.date().isoformat() if bare else moment.isoformat().replace("+00:00", "Z")
        record: dict[str, Any] = {"id": f"e{i}", "type": draw(_TYPES), "at": at}
        for field, values in _FIELDS:
            value = draw(values)
            if value is not None:
                record[field] = value
        attributes = draw(_ATTRIBUTES)
        if attributes:
            record["attrs"] = attributes
        if i and draw(st.integers(0, 2)) == 0:
            record["refs"] = [f"e{draw(st.integers(0, i - 1))}"]
        warrants = [r for r in records if r["type"] == "warrant"]
        if warrants and draw(st.integers(0, 2)) == 0:  # a follow-up, near its trigger
            fired = draw(st.sampled_from(warrants))
            record["type"] = draw(_FOLLOW_UP_TYPES)
            record["at"] = _later(fired["at"], draw(_FOLLOW_UP_DELAY))
            if draw(st.booleans()):
                record["refs"] = [fired["id"]]
        records.append(record)
    return records


def _later(at: str, minutes: int) -> str:
    """The timestamp `minutes` after `at` (a bare date is its UTC midnight here)."""
    moment = datetime.fromisoformat(at.replace("Z", "+00:00") if len(at) > 10 else at + "T00Z")
    return (moment + timedelta(minutes=minutes)).isoformat().replace("+00:00", "Z")
