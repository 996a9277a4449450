"""A duty owed after each trigger event: every follow-up step by the deadline."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import attrs

from engagerules.engine.index import EventIndex
from engagerules.engine.verdicts import Outcome, qualified, steps_verdict
from engagerules.model.conditions import failed_condition, measure
from engagerules.model.limits import year_problem
from engagerules.model.periods import Window, local_midnight
from engagerules.model.plan import Force, Obligation
from engagerules.model.results import Result
from engagerules.sources.events import Event


def evaluate(
    force: Force, obligation: Obligation, index: EventIndex, span: Window, as_of: datetime
) -> Outcome:
    trigger = obligation.trigger
    if trigger is None:  # pragma: no cover - the schema requires one for this kind
        return Outcome((), frozenset())
    results: list[Result] = []
    used: set[str] = set()
    for fired in index.between(trigger.types, None, span):
        if failed_condition(trigger.where, fired) is not None:
            continue
        window = Window(fired.at, _deadline(force, obligation, fired), force.zone)
        units = _trigger_units(force, obligation, fired)
        fanned = len(units) > 1 or (fired.scope is None and units != [None])
        for unit in units:
            measured = []
            for req in obligation.evidence:
                referring = [
                    e
                    for e in index.following(fired.id)
                    if window.contains(e.at)
                    and not (fanned and e.scope and unit not in force.ancestry(e.scope))
                ]
                nearby: list[Event] = []
                if trigger.match == "refs_or_scope":
                    nearby = [
                        e
                        for e in index.between(req.types, unit, window)
                        if not e.refs and e.id != fired.id
                    ]
                events = qualified(req, referring + nearby)
                measured.append((req, measure(req, events), events))
            context = (
                f"after {fired.type} {fired.id} at {window.local_start:%Y-%m-%d %H:%M}, "
                f"due by {window.local_end:%Y-%m-%d %H:%M}"
            )
            verdict = steps_verdict(obligation, measured, unit, window, as_of, context=context)
            verdict = attrs.evolve(verdict, evidence=(fired.id, *verdict.evidence))
            results.append(verdict)
            used.update(verdict.evidence)
    return Outcome(tuple(results), frozenset(used))


def _deadline(force: Force, obligation: Obligation, fired: Event) -> datetime:
    """When the follow-up is due: the date the trigger itself names (the end of the day of
    the meeting an invitation is for), or else `within` after the trigger. A named deadline
    that is not after the trigger gives no time at all, so `within` applies then too."""
    trigger = obligation.trigger
    if trigger is None:  # pragma: no cover - only called for triggered duties
        return fired.at
    fallback = trigger.within.after(fired.at, force.zone)
    if trigger.deadline_attr is None:
        return fallback
    named = _when(fired.attrs.get(trigger.deadline_attr), force)
    return named if named is not None and named > fired.at else fallback


def _when(value: object, force: Force) -> datetime | None:
    """A deadline written as a date (the end of that local day) or an aware timestamp."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    try:
        when: date = date.fromisoformat(text) if len(text) == 10 else datetime.fromisoformat(text)
    except ValueError:
        return None
    if year_problem(when) is not None:  # 9999-12-31 + a day would leave what datetime holds
        return None
    if not isinstance(when, datetime):
        return local_midnight(when + timedelta(days=1), force.zone)
    return when if when.tzinfo is not None else None


def _trigger_units(force: Force, obligation: Obligation, fired: Event) -> list[str | None]:
    """The units a trigger makes the duty owed by.

    Per unit of a kind: the unit of that kind enclosing the trigger's own unit, or every
    unit of the obligation when the trigger is force-wide (census data released for the
    whole force means a profile refresh in every area). Otherwise the trigger's own unit.
    A trigger outside the obligation's units gives nothing.
    """
    per = obligation.scope.per
    if per is None or per == "person":
        return [fired.scope]
    if fired.scope is None:
        return list(obligation.scope.units)
    for unit_id in force.ancestry(fired.scope):
        unit = force.unit(unit_id)
        if unit is not None and unit.kind == per and unit_id in obligation.scope.units:
            return [unit_id]
    return []
