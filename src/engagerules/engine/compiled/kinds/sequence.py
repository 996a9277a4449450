"""The records a sequence rule (`differs_from_previous`) compares, found by one query per
check for every such constraint: not a kind of its own, but what `constraint.py` asks when
a rule compares each record with the one before it.

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
from operator import attrgetter
from typing import Any
from weakref import WeakKeyDictionary

import attrs
import msgspec

from engagerules.engine.compiled.query import Accepted, Query, _aware, _utc
from engagerules.engine.schedule import unit_slots
from engagerules.engine.verdicts import constraint_windows
from engagerules.model.event import Event
from engagerules.model.periods import Window
from engagerules.model.plan import Force, Obligation, Operator

__all__ = ["compares", "in_order", "lines", "plan"]

#: A line's records in the reference's order (time, then id): the line's unit, or the place
#: (a unit above the duty's, None for no unit) of records no unit of the duty holds.
Lines = dict[str | None, list[Event]]


def compares(obligation: Obligation) -> bool:
    """Whether a constraint's rule compares each record with the one before it."""
    keeps = getattr(obligation.rule, "keeps", ())
    return any(c.op is Operator.DIFFERS_FROM_PREVIOUS for c in keeps)


@attrs.frozen
class _Plan:
    """One duty version's lines: its units (None: force-wide) and, per unit, the places
    above them a record may sit at; and the instants its windows span."""

    obligation: Obligation
    slots: tuple[str | None, ...]
    places: tuple[str, ...]
    start: datetime
    end: datetime

    @property
    def by_unit(self) -> bool:
        return self.obligation.scope.per is not None


#: The key of one duty version judged at one instant.
_Key = tuple[str, datetime, datetime, datetime]

#: Per query (one check): the versions planned and not yet answered, and those answered.
_PLANNED: WeakKeyDictionary[Query, dict[_Key, _Plan]] = WeakKeyDictionary()
_FOUND: WeakKeyDictionary[Query, dict[_Key, Lines]] = WeakKeyDictionary()


def plan(query: Query, obligation: Obligation, span: Window, as_of: datetime) -> None:
    """Remember that this version will ask for its lines at `as_of`, so that the lines of
    every sequence duty of a check are found by one query."""
    windows = constraint_windows(obligation, span)
    if windows:
        key = (obligation.id, span.start, span.end, as_of)
        _PLANNED.setdefault(query, {})[key] = _made(query.force, obligation, windows)


def lines(query: Query, obligation: Obligation, span: Window, as_of: datetime) -> Lines:
    """Per line of this version (its units, then the places above them that hold records),
    the records its requirements accept, known at `as_of`, from the last before its first
    window up to its last window's end, in the reference's order: each record's previous
    is the one before it in its line. Places with no record known are not lines."""
    key = (obligation.id, span.start, span.end, as_of)
    found = _FOUND.setdefault(query, {})
    if key not in found:
        planned = _PLANNED.setdefault(query, {})
        if key not in planned:
            windows = constraint_windows(obligation, span)
            planned[key] = _made(query.force, obligation, windows)
        asked = [(k, p) for k, p in planned.items() if k[3] == as_of]
        for (k, _), got in zip(asked, _answer(query, [p for _, p in asked], as_of), strict=True):
            found[k] = got
            del planned[k]
    return found[key]


def _made(force: Force, obligation: Obligation, windows: Sequence[Window]) -> _Plan:
    """A version's plan: the places above its units are those enclosing one of them and
    within none (`_placed_above` in the reference), found from the force alone."""
    slots = unit_slots(obligation)
    units = {u for u in slots if u is not None}
    places = tuple(
        u.id
        for u in force.units
        if not units.intersection(force.ancestry(u.id))
        and any(u.id in force.ancestry(x) for x in units)
    )
    start = min(w.start for w in windows)
    end = max(w.end for w in windows)
    return _Plan(obligation, slots, places, start, end)


#: The record's columns each row carries.
_ROW = ("id", "at", "scope", "role", "person", "type", "attrs", "line")


def _answer(query: Query, plans: list[_Plan], as_of: datetime) -> list[Lines]:
    """The lines of each plan, by one query."""
    found: list[Lines] = [{} for _ in plans]
    accepted = query.accepted([p.obligation.evidence for p in plans])
    if not accepted:
        return found
    rows = query._run(_expression(query, plans, accepted, as_of))
    events: list[dict[str | None, dict[str, Event]]] = [{} for _ in plans]
    columns = zip(rows["g"], rows["key"], *(rows[c] for c in _ROW), strict=True)
    for g, key, i, at, scope, role, person, kind, text, line in columns:
        line_events = events[g].setdefault(key or None, {})
        moment = _aware(at)
        if moment >= plans[g].end or i in line_events:
            continue  # only a sign that the line is there; or a second requirement's row
        made = query.stand_in(i, moment, kind, text, line, (role, person))
        if made is not None:
            line_events[i] = msgspec.structs.replace(made, scope=scope)
    for g, by_line in enumerate(events):
        found[g] = {key: in_order(got.values()) for key, got in by_line.items()}
    return found


def in_order(events: Iterable[Event]) -> list[Event]:
    """The reference's order of a line: by time, then id (as Python orders text, never
    as a backend's collation would): of records at one instant, the last by id is the
    previous of the next."""
    return sorted(events, key=_ORDER)


_ORDER = attrgetter("at", "id")


#: Where a line reaches records with no unit, and every record (force-wide): never a unit.
_NONE, _ANY = "\x01none", "\x01any"


def _expression(
    query: Query,
    plans: list[_Plan],
    accepted: list[Accepted],
    as_of: datetime,
) -> Any:
    """The records each plan's requirements accept, with the line (`key`) they are in,
    from the last before its windows to the first after them: one pass over the records,
    each joined to the units it counts in (`_NONE` when it has none; `_ANY`, and so every
    unit's record once, for a force-wide line)."""
    ibis, pa = query.ibis, query._pa
    text, instant = pa.string(), pa.timestamp("us", tz="UTC")
    p = query.accepted_table(accepted, "p")
    force = query.force
    pairs = [(u.id, a) for u in force.units for a in (*force.ancestry(u.id), _ANY)]
    m = query._table(
        {"m_scope": [s for s, _ in pairs], "m_unit": [a for _, a in pairs]},
        {"m_scope": text, "m_unit": text},
    )
    # Per plan, its lines: (unit reached, exactly there, the line), None for no unit.
    lines: list[tuple[int, str, bool, str | None]] = []
    for g, plan_ in enumerate(plans):
        if plan_.by_unit:
            lines += [(g, u, False, u) for u in plan_.slots if u is not None]
            lines += [(g, u, True, u) for u in plan_.places]  # above the units: where it is
            lines.append((g, _NONE, False, None))
        else:
            lines += [(g, _ANY, False, None), (g, _NONE, False, None)]
    ls = query._table(
        {
            "l_g": [row[0] for row in lines],
            "l_unit": [row[1] for row in lines],
            "l_exact": [row[2] for row in lines],
            "l_key": [row[3] for row in lines],
            "l_start": [_utc(plans[row[0]].start) for row in lines],
            "l_end": [_utc(plans[row[0]].end) for row in lines],
        },
        {
            "l_g": pa.int64(),
            "l_unit": text,
            "l_exact": pa.bool_(),
            "l_key": text,
            "l_start": instant,
            "l_end": instant,
        },
    )
    t = query.records.table
    types = sorted({a[1] for a in accepted})
    t = query._without_repeats(t.filter(t.type.isin(types), t.at <= _utc(as_of)))
    t = t.join(
        p,
        [t.type == p.p_type, t.attrs == p.p_attrs, p.p_role.isnull() | (t.role == p.p_role)],
    )
    t = t.left_join(m, t.scope == m.m_scope)
    t = t.mutate(reach=ibis.ifelse(t.scope.isnull(), _NONE, t.m_unit))  # no unit, or its units
    u = t.join(ls, [t.p_n == ls.l_g, t.reach == ls.l_unit])
    u = u.filter(~u.l_exact | (u.scope == u.l_unit))
    line = ibis.window(group_by=[u.l_g, u.l_key])
    never = ibis.null("timestamp")
    u = u.mutate(
        before=ibis.ifelse(u.at < u.l_start, u.at, never).max().over(line),
        after=ibis.ifelse(u.at >= u.l_end, u.at, never).min().over(line),
    )
    inside = (u.at >= u.l_start) & (u.at < u.l_end)
    u = u.filter(inside | (u.at == u.before) | (u.at == u.after))
    return u.select(*_ROW, g=u.l_g, key=u.l_key)
