"""A duty owed every period (cadence and anchor), per unit, per person, force-wide or by rota."""

from __future__ import annotations

from datetime import datetime

from engagerules.engine.index import EventIndex
from engagerules.engine.kinds import standing
from engagerules.engine.schedule import Due, dues
from engagerules.engine.verdicts import (
    Outcome,
    during,
    membership,
    persons_owing,
    qualified,
    steps_verdict,
    unit_key,
)
from engagerules.model.conditions import measure
from engagerules.model.periods import Window
from engagerules.model.plan import Force, Obligation
from engagerules.model.results import Result


def evaluate(
    force: Force, obligation: Obligation, index: EventIndex, span: Window, as_of: datetime
) -> Outcome:
    if obligation.rolling:  # "at least once every N": a maximum gap, as standing duties
        return standing.evaluate(force, obligation, index, span, as_of)
    results: list[Result] = []
    used: set[str] = set()
    persons = persons_owing(obligation, index, span)
    roster = membership(obligation, index)
    for due in dues(obligation, span, persons):
        result = _judge_due(obligation, index, due, as_of)
        spells = roster.get(due.scope or "", [])
        if roster and not result.evidence and not any(during(s, due.window) for s in spells):
            continue  # not on the roster in this window, and nothing done: not owed
        results.append(result)
        used.update(result.evidence)
    return Outcome(tuple(results), frozenset(used))


def _judge_due(obligation: Obligation, index: EventIndex, due: Due, as_of: datetime) -> Result:
    person = due.scope if obligation.scope.per_person else None
    key = unit_key(obligation, due.scope)
    measured = []
    for req in obligation.evidence:
        events = qualified(req, index.between(req.types, key, due.window), person)
        measured.append((req, measure(req, events), events))
    context = f"{due.window.label}"
    if obligation.scope.rota:
        context += " (rota turn)"
    return steps_verdict(obligation, measured, due.scope, due.window, as_of, context=context)
