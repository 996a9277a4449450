"""The fast JSON Lines reader against the careful one: the same events, rejections and reports.

Every test here is differential: the same file read with `fast=True` and `fast=False` must
give identical logs (every field of every event, in order, and every rejection's file, line
and reason) and identical `check` reports. A validation added to the careful reader that
the fast one misses fails here, on the awkward corpus, the whole-file cases, the simulated
logs of every bundled force or the generated records.
"""

from __future__ import annotations

import gc
import json
import random
import tempfile
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import FIXTURES
from engagerules import (
    Event,
    EventError,
    EventIndex,
    EventLog,
    Force,
    available_forces,
    evaluate,
    load_force,
    open_force,
    read_events,
    report_json,
    simulate,
)
from engagerules.sources.fastread import fast_jsonl

AWKWARD = FIXTURES / "events" / "awkward.jsonl"


def snapshot(log: EventLog) -> tuple[list[str], list[tuple[str, int, str]]]:
    """Everything a log holds, attributes included (Event's equality leaves them out);
    repr, so that two NaNs read from the same text compare equal."""
    events = [repr((msgspec.structs.astuple(e), dict(e.attrs))) for e in log.events]
    rejections = [(r.file, r.line, r.reason) for r in log.rejections]
    return events, rejections


def both(path: Path, force: Force) -> tuple[Any, Any]:
    """What each reader makes of `path`: a snapshot, or the error it raised."""
    outcomes: list[Any] = []
    for fast in (True, False):
        try:
            outcomes.append(snapshot(read_events([path], force, fast=fast)))
        except EventError as exc:
            outcomes.append(f"EventError: {exc}")
    return outcomes[0], outcomes[1]


def test_awkward_corpus_reads_the_same_both_ways(mini: Force) -> None:
    """Every awkward or malformed record of the corpus is accepted or rejected alike, with the
    same reason and line; the corpus does exercise both outcomes and the fast decoder."""
    assert fast_jsonl(AWKWARD, mini) is not None
    fast, careful = both(AWKWARD, mini)
    assert fast == careful
    events, rejections = fast
    assert len(events) >= 15 and len(rejections) >= 25


def test_fast_reader_builds_events_equal_to_the_careful_ones(mini: Force) -> None:
    """Events the fast reader builds itself compare equal, field by field, to `Event(...)`."""
    fast = read_events([AWKWARD], mini).events
    careful = read_events([AWKWARD], mini, fast=False).events
    assert fast == careful
    assert [dict(e.attrs) for e in fast] == [dict(e.attrs) for e in careful]
    assert {type(e) for e in fast} == {Event}


def test_records_the_fast_reader_decodes_are_still_checked_against_the_force(
    tmp_path: Path,
) -> None:
    """Records of the common shape, each of which decodes, but which the force refuses: a
    type outside its vocabulary or a unit it does not have (each the first of its value),
    an attribute breaking its declaration, an id used twice in one file and across two.
    With no record for the careful reader in the block, the fast reader itself must send
    them there; both readers reject the same records with the same reasons."""
    force = open_force("gwent")
    at = "2022-10-03T10:15:00+01:00"
    first = [
        {"id": "a", "type": "tweet", "at": at, "scope": "rhymney"},
        {"id": "b", "type": "nonsense", "at": at},
        {"id": "c", "type": "tweet", "at": at, "scope": "atlantis"},
        {"id": "d", "type": "tweet", "at": at, "attrs": {"topic": "Not a code"}},
        {"id": "e", "type": "tweet", "at": at, "attrs": {"engagements": 2.5}},
        {"id": "a", "type": "tweet", "at": at},
        {"id": "f", "type": "tweet", "at": at, "attrs": {"topic": "warrant"}},
    ]
    second = [
        {"id": "f", "type": "foot_patrol", "at": at},
        {"id": "g", "type": "foot_patrol", "at": at, "scope": "bargoed"},
    ]
    paths = []
    for name, records in (("one.jsonl", first), ("two.jsonl", second)):
        path = tmp_path / name
        path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
        paths.append(path)
    fast = snapshot(read_events(paths, force))
    careful = snapshot(read_events(paths, force, fast=False))
    assert fast == careful
    rejected = [(Path(file).name, line) for file, line, _ in fast[1]]
    assert rejected == [
        ("one.jsonl", 2),
        ("one.jsonl", 3),
        ("one.jsonl", 4),
        ("one.jsonl", 5),
        ("one.jsonl", 6),
        ("two.jsonl", 1),
    ]


WHOLE_FILES = {
    "crlf": b'{"id": "a", "type": "tweet", "at": "2022-10-03"}\r\n{"id": "b"}\r\n',
    "bom": b'\xef\xbb\xbf{"id": "a", "type": "tweet", "at": "2022-10-03"}\n',
    "no final line feed": b'{"id": "a", "type": "tweet", "at": "2022-10-03"}\n{"id": "b"}',
    "line separator in a string": (
        b'{"id": "a", "type": "tweet", "at": "2022-10-03", "attrs": {"n": "x\xe2\x80\xa8y"}}\n'
        b'{"id": "b", "type": "tweet", "at": "2022-10-03"}\n'
    ),
    "next line in a string": b'{"id": "a", "type": "tweet", "at": "2022-10-03", "x": "\xc2\x85"}\n',
    "lone carriage return": b'{"id": "a", "type": "tweet",\r "at": "2022-10-03"}\n{"id": 1}\n',
    "form feed": b'{"id": "a", "type": "tweet", "at": "2022-10-03"}\x0c\n',
    "invalid utf-8": b'{"id": "a", "type": "tweet", "at": "2022-10-03"}\n{"id": "\xff"}\n',
    "empty": b"",
    "blank lines only": b"\n\n   \n\t\n",
    "json array in a .jsonl": b'[{"id": "a", "type": "tweet", "at": "2022-10-03"}]\n',
}


@pytest.mark.parametrize("content", WHOLE_FILES.values(), ids=WHOLE_FILES.keys())
def test_whole_file_cases_read_the_same_both_ways(
    content: bytes, mini: Force, tmp_path: Path
) -> None:
    """Line endings, a BOM, odd line breaks and bad UTF-8 give the same records or error."""
    path = tmp_path / "log.jsonl"
    path.write_bytes(content)
    fast, careful = both(path, mini)
    assert fast == careful


def test_a_missing_file_is_the_same_error_both_ways(mini: Force, tmp_path: Path) -> None:
    """A file that does not exist is one `EventError`, worded the same by both readers."""
    fast, careful = both(tmp_path / "nowhere.jsonl", mini)
    assert fast == careful
    assert isinstance(fast, str) and "no such file" in fast


def _corrupt(records: list[dict[str, Any]], rng: random.Random) -> list[str]:
    """The records as JSON Lines, one in twenty broken in a way a real export might be."""
    breakers = [
        lambda r: {**r, "at": r["at"][:10] + "T25:00:00+00:00"},
        lambda r: {k: v for k, v in r.items() if k != "type"},
        lambda r: {**r, "type": r["type"] + "x"},
        lambda r: {**r, "scope": "atlantis"},
        lambda r: {**r, "id": "e000001"},
        lambda r: {**r, "attrs": {**r.get("attrs", {}), "deep": {"a": [1, 2]}}},
        lambda r: {**r, "refs": "e000002;e000003"},
        lambda r: {**r, "id": 12345},
    ]
    lines = []
    for record in records:
        broken = rng.choice(breakers)(record) if rng.random() < 0.05 else record
        lines.append(json.dumps(broken))
    lines.insert(len(lines) // 2, '{"id": "torn", "type": ')
    return lines


@pytest.mark.parametrize("source", available_forces(), ids=lambda s: s.name)
def test_simulated_logs_of_every_force_check_the_same_both_ways(
    source: Any, tmp_path: Path
) -> None:
    """A simulated quarter of each bundled force, partly corrupted: same log, same report."""
    force = open_force(source.name)
    start, end = date(2023, 1, 1), date(2023, 3, 31)
    records = simulate(force, start, end, events=1500, compliance=0.7, seed=3)
    path = tmp_path / f"{force.id}.jsonl"
    rng = random.Random(5)  # noqa: S311 - a seeded choice of test data
    path.write_text("\n".join(_corrupt(records, rng)) + "\n", encoding="utf-8")
    fast = read_events([path], force)
    careful = read_events([path], force, fast=False)
    assert snapshot(fast) == snapshot(careful)
    assert fast.rejections
    as_of = datetime(2023, 4, 1, tzinfo=UTC)
    reports = [report_json(evaluate(force, log, start, end, as_of)) for log in (fast, careful)]
    assert reports[0] == reports[1]


_TEXTS = st.one_of(
    st.sampled_from(["tweet", "surgery", "north", "n-ward", "CSO", "p1", "", " tweet ", "x"]),
    st.text(max_size=12),
)
_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    _TEXTS,
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)
_STAMPS = st.one_of(
    st.sampled_from(
        [
            "2022-10-03T10:15:00+01:00",
            "2022-10-03T10:15:00Z",
            "2022-10-03",
            "2022-10-03T10:15:00",
            "2022-02-30",
            " 2022-10-03T10:15:00z ",
        ]
    ),
    st.datetimes(timezones=st.just(UTC)).map(datetime.isoformat),
    _VALUES,
)
_RECORDS = st.fixed_dictionaries(
    {},
    optional={
        "id": st.one_of(st.sampled_from(["a", "b", "c", " a"]), _VALUES),
        "type": _TEXTS,
        "at": _STAMPS,
        "scope": st.one_of(_TEXTS, _VALUES),
        "role": _TEXTS,
        "person": _TEXTS,
        "attrs": st.one_of(st.dictionaries(st.sampled_from(["topic", "hours"]), _VALUES), _VALUES),
        "refs": st.one_of(st.lists(st.one_of(_TEXTS, st.integers()), max_size=3), _VALUES),
        "topic": _VALUES,
    },
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_RECORDS, min_size=1, max_size=8))
def test_generated_records_read_the_same_both_ways(records: list[dict[str, Any]]) -> None:
    """Records of every shape and type, valid or not, get the same verdict from both readers."""
    force = _mini()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "gen.jsonl"
        path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
        fast, careful = both(path, force)
    assert fast == careful


def _mini() -> Force:
    return load_force(FIXTURES / "mini")  # hypothesis cannot take a function-scoped fixture


def test_reading_restores_the_garbage_collector(mini: Force, tmp_path: Path) -> None:
    """The collector is paused while reading, and left as it was found, even on an error."""
    assert gc.isenabled()
    read_events([AWKWARD], mini)
    assert gc.isenabled()
    with pytest.raises(EventError):
        read_events([tmp_path / "nowhere.jsonl"], mini)
    assert gc.isenabled()
    gc.disable()
    try:
        read_events([AWKWARD], mini)
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_index_orders_each_bucket_by_time_then_id(mini: Force) -> None:
    """Built with one sort, each (type, unit) list is in time order, ties by id, whatever the
    input order, and an event is filed under its unit, the units enclosing it and force-wide."""
    at = datetime(2022, 10, 3, 9, tzinfo=UTC)
    later = datetime(2022, 10, 4, 9, tzinfo=UTC)
    events = [
        Event(id="b", type="tweet", at=at, scope="n-ward", person="p2"),
        Event(id="c", type="tweet", at=later, scope="north"),
        Event(id="a", type="tweet", at=at, scope="n-ward", person="p1"),
        Event(id="d", type="surgery", at=at),
    ]
    index = EventIndex(events, mini)
    assert [e.id for e in index.of_type(["tweet"], "n-ward")] == ["a", "b"]
    assert [e.id for e in index.of_type(["tweet"], "north")] == ["a", "b", "c"]
    assert [e.id for e in index.of_type(["tweet", "surgery"])] == ["a", "b", "d", "c"]
    assert index.of_type(["tweet"], "south") == []
