"""Reading events: JSON Lines, JSON and CSV; each bad record rejected with file, line, reason."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from conftest import FIXTURES
from engagerules import EventError, Force, read_events
from engagerules.engine.index import EventIndex
from engagerules.model.periods import range_bounds

EVENTS = FIXTURES / "events"
#: A withheld value's fingerprint, keyed for this run.
FP = r"\[#[0-9a-f]{6}\]"


def withholds(reason: str, pattern: str) -> bool:
    """`reason` says `pattern` (a regex; `FP` for the fingerprint) and nothing more."""
    return re.fullmatch(pattern, reason) is not None


def test_csv_fields_refs_and_extra_columns(mini: Force) -> None:
    """refs split on ';', unknown columns go into attrs, a bare date is all day, local midnight."""
    log = read_events([EVENTS / "sample.csv"], mini)
    by_id = {e.id: e for e in log.events}
    assert by_id["l1"].refs == ("w1", "x9")
    assert by_id["t1"].attrs == {"topic": "warrant"}
    assert by_id["c1"].person == "p7" and by_id["c1"].attrs["hours"] == "2.5"
    assert by_id["c1"].all_day
    assert by_id["c1"].at == datetime(2022, 10, 4, 23, 0, tzinfo=UTC)
    assert by_id["t2"].line == 8


def test_csv_malformed_timestamp_on_line_7_is_rejected_with_its_line(mini: Force) -> None:
    """The bad row is rejected, located and counted; the rows around it are kept."""
    log = read_events([EVENTS / "sample.csv"], mini)
    (rejection,) = log.rejections
    assert (rejection.file, rejection.line) == (str(EVENTS / "sample.csv"), 7)
    assert withholds(
        rejection.reason,
        rf"at: 16 characters \(letters, digits and other signs\) {FP} is not an ISO 8601 timestamp",
    )
    assert rejection.revealed().reason == "at: '2022-13-45T99:00' is not an ISO 8601 timestamp"
    assert log.read == 7 and len(log.events) == 6


def test_json_array_records_are_located_by_line(mini: Force) -> None:
    """Elements of a JSON array report the line they start on."""
    log = read_events([EVENTS / "sample.json"], mini)
    assert [e.id for e in log.events] == ["a"]
    reasons = {r.line: r.reason for r in log.rejections}
    assert withholds(
        reasons[3],
        rf"type: 6 characters \(letters\) {FP} is not in the force's vocabulary "
        r"\(did you mean 'tweet'\?\)",
    )
    assert withholds(
        reasons[8],
        rf"at: 19 characters \(letters, digits and other signs\) {FP} has no offset: "
        r"add one \(\+01:00\) or Z",
    )
    shown = {r.line: r.revealed().reason for r in log.rejections}
    assert shown[3] == "type: 'tweeet' is not in the force's vocabulary (did you mean 'tweet'?)"
    assert shown[8] == "at: '2022-10-03T09:00:00' has no offset: add one (+01:00) or Z"


def test_jsonl_every_kind_of_bad_record(mini: Force) -> None:
    """Duplicates, bad JSON, non-objects, unknown units, bad attrs, missing fields: each named."""
    log = read_events([EVENTS / "sample.jsonl"], mini)
    assert [e.id for e in log.events] == ["a"]
    assert log.events[0].attrs == {"channel": "x"}, "unknown fields are kept as attrs"
    reasons = {r.line: r.reason for r in log.rejections}
    assert reasons[3].startswith("id: 'a' is used twice (first at ")
    assert reasons[4].startswith("not valid JSON")
    assert reasons[5] == "a record must be an object, not list"
    assert withholds(
        reasons[6],
        rf"scope: 4 characters \(letters\) {FP} is not a unit of this force "
        r"\(did you mean 'north'\?\)",
    )
    assert reasons[7] == "attrs: must be an object"
    assert reasons[8] == "at: required"
    assert log.read == 7, "the blank line is not a record"


def test_several_files_share_one_id_space(mini: Force, tmp_path: Path) -> None:
    """An id repeated in a second file is rejected there, naming the first place."""
    second = tmp_path / "more.jsonl"
    second.write_text('{"id": "a", "type": "tweet", "at": "2022-10-09"}\n')
    log = read_events([EVENTS / "sample.json", second], mini)
    assert any(r.file == str(second) and "used twice" in r.reason for r in log.rejections)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("missing.jsonl", None, "no such file"),
        ("events.txt", "", "unknown events format '.txt'"),
        ("broken.json", '[{"id": 1,', "not valid JSON"),
        ("object.json", "{}", "expected a JSON array"),
    ],
)
def test_unreadable_files_raise_event_error(
    mini: Force, tmp_path: Path, name: str, content: str | None, message: str
) -> None:
    """A file that cannot be read at all is one EventError naming it."""
    path = tmp_path / name
    if content is not None:
        path.write_text(content)
    with pytest.raises(EventError, match=message) as caught:
        read_events([path], mini)
    assert str(caught.value).startswith(str(path))


def test_csv_row_longer_than_header_is_rejected(mini: Force, tmp_path: Path) -> None:
    """Extra cells cannot be given a name, so the row is rejected rather than trimmed."""
    path = tmp_path / "e.csv"
    path.write_text("id,type,at\nx,tweet,2022-10-01,surplus\n")
    log = read_events([path], mini)
    assert [(r.line, r.reason) for r in log.rejections] == [
        (2, "has 4 fields but the header has 3")
    ]


def test_index_finds_events_in_window_by_unit_and_ancestor(mini: Force) -> None:
    """The index answers per unit, per enclosing unit and force-wide, in time order."""
    log = read_events([EVENTS / "sample.csv"], mini)
    index = EventIndex(log.events, mini)
    october = range_bounds(datetime(2022, 10, 1).date(), datetime(2022, 10, 31).date(), mini.zone)
    assert [e.id for e in index.between(["tweet"], None, october)] == ["t1", "t2"]
    assert [e.id for e in index.between(["tweet"], "north", october)] == ["t2"]
    assert index.between(["tweet"], "south", october) == []


def test_json_array_lines_of_records_written_across_several_lines(
    mini: Force, tmp_path: Path
) -> None:
    """Each record is located at the line it starts on, however many lines those before took."""
    path = tmp_path / "e.json"
    path.write_text(
        "[\n"
        '  {"id": "a", "type": "tweet",\n'
        '   "at": "2022-10-03T09:00:00+01:00",\n'
        '   "scope": "north"},\n'
        '  {"id": "b", "type": "tweet", "at": "2022-10-03T09:00:00+01:00", "scope": "north"},'
        '  {"id": "c",\n\n\n'
        '   "type": "tweet", "at": "2022-10-04T09:00:00+01:00", "scope": "north"},\n'
        '\n  {"id": "d", "type": "tweet",\n   "at": "2022-10-04T09:00:00", "scope": "north"},\n'
        '  {"id": "e", "type": "tweet", "at": "2022-10-05T09:00:00Z", "scope": "north"}\n'
        "]\n"
    )
    log = read_events([path], mini)
    assert [(e.id, e.line) for e in log.events] == [("a", 2), ("b", 5), ("c", 5), ("e", 12)]
    assert [(r.line, r.revealed().reason) for r in log.rejections] == [
        (10, "at: '2022-10-04T09:00:00' has no offset: add one (+01:00) or Z")
    ]
    assert "2022-10-04T09:00:00" not in log.rejections[0].reason


def test_json_array_structural_errors_name_their_line(mini: Force, tmp_path: Path) -> None:
    """A missing comma or text after the array stops the read at the line it is on."""
    path = tmp_path / "e.json"

    def record(ident: str) -> str:
        return '{"id": "' + ident + '", "type": "tweet", "at": "2022-10-03T09:00:00Z"}'

    path.write_text(f"[\n{record('a')},\n{record('b')}\n{record('c')}\n]")
    with pytest.raises(EventError, match=r"e\.json:4: expected ',' or ']' in the array"):
        read_events([path], mini)
    path.write_text(f"[\n{record('a')}\n]\n\n\nx")
    with pytest.raises(EventError, match=r"e\.json:6: text after the array"):
        read_events([path], mini)
