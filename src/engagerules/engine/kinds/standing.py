"""Kept up to date: no gap between updates longer than the cadence."""

from __future__ import annotations

from datetime import date, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Any, ClassVar

import attrs

from engagerules.engine.index import EventIndex
from engagerules.engine.schedule import unit_slots
from engagerules.engine.trace import Code, Trace
from engagerules.engine.verdicts import Outcome, in_unit, make_result, qualified, subjects_of
from engagerules.model.durations import Duration, parse_duration, positive_duration
from engagerules.model.periods import Window, local_midnight, range_bounds
from engagerules.model.plan import Force, Kind, Obligation, Requirement, Rule
from engagerules.model.results import Result, Status
from engagerules.model.words import (
    day_words,
    days_words,
    deadline_words,
    duration_words,
    requirement_words,
)

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    from engagerules.engine.kinds import Actor
    from engagerules.model.event import Event


#: How the force documentation names this kind.
MEANING = "kept up to date: never longer than the cadence between updates"

#: What the force documentation calls this kind's evidence.
EVIDENCE_LABEL = "Updates"

#: Whether the documentation states the evidence as a count ("at least 1 `tweet`") or,
#: for kinds judged on every such event, by its types alone.
COUNTS_EVIDENCE = False

#: The last update before the range starts the clock, even one before the duty came into force.
LASTS = True


@attrs.frozen
class Standing(Rule):
    """Kept up to date: no gap between updates longer than `cadence`."""

    kind: ClassVar[Kind] = Kind.STANDING

    cadence: Duration = attrs.field(validator=positive_duration)
    anchor: date | None = None

    def due_once(self, obligation: Obligation, span: Window) -> Window | None:
        """A maximum gap has no fixed periods: the schedule shows the one update due next."""
        return gap_window(obligation, span)


def gap_window(obligation: Obligation, span: Window) -> Window | None:
    """The window a duty judged by gaps shows in `schedule` and the calendar when no
    record is at hand: from the start (the duty's coming into force, or the range's
    start when that is later) to one cadence on, when the first update falls due. Fixed
    periods would be wrong: an update in each of two 5-week periods may still be 9 weeks
    apart, which `check` judges a lapse. With records (`calendar --events`), the window
    runs from the last update instead (`gap_deadline`), as the agenda shows it."""
    cadence = obligation.cadence
    if cadence is None:
        return None
    start = span.start
    if obligation.effective_from is not None:
        start = max(start, local_midnight(obligation.effective_from, span.zone))
    if (
        obligation.effective_until is not None
        and start.astimezone(span.zone).date() > obligation.effective_until
    ):
        return None
    return Window(start, cadence.after(start, span.zone), span.zone)


#: The rule class the registry dispatches on.
RULE = Standing


def looks_back(obligation: Obligation, rule: Standing, kind: str) -> bool:
    """The last update before the range starts the range's first gap."""
    return True


#: This kind's part of the obligation schema (JSON Schema 2020-12; `#/$defs/...` refer to
#: the force schema's definitions). `properties` are the keys only this kind has; `then`
#: applies when an obligation's `kind` is "standing".
SCHEMA: dict[str, Any] = {
    "properties": {
        "cadence": {"$ref": "#/$defs/duration"},
        "anchor": {
            "$ref": "#/$defs/date",
            "description": (
                "Not needed: a standing duty is a maximum gap between updates, counted from "
                "the last update (or from when it came into force), not fixed periods."
            ),
        },
    },
    "then": {"required": ["cadence", "evidence"], "properties": {"evidence": {"minItems": 1}}},
}


def build(raw: dict[str, Any]) -> Standing:
    """From the validated JSON of one obligation."""
    return Standing(
        cadence=parse_duration(raw["cadence"]),
        anchor=date.fromisoformat(raw["anchor"]) if "anchor" in raw else None,
    )


def evaluate(
    force: Force,
    obligation: Obligation,
    rule: Standing,
    index: EventIndex,
    span: Window,
    as_of: datetime,
    trace: Trace | None = None,
) -> Outcome:
    """Kept up to date: no gap between updates may exceed the cadence."""
    return gaps(force, obligation, rule.cadence, index, span, as_of, trace)


def gaps(
    force: Force,
    obligation: Obligation,
    cadence: Duration,
    index: EventIndex,
    span: Window,
    as_of: datetime,
    trace: Trace | None = None,
    *,
    each: bool = False,
) -> Outcome:
    """One result per unit over the span: from the last record before the range, no gap
    between records may exceed `cadence`; each lapse is reported with its dates. Standing
    duties and rolling recurring ones ("at least once every N") are judged this way. A
    standing duty's requirements are alternatives (any update keeps it up to date); with
    `each` (a rolling recurring duty) every requirement keeps its own line of records, and
    a gap in any is a lapse.

    Nothing is assumed: with no record before the range, the clock starts when the duty
    came into force (its `effective` date, or the plan's), and with no such date a record
    is owed from the start of the range. So an empty log is never `met`."""
    results: list[Result] = []
    used: set[str] = set()
    limit = min(span.end, as_of)
    lines = [(req,) for req in obligation.evidence] if each else [obligation.evidence]
    for unit in unit_slots(obligation):
        judged = [
            _line(force, obligation, reqs, cadence, index, unit, span, limit) for reqs in lines
        ]
        result = unit_result(obligation, unit, span, judged)
        results.append(result)
        used.update(result.evidence)
        if trace is not None:
            for line in judged:
                if line.before:
                    trace.note(line.before[-1], Code.COUNTED, counted=True, moment=span.start)
                for earlier in line.before[:-1]:
                    if span.contains(earlier.at):  # at the range's first instant, as the last
                        trace.note(earlier, Code.SUPERSEDED, other=line.before[-1])
            trace.close(result, obligation, unit=unit, moment=limit)
    return Outcome(tuple(results), frozenset(used))


def unit_result(
    obligation: Obligation, unit: str | None, span: Window, judged: list[Line]
) -> Result:
    """One unit's result from its lines of updates (the reference's and the compiled
    engine's alike): the worst line's status and reasons, every line's evidence."""
    evidence = [e for line in judged for e in line.evidence]
    statuses = {line.status for line in judged}
    status = next(s for s in (Status.MISSED, Status.PENDING, Status.MET) if s in statuses)
    reason = "; ".join(line.reason for line in judged if line.status is status)
    inside = len({e.id for line in judged for e in line.evidence if e.at > span.start})
    # `found` and `needed` count what the status judged: a lapse needed (at least) one
    # more update, so a missed duty never reads "needed 1, found 2".
    lapsed = sum(line.lapses for line in judged)
    needed = max(1, inside + lapsed) if status is Status.MISSED else 1
    return make_result(obligation, unit, span, status, needed, inside, evidence, reason)


@attrs.frozen
class Line:
    """The verdict on one line of updates: the records before the range, the evidence
    counted (the last before it and those inside) and what they show."""

    before: list[Event]
    evidence: list[Event]
    status: Status
    reason: str
    #: How many lapses the line shows (each a gap longer than the cadence).
    lapses: int = 0


def _line(
    force: Force,
    obligation: Obligation,
    requirements: tuple[Requirement, ...],
    cadence: Duration,
    index: EventIndex,
    unit: str | None,
    span: Window,
    limit: datetime,
) -> Line:
    """One line of updates judged by its gaps: `met` only on records, `pending` while no
    lapse has yet been possible, `missed` with the dates of each lapse."""
    updates = subjects_of(obligation, index, unit, requirements)
    since = _in_force(obligation, force)
    # A record made before the duty came into force counts for nothing: it never anchors
    # the first gap (the clock then starts on the day the duty came into force).
    before = [e for e in updates if e.at <= span.start and (since is None or e.at >= since)]
    inside = [e for e in updates if span.start < e.at < limit]
    start = before[-1].at if before else since
    lapses = _lapses(cadence, start, [e.at for e in inside], span, limit, force)
    return line_verdict(
        force, obligation, requirements, cadence, unit, span, limit, start, before, inside, lapses
    )


def line_verdict(
    force: Force,
    obligation: Obligation,
    requirements: tuple[Requirement, ...],
    cadence: Duration,
    unit: str | None,
    span: Window,
    limit: datetime,
    start: datetime | None,
    before: list[Event],
    inside: list[Event],
    lapses: list[tuple[datetime, datetime]],
) -> Line:
    """A line's verdict from its records (those at or before the range's start, and those
    inside it up to `limit`), where its clock starts (`start`: the last update before the
    range, or the duty's coming into force) and its lapses, for the reference and the
    compiled engine."""
    due = cadence.after(inside[-1].at if inside else (start or span.start), force.zone)
    evidence = ([before[-1]] if before else []) + inside
    label = " or ".join(requirement_words(force, r) for r in requirements)
    where, every = in_unit(force, unit), duration_words(cadence)
    shown = "; ".join(_lapse_words(a, b, limit, force) for a, b in lapses[:3])
    if not evidence:  # never met: pending until a lapse is possible, then missed
        status, reason = _unrecorded(force, cadence, start, shown, f"{label}{where}", every)
    elif lapses:
        status = Status.MISSED
        reason = f"{label}{where} went more than {every} without an update: {shown}"
    elif limit < span.end:
        status = Status.PENDING
        due_by = deadline_words(due, force.zone)
        reason = f"up to date{where} so far; next {label} due by {due_by}"
    else:
        status = Status.MET
        since = ""
        if before:
            since = f", counting from the last before it on {_day(before[-1].at, force)}"
        reason = f"{len(inside)} {label}{where} in the range{since}: never more than {every} apart"
    return Line(before, evidence, status, reason, len(lapses))


def _unrecorded(
    force: Force,
    cadence: Duration,
    start: datetime | None,
    shown: str,
    what: str,
    every: str,
) -> tuple[Status, str]:
    """The verdict with no record at all: `pending` until the first moment a lapse is
    possible (a cadence after the duty came into force), `missed` from then on. Never
    `met`: no record shows the duty was ever kept."""
    if start is None:
        return (
            Status.MISSED if shown else Status.PENDING,
            f"no {what} recorded, and the duty gives no date it came into force, "
            "so one is owed from the start of the range",
        )
    since = _day(start, force)
    first = deadline_words(cadence.after(start, force.zone), force.zone)
    if shown:
        return (
            Status.MISSED,
            f"no {what} recorded since the duty came into force on {since}, so it went "
            f"more than {every} without an update: {shown} (the first was owed by {first})",
        )
    return (
        Status.PENDING,
        f"no {what} recorded yet: the first is owed by {first}, {every} after the duty "
        f"came into force on {since}; not met until one is recorded",
    )


def _in_force(obligation: Obligation, force: Force) -> datetime | None:
    """When the duty came into force, the start of the look-back when no update precedes
    the range; None when neither the obligation nor the plan gives a date."""
    if obligation.effective_from is None:
        return None
    return local_midnight(obligation.effective_from, force.zone)


def _day(moment: datetime, force: Force) -> str:
    return day_words(moment.astimezone(force.zone).date())


def _lapse_words(start: datetime, end: datetime, limit: datetime, force: Force) -> str:
    """A lapse as local days: from the day an update fell overdue to the day of the next
    one, or, when none came by `limit`, to the last day judged (`limit` is exclusive, so a
    range ending at midnight names its own last day, not the day after)."""
    first = start.astimezone(force.zone).date()
    last = (end - timedelta(microseconds=1) if end >= limit else end).astimezone(force.zone)
    return days_words(first, max(first, last.date()))


def _lapses(
    cadence: Duration,
    start: datetime | None,
    updates: list[datetime],
    span: Window,
    limit: datetime,
    force: Force,
) -> list[tuple[datetime, datetime]]:
    """Every stretch longer than the cadence without an update, up to `limit`.

    Counted from `start` (the last update before the range, or when the duty came into
    force). With no start at all, the first update is owed within one cadence of the
    range's start, and a range with no update at all is one lapse from its start: nothing
    shows the duty was ever kept, so it is never taken as kept.
    """
    lapses: list[tuple[datetime, datetime]] = []
    if start is None and not updates:
        return [(span.start, limit)] if limit > span.start else []
    reference = span.start if start is None else start
    for moment in updates:
        due = cadence.after(reference, force.zone)
        if due < moment:
            lapses.append((due, moment))
        reference = moment
    due = cadence.after(reference, force.zone)
    if due < limit:  # as between two updates: exactly one cadence is still in time
        lapses.append((due, limit))
    return lapses


# ---------------------------------------------------------------- how the outputs say it


def when_suffix(obligation: Obligation, rule: Standing) -> str:
    """What the calendar adds to a series' "When:" line."""
    cycle = obligation.cycle
    if cycle is None:
        return ""
    return f" (kept up to date: never more than {cycle.every} between updates)"


def agenda_span(obligation: Obligation, rule: Standing, day: date, zone: tzinfo) -> Window | None:
    """The range the agenda evaluates on `day`, when this kind fixes one (None: the range
    of the windows open now or opening soon)."""
    return range_bounds(day, day, zone)


def agenda_deadline(
    obligation: Obligation, rule: Standing, result: Result, index: EventIndex, now: datetime
) -> tuple[Result, datetime] | None:
    """The result as the agenda shows it and when it falls due, when this kind decides
    (None: at the end of its window)."""
    return gap_deadline(obligation, result, index)


def gap_deadline(
    obligation: Obligation, result: Result, index: EventIndex, *, each: bool = False
) -> tuple[Result, datetime] | None:
    """When a duty judged by gaps (standing, or recurring with `rolling`) falls due: a
    cadence after its last update, or after it came into force when it has none; with
    `each`, the soonest of every requirement's line. That is the duty's own deadline,
    never the agenda's range: a lapsed duty is overdue from the day it lapsed. The window
    shown is that cadence, from the update it counts from to the next one due."""
    cadence, zone = obligation.cadence, result.window.zone
    if cadence is None:
        return None
    done = [index.by_id[e] for e in result.evidence if e in index.by_id]
    since = local_midnight(obligation.effective_from, zone) if obligation.effective_from else None
    lines = [(req,) for req in obligation.evidence] if each else [obligation.evidence]
    soonest: datetime | None = None
    for requirements in lines:
        mine = [e.at for req in requirements for e in qualified(req, done)]
        reference = max(mine) if mine else since
        if reference is None:  # no record and no date in force: owed from the range's start
            return result, result.window.start
        soonest = reference if soonest is None else min(soonest, reference)
    if soonest is None:
        return None
    due = cadence.after(soonest, zone)
    if due > soonest:
        result = attrs.evolve(result, window=Window(soonest, due, zone))
    return result, due


# ---------------------------------------------------------------- how the simulator acts it


def act(obligation: Obligation, rule: Standing, actor: Actor) -> Iterator[dict[str, Any]]:
    """Updates half a cadence apart in each unit while the force complies, and a gap of
    one and a half cadences (a lapse) when it does not."""
    return act_gaps(obligation, rule.cadence, obligation.evidence[:1], actor)


def act_gaps(
    obligation: Obligation, cadence: Duration, requirements: Iterable[Requirement], actor: Actor
) -> Iterator[dict[str, Any]]:
    """A duty judged by gaps, acted out: for each unit and each requirement's line of
    records, updates half a cadence apart while the force complies, and a gap of one and a
    half cadences (a lapse) when it does not."""
    for unit in list(unit_slots(obligation)):
        for req in requirements:
            moment = actor.span.start
            while moment < actor.span.end:
                gap = (cadence.after(moment) - moment) / 2
                moment += gap if actor.rng.random() < actor.compliance else gap * 3
                if moment < actor.span.end:
                    window = Window(moment, moment + timedelta(hours=8))
                    yield actor.record(obligation, req, window, unit, None, {})
