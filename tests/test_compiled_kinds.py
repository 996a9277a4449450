"""Cheaper ways the compiled kinds find what the reference's functions find (issue 23),
each held to the plain rule: steps of one item tied by their key alone when no record
names another (`items.by_key` against `item_steps`), and a sequence rule's breaches
judged once per distinct pair of records (`constraint.Judged` against `_broken`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

pa = pytest.importorskip("pyarrow")

from engagerules.engine.compiled.evidence import Rows, _Columns, ids  # noqa: E402
from engagerules.engine.compiled.kinds import items as compiled_items  # noqa: E402
from engagerules.engine.compiled.kinds import sequence  # noqa: E402
from engagerules.engine.compiled.kinds import triggered as compiled_triggered  # noqa: E402
from engagerules.engine.compiled.kinds.constraint import Judged  # noqa: E402
from engagerules.engine.compiled.query import _listed  # noqa: E402
from engagerules.engine.compiled.values import Values  # noqa: E402
from engagerules.engine.kinds.constraint import Constraint, _broken  # noqa: E402
from engagerules.engine.kinds.recurring import OneItem, item_steps  # noqa: E402
from engagerules.model.event import Event  # noqa: E402
from engagerules.sources.registry import open_force  # noqa: E402

FORCE = open_force("gwent")
_EPOCH = datetime(2022, 1, 1, tzinfo=UTC)
_INSTANT = pa.timestamp("us", tz="UTC")

#: A step record: (id, minutes after `_EPOCH`, its attributes' number).
_RECORD = st.tuples(st.text("abcd", min_size=1, max_size=2), st.integers(0, 50), st.integers(0, 5))

#: Attributes carrying the key as people type it: a value, the same padded, another, a
#: number, blank, missing.
_KEYED = st.fixed_dictionaries(
    {}, optional={"ref": st.sampled_from(["A1", " A1 ", "B2", 7, "", None, "none"])}
)


def _step(records: list[tuple[str, int, int]]) -> list[tuple[str, int, int]]:
    """Each id once (a record is one record wherever it is found), in the reference's
    order (time, then id)."""
    once = {r[0]: r for r in records}
    return sorted(once.values(), key=lambda r: (r[1], r[0]))


def _rows(records: list[tuple[str, int, int]], stand_ins: list[Event]) -> Rows:
    columns = _Columns(
        [r[0] for r in records],
        [r[2] for r in records],
        stand_ins,
        pa.chunked_array([[_EPOCH + timedelta(minutes=r[1]) for r in records]], _INSTANT),
        pa.chunked_array([[0 for _ in records]], pa.int64()),
        _listed,
    )
    return Rows(columns, 0, len(records))


def _events(records: list[tuple[str, int, int]], stand_ins: list[Event]) -> list[Event]:
    return [
        msgspec.structs.replace(stand_ins[n], id=i, at=_EPOCH + timedelta(minutes=m), line=0)
        for i, m, n in records
    ]


def _never() -> frozenset[str]:
    raise AssertionError("no record names another: no step elsewhere is asked for")


@settings(max_examples=300, deadline=None)
@given(
    pool=st.lists(_RECORD, max_size=10),
    picks=st.lists(st.lists(st.integers(0, 9), max_size=8), min_size=1, max_size=3),
    attributes=st.lists(_KEYED, min_size=6, max_size=6),
    key=st.sampled_from(["ref", None]),
    as_rows=st.booleans(),
)
def test_steps_tied_by_key_alone_are_the_items_item_steps_finds(
    pool: list[tuple[str, int, int]],
    picks: list[list[int]],
    attributes: list[dict[str, Any]],
    key: str | None,
    as_rows: bool,
) -> None:
    """With no record naming another, the records `by_key` keeps of each step (from
    `Rows`, or from events) are those the reference's `item_steps` keeps, in order; a
    record found by two steps is one record (its attributes the same in both)."""
    records = list({r[0]: r for r in pool}.values())
    steps = [_step([records[k] for k in pick if k < len(records)]) for pick in picks]
    stand_ins = [Event(id="", type="tweet", at=_EPOCH, attrs=a) for a in attributes]
    tie = OneItem(key=key)
    plain = item_steps(tie, [_events(s, stand_ins) for s in steps], _never)
    given_steps = [_rows(s, stand_ins) if as_rows else _events(s, stand_ins) for s in steps]
    got = compiled_items.by_key(tie, given_steps)
    assert [ids(step) for step in got] == [[e.id for e in step] for step in plain]
    assert [list(step) for step in got] == plain


#: A surgery's attributes: a location typed several ways, or none; the mappings shared by
#: records of one `(type, attrs)`, as `values.py` makes them.
_LOCATIONS = ["Library", "library ", "Hall", "", None]


@settings(max_examples=300, deadline=None)
@given(
    records=st.lists(
        st.tuples(
            st.sampled_from(["police_surgery", "mobile_station_deployment", "inspector_surgery"]),
            st.integers(0, len(_LOCATIONS)),
            st.sampled_from([None, "caerphilly-north", "bargoed", "rhymney", "caerphilly"]),
            st.sampled_from([None, "pcso", "inspector"]),
            st.text("ab", max_size=2),
        ),
        max_size=30,
    ),
    which=st.sampled_from([0, 1]),
)
def test_a_sequence_rule_judged_once_per_pair_is_broken_as_each_record_is(
    records: list[tuple[str, int, str | None, str | None, str]], which: int
) -> None:
    """Each record with the one before it, judged through `Judged` (remembered by the
    stand-ins' mappings and the units), breaks what the reference's `_broken` says: its
    id, instant, role and person decide nothing."""
    obligation = [o for o in FORCE.obligations if sequence.compares(o)][which]
    rule = obligation.rule
    assert isinstance(rule, Constraint)
    values = Values(FORCE)
    events: list[Event] = []
    for n, (kind, place, scope, role, person) in enumerate(records):
        text = "{}" if place == len(_LOCATIONS) else f'{{"location": {_json(_LOCATIONS[place])}}}'
        stand_in = values.event(kind, text)
        assert stand_in is not None
        at = _EPOCH + timedelta(hours=n)
        events.append(
            msgspec.structs.replace(
                stand_in, id=f"e{n}", at=at, scope=scope, role=role, person=person or None
            )
        )
    judge = Judged(FORCE, rule)
    for n, event in enumerate(events):
        before = events[n - 1] if n else None
        assert judge(event, before) == _broken(FORCE, rule, event, before)
        assert judge(event, before) == _broken(FORCE, rule, event, before)  # remembered


def _json(value: str | None) -> str:
    return "null" if value is None else f'"{value}"'


@settings(max_examples=200, deadline=None)
@given(
    records=st.lists(
        st.tuples(
            st.sampled_from(["", "bargoed", "rhymney"]),
            st.integers(-3, 3),
            st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=3),
        ),
        max_size=30,
        unique_by=lambda r: (r[0], r[2]),
    )
)
def test_a_sequence_line_in_arrows_order_is_pythons(records: list[tuple[str, int, str]]) -> None:
    """A sequence rule's lines are put in order by Arrow (`sequence.in_order`): by line,
    instant, then id as Arrow orders UTF-8 (by byte), which is the order Python gives text
    (by code point), so of records at one instant the last is the one the reference
    takes as the previous of the next; and an instant held as microseconds
    (`sequence.micros`) is the one Arrow holds."""
    moments = [_EPOCH + timedelta(minutes=r[1], microseconds=7) for r in records]
    table = pa.table(
        {
            "key": pa.array([r[0] for r in records], pa.string()),
            "us": pa.array([sequence.micros(m) for m in moments], pa.int64()),
            "id": pa.array([r[2] for r in records], pa.string()),
        }
    )
    assert pa.array(moments, _INSTANT).cast(pa.int64()).to_pylist() == table["us"].to_pylist()
    got = sequence.in_order(table).to_pylist()
    assert got == sorted(
        range(len(records)), key=lambda k: (records[k][0], moments[k], records[k][2])
    )


@settings(max_examples=200, deadline=None)
@given(
    windows=st.lists(
        st.tuples(
            st.sampled_from(["tweet", "leaflet_drop"]),
            st.sampled_from(["bargoed", "\x01anywhere"]),
            st.sampled_from([None, "p1"]),
            st.integers(0, 40),
            st.integers(1, 15),
        ),
        max_size=25,
    ),
    probes=st.lists(st.integers(-2, 60), max_size=20),
)
def test_follow_up_windows_merged_hold_the_same_instants(
    windows: list[tuple[str, str, str | None, int, int]], probes: list[int]
) -> None:
    """The windows a follow-up is joined on, merged per (type, key, person) where they
    overlap or meet (`triggered.merged`), hold a record exactly when one of the windows
    did: the semi-join selects the same records from fewer windows."""
    rows = {
        (kind, key, person, _EPOCH + timedelta(hours=start), _EPOCH + timedelta(hours=start + n))
        for kind, key, person, start, n in windows
    }
    fewer = compiled_triggered.merged(rows)
    assert len(fewer) <= len(rows)
    for kind, key, person, _, _ in windows:
        for hours in probes:
            at = _EPOCH + timedelta(hours=hours)
            inside = [r for r in rows if r[:3] == (kind, key, person) and r[3] <= at < r[4]]
            held = [r for r in fewer if r[:3] == (kind, key, person) and r[3] <= at < r[4]]
            assert bool(inside) == bool(held)
            assert len(held) <= 1  # merged windows never overlap
