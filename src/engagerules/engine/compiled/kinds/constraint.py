"""Constraints compiled: every record a duty's requirements accept, in each of its windows
and units, tested against the rule by the reference's own condition functions (once per
distinct set of attributes); a breach names its records in the reference's words.

Compiled: rules of value conditions, per unit (records placed above the units, or with no
unit, judged where they are, as the reference does), force-wide, with or without a cycle;
and sequence rules (`differs_from_previous`), which compare each record with the one before
it in its line, found by `sequence.py` (one query for every such duty of a check) and
judged by the reference's own `_broken`. Left to the reference: per-person constraints.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from itertools import chain
from operator import attrgetter
from typing import Any, overload

from engagerules.engine.compiled.evidence import ids, listing, stand_ins, used
from engagerules.engine.compiled.kinds import sequence
from engagerules.engine.compiled.query import Ask, Found, Query, WindowRow
from engagerules.engine.kinds.constraint import Constraint, _breach_words, _broken, verdict
from engagerules.engine.schedule import unit_slots
from engagerules.engine.verdicts import Outcome, constraint_windows
from engagerules.model.conditions import failed_condition
from engagerules.model.event import Event
from engagerules.model.periods import Window
from engagerules.model.plan import Condition, Force, Kind, Obligation
from engagerules.model.results import Result

__all__ = ["KIND", "asks", "compiles", "evaluate"]

#: The kind this module compiles.
KIND = Kind.CONSTRAINT


def compiles(obligation: Obligation) -> bool:
    """Whether this constraint is compiled. A `differs_from_previous` in a requirement's
    `where` is a test of the record alone there (recorded, with no record before it), which
    `values.py` asks of the reference like any other."""
    return isinstance(obligation.rule, Constraint) and not obligation.scope.per_person


def asks(query: Query, obligation: Obligation, span: Window, as_of: datetime) -> list[Ask]:
    """The evidence lookups `evaluate` makes, for the check to answer them by one query
    (a sequence rule's lines are planned for one query of their own)."""
    if sequence.compares(obligation):
        sequence.plan(query, obligation, span, as_of)
        return []
    return [ask for part in _plan(query, obligation, span, as_of)[2] for ask in part]


def evaluate(query: Query, obligation: Obligation, span: Window, as_of: datetime) -> Outcome:
    """Every window and unit of one constraint version over `span`, judged at `as_of`."""
    rule = obligation.rule
    assert isinstance(rule, Constraint)  # noqa: S101 - `compiles` chose it
    if sequence.compares(obligation):
        return _in_sequence(query, obligation, rule, span, as_of)
    windows, rows, parts = _plan(query, obligation, span, as_of)
    if not windows:
        return Outcome((), frozenset())
    inside: dict[int, Sequence[Event]] = {}
    for part in parts:  # each part its own rows: the records any requirement accepts, once
        inside.update(_merged([query.evidence_of(ask, as_of) for ask in part]))
    results: list[Result] = []
    seen: list[Sequence[Event]] = []  # every record inside a window is used
    broken: dict[int, Condition | None] = {}
    for n, unit, _, _, _ in rows:
        window = windows[n % len(windows)]
        events = inside.get(n, ())
        result = _verdict(query, obligation, rule, unit, window, events, as_of, broken)
        results.append(result)
        seen.append(events)
    return used(query, results, seen)


def _merged(found: list[Found]) -> dict[int, Sequence[Event]]:
    """What several requirements found, per window in the reference's order (time, then
    id), a record two of them accept once."""
    if len(found) == 1:
        return dict(found[0])
    merged: dict[int, Sequence[Event]] = {}
    for w in sorted({w for one in found for w in one}):
        events = sorted(chain(*(one.get(w, ()) for one in found)), key=_IN_ORDER)
        merged[w] = [e for n, e in enumerate(events) if not n or events[n - 1].id != e.id]
    return merged


#: The reference's order of records: time, then id.
_IN_ORDER = attrgetter("at", "id")


def _plan(
    query: Query, obligation: Obligation, span: Window, as_of: datetime
) -> tuple[list[Window], list[WindowRow], list[list[Ask]]]:
    """The windows, a row per window and unit (then per window and place above the
    units), and the lookups of each part: the duty's units, then each place above them."""
    windows = constraint_windows(obligation, span)
    if not windows:
        return windows, [], []
    slots = unit_slots(obligation)
    by_unit = obligation.scope.per is not None
    rows: list[WindowRow] = [
        (n, u, None, w.start, w.end) for n, (u, w) in enumerate(_pairs(slots, windows))
    ]
    parts = [[Ask(req, tuple(rows), by_unit=by_unit) for req in obligation.evidence]]
    for scope in _placed_above(query, obligation, slots, as_of):
        first = len(rows)
        extra: list[WindowRow] = [
            (first + n, scope, None, w.start, w.end) for n, w in enumerate(windows)
        ]
        rows += extra
        parts.append([Ask(req, tuple(extra), scope_is=(scope,)) for req in obligation.evidence])
    return windows, rows, parts


def _in_sequence(
    query: Query, obligation: Obligation, rule: Constraint, span: Window, as_of: datetime
) -> Outcome:
    """A rule comparing each record with the one before it in its line (`sequence.py`):
    the duty's units, then the places above them that hold records, as the reference
    judges them, each window's records with their previous, in or before the window.
    Which condition a record breaks is worked out once per pair of sorts (`Judged`): the
    verdict is made from the sorts' stand-ins, then lists the records (`listing`); an
    event is made only for a breaking record the reason names."""
    force = query.force
    windows = constraint_windows(obligation, span)
    if not windows:
        return Outcome((), frozenset())
    found = sequence.lines(query, obligation, span, as_of)
    slots = unit_slots(obligation)
    # Results are put in order by unit afterwards: the order of places here is free.
    placed = sorted(
        (k for k in found.lines if k not in slots), key=lambda s: (s is not None, s or "")
    )
    results: list[Result] = []
    seen: list[list[str]] = []
    sorts = found.sorts
    breaking = _Breaking(Judged(force, rule), sorts)
    bounds = [(sequence.micros(w.start), sequence.micros(w.end)) for w in windows]
    for unit in (*slots, *placed):
        line = found.lines.get(unit) or sequence.Line.empty()
        # per record, the condition it breaks (-1: none), by its sort and its previous's
        broken = breaking(line.sorts)
        for window, (start, end) in zip(windows, bounds, strict=True):
            first, last = (int(x) for x in line.at.searchsorted([start, end]))
            everyone: list[str] = line.ids[first:last].to_pylist()
            seen.append(everyone)
            offending = (broken[first:last] >= 0).nonzero()[0] + first
            breaks = list(map(breaking.conditions.__getitem__, broken[offending].tolist()))
            shared = list(map(sorts.__getitem__, line.sorts[first:last].tolist()))
            offenders = list(map(sorts.__getitem__, line.sorts[offending].tolist()))
            notes = _Notes(breaks, _Picked(found.event, line.rows[offending].tolist()))
            result = verdict(force, obligation, rule, unit, window, as_of, shared, offenders, notes)
            named = line.ids.take(offending).to_pylist() if len(offending) else everyone
            results.append(listing(result, [named]))
    return Outcome(tuple(results), frozenset(chain.from_iterable(seen)))


class _Breaking:
    """Which condition each record of a line breaks, worked out once per pair of sorts
    (the record's and its previous's, `Judged`)."""

    def __init__(self, judge: Judged, sorts: list[Event]) -> None:
        self._judge = judge
        self._sorts = sorts
        #: The conditions broken, numbered; and per (previous + 1, sort), its number or -1.
        self.conditions: list[Condition] = []
        self._pairs: dict[tuple[int, int], int] = {}

    def __call__(self, line_sorts: Any) -> Any:
        import numpy as np

        before = np.r_[-1, line_sorts[:-1]]
        width = len(self._sorts) + 1
        pair = (before + 1) * width + line_sorts
        distinct, inverse = np.unique(pair, return_inverse=True)
        numbers = []
        for code in distinct.tolist():
            previous, sort = divmod(code, width)
            key = (previous, sort)
            if key not in self._pairs:
                prior = self._sorts[previous - 1] if previous else None
                condition = self._judge(self._sorts[sort], prior)
                self._pairs[key] = -1 if condition is None else len(self.conditions)
                if condition is not None:
                    self.conditions.append(condition)
            numbers.append(self._pairs[key])
        return np.asarray(numbers, np.int64)[inverse]


class Judged:
    """The reference's `_broken` of a sequence rule, worked out once per distinct pair:
    which condition a record breaks depends on its type, attributes and unit and those of
    the record before it, nothing else (its id, instant, role or person never), and the
    records of one `(type, attrs)` share one mapping of attributes (`values.py`), so a
    pair is known by those mappings' identities and the units."""

    def __init__(self, force: Force, rule: Constraint) -> None:
        self._force = force
        self._rule = rule
        self._known: dict[tuple[object, ...], Condition | None] = {}
        self._held: list[object] = []  # the mappings keyed by identity, kept alive

    def __call__(self, event: Event, before: Event | None) -> Condition | None:
        key: tuple[object, ...] = (id(event.attrs), event.type, event.scope)
        if before is not None:
            key += (id(before.attrs), before.type, before.scope)
        known = self._known
        if key in known:
            return known[key]
        self._held.append((event.attrs, None if before is None else before.attrs))
        broken = known[key] = _broken(self._force, self._rule, event, before)
        return broken


def _pairs(slots: tuple[str | None, ...], windows: list[Window]) -> list[tuple[str | None, Window]]:
    return [(unit, window) for unit in slots for window in windows]


def _placed_above(
    query: Query, obligation: Obligation, slots: tuple[str | None, ...], as_of: datetime
) -> list[str | None]:
    """The places, in the reference's order, of records no unit of a per-unit constraint
    holds: with no unit, or at a unit enclosing some of the duty's units."""
    if obligation.scope.per is None:
        return []
    force = query.force
    units = {u for u in slots if u is not None}
    scopes: set[str | None] = set()
    for req in obligation.evidence:
        scopes.update(query.scopes(req.types, req, as_of))
    # Results are put in order by unit afterwards: the order of places here is free.
    return sorted(
        (
            s
            for s in scopes
            if s is None
            or (
                not units.intersection(force.ancestry(s))
                and any(s in force.ancestry(u) for u in units)
            )
        ),
        key=lambda s: (s is not None, s or ""),
    )


def _verdict(
    query: Query,
    obligation: Obligation,
    rule: Constraint,
    unit: str | None,
    window: Window,
    inside: Sequence[Event],
    as_of: datetime,
    judged: dict[int, Condition | None],
) -> Result:
    """The verdict of one window. Which condition a record breaks depends on its type and
    attributes alone (no test of this rule reads a record before it), so it is judged once
    per stand-in (`judged`, by its attributes, one mapping every record of its `(type,
    attrs)` shares), not once per record; and the verdict, whose words depend on how many
    records broke which condition, is made from the stand-ins, then lists the records
    (`listing`): an event is made only for a breaking record the reason names."""
    require = rule.require
    shared = stand_ins(inside)
    offending: list[int] = []
    breaks: list[Condition] = []
    for k, event in enumerate(shared):
        key = id(event.attrs)
        if key in judged:
            broken = judged[key]
        else:
            broken = judged[key] = failed_condition(require, event)
        if broken is not None:
            offending.append(k)
            breaks.append(broken)
    offenders = [shared[k] for k in offending]
    notes = _Notes(breaks, _Picked(inside.__getitem__, offending))
    result = verdict(query.force, obligation, rule, unit, window, as_of, shared, offenders, notes)
    everyone = ids(inside)
    return listing(result, [[everyone[k] for k in offending] if offending else everyone])


class _Picked(Sequence[Event]):
    """The records at `places`, each made (`made`: of `Rows`, or a sequence rule's line)
    only when read: a reason names five."""

    def __init__(self, made: Callable[[int], Event], places: list[int]) -> None:
        self._made = made
        self._places = places

    def __len__(self) -> int:
        return len(self._places)

    @overload
    def __getitem__(self, index: int) -> Event: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[Event]: ...

    def __getitem__(self, index: int | slice) -> Event | Sequence[Event]:
        if isinstance(index, slice):
            return [self._made(k) for k in self._places[index]]
        return self._made(self._places[index])


class _Notes(Sequence[str]):
    """How each breaking record is named (the reference's `_breach_words`), worded only
    when read: a verdict names the first five and counts the rest."""

    def __init__(self, broken: list[Condition], offenders: Sequence[Event]) -> None:
        self._broken = broken
        self._offenders = offenders

    def __len__(self) -> int:
        return len(self._broken)

    @overload
    def __getitem__(self, index: int) -> str: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[str]: ...

    def __getitem__(self, index: int | slice) -> str | Sequence[str]:
        places = range(len(self))
        if isinstance(index, slice):
            return [self._words(k) for k in places[index]]
        return self._words(places[index])

    def _words(self, k: int) -> str:
        return _breach_words(self._broken[k], self._offenders[k])
