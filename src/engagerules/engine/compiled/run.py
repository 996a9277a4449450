"""A check with the compiled engine: each duty whose kind and features are compiled is
judged by a query, every other by the reference engine, in one `evaluate` (so the
accounting of records, the order of results and the report are the reference's own)."""

from __future__ import annotations

import copy
from collections.abc import Iterable
from datetime import date, datetime

from engagerules.engine.compiled.kinds import ASKS, COMPILED, triggered
from engagerules.engine.compiled.query import Query
from engagerules.engine.compiled.source import Records
from engagerules.engine.evaluate import evaluate
from engagerules.engine.index import repeats
from engagerules.engine.schedule import effective_span
from engagerules.engine.verdicts import Outcome
from engagerules.model.event import EventLog
from engagerules.model.limits import range_problem
from engagerules.model.periods import Window, range_bounds
from engagerules.model.plan import Force, Obligation
from engagerules.model.results import Report

__all__ = ["COMPILED", "compilable", "evaluate_compiled"]


def compilable(obligation: Obligation) -> bool:
    """Whether the compiled engine judges this duty version (else the reference does)."""
    if obligation.not_claimed_by and not triggered.claims_left_out(obligation):
        return False
    entry = COMPILED.get(obligation.kind)
    return entry is not None and entry[0](obligation)


def evaluate_compiled(
    force: Force,
    log: EventLog,
    records: Records,
    start: date,
    end: date,
    as_of: datetime,
    *,
    obligations: Iterable[str] | None = None,
) -> Report:
    """`evaluate`, with the compiled duties judged over `records` (the same records as
    `log`: an ingested file or table and the events read back from it)."""
    obligations = None if obligations is None else tuple(obligations)
    # A repeat (the same type, unit, role, person, instant and details as an earlier
    # record) counts once: the reference's index leaves it out, and so does every query.
    ordered = sorted(log.events, key=lambda e: e.id)
    ordered.sort(key=lambda e: e.at)
    query = Query(force, records, repeated=repeats(ordered, log.events, force))
    query.position = {e.id: n for n, e in enumerate(log.events)}
    _prefetch(query, start, end, as_of, obligations)

    def judge(obligation: Obligation, span: Window, at: datetime) -> Outcome | None:
        if not compilable(obligation):
            return None
        asked = query
        if obligation.not_claimed_by:  # another duty's follow-ups are that duty's work
            asked = copy.copy(query)
            hidden = triggered.claimed(query, obligation.not_claimed_by, at)
            asked.left_out = query.left_out | hidden
        return COMPILED[obligation.kind][1](asked, obligation, span, at)

    return evaluate(force, log, start, end, as_of, obligations=obligations, judge=judge)


def _prefetch(
    query: Query, start: date, end: date, as_of: datetime, obligations: Iterable[str] | None
) -> None:
    """Every evidence lookup the compiled duties will make, answered by one query before
    they are judged (compiling a query costs more than running it)."""
    force = query.force
    if as_of.utcoffset() is None or range_problem(start, end) is not None:
        return  # `evaluate` says what is wrong
    wanted = None if obligations is None else set(obligations)
    span = range_bounds(start, end, force.zone)
    local = as_of.astimezone(force.zone)
    asks = []
    for ob in force.obligations:
        if not ob.scored or (wanted is not None and ob.id not in wanted) or not compilable(ob):
            continue
        plan = ASKS.get(ob.kind)
        effective = effective_span(ob, span)
        if plan is not None and effective is not None:
            asks += plan(query, ob, effective, local)
    query.prefetch(asks, local)
