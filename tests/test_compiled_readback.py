"""The compiled check asks the whole table cheaper questions than the rules it stands for
(issue 23): which records may repeat another (`readback.repeated` reads back only those
at an instant where two records share a type, unit, role and person, grouped on DuckDB
by a hash of the four) and whether the reader would keep every record as it is
(`readback.as_read`: each id once, counted apart from the rows). Each is held here to the plain
rule over every record, on DuckDB and on PostgreSQL (skipped without a server, failed in
CI)."""

from __future__ import annotations

import functools
import json
import os
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from attrs import evolve
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytest.importorskip("ibis")

import pyarrow.parquet as pq

from engagerules import load_force
from engagerules.engine.compiled import readback
from engagerules.engine.compiled.query import Query
from engagerules.engine.index import repeats
from engagerules.model.plan import Force
from engagerules.sources import vouched
from engagerules.sources.events import parse_events, read_events
from engagerules.sources.parquet import write_parquet
from test_compiled import Backend, _pg_url

FIXTURES = Path(__file__).parent / "fixtures"
_NOON = datetime(2023, 6, 1, 12, tzinfo=UTC)


def _force() -> Force:
    """The verdicts fixture, with tweets declared to repeat (all of them are kept)."""
    force = load_force(FIXTURES / "verdicts")
    kinds = tuple(evolve(t, repeats=True) if t.id == "tweet" else t for t in force.event_types)
    return evolve(force, event_types=kinds)


FORCE = _force()


@pytest.fixture(scope="module", params=["duckdb", "postgres"])
def backend(request: pytest.FixtureRequest) -> Iterator[Backend]:
    if request.param == "duckdb":
        yield Backend(None)
        return
    url = _pg_url()
    if url is None:
        if os.environ.get("CI") == "true":
            pytest.fail("no PostgreSQL server: run tools/setup-postgres.sh (required in CI)")
        pytest.skip("no PostgreSQL server: run tools/setup-postgres.sh (test.sh does)")
    made = Backend(url)
    yield made
    made.close()


#: Records crowded onto few instants (a microsecond apart, or not), with and without a
#: unit, role and person, saying the same or nearly the same thing.
_ROWS = st.lists(
    st.tuples(
        st.integers(0, 3),  # minutes after noon: few instants, so many are shared
        st.sampled_from([0, 0, 1]),  # microseconds: a near-repeat at another instant
        st.sampled_from(
            [
                ("session", {}),
                ("session", {"hours": 1}),
                ("session", {"hours": 1.0}),
                ("session", {"hours": 2}),
                ("surgery", {"location": "Hall"}),
                ("surgery", {"location": "hall "}),
                ("tweet", {}),
            ]
        ),
        st.sampled_from([None, "north", "south"]),
        st.sampled_from([None, "PCSO"]),
        st.sampled_from([None, "p1"]),
        st.sampled_from([[], ["e0"]]),
    ),
    max_size=30,
)


def _records(rows: list[tuple[Any, ...]]) -> list[dict[str, Any]]:
    found = []
    for n, (minutes, micro, (kind, attrs), scope, role, person, refs) in enumerate(rows):
        at = _NOON + timedelta(minutes=minutes, microseconds=micro)
        record = {"id": f"e{n}", "type": kind, "at": at.isoformat(), "attrs": attrs}
        given_fields = {"scope": scope, "role": role, "person": person, "refs": refs or None}
        found.append(record | {k: v for k, v in given_fields.items() if v is not None})
    return found


def _ingested(records: list[dict[str, Any]], path: Path) -> None:
    """The records as `ingest` writes them (the reader keeps every one)."""
    log = parse_events([("log", i + 1, r) for i, r in enumerate(records)], FORCE)
    assert not log.rejections
    write_parquet(log, FORCE, path)


def _asked(path: Path, backend: Backend, ask: Any) -> Any:
    """`ask` of the ingested records, as the compiled engine reads them on `backend`."""
    stored = backend.records(path)
    try:
        return ask(Query(FORCE, stored))
    finally:
        backend.release(stored)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(rows=_ROWS, by_value=st.booleans())
def test_the_repeats_read_back_are_those_the_rule_finds_among_all(
    rows: list[tuple[Any, ...]], by_value: bool, backend: Backend
) -> None:
    """Whether the instants are read back by value or by a semi-join, the repeats and the
    records they repeat are those `engine.index.repeats` finds among every record, and
    the repeats read back are the reader's events, in log order."""
    with (
        tempfile.TemporaryDirectory() as tmp,
        mock.patch.object(readback, "BY_VALUE", 10_000 if by_value else 0),
    ):
        path = Path(tmp) / "events.parquet"
        _ingested(_records(rows), path)
        events = read_events([path], FORCE).events
        found, copies = _asked(path, backend, readback.repeated)
    ordered = sorted(events, key=lambda e: e.id)
    ordered.sort(key=lambda e: e.at)
    expected = repeats(ordered, events, FORCE)
    assert found == expected
    assert copies == [e for e in events if e.id in expected]


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(rows=_ROWS.filter(bool), twice=st.lists(st.integers(0, 29), max_size=3))
def test_a_table_is_as_read_only_with_each_id_once(
    rows: list[tuple[Any, ...]], twice: list[int], backend: Backend
) -> None:
    """A table holding an id twice (as a file ingest did not write may) is not as the
    reader would keep it, and one holding each id once is."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "events.parquet"
        count, again = _ids_twice(rows, twice, path)
        kept = _asked(path, backend, lambda query: readback.as_read(query, count))
    assert kept == (not again)


def _ids_twice(rows: list[tuple[Any, ...]], twice: list[int], path: Path) -> tuple[int, list[int]]:
    """The records of `rows`, with copies of those `twice` names, ingested to `path`; then
    the copies given the ids of the records they copy, as another tool may, the footer's
    metadata kept. How many rows, and which records were copied."""
    records = _records(rows)
    again = sorted({n % len(records) for n in twice})
    for n, earlier in enumerate(again):
        records.append({**records[earlier], "id": f"again{n}"})
    _ingested(records, path)
    table = pq.read_table(path)
    ids = table.column("id").to_pylist()
    for n, earlier in enumerate(again):
        ids[ids.index(f"again{n}")] = f"e{earlier}"
    table = table.set_column(table.schema.get_field_index("id"), "id", [ids])
    pq.write_table(table.replace_schema_metadata(pq.read_metadata(path).metadata), path)
    return len(records), again


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=_ROWS)
def test_the_repeats_from_what_ingest_found_are_those_the_rule_finds_among_all(
    rows: list[tuple[Any, ...]],
) -> None:
    """The records ingest found sharing a type, instant, unit, role and person with
    another (kept in the file's footer, `sources.vouched`) hold every repeat and every
    record repeated: the repeats found among them alone are those found among all, and
    are read back as the reader's events, in log order."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "events.parquet"
        _ingested(_records(rows), path)
        events = read_events([path], FORCE).events
        found = vouched.found(path)
        assert found is not None
        assert (found.rows, found.ids_once) == (len(events), True)
        got, copies = _asked(path, Backend(None), lambda q: readback.repeated(q, found))
    ordered = sorted(events, key=lambda e: e.id)
    ordered.sort(key=lambda e: e.at)
    expected = repeats(ordered, events, FORCE)
    assert got == expected
    assert copies == [e for e in events if e.id in expected]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=_ROWS.filter(bool), twice=st.lists(st.integers(0, 29), min_size=1, max_size=3))
def test_what_ingest_found_is_not_read_of_rows_changed_since(
    rows: list[tuple[Any, ...]], twice: list[int]
) -> None:
    """A file whose rows another tool changed after ingest, keeping its footer's entries
    (what ingest found among them), is not vouched for: the check asks the rows, and
    finds the id given twice."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "events.parquet"
        count, _ = _ids_twice(rows, [], path)
        assert vouched.found(path) is None  # rewritten: other bytes, whatever they say
        _ingested(_records(rows), path)
        before = vouched.found(path)
        assert before is not None and before.ids_once
        count, _ = _ids_twice(rows, twice, path)
        assert vouched.KEY.encode() in pq.read_metadata(path).metadata
        assert vouched.found(path) is None
        asked = _asked(
            path, Backend(None), lambda q: readback.as_read(q, count, vouched.found(path))
        )
    assert asked is False


def _footed(path: Path, table: Any, **changed: Any) -> None:
    """`table` written to `path` as ingest writes its rows, with what ingest found of them
    (the digest of their bytes) as `changed` says."""
    with path.open("wb") as file:
        sink = vouched.HashingSink(file)
        with pq.ParquetWriter(sink, table.schema, compression="zstd") as writer:
            writer.write_table(table)
            entry = {"digest": sink.digest(), "rows": table.num_rows, "ids_once": True}
            entry |= {"sharing": None, **changed}
            writer.add_key_value_metadata({vouched.KEY: json.dumps(entry)})


def test_what_ingest_found_is_read_only_as_ingest_writes_it(tmp_path: Path) -> None:
    """A footer entry that is not as ingest writes it (a digest of other bytes, a count
    that is not a count, a table that is none) gives nothing: the check asks the rows."""
    path = tmp_path / "events.parquet"
    _ingested(_records([(0, 0, ("tweet", {}), None, None, None, [])] * 2), path)
    table = pq.read_table(path)
    _footed(path, table)
    assert vouched.found(path) == vouched.Found(rows=2, ids_once=True, sharing=None)
    for changed in (
        {"digest": "0" * 64},
        {"rows": "2"},
        {"rows": -1},
        {"ids_once": 1},
        {"sharing": "%%"},
        {"sharing": "AAAA"},
        {"rows": functools.reduce(lambda v, _: [v], range(70), 2)},  # nested deep
        {"rows": 10**4000},  # past what a float holds
    ):
        _footed(path, table, **changed)
        assert vouched.found(path) is None, changed
    pq.write_table(table.replace_schema_metadata({}), path)
    assert vouched.found(path) is None
