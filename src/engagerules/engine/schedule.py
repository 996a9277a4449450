"""When each duty falls due: the windows an obligation is judged in, unit by unit.

The engine judges exactly these windows and the calendar exports exactly these series,
so a sergeant's Outlook and a compliance report can never disagree about what was due.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import date, timedelta

import attrs

from engagerules.engine.filters import check_filters
from engagerules.errors import UsageError
from engagerules.model.limits import range_problem
from engagerules.model.periods import Cycle, Window, local_midnight, range_bounds, slot_windows
from engagerules.model.plan import Force, Obligation

__all__ = [
    "Due",
    "applies_to_scope",
    "concerns_scope",
    "dues",
    "effective_span",
    "judged_cycle",
    "owned_by",
    "rota_words",
    "schedule",
]


@attrs.frozen
class Due:
    """One window in which one obligation is owed by one unit (None: force-wide)."""

    obligation: Obligation
    scope: str | None
    window: Window
    #: The whole period, where `window` is only the part of it the duty owes (the period
    #: under way when it came into force): a record naming its period is read against it.
    period: Window | None = None

    @property
    def timed(self) -> bool:
        return bool(self.obligation.times)


def effective_span(obligation: Obligation, span: Window) -> Window | None:
    """The part of `span` in which this version of the obligation is in force."""
    zone = span.zone
    start, end = span.start, span.end
    if obligation.effective_from is not None:
        start = max(start, local_midnight(obligation.effective_from, zone))
    if obligation.effective_until is not None:
        end = min(end, local_midnight(obligation.effective_until + timedelta(days=1), zone))
    return Window(start, end, zone) if start < end else None


def unit_slots(obligation: Obligation, persons: Sequence[str] = ()) -> tuple[str | None, ...]:
    """The units (or persons) an obligation is owed by; `(None,)` when force-wide."""
    if obligation.scope.per is None:
        return (None,)
    if obligation.scope.per_person:
        return tuple(persons)
    return obligation.scope.units


def judged_cycle(obligation: Obligation) -> Cycle | None:
    """The periods each unit's window spans: the duty's cycle, or for a rota in any order
    a whole round of it (a monthly rota of three units: each unit's three months, from the
    anchor), since which period of the round is a unit's turn is not fixed."""
    cycle = obligation.cycle
    scope = obligation.scope
    if cycle is None or not scope.any_order:
        return cycle
    return Cycle(cycle.every.times(len(scope.units)), obligation.anchor)


def rota_words(obligation: Obligation) -> str:
    """What a rota's window is, for a verdict's context ("" when the duty does not rotate)."""
    if not obligation.scope.rota:
        return ""
    return " (rota round: any order)" if obligation.scope.any_order else " (rota turn)"


def dues(obligation: Obligation, span: Window, persons: Sequence[str] = ()) -> Iterator[Due]:
    """The due windows of one obligation version overlapping `span`, in time order.

    Cycles give whole periods (a rota gives each period to one unit in turn, counted
    from the anchor; a rota in any order gives every unit each round of as many periods
    as units, `judged_cycle`); times of day give a slot per time on each day of a daily cycle, or
    on the first day of each longer period; a target is due once,
    from its start to the end of its deadline day. A version only owns the periods that
    start while it is in force, so a plan revised mid-year is judged period by period;
    where the plan owes the period under way on its first day, that one is judged from
    that day (`Obligation.judged_window`).
    """
    zone = span.zone
    units = unit_slots(obligation, persons)
    cycle = judged_cycle(obligation)
    window = obligation.rule.due_once(obligation, span)
    if window is not None:
        if window.overlaps(span):
            yield from (Due(obligation, unit, window) for unit in units)
        return
    if cycle is None:
        return
    for whole in cycle.windows(span, zone):
        period = obligation.judged_window(whole)
        if period is None or not period.overlaps(span):  # (a part may end before the span)
            continue
        part = None if period == whole else whole
        chosen: Iterable[str | None] = units
        if obligation.scope.rota and not obligation.scope.any_order and units:
            turn = cycle.period_index(whole.local_start.date()) % len(units)
            chosen = (units[turn],)
        if obligation.times and obligation.slot is not None:
            slots = list(slot_windows(_first_day(period), obligation.times, obligation.slot))
            for unit in chosen:
                yield from (Due(obligation, unit, s) for s in slots if s.overlaps(span))
        else:
            yield from (Due(obligation, unit, period, part) for unit in chosen)


def _first_day(period: Window) -> Window:
    """The days whose times of day a period's slots fall on: every day of a daily period,
    and only the first day of a longer one, so "P1M at 18:00" is once a month, at 18:00 on
    the day the cycle's anchor fixes (never silently daily)."""
    first = period.local_start.date()
    end = local_midnight(first + timedelta(days=1), period.zone)
    return period if end >= period.end else Window(period.start, end, period.zone)


def owned_by(obligation: Obligation, role: str, force: Force | None = None) -> bool:
    """Whether `role` owns the obligation or one of its steps; given the `force`, also
    when a team the role belongs to does (a CSO does the neighbourhood team's duties)."""
    roles = force.teams_of(role) if force is not None else (role,)
    return obligation.owner in roles or any(r.owner in roles for r in obligation.evidence)


def applies_to_scope(force: Force, due_scope: str | None, scope: str) -> bool:
    """Whether a duty owed by `due_scope` is owed in `scope`: its own unit, a unit that
    encloses it, or force-wide (which is owed everywhere)."""
    return due_scope is None or due_scope in force.ancestry(scope)


def schedule(
    force: Force,
    start: date,
    end: date,
    *,
    role: str | None = None,
    scope: str | None = None,
) -> list[Due]:
    """Every due window of every scheduled obligation between `start` and `end` inclusive,
    ordered by start, then obligation, then unit. Triggered duties have no fixed windows;
    per-person duties are listed once, for every person. A range longer than
    `MAX_RANGE_DAYS` (10 years) raises `UsageError`."""
    check_filters(force, role=role, scope=scope)
    too_long = range_problem(start, end)
    if too_long is not None:
        raise UsageError(too_long)
    span = range_bounds(start, end, force.zone)
    found: list[Due] = []
    order = {ob_id: i for i, ob_id in enumerate(force.obligation_ids)}
    for obligation in force.obligations:
        if role is not None and not owned_by(obligation, role, force):
            continue
        persons: tuple[str, ...] = ("*",) if obligation.scope.per_person else ()
        for due in dues(obligation, span, persons):
            if scope is not None and not applies_to_scope(force, due.scope, scope):
                continue
            found.append(due)
    unit_order = {u.id: i for i, u in enumerate(force.units)}
    found.sort(
        key=lambda d: (
            d.window.start,
            order[d.obligation.id],
            -1 if d.scope is None else unit_order.get(d.scope, len(unit_order)),
        )
    )
    return found


def concerns_scope(force: Force, due_scope: str | None, scope: str) -> bool:
    """Whether a duty owed by `due_scope` concerns someone looking at `scope`: it is
    force-wide, owed by `scope` itself or a unit enclosing it, or by a unit within it
    (an inspector of an area sees the duties of its sections)."""
    if due_scope is None:
        return True
    return due_scope in force.ancestry(scope) or scope in force.ancestry(due_scope)
