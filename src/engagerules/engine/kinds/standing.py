"""Kept up to date: no gap between updates longer than the cadence."""

from __future__ import annotations

from datetime import datetime

from engagerules.engine.index import EventIndex
from engagerules.engine.schedule import unit_slots
from engagerules.engine.trace import Code, Trace
from engagerules.engine.verdicts import Outcome, in_unit, local_day, make_result, subjects_of
from engagerules.model.periods import Window
from engagerules.model.plan import Force, Obligation
from engagerules.model.results import Result, Status


def evaluate(
    force: Force,
    obligation: Obligation,
    index: EventIndex,
    span: Window,
    as_of: datetime,
    trace: Trace | None = None,
) -> Outcome:
    """Kept up to date: from the last update before the range, no gap between updates may
    exceed the cadence. Each lapse is reported with its dates."""
    cadence = obligation.cadence
    if cadence is None:  # pragma: no cover - the schema requires one for this kind
        return Outcome((), frozenset())
    results: list[Result] = []
    used: set[str] = set()
    limit = min(span.end, as_of)
    for unit in unit_slots(obligation):
        updates = subjects_of(obligation, index, unit)
        before = [e for e in updates if e.at <= span.start]
        inside = [e for e in updates if span.start < e.at < limit]
        reference = before[-1].at if before else span.start
        lapses: list[tuple[datetime, datetime]] = []
        for update in inside:
            due = cadence.after(reference, force.zone)
            if due < update.at:
                lapses.append((due, update.at))
            reference = update.at
        due = cadence.after(reference, force.zone)
        if due <= limit:  # a whole cadence with no update is a lapse
            lapses.append((due, limit))
        evidence = ([before[-1]] if before else []) + inside
        used.update(e.id for e in evidence)
        label = " or ".join(r.label for r in obligation.evidence)
        if lapses:
            shown = "; ".join(
                f"{local_day(a, force)}..{local_day(b, force)}" for a, b in lapses[:3]
            )
            status, reason = (
                Status.MISSED,
                (f"{label}{in_unit(unit)} went more than {cadence} without an update: {shown}"),
            )
        elif limit < span.end:
            status = Status.PENDING
            reason = (
                f"up to date{in_unit(unit)} so far; next {label} due by {local_day(due, force)}"
            )
        else:
            status = Status.MET
            reason = f"{len(inside)} {label}{in_unit(unit)}, never more than {cadence} apart"
        result = make_result(obligation, unit, span, status, 1, len(inside), evidence, reason)
        results.append(result)
        if trace is not None:
            if before:
                trace.note(before[-1], Code.COUNTED, counted=True, moment=span.start)
            for earlier in before[:-1]:
                if span.contains(earlier.at):  # at the range's first instant, as the last
                    trace.note(earlier, Code.SUPERSEDED, other=before[-1])
            trace.close(result, obligation, unit=unit, moment=limit)
    return Outcome(tuple(results), frozenset(used))
