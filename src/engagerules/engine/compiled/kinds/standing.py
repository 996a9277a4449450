"""Standing duties compiled: rolling gaps between updates. One query per line of updates
pairs each record with the one before it in its unit (`LAG(at)`), from the last record at
or before the range's start; how long a gap may be is the engine's (`Duration.after`:
calendar months from month ends, days across clock changes), never a backend's time
functions; the verdict and its words are the reference's (`line_verdict`, `unit_result`).

Rolling recurring duties ("at least once every N") are judged the same way, each
requirement its own line (`gaps(..., each=True)`, used by `compiled/kinds/recurring.py`).

Compiled: per unit (a record counts in its unit and every unit enclosing it) and
force-wide, types, roles and conditions, the look-back to the last update before the
range or to the duty's coming into force. Left to the reference: per-person duties and
sequence conditions (`differs_from_previous`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, tzinfo

from engagerules.engine.compiled.query import LineAsk, LineRow, Query, per_unit_by_value
from engagerules.engine.kinds.recurring import Recurring
from engagerules.engine.kinds.standing import (
    Line,
    Standing,
    _in_force,
    line_verdict,
    unit_result,
)
from engagerules.engine.schedule import unit_slots
from engagerules.engine.verdicts import Outcome, outcome_of
from engagerules.model.durations import Duration
from engagerules.model.event import Event
from engagerules.model.periods import Window
from engagerules.model.plan import Kind, Obligation, Requirement
from engagerules.model.results import Result

__all__ = ["KIND", "compiles", "evaluate", "gaps", "gaps_compile", "lines_wanted"]

#: The kind this module compiles.
KIND = Kind.STANDING


def gaps_compile(obligation: Obligation) -> bool:
    """Whether a duty judged by gaps is compiled: per unit or force-wide, value conditions."""
    return obligation.cadence is not None and per_unit_by_value(obligation)


def compiles(obligation: Obligation) -> bool:
    """Whether this standing duty is compiled (else the reference judges it)."""
    return isinstance(obligation.rule, Standing) and gaps_compile(obligation)


def evaluate(query: Query, obligation: Obligation, span: Window, as_of: datetime) -> Outcome:
    """One result per unit over `span`, judged at `as_of`: no gap longer than the cadence."""
    rule = obligation.rule
    assert isinstance(rule, Standing)  # noqa: S101 - `compiles` chose it
    return gaps(query, obligation, rule.cadence, span, as_of)


def gaps(
    query: Query,
    obligation: Obligation,
    cadence: Duration,
    span: Window,
    as_of: datetime,
    *,
    each: bool = False,
) -> Outcome:
    """The reference's `standing.gaps` over the records a query found: the requirements
    are alternatives (one line), or with `each` every requirement is its own line."""
    limit = min(span.end, as_of)
    lines = [ask.reqs for ask in line_asks(query, obligation, span, as_of, each=each)]
    units = unit_slots(obligation)
    # Records before the duty came into force count for nothing, so never anchor a gap.
    since = _in_force(obligation, query.force)
    found = [query.lines(reqs, units, span.start, limit, as_of, since) for reqs in lines]
    results: list[Result] = []
    for unit in units:
        judged = [
            _line(query, obligation, reqs, cadence, rows.get(unit, []), unit, span, limit)
            for reqs, rows in zip(lines, found, strict=True)
        ]
        result = unit_result(obligation, unit, span, judged)
        results.append(result)
    return outcome_of(results)


def line_asks(
    query: Query, obligation: Obligation, span: Window, as_of: datetime, *, each: bool = False
) -> list[LineAsk]:
    """The lines of updates `gaps` looks up (the requirements as alternatives, or with
    `each` one line per requirement), for the check to answer them all by one query."""
    lines = [(req,) for req in obligation.evidence] if each else [tuple(obligation.evidence)]
    units = tuple(unit_slots(obligation))
    since = _in_force(obligation, query.force)
    limit = min(span.end, as_of)
    return [LineAsk(reqs, units, span.start, limit, since) for reqs in lines]


def lines_wanted(
    query: Query, obligation: Obligation, span: Window, as_of: datetime
) -> list[LineAsk]:
    """The lines a compiled standing or rolling recurring duty looks up (`gaps`)."""
    rule = obligation.rule
    if isinstance(rule, Standing):
        return line_asks(query, obligation, span, as_of)
    if isinstance(rule, Recurring) and rule.rolling:
        return line_asks(query, obligation, span, as_of, each=True)
    return []


def _line(
    query: Query,
    obligation: Obligation,
    requirements: tuple[Requirement, ...],
    cadence: Duration,
    rows: Sequence[LineRow],
    unit: str | None,
    span: Window,
    limit: datetime,
) -> Line:
    """One unit's line of updates: the evidence as stand-ins in the reference's order (time,
    then id), a repeat never among it; the lapses from each record's gap to the one before."""
    force = query.force
    events: list[Event] = []
    for event_id, at, _, kind, text, number in rows:
        if event_id not in query.left_out:
            made = query.stand_in(event_id, at, kind, text, number)
            if made is not None:
                events.append(made)
    events.sort(key=lambda e: (e.at, e.id))
    before = [e for e in events if e.at <= span.start][-1:]
    inside = [e for e in events if span.start < e.at < limit]
    start = before[-1].at if before else _in_force(obligation, force)  # as `lines` kept
    # A repeat sits at its original's instant: its gap is nil, so it moves no lapse.
    pairs = [(prev, at) for _, at, prev, _, _, _ in rows if span.start < at < limit]
    lapses = _lapses(cadence, start, pairs, span, limit, force.zone)
    return line_verdict(
        force, obligation, requirements, cadence, unit, span, limit, start, before, inside, lapses
    )


def _lapses(
    cadence: Duration,
    start: datetime | None,
    pairs: list[tuple[datetime | None, datetime]],
    span: Window,
    limit: datetime,
    zone: tzinfo,
) -> list[tuple[datetime, datetime]]:
    """The reference's `_lapses`, from each record's gap to the one before it (`prev`, None
    for the first in its unit, which counts from `start` or the range's start), then from
    the last to `limit`: a deadline is a cadence after, in the force's calendar."""
    if start is None and not pairs:
        return [(span.start, limit)] if limit > span.start else []
    first = span.start if start is None else start
    lapses: list[tuple[datetime, datetime]] = []
    least = cadence.least  # a record nearer its previous is in time: no deadline worked out
    for prev, at in sorted(pairs, key=lambda p: p[1]):
        since = first if prev is None else prev
        if at - since <= least:
            continue
        due = cadence.after(since, zone)
        if due < at:
            lapses.append((due, at))
    due = cadence.after(max((at for _, at in pairs), default=first), zone)
    if due < limit:  # as between two updates: exactly one cadence is still in time
        lapses.append((due, limit))
    return lapses
