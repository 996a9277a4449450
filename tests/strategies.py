"""Hypothesis strategies: dates, ranges and cycles that stress clock changes, month ends
and leap years; and hostile input for the fuzz suite (events, configurations, waivers,
arguments, text), see `tests/test_fuzz.py`."""

from __future__ import annotations

import copy
import csv
import io
import json
from collections.abc import Iterable
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
    "tweet",
    "surgery",
    "leaflet",
    "warrant",
    "poc_named",
    "poc_left",
    "reading",
    "update",
    "volunteering",
    "enrolled",
    "departed",
)

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


# ---------------------------------------------------------------------------- hostile input
#
# What an attacker or a careless export would give the command line (issue 11): text of
# every character class, numbers JSON cannot mean or Python cannot hold, nesting past any
# limit, timestamps at the edges of the years a datetime holds, and files in several
# encodings. `tests/test_fuzz.py` writes them to files and runs `engagerules.cli.main`.

#: Characters that have broken a reader or a writer somewhere: C0 and C1 controls, DEL,
#: every line and record separator `str.splitlines` knows, spaces JSON does not count as
#: white space, bidi and zero-width marks, a BOM, markup, escapes and quotes.
SPECIAL_CHARACTERS = (
    "\x00\x01\x07\x08\t\n\x0b\x0c\r\x0e\x1b\x1c\x1d\x1e\x1f\x7f\x80\x85\x9b\x9f"
    "\u00a0\u1680\u2000\u2028\u2029\u202e\u200b\u200d\u3000\ufeff\ufffd"
    "\\\"'`|<>&;,:[]()!*_#~@/.-=% "
)

hostile_characters = st.one_of(
    st.sampled_from(SPECIAL_CHARACTERS),
    st.characters(codec="utf-8"),
    st.characters(min_codepoint=0x10000, max_codepoint=0x10FFFF, codec="utf-8"),
)

#: Whole strings that have meant something to one parser or another.
HOSTILE_STRINGS = (
    "",
    " ",
    "C:\\Network",
    "\\N",
    "[x](https://evil.example/)![i](https://evil.example/p.png)",
    "<script>alert(1)</script>",
    "www.evil.example",
    "https://evil.example/x",
    "t1\rEND:VEVENT\rBEGIN:VEVENT",
    "a\nEND:VCALENDAR",
    "\x1b[2J\x00",
    "NaN",
    "Infinity",
    "1e400",
    "-0",
    "null",
    "true",
    '=HYPERLINK("x")',
    "%s%n",
    "\u202eevil",
    "P10000Y",
    "9999-12-31",
    "0001-01-01T00:00:00+01:00",
)

hostile_text = st.one_of(
    st.text(hostile_characters, max_size=24),
    st.sampled_from(HOSTILE_STRINGS),
)


class RawJSON(str):
    """JSON text written as it is by `dump_json`: a number literal Python would not
    write (`NaN`, a 5,000-digit integer, `1e400`) or nesting no encoder would make."""


@st.composite
def raw_numbers(draw: st.DrawFn) -> RawJSON:
    """Number literals at and past every limit: digits, range, finiteness."""
    kind = draw(st.sampled_from(["digits", "exponent", "constant", "plain"]))
    if kind == "digits":
        count = draw(st.sampled_from([299, 300, 301, 309, 400, 4300, 4301, 5000]))
        sign = draw(st.sampled_from(["", "-"]))
        return RawJSON(sign + "9" * count)
    if kind == "exponent":
        exponent = draw(st.sampled_from([307, 308, 309, 400, 99999]))
        return RawJSON(f"{draw(st.sampled_from(['', '-']))}1.7e{exponent}")
    if kind == "constant":
        return RawJSON(draw(st.sampled_from(["NaN", "Infinity", "-Infinity"])))
    return RawJSON(draw(st.sampled_from(["0", "-0", "1e-400", "0.1", "3", "1e308"])))


@st.composite
def deep_nesting(draw: st.DrawFn) -> RawJSON:
    """Arrays or objects nested from just under the stated limit to past the parser's."""
    depth = draw(st.sampled_from([63, 64, 65, 200, 999, 1000, 1100, 5000]))
    if draw(st.booleans()):
        return RawJSON("[" * depth + "]" * depth)
    return RawJSON('{"a":' * depth + "1" + "}" * depth)


scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=False, allow_infinity=False),
    hostile_text,
    raw_numbers(),
)

json_values = (
    st.recursive(
        scalars,
        lambda inner: st.one_of(
            st.lists(inner, max_size=3), st.dictionaries(hostile_text, inner, max_size=3)
        ),
        max_leaves=8,
    )
    | deep_nesting()
)


def dump_json(value: object, *, ascii_only: bool = False) -> str:
    """JSON text of `value`, with `RawJSON` pieces written as they are."""
    if isinstance(value, RawJSON):
        return str(value)
    if isinstance(value, dict):
        items = (
            f"{json.dumps(str(k), ensure_ascii=ascii_only)}: {dump_json(v, ascii_only=ascii_only)}"
            for k, v in value.items()
        )
        return "{" + ", ".join(items) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(dump_json(v, ascii_only=ascii_only) for v in value) + "]"
    return json.dumps(value, ensure_ascii=ascii_only)


#: Timestamps: good ones in the fuzzed range, the edges of what a datetime holds, offsets
#: that push an instant past them, bare dates, and near misses.
hostile_timestamps = st.one_of(
    st.datetimes(min_value=datetime(2022, 9, 1), max_value=datetime(2023, 1, 31)).map(
        lambda d: d.isoformat(timespec="seconds") + "Z"
    ),
    st.sampled_from(
        [
            "2022-10-03T10:15:00+01:00",
            "2022-10-30T01:30:00+01:00",
            "2022-10-30T01:30:00Z",
            "2022-10-03",
            "2022-10-03T10:15:00",
            "2022-13-45T99:00",
            "0001-01-01T00:00:00+01:00",
            "0001-01-01T00:00:00Z",
            "9999-12-31T23:00:00-05:00",
            "9999-12-31T23:59:59.999999-23:59",
            "0001-01-01",
            "9999-12-31",
            "1899-12-31T23:59:59Z",
            "3000-01-01T00:00:00Z",
            "2022-10-03T10:15:00+24:00",
            "2022-10-03t10:15:00z",
            " 2022-10-03T10:15:00Z ",
        ]
    ),
    hostile_text,
)

#: The mini test force's vocabulary (tests/fixtures/mini), so records can also be valid.
MINI_TYPES = (
    "tweet",
    "surgery",
    "warrant_executed",
    "leaflet_drop",
    "kin_update",
    "meeting_attended",
    "cadet_volunteering",
    "cadet_enrolled",
    "briefing",
    "poc_named",
    "invitation",
    "website_update",
)
#: Attributes the mini force's rules read: sums, conditions, targets, deadlines.
_HOSTILE_ATTRIBUTES = (
    "hours",
    "topic",
    "location",
    "likes",
    "account",
    "meeting_date",
    "policing_purpose",
)
MINI_UNITS = ("north", "south", "east", "n-ward", "s-ward")
MINI_ROLES = ("CSO", "PS", "INSP", "PCSO", "CADET")


def _field(good: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Mostly a good value, sometimes text or JSON of any kind."""
    return st.one_of(good, good, good, hostile_text, json_values)


@st.composite
def hostile_event_records(draw: st.DrawFn) -> dict[str, Any]:
    """One event record: often valid for the mini force, with hostile parts mixed in."""
    record: dict[str, Any] = {}
    fields: dict[str, st.SearchStrategy[Any]] = {
        "id": _field(st.text(hostile_characters, min_size=1, max_size=12)),
        "type": _field(st.sampled_from(MINI_TYPES)),
        "at": _field(hostile_timestamps),
        "scope": _field(st.sampled_from(MINI_UNITS)),
        "role": _field(st.sampled_from(MINI_ROLES)),
        "person": _field(st.sampled_from(["p1", "p2"])),
        "attrs": _field(
            st.dictionaries(
                st.sampled_from(_HOSTILE_ATTRIBUTES) | hostile_text,
                json_values | hostile_timestamps,
                max_size=3,
            )
        ),
        "refs": _field(st.lists(hostile_text, max_size=2)),
    }
    for name, strategy in fields.items():
        if name in ("id", "type", "at") or draw(st.booleans()):
            record[name] = draw(strategy)
    if draw(st.integers(0, 4)) == 0:
        record[draw(hostile_text)] = draw(json_values)
    return record


@st.composite
def jsonl_files(draw: st.DrawFn) -> tuple[bytes, int]:
    """A JSON Lines file and how many records it holds (lines not JSON white space)."""
    lines: list[str] = []
    records = 0
    for record in draw(st.lists(hostile_event_records(), max_size=6)):
        text = dump_json(record, ascii_only=draw(st.booleans()))
        if draw(st.booleans()):  # raw separators and controls inside strings
            for escaped, raw in (
                ("\\u000b", "\x0b"),
                ("\\u000c", "\x0c"),
                ("\\u001c", "\x1c"),
                ("\\r", "\r"),
                ("\\u2028", "\u2028"),
                ("\\u0085", "\x85"),
            ):
                text = text.replace(escaped, raw)
        lines.append(text)
        records += 1
        if draw(st.integers(0, 5)) == 0:
            junk = draw(
                st.sampled_from(
                    ["", " \t", "\u00a0", "\u2028", "\x1c", "[1]", "{", "\ufeff", "null", "\x00"]
                )
            )
            lines.append(junk)
            records += 1 if junk.strip(" \t\r") else 0
    end = draw(st.sampled_from(["\n", "\r\n"]))
    text = end.join(lines) + (end if lines and draw(st.booleans()) else "")
    return _encoded(draw, text), records


@st.composite
def json_array_files(draw: st.DrawFn) -> tuple[bytes, int]:
    """A JSON array of records and how many it holds."""
    records = draw(st.lists(hostile_event_records() | json_values, max_size=6))
    ascii_only = draw(st.booleans())
    text = "[\n" + ",\n".join(dump_json(r, ascii_only=ascii_only) for r in records) + "\n]"
    return _encoded(draw, text), len(records)


CSV_COLUMNS = ("id", "type", "at", "scope", "role", "person", "refs", "attrs", "hours", "topic")


@st.composite
def csv_files(draw: st.DrawFn) -> tuple[bytes, int]:
    """A CSV export (header, then rows; cells of every kind) and how many rows it holds."""
    columns = draw(st.lists(st.sampled_from(CSV_COLUMNS) | hostile_text, min_size=1, max_size=7))
    good = {
        "id": st.text(hostile_characters, min_size=1, max_size=8),
        "type": st.sampled_from(MINI_TYPES),
        "at": hostile_timestamps,
        "scope": st.sampled_from(MINI_UNITS),
        "role": st.sampled_from(MINI_ROLES),
        "refs": st.just("a;b; ;"),
        "attrs": json_values.map(dump_json),
        "hours": raw_numbers().map(str) | st.just("1.5"),
    }
    rows = []
    for _ in range(draw(st.integers(0, 5))):
        row = [draw(good.get(c, hostile_text) | hostile_text) for c in columns]
        if draw(st.integers(0, 6)) == 0:  # short or long rows
            row = row[:-1] if len(row) > 1 and draw(st.booleans()) else [*row, "extra"]
        rows.append(row)
    buffer = io.StringIO()
    end = draw(st.sampled_from(["\n", "\r\n"]))
    # A writer quotes a cell holding a character of its line end; with LF alone it would
    # leave a CR bare, which every reader takes as a line end: a broken export, not a row.
    writer = csv.writer(buffer, lineterminator=end, quoting=csv.QUOTE_ALL)
    if end == "\r\n" or draw(st.booleans()):
        writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    writer.writerows(rows)
    return _encoded(draw, buffer.getvalue()), len(rows)


def _encoded(draw: st.DrawFn, text: str) -> bytes:
    """The text as UTF-8 (with or without a BOM), or as an encoding the reader refuses,
    or with a byte that is not UTF-8."""
    how = draw(st.sampled_from(["utf-8", "utf-8", "utf-8", "utf-8-sig", "utf-16", "bad"]))
    if how == "bad":
        data = text.encode("utf-8", "surrogatepass")
        cut = draw(st.integers(0, len(data)))
        return data[:cut] + b"\xff\xfe\xc0" + data[cut:]
    return text.encode(how, "surrogatepass")


@st.composite
def waiver_files(draw: st.DrawFn) -> bytes:
    """A waiver file: well-formed entries for the mini force with hostile values mixed in."""
    entries = []
    for _ in range(draw(st.integers(0, 3))):
        entry = {
            "obligation": draw(_field(st.sampled_from(["mini.weekly-tweet", "mini.briefings"]))),
            "window": draw(
                _field(
                    st.sampled_from(
                        [
                            "2022-10-05",
                            "2022-10-01..2022-10-31",
                            "2022-10-01..9999-12-31",
                            "0001-01-01",
                            "2022-10-31..2022-10-01",
                            "2022-10-01..2022-10-02..x",
                        ]
                    )
                )
            ),
            "justification": draw(_field(st.just("major incident"))),
            "expiry": draw(_field(st.sampled_from(["2023-03-31", "9999-12-31", "2022-01-01"]))),
        }
        if draw(st.booleans()):
            entry["scope"] = draw(_field(st.sampled_from(MINI_UNITS)))
        for key in draw(st.lists(st.sampled_from(sorted(entry)), max_size=1)):
            del entry[key]
        if draw(st.integers(0, 4)) == 0:
            entry[draw(hostile_text)] = draw(json_values)
        entries.append(entry)
    shape = draw(st.sampled_from(["object", "list", "other"]))
    document: object = (
        {"waivers": entries}
        if shape == "object"
        else entries
        if shape == "list"
        else draw(json_values)
    )
    return _encoded(draw, dump_json(document, ascii_only=draw(st.booleans())))


def json_paths(value: object, path: tuple[str | int, ...] = ()) -> list[tuple[str | int, ...]]:
    """Every path into a JSON value (the root excluded), parents before children."""
    found: list[tuple[str | int, ...]] = []
    children: Iterable[tuple[str | int, object]] = (
        value.items()
        if isinstance(value, dict)
        else enumerate(value)
        if isinstance(value, list)
        else ()
    )
    for key, child in children:
        found.append((*path, key))
        found.extend(json_paths(child, (*path, key)))
    return found


#: Values a configuration field could be given wrongly: every JSON type, and the values
#: issue 11 found accepted that crashed later.
config_values = st.one_of(
    json_values,
    st.sampled_from(
        [
            "P10000Y",
            "PT999999999H",
            "PT0M",
            "P0D",
            "P1M2D",
            "9999-12-31",
            "0001-01-01",
            "2011-12-30",
            "Europe",
            "Pacific/Apia",
            "Europe/" + "x" * 300,
            "../../etc",
            "9999-12-31T23:00:00-05:00",
            ["x"],
            {},
            5,
            [5],
            [["section"]],
            [{"types": ["tweet"]}],
            [{"attr": "topic", "min": 1}],
            "23:59",
        ]
    ),
    st.lists(
        st.sampled_from([f"{h:02d}:{m:02d}" for h in range(24) for m in range(0, 60, 7)]),
        max_size=5,
        unique=True,
    ),
)


@st.composite
def config_mutations(draw: st.DrawFn, base: dict[str, Any]) -> dict[str, Any]:
    """`base` (a valid force) with one to three places changed: a value replaced by one
    of the wrong type or past a limit, a key removed, or an unknown key added."""
    raw = copy.deepcopy(base)
    paths = json_paths(base)
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(paths))
        parent: Any = raw
        try:
            for key in path[:-1]:
                parent = parent[key]
            action = draw(st.sampled_from(["replace", "replace", "replace", "delete", "add"]))
            if action == "replace":
                parent[path[-1]] = draw(config_values)
            elif action == "delete":
                del parent[path[-1]]
            elif isinstance(parent, dict):
                parent[draw(hostile_text)] = draw(config_values)
        except (KeyError, IndexError, TypeError):
            continue  # an earlier change took this place away
    return raw


#: Command-line arguments: dates at and past every edge, timestamps, words of every kind.
argument_values = st.one_of(
    st.sampled_from(
        [
            "2022-10-01",
            "2022-12-31",
            "2022-10-30",
            "9999-12-31",
            "9999-01-01",
            "0001-01-01",
            "1899-12-31",
            "3000-01-01",
            "2022-10-30T01:30:00+01:00",
            "0001-01-01T00:00:00Z",
            "9999-12-31T23:59:59-12:00",
            "2022-02-30",
            "--help",
            "-",
            "json",
            "text",
            "markdown",
            "CSO",
            "north",
            "missed,partial",
            "nope",
            "0",
            "-1",
            "1e9",
            "99999999999999999999",
        ]
    ),
    hostile_text.filter(lambda t: "/" not in t),  # no path outside the test's directory
)
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


# ---------------------------------------------------------------------------- exports (issue 24)

#: The columns of the fuzzed export; `Who` is the person column, whose cells are marked
#: with `PERSON_MARK` so a test can tell that none reached an output.
EXPORT_COLUMNS = ("Ref", "Kind", "When", "Unit", "Who", "Hours", "Note", "Keep")
PERSON_MARK = "Person-Zq"

#: A cell as an export could hold it: good values, hostile text, numbers past every limit.
export_cells = st.one_of(
    st.sampled_from(
        [
            "Tweet",
            "tweet ",
            "Other",
            "North",
            " south",
            "03/10/2022 10:15",
            "2022-10-03T10:15:00+01:00",
            "2022-10-03",
            "44837.5",
            "2958465.9999999",
            "yes",
            "no",
            "1,5",
            "3",
        ]
    ),
    hostile_text,
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([44837.5, 2958465.9999999, 0, -1, 10**30]),
)


@st.composite
def export_rows(draw: st.DrawFn) -> list[dict[str, Any]]:
    """Rows of cells, the person column always a marked name."""
    rows = []
    for index in range(draw(st.integers(0, 6))):
        row = {c: draw(export_cells) for c in EXPORT_COLUMNS}
        row["Who"] = f"{PERSON_MARK}{index} {draw(hostile_text)}"
        if draw(st.booleans()):
            row.update(Kind="Tweet", When="03/10/2022 10:15", Unit="North", Keep="yes")
        rows.append(row)
    return rows


def _text_cell(value: Any) -> str:
    return "" if value is None else str(value)


@st.composite
def export_files(draw: st.DrawFn) -> tuple[str, dict[str, Any], bytes | list[dict[str, Any]]]:
    """(format, the profile's `source`, the export): CSV in several encodings (some the
    bytes do not match), JSON Lines with raw numbers and separators, or rows for an xlsx
    workbook or an SQLite table (built by the test)."""
    rows = draw(export_rows())
    fmt = draw(st.sampled_from(["csv", "csv", "jsonl", "xlsx", "sqlite"]))
    if fmt == "csv":
        encoding = draw(
            st.sampled_from(["utf-8", "utf-16", "windows-1252", "latin-1", "unicode_escape"])
        )
        written = draw(st.sampled_from([encoding, "utf-8", "utf-16"]))
        lines = [",".join(EXPORT_COLUMNS)]
        for row in rows:
            cells = [_text_cell(row[c]).replace('"', '""') for c in EXPORT_COLUMNS]
            lines.append(",".join(f'"{c}"' for c in cells))
        ending = draw(st.sampled_from(["\n", "\r\n"]))
        text = ending.join(lines) + ending
        data = text.encode("utf-8" if written == "unicode_escape" else written, "replace")
        return "csv", {"format": "csv", "encoding": encoding}, data
    if fmt == "jsonl":
        lines = []
        for row in rows:
            value = dict(row)
            if draw(st.booleans()):
                value["Hours"] = draw(raw_numbers() | deep_nesting())
            lines.append(dump_json(value, ascii_only=draw(st.booleans())))
        if draw(st.booleans()):
            lines.append(draw(st.sampled_from(["[1]", "not json", '"\\ud800"', "{", "\u2028"])))
        return "jsonl", {"format": "jsonl"}, ("\n".join(lines) + "\n").encode("utf-8", "replace")
    return fmt, {"format": "xlsx" if fmt == "xlsx" else "sql", "query": "select * from t"}, rows


def export_profile(source: dict[str, Any]) -> dict[str, Any]:
    """An import profile for the mini force reading the fuzzed export's columns."""
    if source["format"] != "sql":
        source = {k: v for k, v in source.items() if k != "query"}
    return {
        "profile": "fuzz.export",
        "force": "mini",
        "source": source,
        "filters": [{"name": "kept", "column": "Keep", "not_in": ["no"]}],
        "fields": {
            "id": {"hash": ["Who"], "prefix": "x-"},
            "type": {"column": "Kind", "map": "kinds"},
            "at": {"column": "When", "format": ["excel", "iso", "%d/%m/%Y %H:%M"]},
            "scope": {"column": "Unit", "map": "units"},
            "person": {"column": "Who"},
        },
        "attrs": {"hours": {"column": "Hours", "as": "number"}, "note": {"column": "Note"}},
        "maps": {
            "kinds": {"values": {"Tweet": "tweet", "Other": None}},
            "units": {"values": {"North": "north", "South": "south"}},
        },
        "pseudonymise": {"key_env": "ENGAGERULES_FUZZ_KEY"},
    }


# ---------------------------------------------------------------------------- units files


@st.composite
def units_files(draw: st.DrawFn) -> tuple[str, bytes]:
    """A units file (`.csv` or `.json`) of hostile rows, some fields past the CSV limit."""
    rows = [
        {
            c: draw(st.sampled_from(["n-ward", "north", "ward", "Ward", ""]) | hostile_text)
            for c in draw(
                st.lists(
                    st.sampled_from(["id", "title", "kind", "parent", "code", "other"]),
                    min_size=1,
                    max_size=5,
                )
            )
        }
        for _ in range(draw(st.integers(0, 4)))
    ]
    if draw(st.booleans()):
        header = ["id", "title", "kind", "parent"]
        lines = [",".join(header)]
        for row in rows:
            lines.append(
                ",".join('"' + str(row.get(c, "")).replace('"', '""') + '"' for c in header)
            )
        if draw(st.integers(0, 4)) == 0:
            lines.append('big,"' + "x" * 131_073 + '",ward,')
        return ".csv", ("\n".join(lines) + "\n").encode("utf-8", "replace")
    value: Any = rows
    if draw(st.integers(0, 3)) == 0:
        value = draw(json_values)
    return ".json", dump_json(value).encode("utf-8", "replace")
