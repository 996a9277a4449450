"""A rule every event of the covered types must keep; any that breaks it is a breach."""

from __future__ import annotations

from datetime import datetime

from engagerules.engine.index import EventIndex
from engagerules.engine.schedule import unit_slots
from engagerules.engine.verdicts import (
    Outcome,
    constraint_windows,
    in_unit,
    make_result,
    subjects_of,
)
from engagerules.model.conditions import failed_condition, missing_attr
from engagerules.model.periods import Window
from engagerules.model.plan import Force, Obligation
from engagerules.model.results import Result, Status
from engagerules.sources.events import Event


def evaluate(
    force: Force, obligation: Obligation, index: EventIndex, span: Window, as_of: datetime
) -> Outcome:
    """Every event the constraint covers must meet every condition; any that does not is a
    breach, named in the evidence. Sequence conditions (`differs_from_previous`) compare
    each event with the one before it in the same unit, across window edges."""
    windows = constraint_windows(obligation, span)
    results: list[Result] = []
    used: set[str] = set()
    for unit in unit_slots(obligation):
        subjects = subjects_of(obligation, index, unit)
        previous: dict[str, Event | None] = {}
        prior: Event | None = None
        for event in subjects:
            previous[event.id] = prior
            prior = event
        for window in windows:
            inside = [e for e in subjects if window.contains(e.at)]
            offenders = []
            notes = []
            for event in inside:
                broken = failed_condition(obligation.require, event, previous[event.id])
                if broken is not None:
                    offenders.append(event)
                    notes.append(
                        f"{event.id} (no {broken.attr} recorded)"
                        if missing_attr(broken, event)
                        else f"{event.id} ({broken.describe()}: no)"
                    )
            used.update(e.id for e in inside)
            where = in_unit(unit)
            if offenders:
                shown = ", ".join(notes[:5]) + (
                    f" and {len(notes) - 5} more" if len(notes) > 5 else ""
                )
                result = make_result(
                    obligation,
                    unit,
                    window,
                    Status.BREACH,
                    len(inside),
                    len(offenders),
                    offenders,
                    f"{len(offenders)} of {len(inside)} events{where} break the rule: {shown}",
                )
            else:
                # A window with nothing under the rule is not evidence that it was kept:
                # it is `unchecked` once closed, never `met`.
                if window.end > as_of:
                    status = Status.PENDING
                else:
                    status = Status.MET if inside else Status.UNCHECKED
                rule = " and ".join(c.describe() for c in obligation.require)
                reason = (
                    f"all {len(inside)} events{where} conform ({rule})"
                    if inside
                    else f"nothing to check: no events{where} in {window.label}"
                )
                result = make_result(
                    obligation, unit, window, status, len(inside), 0, inside, reason
                )
            results.append(result)
    return Outcome(tuple(results), frozenset(used))
