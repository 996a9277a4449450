"""A check with the compiled engine: each duty whose kind and features are compiled is
judged by a query, every other by the reference engine, in one `evaluate` (so the
accounting of records, the order of results and the report are the reference's own)."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from datetime import date, datetime

import attrs

from engagerules.engine.compiled import readback
from engagerules.engine.compiled.account import QueryAccount
from engagerules.engine.compiled.kinds import ASKS, COMPILED, coverage, standing, triggered
from engagerules.engine.compiled.query import Query
from engagerules.engine.compiled.source import FACTS, Records
from engagerules.engine.evaluate import evaluate
from engagerules.engine.index import repeats
from engagerules.engine.rejected import compared_types
from engagerules.engine.schedule import effective_span
from engagerules.engine.verdicts import Outcome
from engagerules.model.event import EventLog, Rejection
from engagerules.model.limits import range_problem
from engagerules.model.periods import Window, range_bounds
from engagerules.model.plan import Force, Obligation
from engagerules.model.results import Report
from engagerules.sources.vouched import Found

__all__ = ["COMPILED", "Ingested", "compilable", "evaluate_compiled"]


def compilable(obligation: Obligation) -> bool:
    """Whether the compiled engine judges this duty version (else the reference does)."""
    if obligation.not_claimed_by and not triggered.claims_left_out(obligation):
        return False
    entry = COMPILED.get(obligation.kind)
    return entry is not None and entry[0](obligation)


@attrs.frozen
class Ingested:
    """What ingest kept beside the records (the rejections and how many records the exports
    held), and how to read every record in Python when the check must (`events`)."""

    rejections: tuple[Rejection, ...]
    read: int
    events: Callable[[], EventLog]
    #: What ingest found of the file's rows, where it vouches for them (`sources.vouched`).
    found: Found | None = None


def evaluate_compiled(
    force: Force,
    log: EventLog | Ingested,
    records: Records,
    start: date,
    end: date,
    as_of: datetime,
    *,
    obligations: Iterable[str] | None = None,
) -> Report:
    """`evaluate`, with the compiled duties judged over `records` (the same records as
    `log`: an ingested file or table, and the events read back from it or what ingest kept
    beside it). Where the records can be read back in order and the reader would keep them
    as they are (`readback.as_read`), only those the reference needs become events and the
    accounting is asked where they live; else every record is read in Python."""
    obligations = None if obligations is None else tuple(obligations)
    if isinstance(log, EventLog):
        whole = log
        log = Ingested(whole.rejections, whole.read, lambda: whole)
    query = Query(force, records)
    count = log.read - len(log.rejections)
    if records.ordered and readback.as_read(query, count, log.found):
        if log.found is not None and FACTS in records.table.columns:
            query.facts = log.found.facts
        repeated, copies = readback.repeated(query, log.found)
        query.repeated, query.left_out = repeated, frozenset(repeated)
        types = _reference_types(force, obligations)
        read = readback.of_types(query, sorted(types))
        accounting = QueryAccount(query, read, types, copies, count)
        query.placed = []  # the records used by place, which the accounting asks by
        # A rejected record just before a window may have been the previous of its first
        # record under a sequence rule: `unjudged` looks for it among the records read.
        wanted = (
            force.obligations
            if obligations is None
            else (o for o in force.obligations if o.id in obligations)
        )
        doubted = compared_types([o for o in wanted if o.scored], log.rejections) - types
        events = EventLog((*read, *readback.of_types(query, sorted(doubted))), log.rejections)
    else:
        events = log.events()
        # A repeat (the same type, unit, role, person, instant and details as an earlier
        # record) counts once: the reference's index leaves it out, and so does every query.
        ordered = sorted(events.events, key=lambda e: e.id)
        ordered.sort(key=lambda e: e.at)
        query.repeated = repeats(ordered, events.events, force)
        query.left_out = frozenset(query.repeated)
        query.position = {e.id: n for n, e in enumerate(events.events)}
        accounting = None
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

    return evaluate(
        force,
        events,
        start,
        end,
        as_of,
        obligations=obligations,
        judge=judge,
        accounting=accounting,
    )


def _reference_types(force: Force, obligations: tuple[str, ...] | None) -> frozenset[str]:
    """The types of the records the reference reads: those of the duties it judges, and of
    the duties whose follow-ups one of them leaves out (`not_claimed_by`)."""
    found: set[str] = set()
    for ob in force.obligations:
        if not ob.scored or (obligations is not None and ob.id not in obligations):
            continue
        if compilable(ob):
            continue
        found |= ob.event_types
        for other in force.obligations:
            if other.id in ob.not_claimed_by:
                found |= other.event_types
    return frozenset(found)


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
    lines = []
    spells = []
    for ob in force.obligations:
        if not ob.scored or (wanted is not None and ob.id not in wanted) or not compilable(ob):
            continue
        plan = ASKS.get(ob.kind)
        effective = effective_span(ob, span)
        if effective is None:
            continue
        if plan is not None:
            asks += plan(query, ob, effective, local)
        lines += standing.lines_wanted(query, ob, effective, local)
        spells += coverage.spells_wanted(query, ob, effective, local)
    query.prefetch(asks, local)
    query.prefetch_lines(lines, local)
    query.prefetch_spells(spells, local)
