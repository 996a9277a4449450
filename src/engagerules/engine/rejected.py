"""A rejected record never lets a rule read kept that it may have broken.

A record the reader rejects (a malformed `duration`, a bad offset, an unknown field) counts
for nothing. For most duties that can only make the verdict worse (a visit not counted),
but three kinds are comforted by a missing record: a constraint is kept when no record
breaks it, a triggered duty owes nothing when no record sets it off. So every window such
a rejected record may fall into (its type one the duty reads, an undeclared type like one
the duty reads, or unreadable; its instant
in the window, or unreadable; its unit within the result's, or unknown) is `unchecked`,
never `met`, naming the rejections by file and line (`Result.unjudged`), and a gate on
`breach` fails on it. A triggered duty gets an `unchecked` result of its own for each
rejected record that may have set it off. Pure, and applied after either engine judged,
so the compiled engine and the reference agree by construction.

Coverage (a clearing or an assignment rejected) and standing duties are judged on
records that show the duty done; a rejected one leaves them stricter, never comforted.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from datetime import datetime

import attrs

from engagerules.engine.kinds import KINDS
from engagerules.engine.schedule import effective_span
from engagerules.engine.verdicts import in_unit, make_result
from engagerules.model.event import Event, Rejection
from engagerules.model.periods import Window
from engagerules.model.plan import Force, Obligation, Operator
from engagerules.model.results import Result, Status

__all__ = ["compared_types", "unjudged"]

#: How many rejections a reason names before `and N more` (all are in `unjudged`).
_SHOWN = 3


def unjudged(
    force: Force,
    judged: Sequence[Obligation],
    results: Sequence[Result],
    rejections: Sequence[Rejection],
    span: Window,
    as_of: datetime,
    events: Sequence[Event] = (),
) -> list[Result]:
    """`results` with every constraint window a rejected record may have broken made
    `unchecked` (never `met`), and an `unchecked` result added per rejected record that may
    have set off a triggered duty of `judged`. `events` are the records read (known at
    `as_of`): a rule comparing each record with the one before it (`differs_from_previous`)
    may also be broken by a rejected record just before a window, which would have been
    the previous of the window's first record."""
    known = [r for r in rejections if r.at is None or r.at <= as_of]
    if not known:
        return list(results)
    by_duty: dict[str, _Found] = {}
    for duty, (types, sequential) in _kept_by_absence(judged).items():
        reads = [e for e in events if e.type in types] if sequential else []
        by_duty[duty] = _Found([r for r in known if r.may_be(types)], reads)
    out = []
    for result in results:
        found = by_duty.get(result.obligation)
        if found is not None and result.status in (Status.MET, Status.UNCHECKED):
            scope = result.scope if result.scope_kind == "unit" else None
            inside = [r for r in found.within(result.window) if _same_place(force, r.unit, scope)]
            inside.extend(found.previous(force, result.window, scope))
            out.append(_doubted(force, result, inside))
        else:
            out.append(result)
    for ob in judged:
        if KINDS[ob.kind].FOLLOWS_EVENTS:
            out.extend(_untriggered(force, ob, known, span))
    return out


def compared_types(judged: Sequence[Obligation], rejections: Sequence[Rejection]) -> frozenset[str]:
    """The types whose records `unjudged` must be given (`events`) to doubt the windows
    that a rejected record may lie just before: those of each duty comparing each record
    with the one before it that one of `rejections` may be of (none without any)."""
    found: set[str] = set()
    for types, sequential in _kept_by_absence(judged).values():
        if sequential and any(r.may_be(types) for r in rejections):
            found |= types
    return frozenset(found)


def _kept_by_absence(judged: Sequence[Obligation]) -> dict[str, tuple[frozenset[str], bool]]:
    """Per duty kept when nothing breaks it: the types its versions read, and whether one
    compares each record with the one before it (`differs_from_previous`)."""
    found: dict[str, tuple[frozenset[str], bool]] = {}
    for ob in judged:
        if KINDS[ob.kind].KEPT_BY_ABSENCE and ob.id not in found:
            versions = [o for o in judged if o.id == ob.id]
            types = frozenset(t for o in versions for t in o.event_types)
            sequential = any(
                c.op is Operator.DIFFERS_FROM_PREVIOUS
                for o in versions
                for c in KINDS[o.kind].record_rule(o.rule)
            )
            found[ob.id] = (types, sequential)
    return found


class _Found:
    """The rejections a duty may read, found by window: those of unknown instant, and the
    rest by instant (a window's by bisection, not a pass over all of them per window).
    `reads` are the records of its types that were read, for a rule comparing each record
    with the one before it (empty otherwise)."""

    def __init__(self, rejections: list[Rejection], reads: Sequence[Event] = ()) -> None:
        self.anywhen = [r for r in rejections if r.at is None]
        timed = [(r.at, r) for r in rejections if r.at is not None]
        timed.sort(key=lambda pair: pair[0])
        self.instants = [at for at, _ in timed]
        self.timed = [r for _, r in timed]
        self.reads = sorted(reads, key=lambda e: e.at)
        self.read_instants = [e.at for e in self.reads]

    def previous(self, force: Force, window: Window, scope: str | None) -> list[Rejection]:
        """The rejections before `window` that may have been the record just before its
        first read record in `scope` (none read between them): that record's `previous`."""
        if not self.reads:
            return []

        def there(unit: str | None) -> bool:  # a read record judged in `scope`
            return scope is None or (unit is not None and scope in force.ancestry(unit))

        start = bisect_left(self.read_instants, window.start)
        end = bisect_left(self.read_instants, window.end)
        if not any(there(e.scope) for e in self.reads[start:end]):
            return []  # no record in the window to compare with anything
        last = next(
            (self.reads[i].at for i in range(start - 1, -1, -1) if there(self.reads[i].scope)),
            None,
        )
        low = 0 if last is None else bisect_right(self.instants, last)
        high = bisect_left(self.instants, window.start)
        return [r for r in self.timed[low:high] if _same_place(force, r.unit, scope)]

    def within(self, window: Window) -> list[Rejection]:
        low = bisect_left(self.instants, window.start)
        high = bisect_left(self.instants, window.end)
        return [*self.anywhen, *self.timed[low:high]]


def _same_place(force: Force, unit: str | None, scope: str | None) -> bool:
    """Whether a record of `unit` (None: no unit, or unreadable) may be judged at `scope`
    (None: the whole force, or a person): within it, or above it (placed there)."""
    if unit is None or scope is None:
        return True
    return scope in force.ancestry(unit) or unit in force.ancestry(scope)


def _doubted(force: Force, result: Result, rejections: list[Rejection]) -> Result:
    if not rejections:
        return result
    where = [f"{r.file}:{r.line}" for r in rejections]
    shown = ", ".join(where[:_SHOWN]) + (
        f" and {len(where) - _SHOWN} more" if len(where) > _SHOWN else ""
    )
    noun = "record" if len(where) == 1 else "records"
    reason = (
        f"not checked: {len(where)} rejected {noun} ({shown}) may be events"
        f"{in_unit(force, result.scope)} the rule covers, unjudged, so a breach may hide "
        f"there; {result.reason}"
    )
    return attrs.evolve(result, status=Status.UNCHECKED, reason=reason, unjudged=tuple(where))


def _untriggered(
    force: Force, ob: Obligation, rejections: Iterable[Rejection], span: Window
) -> list[Result]:
    """An `unchecked` result for each rejected record that may have set `ob` off with a
    follow-up owed in `span`: fired inside it, or fired before it with its deadline inside
    (as a read trigger is judged), in the duty's units as far as its unit can be read.
    Its window runs from the record to its deadline where its instant was read."""
    effective = effective_span(ob, span)
    if effective is None:
        return []
    module = KINDS[ob.kind]
    triggers = module.trigger_types(ob.rule)
    units = set(ob.scope.units)
    found = []
    for r in rejections:
        if not r.may_be(triggers):
            continue
        window = effective
        if r.at is not None:
            owed = module.rejected_window(force, ob, ob.rule, r.at)
            if owed is None or r.at >= effective.end or owed.end <= effective.start:
                continue
            window = owed
        if units and not any(_same_place(force, r.unit, u) for u in units):
            continue
        place = f"{r.file}:{r.line}"
        reason = (
            f"not checked: the rejected record at {place} may have set this duty off "
            "(it is of a type that does, names a type like one that does, or its type "
            "could not be read); it was not judged, "
            "so what it owed is unknown"
        )
        unit = None if ob.scope.per_person else _owing(force, r.unit, units)
        result = make_result(ob, unit, window, Status.UNCHECKED, 1, 0, (), reason)
        found.append(attrs.evolve(result, unjudged=(place,)))
    return found


def _owing(force: Force, unit: str | None, units: set[str]) -> str | None:
    """The duty's unit that would owe a trigger recorded at `unit` (the one holding it),
    else `unit` itself (the duty names none, or the record sits above them)."""
    if unit is None:
        return None
    return next((u for u in force.ancestry(unit) if u in units), unit)
