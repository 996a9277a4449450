"""The records a sequence rule (`differs_from_previous`) compares, found for every such
constraint by the check's one pass over the records (`Query.sequence_rows`, beside the lines
of updates and the spells): not a kind of its own, but what `constraint.py` asks when a rule
compares each record with the one before it.

The reference (`engine/kinds/constraint.py`) puts the records a duty's requirements accept
in one line per unit of the duty (a record counts in its unit and those enclosing it) and
per place above its units (records at an enclosing unit or with no unit, each judged where
it is), by time and then id, over the whole log known at the instant judged: the record
before a window's first is the line's last before the window, however long before, before
the range or the duty's effective date alike. So, per line, the query returns the records
from the last instant before the first window (all those at that instant: which of them is
last is decided by id in Python, never by a backend's collation) to the end of the last
window, repeats and records after the instant judged left out; and the first instant after
the last window, so that a place above the units whose records all come later is still a
line, as the reference finds it. Which records a requirement accepts is decided once per
distinct `(type, attrs)` by the reference (`values.py`); whether a record breaks the rule,
by the reference's own `_broken`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Any

import msgspec

from engagerules.engine.compiled.query import Query, SequenceAsk, _aware
from engagerules.engine.schedule import unit_slots
from engagerules.engine.verdicts import constraint_windows
from engagerules.model.event import Event
from engagerules.model.periods import Window
from engagerules.model.plan import Force, Obligation, Operator

__all__ = ["Line", "Lines", "compares", "in_order", "lines", "micros", "plan"]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICRO = timedelta(microseconds=1)


def micros(moment: datetime) -> int:
    """An instant as whole microseconds since the epoch (how a line's instants are held)."""
    return (moment - _EPOCH) // _MICRO


class Line:
    """One line's records in the reference's order (time, then id), as arrays: each
    record's instant (`micros`), id, sort and row (`Lines.event`). A record's sort numbers
    what the rule's conditions read of it, its `(type, attrs)` and unit (`Lines.sorts`):
    records of one sort are judged alike."""

    def __init__(self, at: Any, ids: Any, sorts: Any, rows: Any) -> None:
        self.at = at  # NumPy int64
        self.ids = ids  # Arrow strings
        self.sorts = sorts  # NumPy int64
        self.rows = rows  # NumPy int64

    def __len__(self) -> int:
        return len(self.at)

    @classmethod
    def empty(cls) -> Line:
        """A line of no records."""
        import numpy as np
        import pyarrow as pa

        nothing = np.zeros(0, np.int64)
        return cls(nothing, pa.array([], pa.string()), nothing, nothing)


class Lines:
    """Per line of a version (its unit, or the place above its units: None for no unit
    or force-wide), the records its requirements accept (`Line`): an event is made only
    for a record a verdict names (`event`)."""

    def __init__(self, table: Any) -> None:
        self.lines: dict[str | None, Line] = {}
        #: Per sort, a stand-in of its records: the reader's attributes, type and unit.
        self.sorts: list[Event] = []
        self._table = table

    def event(self, row: int) -> Event:
        """The record of `row` as the reference's index holds it."""
        found = self._table.slice(row, 1).to_pylist()[0]
        event: Event = msgspec.structs.replace(
            self.sorts[found["sort"]],
            id=found["id"],
            at=_aware(found["at"]),
            role=found["role"],
            person=found["person"],
            line=found["line"],
        )
        return event


def compares(obligation: Obligation) -> bool:
    """Whether a constraint's rule compares each record with the one before it."""
    keeps = getattr(obligation.rule, "keeps", ())
    return any(c.op is Operator.DIFFERS_FROM_PREVIOUS for c in keeps)


def plan(query: Query, obligation: Obligation, span: Window, as_of: datetime) -> None:
    """Note that this version will ask for its lines at `as_of`, so that the lines of
    every sequence duty of a check are found by the check's one pass over the records."""
    windows = constraint_windows(obligation, span)
    if windows:
        query.expect_sequences([_ask(query.force, obligation, windows)], as_of)


def lines(query: Query, obligation: Obligation, span: Window, as_of: datetime) -> Lines:
    """Per line of this version (its units, then the places above them that hold records),
    the records its requirements accept, known at `as_of`, from the last before its first
    window up to its last window's end, in the reference's order: each record's previous
    is the one before it in its line. Places with no record known are not lines."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    ask = _ask(query.force, obligation, constraint_windows(obligation, span))
    t = _rows(query, ask, as_of)
    if t is None or not t.num_rows:
        return Lines(t)
    t = t.set_column(t.schema.get_field_index("key"), "key", pc.fill_null(t.column("key"), ""))
    known = pc.unique(t.column("key")).to_pylist()  # every place with a record is a line
    t = t.append_column("us", pa.chunked_array([_micros(t.column("at"))], pa.int64()))
    t = t.filter(pc.less(t.column("us"), micros(ask.end)))  # past the end: only a sign
    # each distinct (type, attrs, unit) a sort; a record the reader rejects counts for none
    codes = [t.column(c).combine_chunks().dictionary_encode() for c in ("type", "attrs")]
    scope = t.column("scope").combine_chunks().dictionary_encode(null_encoding="encode")
    codes.append(scope)
    combined = np.zeros(t.num_rows, np.int64)
    for code in codes:
        combined = combined * len(code.dictionary) + code.indices.to_numpy(zero_copy_only=False)
    distinct, first, inverse = np.unique(combined, return_index=True, return_inverse=True)
    found = Lines(None)
    made: list[int] = []
    for row in first.tolist():
        kind, text, unit = (c.dictionary[c.indices[row].as_py()].as_py() for c in codes)
        stand_in = query.values.event(kind, text)
        made.append(-1 if stand_in is None else len(found.sorts))
        if stand_in is not None:
            found.sorts.append(msgspec.structs.replace(stand_in, scope=unit))
    sort = np.asarray(made, np.int64)[inverse] if len(distinct) else np.zeros(0, np.int64)
    t = t.append_column("sort", pa.chunked_array([sort], pa.int64()))
    t = t.filter(pc.greater_equal(t.column("sort"), 0))
    t = t.take(in_order(t))
    found._table = t
    keys = t.column("key").combine_chunks().dictionary_encode()
    line_of = keys.indices.to_numpy(zero_copy_only=False)
    ids = t.column("id").combine_chunks()
    at = t.column("us").to_numpy()
    sorts = t.column("sort").to_numpy()
    # a record two requirements accept is one record of its line: found twice, side by side
    twice = np.zeros(len(at), bool)
    if len(at):
        same = (line_of[1:] == line_of[:-1]) & pc.equal(ids[1:], ids[:-1]).to_numpy(
            zero_copy_only=False
        )
        twice[1:] = same
    starts = np.flatnonzero(np.r_[True, line_of[1:] != line_of[:-1]]) if len(at) else ()
    bounds = [*(int(b) for b in starts), len(at)]
    for k in known:
        found.lines[k or None] = Line.empty()
    for lo, hi in pairwise(bounds):
        kept = np.flatnonzero(~twice[lo:hi]) + lo
        key = keys.dictionary[int(line_of[lo])].as_py()
        found.lines[key or None] = Line(at[kept], ids.take(kept), sorts[kept], kept)
    return found


def _rows(query: Query, ask: SequenceAsk, as_of: datetime) -> Any:
    """The rows of a version's lines (`Query.sequence_rows`)."""
    return query.sequence_rows(ask, as_of)


def _micros(column: Any) -> Any:
    """A column of instants as whole microseconds since the epoch (a backend's naive
    instants are UTC), as NumPy."""
    import pyarrow as pa

    kind = column.type
    naive = column.cast(pa.timestamp(kind.unit)) if kind.tz is not None else column
    ticks = naive.cast(pa.int64()).to_numpy()
    if kind.unit == "ns":
        return ticks // 1000
    return ticks * {"s": 1_000_000, "ms": 1000, "us": 1}[kind.unit]


def _ask(force: Force, obligation: Obligation, windows: Sequence[Window]) -> SequenceAsk:
    """A version's lines: the places above its units are those enclosing one of them and
    within none (`_placed_above` in the reference), found from the force alone."""
    slots = unit_slots(obligation)
    units = {u for u in slots if u is not None}
    places = tuple(
        u.id
        for u in force.units
        if not units.intersection(force.ancestry(u.id))
        and any(u.id in force.ancestry(x) for x in units)
    )
    return SequenceAsk(
        tuple(obligation.evidence),
        tuple(u for u in slots if u is not None),
        places,
        min(w.start for w in windows),
        max(w.end for w in windows),
        by_unit=obligation.scope.per is not None,
    )


def in_order(table: Any) -> Any:
    """The reference's order of each line: by time, then id, as Python orders text (by
    code point, which is how Arrow orders UTF-8: by byte), never as a backend's collation
    would: of records at one instant, the last by id is the previous of the next. The
    rows' places, line by line."""
    import pyarrow.compute as pc

    order = [("key", "ascending"), ("us", "ascending"), ("id", "ascending")]
    return pc.sort_indices(table, sort_keys=order)
