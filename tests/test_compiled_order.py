"""The compiled evidence is put in the reference's order in process (issue 23): rows by
ask, window and instant by their numbers (NumPy), the rows at one instant by id (Python,
as the reference), a repeat left out and a record found twice in one window kept once."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

pa = pytest.importorskip("pyarrow")

from engagerules.engine.compiled.evidence import _in_order  # noqa: E402

_ROW = st.tuples(
    st.integers(0, 3),  # ask
    st.integers(0, 3),  # window
    st.integers(-(2**40), 2**40),  # instant, microseconds
    st.text(max_size=4),  # id: any text, ties at one instant on purpose
)


@settings(max_examples=300, deadline=None)
@given(rows=st.lists(_ROW, max_size=40), left_out=st.sets(st.text(max_size=4), max_size=4))
def test_evidence_is_in_the_reference_order_each_record_once(
    rows: list[tuple[int, int, int, str]], left_out: set[str]
) -> None:
    # one record has one instant: an id found twice in an ask's window is the same record
    instant = {i: at for *_, at, i in rows}
    rows = [(n, w, instant[i], i) for n, w, _, i in rows]
    table = pa.table(
        {
            "n": pa.array([r[0] for r in rows], pa.int64()),
            "w": pa.array([r[1] for r in rows], pa.int64()),
            "at": pa.array([r[2] for r in rows], pa.timestamp("us", tz="UTC")),
            "id": pa.array([r[3] for r in rows], pa.string()),
        }
    )
    found = _in_order(SimpleNamespace(_pa=pa), table, frozenset(left_out))
    got = list(
        zip(
            found.column("n").to_pylist(),
            found.column("w").to_pylist(),
            found.column("at").cast(pa.int64()).to_pylist(),
            found.column("id").to_pylist(),
            strict=True,
        )
    )
    assert got == sorted({r for r in rows if r[3] not in left_out})
