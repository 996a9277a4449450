"""The JSON a command writes: msgspec's, read back as the value it was given, laid out
as the standard library lays it out."""

from __future__ import annotations

import contextlib
import gc
import io
import json
from collections.abc import Iterable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import bundled
from engagerules import evaluate, read_events, report_json
from engagerules.cli import _json, _write, main
from engagerules.model.results import DataQuality
from engagerules.outputs.jsontext import json_parts, json_text
from engagerules.outputs.shapes import _report_shape, report_json_parts

ROOT = Path(__file__).resolve().parent.parent

_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(),  # control characters, quotes, U+2028, astral planes
)
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.text(max_size=5), inner, max_size=4),
    ),
    max_leaves=25,
)


@settings(max_examples=300, deadline=None)
@given(_VALUES)
def test_what_is_written_reads_back_as_the_value(value: Any) -> None:
    """Every report value (finite numbers, any text) survives the round trip exactly."""
    text = _json(value)
    assert text.endswith("\n")
    assert json.loads(text) == value


def _exponent(value: Any) -> bool:
    """Whether Python writes some number in `value` with an exponent (`1e-05`)."""
    if isinstance(value, float):
        return "e" in repr(value)
    if isinstance(value, list):
        return any(map(_exponent, value))
    if isinstance(value, dict):
        return any(map(_exponent, value.values()))
    return False


@settings(max_examples=200, deadline=None)
@given(_VALUES.filter(lambda v: not _exponent(v)))
def test_laid_out_as_json_dumps_with_indent_two(value: Any) -> None:
    """Without numbers in exponent form, the text is `json.dumps(indent=2)`'s, byte for byte
    (exponents are written `1e-5` where Python writes `1e-05`)."""
    assert _json(value) == json.dumps(value, indent=2, ensure_ascii=False) + "\n"


def test_a_real_report_is_the_standard_librarys_text(tmp_path: Path, capsys: Any) -> None:
    """The demo quarter's JSON report is the text `json.dumps(indent=2)` gives for it."""
    sample = ROOT / "forces" / "gwent" / "sample" / "activity-2022q4.jsonl"
    code = main(
        [
            "check", "gwent", str(sample), "--from", "2022-10-01", "--to", "2022-12-31",
            "--as-of", "2023-01-09T09:00:00+00:00", "--format", "json",
        ]
    )  # fmt: skip
    assert code in (0, 1)
    text = capsys.readouterr().out
    assert text == json.dumps(json.loads(text), indent=2, ensure_ascii=False) + "\n"


@settings(max_examples=300, deadline=None)
@given(_VALUES, st.integers(min_value=1, max_value=5), st.booleans())
def test_written_in_parts_it_is_the_same_text(value: Any, items: int, lazy: bool) -> None:
    """The text written in parts (lists `items` at a time, or read from an iterator) is
    the text written at once, byte for byte."""
    given_value = iter(value) if lazy and isinstance(value, list) else value
    assert _joined(json_parts(given_value, items=items)) == json_text(value)


def _joined(parts: Iterable[bytes | memoryview]) -> str:
    """The parts as the file gets them, read back as text."""
    return b"".join(parts).decode()


def test_a_real_report_in_parts_is_the_report_in_one(tmp_path: Path) -> None:
    """The demo quarter's report written in parts, a few entries at a time, is its text."""
    force = bundled("gwent")
    log = read_events([ROOT / "forces" / "gwent" / "sample" / "activity-2022q4.jsonl"], force)
    as_of = datetime(2023, 1, 9, 9, tzinfo=UTC)
    report = evaluate(force, log, date(2022, 10, 1), date(2022, 12, 31), as_of)
    whole = json_text(report_json(report))
    assert report.results and report.data_quality  # lists long enough to be cut
    assert _joined(report_json_parts(report)) == whole
    for items in (1, 3):
        shape = _report_shape(report, parts=True)
        assert _joined(json_parts(shape, items=items)) == whole


def test_the_collector_waits_while_parts_are_made_and_runs_after() -> None:
    """No cyclic collection walks the check's objects while the report's parts are made
    (they are acyclic); once written, the collector runs as it did, and if it was off, it
    stays off."""
    states = [gc.isenabled() for _ in json_parts({"results": iter([{"a": 1}, {"b": [2]}])})]
    assert states and not any(states[:-1])
    assert gc.isenabled()
    gc.disable()
    try:
        list(json_parts([1, 2]))
        assert not gc.isenabled()
    finally:
        gc.enable()


@settings(max_examples=200, deadline=None)
@given(st.text(), st.text(), st.integers(min_value=0, max_value=2**63 - 1), st.text())
def test_a_data_quality_entry_is_written_as_its_dict(
    id_: str, file: str, line: int, problem: str
) -> None:
    """msgspec writes a data-quality entry itself as the contract's dict, key for key in
    the same order (so the report's parts need make no dict for it), and `report_json`
    gives that dict."""
    entry = DataQuality(id_, file, line, problem)
    shape = {"id": id_, "file": file, "line": line, "problem": problem}
    assert _joined(json_parts([entry])) == json_text([shape])
    assert msgspec.to_builtins([entry]) == [shape]


def test_a_data_quality_entry_is_a_frozen_value() -> None:
    """Equal by its fields, hashable, unchangeable, shown as the attrs values are."""
    entry = DataQuality("e1", "log.jsonl", 3, "no unit recorded")
    assert entry == DataQuality("e1", "log.jsonl", 3, "no unit recorded")
    assert entry != DataQuality("e1", "log.jsonl", 4, "no unit recorded")
    assert len({entry, DataQuality("e1", "log.jsonl", 3, "no unit recorded")}) == 1
    with pytest.raises(AttributeError):
        entry.line = 4  # type: ignore[misc]
    assert (
        repr(entry) == "DataQuality(id='e1', file='log.jsonl', line=3, problem='no unit recorded')"
    )


def test_parts_in_bytes_are_written_as_they_are(tmp_path: Path, capsys: Any) -> None:
    """A report's parts in bytes reach a file, stdout, and a stdout with no bytes beneath
    it (a caller's `StringIO`) as the same text, after what was written before."""
    parts = [b'{"a": "\xc3\xa9', memoryview(b"xyz")[1:], b'"}\n']
    path = tmp_path / "out.json"
    _write(iter(parts), str(path))
    assert path.read_bytes() == b'{"a": "\xc3\xa9yz"}\n'
    print("before", end="")
    _write(iter(parts), None)
    assert capsys.readouterr().out == 'before{"a": "éyz"}\n'
    stream = io.StringIO()
    with contextlib.redirect_stdout(stream):
        _write(iter(parts), "-")
    assert stream.getvalue() == '{"a": "éyz"}\n'
    _write(iter(()), str(path))
    assert path.read_bytes() == b""
