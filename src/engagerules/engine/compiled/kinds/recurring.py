"""Recurring duties compiled: the reference's due windows (`schedule.dues`) joined to the
records in one query per requirement; counts, sums and distinct codes measured by the
reference's `measure` over the evidence found, and the verdict its `steps_verdict`.

Compiled: fixed periods (cadence, anchor, times and slots, rotas), per unit (a record counts
in its unit and every unit enclosing it), force-wide and per person (without a roster),
types, roles, conditions (`values.py`), counts, sums and distinct codes, evidence naming
its period (`periods.py`); rolling duties ("at least once every N") as gaps, each
requirement its own line (`standing.gaps`); steps that are parts of one item (`one_item`),
paired by the reference's own function over the records found (`items.py`). Left to the
reference: rosters.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from weakref import WeakKeyDictionary

from engagerules.engine.compiled.evidence import ids, listing, stand_ins, used
from engagerules.engine.compiled.kinds import items, periods, standing
from engagerules.engine.compiled.query import Ask, Query
from engagerules.engine.kinds.recurring import Recurring
from engagerules.engine.schedule import Due, dues, rota_words
from engagerules.engine.verdicts import Outcome, steps_verdict
from engagerules.model.event import Event
from engagerules.model.periods import Window
from engagerules.model.plan import Kind, Obligation, Operator, Requirement
from engagerules.model.results import Result
from engagerules.model.words import when_words

__all__ = ["KIND", "asks", "compiles", "evaluate"]

#: The kind this module compiles.
KIND = Kind.RECURRING


def compiles(obligation: Obligation) -> bool:
    """Whether every feature of this recurring duty is compiled (else the reference judges)."""
    rule = obligation.rule
    if isinstance(rule, Recurring) and rule.rolling:  # judged as gaps, as a standing duty
        return standing.gaps_compile(obligation)
    if not isinstance(rule, Recurring) or obligation.scope.roster is not None:
        return False
    if rule.one_item is not None and not items.compiles(obligation):
        return False
    return all(
        not req.reaches_within  # records from the units above: the reference finds them
        and all(c.op is not Operator.DIFFERS_FROM_PREVIOUS for c in req.where)
        for req in obligation.evidence
    )


def asks(query: Query, obligation: Obligation, span: Window, as_of: datetime) -> list[Ask]:
    """The evidence lookups `evaluate` makes, for the check to answer them by one query."""
    rule = obligation.rule
    if isinstance(rule, Recurring) and rule.rolling:
        return []
    planned = _PLANNED.setdefault(query, {})
    key = (obligation.id, span.start, span.end, as_of)
    if key not in planned:
        planned[key] = _plan(query, obligation, span, as_of)
    found = planned[key][1]
    if isinstance(rule, Recurring) and rule.one_item is not None:  # what their records name
        items.expect(query, obligation, found, as_of)
        return found + found  # asked twice: by `evaluate`, and once by `items` for their refs
    return found


def evaluate(query: Query, obligation: Obligation, span: Window, as_of: datetime) -> Outcome:
    """Every due window of one recurring duty version over `span`, judged at `as_of`."""
    rule = obligation.rule
    if isinstance(rule, Recurring) and rule.rolling:
        return standing.gaps(query, obligation, rule.cadence, span, as_of, each=True)
    planned = _PLANNED.get(query, {}).pop((obligation.id, span.start, span.end, as_of), None)
    due, wanted = _plan(query, obligation, span, as_of) if planned is None else planned
    found = [query.evidence_of(ask, as_of) for ask in wanted]
    results: list[Result] = []
    listed: list[Sequence[Event]] = []  # the records each result lists
    tie = rule.one_item if isinstance(rule, Recurring) else None
    for w, one in enumerate(due):
        steps: list[Sequence[Event]] = [
            periods.counted(obligation, req, one, by_window.get(w, ()))
            for req, by_window in zip(obligation.evidence, found, strict=True)
        ]
        if tie is not None:  # the records of one item, paired as the reference pairs them
            steps = items.tied(query, obligation, tie, steps, as_of)
        result = _judged(query, obligation, one, steps, as_of)
        results.append(result)
        listed += steps
    return used(query, results, listed)


#: Each duty version's plan made for the check's one query (`asks`), until `evaluate` takes
#: it: the people owing a per-person duty are found by a query, asked once, not twice.
_PLANNED: WeakKeyDictionary[Query, dict[tuple[str, datetime, datetime, datetime], _Plan]] = (
    WeakKeyDictionary()
)


def _judged(
    query: Query, obligation: Obligation, due: Due, steps: list[Sequence[Event]], as_of: datetime
) -> Result:
    """One due window's verdict from each requirement's records. How much a requirement
    got depends on its records' attributes alone, and the verdict's words on how much: so
    it is made from the records' stand-ins (`Rows`: no event per record), given only
    whether there were any (the first), and then lists the records' ids, as it would
    list the events'."""
    measured = []
    for req, step in zip(obligation.evidence, steps, strict=True):
        shared = stand_ins(step)
        measured.append((req, query.values.amount(req, shared), shared[:1]))
    return listing(_verdict(query, obligation, due, measured, as_of), [ids(s) for s in steps])


def _verdict(
    query: Query,
    obligation: Obligation,
    due: Due,
    measured: list[tuple[Requirement, float, list[Event]]],
    as_of: datetime,
) -> Result:
    context = when_words(due.window) + rota_words(obligation)
    return steps_verdict(
        query.force, obligation, measured, due.scope, due.window, as_of, context=context
    )


#: A duty version's due windows, and per requirement the lookup of its records in them.
_Plan = tuple[list[Due], list[Ask]]


def _plan(query: Query, obligation: Obligation, span: Window, as_of: datetime) -> _Plan:
    """The due windows, and per requirement the lookup of the records counting towards it
    in each (by its place in the due windows)."""
    persons: Sequence[str] = ()
    per_person = obligation.scope.per_person
    if per_person:
        persons = query.persons(obligation.evidence, span, as_of)
    due = list(dues(obligation, span, persons))
    windows = tuple(
        (
            w,
            None if per_person else d.scope,
            d.scope if per_person else None,
            d.window.start,
            d.window.end,
        )
        for w, d in enumerate(due)
    )
    by_unit = obligation.scope.per is not None and not per_person
    return due, [
        Ask(
            req,
            periods.reached(obligation, req, due, windows),
            by_unit=by_unit,
            by_person=per_person,
        )
        for req in obligation.evidence
    ]
