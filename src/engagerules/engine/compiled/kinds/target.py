"""Targets compiled: the readings in each due window (`schedule.dues`, from the target's
start to the end of its `by` day) found by one query per requirement, as for recurring
duties; which records are readings (a number in the measured attribute, as the reader
keeps it), how they make the figure (the latest, highest or sum of each series) and the
verdict are the reference's (`reading_result`).

Compiled: per unit and force-wide, types, roles, conditions, `latest`, `max` and `sum`,
grouped into series or not. Left to the reference: per-person targets and sequence
conditions (`differs_from_previous`).
"""

from __future__ import annotations

from datetime import datetime

from engagerules.engine.compiled.query import Ask, Query, per_unit_by_value
from engagerules.engine.kinds.target import Target, reading_result
from engagerules.engine.schedule import Due, dues
from engagerules.engine.verdicts import Outcome
from engagerules.model.conditions import number
from engagerules.model.periods import Window
from engagerules.model.plan import Kind, Obligation
from engagerules.model.results import Result

__all__ = ["KIND", "asks", "compiles", "evaluate"]

#: The kind this module compiles.
KIND = Kind.TARGET


def compiles(obligation: Obligation) -> bool:
    """Whether this target is compiled: per unit or force-wide, value conditions."""
    return isinstance(obligation.rule, Target) and per_unit_by_value(obligation)


def asks(query: Query, obligation: Obligation, span: Window, as_of: datetime) -> list[Ask]:
    """The evidence lookups `evaluate` makes, for the check to answer them by one query."""
    return _plan(obligation, span)[1]


def evaluate(query: Query, obligation: Obligation, span: Window, as_of: datetime) -> Outcome:
    """Every due window of one target version over `span`, judged at `as_of`."""
    rule = obligation.rule
    assert isinstance(rule, Target)  # noqa: S101 - `compiles` chose it
    due, wanted = _plan(obligation, span)
    if not due:
        return Outcome((), frozenset())
    # Per requirement, as the reference reads them: a record two requirements accept is
    # two readings there, and so here.
    found = [query.evidence_of(ask, as_of) for ask in wanted]
    results: list[Result] = []
    used: set[str] = set()
    for w, one in enumerate(due):
        moment = min(one.window.end, as_of)
        readings = [
            e
            for by_window in found
            for e in by_window.get(w, ())
            if e.at < moment and number(e.attrs.get(rule.attr)) is not None
        ]
        readings.sort(key=lambda e: (e.at, e.id))
        result, counted = reading_result(query.force, obligation, rule, one, as_of, readings)
        results.append(result)
        used.update(e.id for e in counted)
    return Outcome(tuple(results), frozenset(used))


def _plan(obligation: Obligation, span: Window) -> tuple[list[Due], list[Ask]]:
    """The due windows, and per requirement the lookup of its readings in each."""
    due = list(dues(obligation, span))
    windows = tuple((w, d.scope, None, d.window.start, d.window.end) for w, d in enumerate(due))
    by_unit = obligation.scope.per is not None
    return due, [Ask(req, windows, by_unit=by_unit) for req in obligation.evidence]
