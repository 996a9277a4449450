"""`ingest`: events kept as Parquet give the same check as the exports they came from."""

from __future__ import annotations

import json
import random
import tempfile
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")

from conftest import FIXTURES  # noqa: E402
from engagerules import (  # noqa: E402
    EventError,
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
from engagerules.cli import main  # noqa: E402
from engagerules.sources.parquet import write_parquet  # noqa: E402
from test_fastread import _RECORDS, _corrupt, snapshot  # noqa: E402

AWKWARD = FIXTURES / "events" / "awkward.jsonl"


def _round_trip(log: EventLog, force: Force, folder: Path) -> EventLog:
    path = folder / "events.parquet"
    write_parquet(log, force, path)
    return read_events([path], force)


def test_the_awkward_corpus_survives_parquet_whole(mini: Force, tmp_path: Path) -> None:
    """Every event (attributes, lists, refs, all-day, instants) and every rejection, with its
    file and line, comes back from Parquet as the reader first gave it."""
    log = read_events([AWKWARD], mini)
    assert log.events and log.rejections
    again = _round_trip(log, mini, tmp_path)
    assert snapshot(again) == snapshot(log)
    assert again.read == log.read


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_RECORDS, min_size=1, max_size=8))
def test_generated_records_survive_parquet(records: list[dict[str, Any]]) -> None:
    """Whatever the reader made of records of any shape, Parquet keeps it exactly."""
    force = load_force(FIXTURES / "mini")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "gen.jsonl"
        path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
        log = read_events([path], force)
        assert snapshot(_round_trip(log, force, Path(tmp))) == snapshot(log)


@pytest.mark.parametrize("source", available_forces(), ids=lambda s: s.name)
def test_every_force_checks_the_same_from_parquet(source: Any, tmp_path: Path) -> None:
    """A simulated, partly corrupted quarter of each force: the report from the ingested file
    is the report from the JSON Lines it was ingested from, accounting included."""
    force = open_force(source.name)
    start, end = date(2023, 1, 1), date(2023, 3, 31)
    records = simulate(force, start, end, events=1500, compliance=0.7, seed=11)
    path = tmp_path / f"{force.id}.jsonl"
    path.write_text("\n".join(_corrupt(records, random.Random(7))) + "\n", encoding="utf-8")  # noqa: S311
    log = read_events([path], force)
    assert log.rejections
    again = _round_trip(log, force, tmp_path)
    as_of = datetime(2023, 4, 1, tzinfo=UTC)
    assert report_json(evaluate(force, again, start, end, as_of)) == report_json(
        evaluate(force, log, start, end, as_of)
    )


def test_check_reads_an_ingested_file_as_it_read_the_exports(tmp_path: Path) -> None:
    """`ingest` then `check FILE.parquet` writes the byte-identical JSON report."""
    sample = Path(__file__).parent.parent / "forces" / "gwent" / "sample" / "activity-2022q4.jsonl"
    parquet = tmp_path / "q4.parquet"
    assert main(["ingest", "gwent", str(sample), "-o", str(parquet)]) == 0
    common = ["--from", "2022-10-01", "--to", "2022-12-31", "--as-of", "2023-01-10T00:00:00Z"]
    outs = []
    for name, source in (("a", sample), ("b", parquet)):
        out = tmp_path / f"{name}.json"
        main(["check", "gwent", str(source), *common, "--format", "json", "-o", str(out)])
        outs.append(out.read_bytes())
    assert outs[0] == outs[1]
    assert json.loads(outs[0])["events"]["read"] > 0


def test_declared_attributes_get_typed_columns_for_query_engines(tmp_path: Path) -> None:
    """Each declared attribute is a typed column holding the record's value where it is one
    scalar of its type (null where it has none), and `attrs` keeps every attribute whole."""
    force = open_force("gwent")
    declared = {s.name for t in force.event_types for s in t.attributes}
    assert declared, "gwent declares attributes"
    records = simulate(force, date(2023, 1, 1), date(2023, 3, 31), events=800, seed=2)
    source = tmp_path / "g.jsonl"
    source.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    path = tmp_path / "e.parquet"
    write_parquet(read_events([source], force), force, path)
    table = pq.read_table(path)
    assert table.schema.field("at").type == pa.timestamp("us", tz="UTC")
    assert table.schema.field("refs").type == pa.list_(pa.string())
    filled = 0
    for row in table.to_pylist():
        attrs = json.loads(row["attrs"])
        for name in declared:
            typed, raw = row.get(f"attr.{name}"), attrs.get(name)
            if typed is not None:
                filled += 1
                assert raw is not None and not isinstance(raw, list | dict)
                assert typed == raw or str(typed) == str(raw)[: len(str(typed))]
    assert filled > 0


def test_a_file_for_another_force_is_one_located_error(mini: Force, tmp_path: Path) -> None:
    """Checking a file ingested for one force against another stops with a located line."""
    path = tmp_path / "mini.parquet"
    write_parquet(read_events([AWKWARD], mini), mini, path)
    with pytest.raises(EventError, match=r"mini\.parquet: ingested for force"):
        read_events([path], open_force("gwent"))


def test_events_the_force_no_longer_accepts_are_rejected_again(tmp_path: Path) -> None:
    """An event ingested under an older configuration is checked against the force as it is
    now: a unit the force has lost is a rejection, with the original file and line."""
    force = open_force("gwent")
    sample = Path(__file__).parent.parent / "forces" / "gwent" / "sample" / "activity-2022q4.jsonl"
    log = read_events([sample], force)
    path = tmp_path / "g.parquet"
    write_parquet(log, force, path)
    table = pq.read_table(path)
    scopes = table.column("scope").to_pylist()
    row = next(i for i, s in enumerate(scopes) if s)
    scopes[row] = "atlantis"
    victim = table.column("seq")[row].as_py()  # the row's event in the reader's order
    table = table.set_column(table.schema.get_field_index("scope"), "scope", pa.array(scopes))
    pq.write_table(table, path)
    again = read_events([path], force)
    assert len(again.events) == len(log.events) - 1
    assert again.read == log.read
    (rejection,) = again.rejections
    assert (rejection.file, rejection.line) == (log.events[victim].file, log.events[victim].line)
    assert "atlantis" not in rejection.reason, "the value is withheld"
    assert rejection.reason.startswith("scope: 8 characters (letters) [#")
    assert "atlantis" in rejection.revealed().reason


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"not parquet at all", "cannot be read as Parquet"),
        (None, "no such file"),
    ],
)
def test_a_broken_parquet_file_is_exit_2(
    tmp_path: Path, content: bytes | None, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A file that is not Parquet, or not there, is one line and exit 2, never a traceback."""
    path = tmp_path / "x.parquet"
    if content is not None:
        path.write_bytes(content)
    code = main(["check", "gwent", str(path), "--from", "2022-10-01", "--to", "2022-10-31"])
    err = capsys.readouterr().err
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1


def test_a_parquet_file_not_written_by_ingest_is_refused(tmp_path: Path) -> None:
    """Another tool's Parquet file has no accounting: it is refused, not read as events."""
    path = tmp_path / "other.parquet"
    pq.write_table(pa.table({"id": ["a"], "type": ["tweet"]}), path)
    with pytest.raises(EventError, match="not a file written by `engagerules ingest`"):
        read_events([path], open_force("gwent"))


def test_ingest_wants_a_parquet_name(capsys: pytest.CaptureFixture[str]) -> None:
    """`-o events.jsonl` is a usage error (exit 2), so nobody mistakes the output's format."""
    sample = Path(__file__).parent.parent / "forces" / "gwent" / "sample" / "activity-2022q4.jsonl"
    assert main(["ingest", "gwent", str(sample), "-o", "out.jsonl"]) == 2
    assert "name the file .parquet" in capsys.readouterr().err


def test_a_code_outside_the_list_a_constraint_judges_survives_parquet(tmp_path: Path) -> None:
    """A code outside its list, kept (read as `Unlisted`) because a constraint judges the
    attribute, is written as it was typed and read back as `Unlisted` again: the
    constraint's breach is in the report from Parquet as from the exports."""
    force = open_force("surrey")
    spec_type, name = next(
        (t.id, s.name)
        for t in force.event_types
        for s in t.attributes
        if s.type.value == "code" and s.name in force.judged_attributes().get(t.id, ())
    )
    record = {"id": "u1", "type": spec_type, "at": "2023-01-10T10:00:00Z"}
    source = tmp_path / "u.jsonl"
    source.write_text(json.dumps({**record, "attrs": {name: "not-a-code"}}) + "\n", "utf-8")
    log = read_events([source], force)
    assert type(log.events[0].attrs[name]).__name__ == "Unlisted"
    again = _round_trip(log, force, tmp_path)
    assert again.events == log.events and not again.rejections
    assert dict(again.events[0].attrs) == dict(log.events[0].attrs)


def _gwent_sample() -> tuple[Force, EventLog]:
    force = open_force("gwent")
    sample = Path(__file__).parent.parent / "forces" / "gwent" / "sample" / "activity-2022q4.jsonl"
    return force, read_events([sample], force)


def test_rows_are_kept_by_type_and_time_and_read_back_in_the_readers_order(
    tmp_path: Path,
) -> None:
    """A file's rows run by type, then instant, then place (so a query engine reads only
    the row groups of the types and times it asks for); `seq` is each row's place in the
    reader's order, and reading the file back gives the events in that order."""
    force, log = _gwent_sample()
    path = tmp_path / "g.parquet"
    write_parquet(log, force, path)
    table = pq.read_table(path, columns=["type", "at", "seq", "id"])
    keys = list(
        zip(
            table.column("type").to_pylist(),
            table.column("at").to_pylist(),
            table.column("seq").to_pylist(),
            strict=True,
        )
    )
    assert keys == sorted(keys)
    assert sorted(k[2] for k in keys) == list(range(len(log.events)))
    assert [e.id for e in log.events[:3]] != table.column("id").to_pylist()[:3], "reordered"
    ids = dict(zip(table.column("seq").to_pylist(), table.column("id").to_pylist(), strict=True))
    assert [ids[n] for n in range(len(log.events))] == [e.id for e in log.events]
    assert snapshot(read_events([path], force)) == snapshot(log)


def test_the_columns_every_query_reads_whole_are_written_to_decode_cheaply(
    tmp_path: Path,
) -> None:
    """The ids are written plain and uncompressed, the instants, places and lines as
    uncompressed deltas, every other column (a list's values too) as a dictionary in zstd:
    what a query engine decodes fastest (`parquet._encodings`); and a file written before,
    in zstd throughout, reads back the same events."""
    force, log = _gwent_sample()
    path = tmp_path / "g.parquet"
    write_parquet(log, force, path)
    chunks = pq.ParquetFile(path).metadata.row_group(0)
    found = {
        chunks.column(i).path_in_schema: (chunks.column(i).compression, chunks.column(i).encodings)
        for i in range(chunks.num_columns)
    }
    assert found["id"][0] == "UNCOMPRESSED"
    assert "RLE_DICTIONARY" not in found["id"][1] and "PLAIN" in found["id"][1]
    for name in ("at", "seq", "line"):
        assert found[name][0] == "UNCOMPRESSED" and "DELTA_BINARY_PACKED" in found[name][1], name
    table = pq.read_table(path)
    flags = {f.name for f in table.schema if f.type == pa.bool_()}  # bits: no dictionary
    rest = set(found) - {"id", "at", "seq", "line"}
    assert "refs.list.element" in rest and "all_day" in flags
    for name in rest:
        assert found[name][0] == "ZSTD", name
        assert name in flags or "RLE_DICTIONARY" in found[name][1], name
    older = tmp_path / "older.parquet"
    pq.write_table(table, older, compression="zstd")
    assert snapshot(read_events([older], force)) == snapshot(read_events([path], force))


def test_a_file_of_layout_1_is_read_in_its_rows_order(tmp_path: Path) -> None:
    """A file ingested before `seq` (layout 1) holds its rows in the reader's order, and is
    read so, by the reference and the compiled engine alike."""
    force, log = _gwent_sample()
    path = tmp_path / "g.parquet"
    write_parquet(log, force, path)
    table = pq.read_table(path).sort_by("seq")
    meta = json.loads(table.schema.metadata[b"engagerules"])
    meta["version"] = 1
    old = table.drop_columns(["seq"])
    old = old.replace_schema_metadata({b"engagerules": json.dumps(meta).encode()})
    pq.write_table(old, path)
    assert snapshot(read_events([path], force)) == snapshot(log)


@pytest.mark.parametrize("change", ["twice", "outside"])
def test_a_file_whose_places_are_not_each_rows_own_is_refused(tmp_path: Path, change: str) -> None:
    """`seq` changed by another tool (a place given twice, or beyond the rows) cannot say
    the reader's order: the file is refused by name, never read in a made-up order."""
    force, log = _gwent_sample()
    path = tmp_path / "g.parquet"
    write_parquet(log, force, path)
    table = pq.read_table(path)
    places = table.column("seq").to_pylist()
    places[1] = places[0] if change == "twice" else len(places)
    column = pa.array(places, pa.int64())
    field = table.schema.field("seq")
    table = table.set_column(table.schema.get_field_index("seq"), field, column)
    pq.write_table(table, path)
    with pytest.raises(EventError, match=r"g\.parquet: column 'seq' is not each row's place"):
        read_events([path], force)
