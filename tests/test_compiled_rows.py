"""The compiled evidence keeps a window's records as columns (`Rows`: ids, and one shared
stand-in per `(type, attrs)`), making an event only for a record read as one (issue 23).
Read as a sequence they are the events the plain way makes; and a verdict made from the
stand-ins, then listing the ids, is the verdict made from the events."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import attrs
import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

pa = pytest.importorskip("pyarrow")

from engagerules.engine.compiled.evidence import Rows, _Columns  # noqa: E402
from engagerules.engine.compiled.kinds import constraint as compiled_constraint  # noqa: E402
from engagerules.engine.compiled.kinds import recurring as compiled_recurring  # noqa: E402
from engagerules.engine.compiled.query import _listed  # noqa: E402
from engagerules.engine.compiled.values import Values  # noqa: E402
from engagerules.engine.kinds.constraint import Constraint, _breach_words, verdict  # noqa: E402
from engagerules.engine.schedule import dues  # noqa: E402
from engagerules.model.conditions import failed_condition, measure  # noqa: E402
from engagerules.model.event import Event  # noqa: E402
from engagerules.model.periods import range_bounds  # noqa: E402
from engagerules.model.plan import Requirement  # noqa: E402
from engagerules.sources.registry import open_force  # noqa: E402

FORCE = open_force("gwent")
VALUES = Values(FORCE)
_EPOCH = datetime(2022, 1, 1, tzinfo=UTC)

#: One record: (id, instant in minutes after `_EPOCH`, its attributes' number, line).
_RECORD = st.tuples(
    st.text("abc", max_size=3), st.integers(0, 60 * 24 * 31), st.integers(0, 5), st.integers(0, 9)
)


def _rows(records: list[tuple[str, int, int, int]], stand_ins: list[Event]) -> Rows:
    """`records` (each id once, in order) as the evidence query gives them."""
    columns = _Columns(
        [r[0] for r in records],
        [r[2] for r in records],
        stand_ins,
        pa.chunked_array([[_EPOCH + timedelta(minutes=r[1]) for r in records]], _INSTANT),
        pa.chunked_array([[r[3] for r in records]], pa.int64()),
        _listed,
    )
    return Rows(columns, 0, len(records))


_INSTANT = pa.timestamp("us", tz="UTC")


def _events(records: list[tuple[str, int, int, int]], stand_ins: list[Event]) -> list[Event]:
    """The same records made the plain way: each its stand-in with its id, instant, line."""
    return [
        msgspec.structs.replace(stand_ins[n], id=i, at=_EPOCH + timedelta(minutes=m), line=line)
        for i, m, n, line in records
    ]


def _ordered(records: list[tuple[str, int, int, int]]) -> list[tuple[str, int, int, int]]:
    once = {r[0]: r for r in records}
    return sorted(once.values(), key=lambda r: (r[1], r[0]))


#: Attributes as people type them: numbers and text for a sum, codes in several cases for
#: distinct counts, missing, blank.
_ATTRS = st.fixed_dictionaries(
    {},
    optional={
        "hours": st.one_of(st.integers(-2, 5), st.sampled_from(["3", "x", "", 1.5])),
        "location": st.sampled_from(["Park", "park ", "PARK", "hall", "", None]),
    },
)


@settings(max_examples=200, deadline=None)
@given(
    records=st.lists(_RECORD, max_size=12),
    attributes=st.lists(_ATTRS, min_size=6, max_size=6),
    gone=st.sets(st.text("abc", max_size=3), max_size=3),
)
def test_rows_read_as_a_sequence_are_the_events(
    records: list[tuple[str, int, int, int]],
    attributes: list[dict[str, Any]],
    gone: set[str],
) -> None:
    """Rows read as a sequence, one at a time or in slices, are the events the plain way
    makes; their ids and stand-ins are theirs; without some ids, the others."""
    records = _ordered(records)
    stand_ins = [Event(id="", type="tweet", at=_EPOCH, attrs=a) for a in attributes]
    rows, events = _rows(records, stand_ins), _events(records, stand_ins)
    assert [rows[k] for k in range(len(rows))] == events
    assert [(e.at, e.line) for e in rows] == [(e.at, e.line) for e in events]
    assert list(rows[1:3]) == events[1:3]
    assert rows.ids == [e.id for e in events]
    assert [s.attrs for s in rows.stand_ins] == [e.attrs for e in events]
    kept = rows.without(gone)
    assert list(kept) == [e for e in events if e.id not in gone]
    assert kept.ids == [e.id for e in events if e.id not in gone]


def _requirement(draw: st.DrawFn) -> Requirement:
    measured = draw(st.sampled_from([{}, {"sum": "hours"}, {"distinct": "location"}]))
    return Requirement(types=("tweet",), min=draw(st.sampled_from([1, 2, 3])), **measured)


@settings(max_examples=200, deadline=None)
@given(
    data=st.data(),
    steps=st.lists(st.lists(_RECORD, max_size=8), min_size=1, max_size=3),
    attributes=st.lists(_ATTRS, min_size=6, max_size=6),
    late=st.booleans(),
)
def test_a_recurring_verdict_from_stand_ins_is_the_verdict_from_events(
    data: st.DataObject,
    steps: list[list[tuple[str, int, int, int]]],
    attributes: list[dict[str, Any]],
    late: bool,
) -> None:
    """Counts, sums and distinct codes measured over the stand-ins, and the verdict made
    from them listing the ids, are those the events give (a record two requirements
    found listed once)."""
    base = next(o for o in FORCE.obligations if o.id == "gwent.cn.weekly-positive-tweet")
    reqs = tuple(data.draw(st.composite(_requirement)()) for _ in steps)
    ob = attrs.evolve(base, evidence=reqs)
    span = range_bounds(date(2022, 9, 5), date(2022, 9, 30), FORCE.zone)
    due = next(iter(dues(ob, span)))
    as_of = due.window.end + timedelta(days=1) if late else due.window.start
    stand_ins = [Event(id="", type="tweet", at=_EPOCH, attrs=a) for a in attributes]
    query: Any = SimpleNamespace(force=FORCE, values=VALUES)
    ordered = [_ordered(step) for step in steps]
    events = [_events(step, stand_ins) for step in ordered]
    measured = [(r, measure(r, e), e) for r, e in zip(reqs, events, strict=True)]
    try:
        plain = compiled_recurring._verdict(query, ob, due, measured, as_of)
    except Exception as exc:  # the same refusal either way
        with pytest.raises(type(exc)):
            compiled_recurring._judged(
                query, ob, due, [_rows(s, stand_ins) for s in ordered], as_of
            )
        return
    got = compiled_recurring._judged(query, ob, due, [_rows(s, stand_ins) for s in ordered], as_of)
    assert got == plain


#: A mobile station's attributes as people record them: a station listed or not, a
#: booking reference or none.
_DEPLOYMENT = st.fixed_dictionaries(
    {},
    optional={
        "station": st.sampled_from(["MS1", "ms1", "nowhere", "", 7]),
        "booking_ref": st.sampled_from(["B-1", "", None]),
    },
)


@settings(max_examples=200, deadline=None)
@given(
    records=st.lists(_RECORD, max_size=14),
    attributes=st.lists(_DEPLOYMENT, min_size=6, max_size=6),
    which=st.sampled_from(["fleet", "booking"]),
    open_window=st.booleans(),
)
def test_a_constraint_verdict_from_stand_ins_is_the_verdict_from_events(
    records: list[tuple[str, int, int, int]],
    attributes: list[dict[str, Any]],
    which: str,
    open_window: bool,
) -> None:
    """Each record judged by its stand-in, the reason naming the first breaking records
    (an event made for those alone) and the verdict listing the ids: the plain way's."""
    ob = next(o for o in FORCE.obligations if o.id == f"gwent.force.mobile-station-{which}")
    rule = ob.rule
    assert isinstance(rule, Constraint)
    made = [VALUES.event("mobile_station_deployment", json.dumps(a)) for a in attributes]
    stand_ins = [e for e in made if e is not None]
    if not stand_ins:
        return
    records = [(i, m, n % len(stand_ins), line) for i, m, n, line in _ordered(records)]
    window = range_bounds(date(2022, 1, 1), date(2022, 1, 31), FORCE.zone)
    as_of = window.start if open_window else window.end
    events = _events(records, stand_ins)
    offenders, notes = [], []
    for event in events:
        broken = failed_condition(rule.require, event)
        if broken is not None:
            offenders.append(event)
            notes.append(_breach_words(broken, event))
    plain = verdict(FORCE, ob, rule, None, window, as_of, events, offenders, notes)
    query: Any = SimpleNamespace(force=FORCE)
    rows = _rows(records, stand_ins)
    got = compiled_constraint._verdict(query, ob, rule, None, window, rows, as_of, {})
    assert got == plain


@settings(max_examples=100, deadline=None)
@given(
    instants=st.lists(
        st.datetimes(timezones=st.just(UTC)).filter(lambda d: d.year > 1), min_size=1, max_size=20
    )
)
def test_duckdb_files_a_record_under_its_utc_day(instants: list[datetime]) -> None:
    """On DuckDB a record's day for the evidence join is its instant's microseconds since
    1970 in whole days (no zone read): its UTC day in the centuries a plan may name, and
    never more than the day either side the windows' days allow for elsewhere."""
    from engagerules.engine.compiled.evidence import _DAY_US, _1970, _epoch_us
    from engagerules.engine.compiled.source import ibis_module

    ibis = ibis_module()
    con = ibis.duckdb.connect()
    table = ibis.memtable(pa.table({"at": pa.array(instants, pa.timestamp("us", tz="UTC"))}))
    found = con.to_pyarrow(table.select(day=_epoch_us()(table.at) // _DAY_US))
    for moment, day in zip(instants, found.column("day").to_pylist(), strict=True):
        utc_day = (moment.date() - _1970).days
        assert abs(day - utc_day) <= 1
        if 1700 < moment.year < 2200:
            assert day == utc_day


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 3),
            st.integers(-2, 400),
            st.sampled_from([0, 1, 2, 86_400_000_000, -(2**40), 2**62]),
            st.sampled_from(["e1", "e10", "e2", "é", ""]),
        ),
        min_size=1,
        max_size=40,
    )
)
def test_rows_put_in_order_by_one_number_are_in_the_order_of_the_four_keys(
    rows: list[tuple[int, int, int, str]],
) -> None:
    """Rows sharing an ask, window and instant (put in order by id), or all of them, and
    instants too far apart for one number: the places are those of Arrow's stable sort by
    (ask, window, time, id)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from engagerules.engine.compiled.evidence import _order

    table = pa.table(
        {
            "n": pa.array([r[0] for r in rows], pa.int64()),
            "w": pa.array([r[1] for r in rows], pa.int64()),
            "at": pa.array([r[2] for r in rows], pa.timestamp("us", tz="UTC")),
            "id": pa.array([r[3] for r in rows], pa.string()),
        }
    )
    plain = pc.sort_indices(table, sort_keys=[(c, "ascending") for c in ("n", "w", "at", "id")])
    numbers = (table.column(c).cast(pa.int64()).to_numpy() for c in ("n", "w", "at"))
    assert _order(table, *numbers).tolist() == plain.to_pylist()


@settings(max_examples=200, deadline=None)
@given(
    instants=st.lists(st.datetimes(timezones=st.just(UTC)), min_size=1, max_size=20),
    unit=st.sampled_from(["s", "ms", "us"]),
    zone=st.sampled_from(["UTC", None]),
    chunks=st.integers(1, 3),
)
def test_instants_listed_in_bulk_are_arrows_own_as_utc(
    instants: list[datetime], unit: str, zone: str | None, chunks: int
) -> None:
    """A timestamp column (with a zone or without, as backends return them; in one chunk
    or several) listed in bulk (`_listed`: an offset from the epoch each) is Arrow's own
    values, as aware UTC datetimes with `UTC` itself for their zone; any year from 1 to
    9999, to the column's unit."""
    kind = pa.timestamp(unit, tz=zone)
    naive = [moment.replace(tzinfo=None) for moment in instants]
    column = pa.chunked_array(
        [
            pa.array(naive[k::chunks], pa.timestamp("us")).cast(kind, safe=False)
            for k in range(chunks)
        ]
    )
    plain = [moment.replace(tzinfo=UTC) for moment in column.cast(pa.timestamp(unit)).to_pylist()]
    got = _listed(column)
    assert got == plain
    assert all(moment.tzinfo is UTC for moment in got)
