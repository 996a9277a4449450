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

from collections.abc import Iterable, Sequence
from datetime import datetime

import msgspec

from engagerules.engine.compiled.query import Query, SequenceAsk, SequenceRow
from engagerules.engine.schedule import unit_slots
from engagerules.engine.verdicts import constraint_windows
from engagerules.model.event import Event
from engagerules.model.periods import Window
from engagerules.model.plan import Force, Obligation, Operator

__all__ = ["Lines", "compares", "in_order", "lines", "plan"]

#: One record of a line: (at, id, its sort, the row it was read from). Its sort numbers
#: what the rule's conditions read of it, its `(type, attrs)` and unit (`Lines.sorts`):
#: records of one sort are judged alike, so a line is judged once per pair of sorts.
Record = tuple[datetime, str, int, SequenceRow]


class Lines:
    """Per line of a version (its unit, or the place above its units: None for no unit
    or force-wide), the records its requirements accept in the reference's order (time,
    then id), as `Record`s: an event is made only for a record a verdict names."""

    def __init__(self) -> None:
        self.lines: dict[str | None, list[Record]] = {}
        #: Per sort, a stand-in of its records: the reader's attributes, type and unit.
        self.sorts: list[Event] = []

    def event(self, record: Record) -> Event:
        """The record as the reference's index holds it."""
        _, i, at, scope, role, person, _, _, line = record[3]
        return msgspec.structs.replace(
            self.sorts[record[2]], id=i, at=at, scope=scope, role=role, person=person, line=line
        )


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
    ask = _ask(query.force, obligation, constraint_windows(obligation, span))
    found = Lines()
    sorts: dict[tuple[str, str, str | None], int] = {}
    events: dict[str | None, dict[str, Record]] = {}
    event = query.values.event
    for row in query.sequence_rows(ask, as_of):
        key, i, at, scope, _, _, kind, text, _ = row
        line_records = events.setdefault(key or None, {})
        if at >= ask.end or i in line_records:
            continue  # only a sign that the line is there; or a second requirement's row
        sort = sorts.get((kind, text, scope))
        if sort is None:
            stand_in = event(kind, text)  # (None: the reader rejects it)
            sort = -1 if stand_in is None else len(found.sorts)
            if stand_in is not None:
                found.sorts.append(msgspec.structs.replace(stand_in, scope=scope))
            sorts[kind, text, scope] = sort
        if sort >= 0:
            line_records[i] = (at, i, sort, row)
    found.lines = {key: in_order(got.values()) for key, got in events.items()}
    return found


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


def in_order(records: Iterable[Record]) -> list[Record]:
    """The reference's order of a line: by time, then id (as Python orders text, never
    as a backend's collation would): of records at one instant, the last by id is the
    previous of the next. (A line holds a record once, so no two tie on both.)"""
    return sorted(records)
