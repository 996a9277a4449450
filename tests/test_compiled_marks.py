"""The compiled accounting marks the records used by their places (`seq`), found from the
ids and places the queries returned and the records read back (`account.QueryAccount._marks`),
not by joining their ids to every record (issue 23). Held here to the plain rule, each id's
place in the file, on DuckDB and on PostgreSQL (skipped without a server, failed in CI):
where every id marked is known, its place and mark are those of the file; where one is
not, the accounting is told so (and joins the ids, as before)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytest.importorskip("ibis")

import pyarrow as pa
import pyarrow.parquet as pq

from engagerules.engine.compiled.account import QueryAccount
from engagerules.engine.compiled.query import Query
from test_compiled import Backend
from test_compiled_readback import _ROWS, FORCE, _ingested, _records, backend

__all__ = ["backend"]  # the fixture, shared with the read-back tests


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    rows=_ROWS.filter(bool),
    data=st.data(),
)
def test_the_places_marked_are_those_of_the_ids_in_the_file(
    rows: list[tuple[Any, ...]], data: st.DataObject, backend: Backend
) -> None:
    """Ids marked or not, known once, twice (two windows, two queries) or not at all,
    by a query or as read back: every id known gives its own place and mark, and one id
    not known gives none (None: the ids are joined instead)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "events.parquet"
        _ingested(_records(rows), path)
        table = pq.read_table(path, columns=["id", "seq"])
        place = dict(zip(*(table.column(c).to_pylist() for c in ("id", "seq")), strict=True))
        ids = sorted(place)
        marked = data.draw(st.lists(st.sampled_from(ids), unique=True), "marked")
        spares = data.draw(st.lists(st.booleans(), min_size=len(marked), max_size=len(marked)))
        found = data.draw(st.lists(st.sampled_from(ids), max_size=2 * len(ids)), "found")
        read = data.draw(st.lists(st.sampled_from(ids), unique=True), "read")
        stored = backend.records(path)
        try:
            query = Query(FORCE, stored)
            half = len(found) // 2
            query.places = [
                (pa.array(part), pa.chunked_array([[place[i] for i in part]], pa.int64()))
                for part in (found[:half], found[half:])
            ]
            query.position = {i: place[i] for i in read}
            account = QueryAccount(query, [], frozenset(), [], len(ids))
            made = account._marks(pa.array(marked, pa.string()), pa.array(spares, pa.bool_()))
        finally:
            backend.release(stored)
    if not set(marked) <= {*found, *read}:
        assert made is None
        return
    assert made is not None
    got = dict(zip(*(made.column(c).to_pylist() for c in ("m_seq", "m_spare")), strict=True))
    assert made.num_rows == len(got)
    assert got == {place[i]: spare for i, spare in zip(marked, spares, strict=True)}


@pytest.mark.parametrize("places_known", [True, False])
def test_the_accounting_by_places_or_by_ids_judges_as_the_reference(places_known: bool) -> None:
    """Gwent's edge cases on DuckDB, the records used marked by their places (as a check
    marks them: every id's place known) or, where one is not, by their ids: the tally, its
    reasons and the data-quality entries are the reference's."""
    from unittest import mock

    from engagerules.sources.registry import open_force
    from test_compiled import differences, edge_cases

    force = open_force("gwent")
    marks = QueryAccount._marks
    made: list[bool] = []

    def marked(self: QueryAccount, ids: Any, spares: Any) -> Any:
        found = marks(self, ids, spares) if places_known else None
        made.append(found is not None)
        return found

    found = []
    with mock.patch.object(QueryAccount, "_marks", marked):
        for log, start, end, instants in edge_cases(force):
            found += differences(force, log, start, end, instants[:2], Backend(None))
    assert found == []
    assert made
    assert all(made) if places_known else not any(made)
