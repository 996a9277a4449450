"""Evaluation: pure functions from (force, events, range, as-of) to results.

Each obligation kind has one evaluator. Every evaluator returns its results together with
the ids of the events it used, so the report can account for each record read as matched,
unmatched or rejected. Events are looked up through `EventIndex`, so the work grows with
events plus windows, not with their product. The instant of judgement (`as_of`) is always
an argument: nothing here reads the clock.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime, timedelta

import attrs

from engagerules.conditions import failed_condition, measure, number, qualifies
from engagerules.events import Event, EventIndex, EventLog
from engagerules.model import Force, Kind, Obligation, Requirement
from engagerules.periods import Window, local_midnight, range_bounds
from engagerules.results import Report, Result, Status, Tally
from engagerules.schedule import Due, dues, effective_span, unit_slots

__all__ = ["evaluate", "evaluate_obligation"]


@attrs.frozen
class _Outcome:
    results: tuple[Result, ...]
    used: frozenset[str]


def evaluate(
    force: Force,
    log: EventLog | Sequence[Event],
    start: date,
    end: date,
    as_of: datetime,
    *,
    obligations: Iterable[str] | None = None,
) -> Report:
    """Judge every scored obligation (or those named) over `start`..`end` inclusive at `as_of`.

    `log` is what `read_events` returned, or plain events when there were no files.
    """
    if as_of.tzinfo is None:
        msg = "as_of must be time-zone aware"
        raise ValueError(msg)
    if not isinstance(log, EventLog):
        log = EventLog(tuple(log), ())
    span = range_bounds(start, end, force.zone)
    known = [e for e in log.events if e.at <= as_of]  # judged as known at `as_of`
    index = EventIndex(known, force)
    wanted = None if obligations is None else set(obligations)
    results: list[Result] = []
    used: set[str] = set()
    for obligation in force.obligations:
        if not obligation.scored or (wanted is not None and obligation.id not in wanted):
            continue
        outcome = evaluate_obligation(force, obligation, index, span, as_of.astimezone(force.zone))
        results.extend(outcome.results)
        used.update(outcome.used)
    matched = sum(1 for e in log.events if e.id in used)
    tally = Tally(
        read=log.read,
        matched=matched,
        unmatched=len(log.events) - matched,
        rejected=len(log.rejections),
    )
    return Report(
        force=force.id,
        start=start,
        end=end,
        as_of=as_of,
        results=tuple(_ordered(force, results)),
        events=tally,
        rejections=log.rejections,
    )


def _ordered(force: Force, results: list[Result]) -> list[Result]:
    order = {ob_id: i for i, ob_id in enumerate(force.obligation_ids)}
    units = {u.id: i for i, u in enumerate(force.units)}
    return sorted(
        results,
        key=lambda r: (
            order[r.obligation],
            r.window.start,
            -1 if r.scope is None else units.get(r.scope, len(units)),
            r.scope or "",
        ),
    )


def evaluate_obligation(
    force: Force, obligation: Obligation, index: EventIndex, span: Window, as_of: datetime
) -> _Outcome:
    """Judge one obligation version inside the part of `span` where it is in force."""
    evaluator = _EVALUATORS.get(obligation.kind)
    effective = effective_span(obligation, span)
    if evaluator is None or effective is None:
        return _Outcome((), frozenset())
    return evaluator(force, obligation, index, effective, as_of)


# ---------------------------------------------------------------------------- helpers


def _result(
    obligation: Obligation,
    scope: str | None,
    window: Window,
    status: Status,
    needed: float,
    found: float,
    evidence: Iterable[Event],
    reason: str,
) -> Result:
    return Result(
        obligation=obligation.id,
        kind=obligation.kind,
        owner=obligation.owner,
        title=obligation.title,
        scope=scope,
        window=window,
        status=status,
        needed=needed,
        found=found,
        evidence=tuple(dict.fromkeys(e.id for e in evidence)),
        reason=reason,
    )


def _qualified(req: Requirement, events: Iterable[Event], person: str | None = None) -> list[Event]:
    return [e for e in events if qualifies(req, e) and (person is None or e.person == person)]


def _day(moment: datetime, force: Force) -> str:
    """The local calendar date of an instant, as people read it."""
    return moment.astimezone(force.zone).date().isoformat()


def _amount(value: float) -> str:
    return f"{value:g}" if value != int(value) else f"{int(value)}"


def _where(scope: str | None) -> str:
    return f" in {scope}" if scope else ""


def _unit_key(obligation: Obligation, slot: str | None) -> str | None:
    """The index key for a result slot: a unit, or None for force-wide and per-person."""
    return None if obligation.scope.per_person else slot


def _persons(obligation: Obligation, index: EventIndex, span: Window) -> tuple[str, ...]:
    """People owing a per-person duty in the range: those on its roster at any time in the
    range, and anyone seen doing the duty's activity (so nobody's evidence goes unjudged)."""
    if not obligation.scope.per_person:
        return ()
    types = {t for req in obligation.evidence for t in req.types}
    seen = {e.person for e in index.between(types, None, span) if e.person}
    roster = _membership(obligation, index)
    seen.update(p for p, spells in roster.items() if any(_during(s, span) for s in spells))
    return tuple(sorted(seen))


_Spell = tuple[datetime, datetime | None]


def _membership(obligation: Obligation, index: EventIndex) -> dict[str, list[_Spell]]:
    """Each rostered person's spells of membership, from joining events to clearing ones."""
    roster = obligation.scope.roster
    if roster is None:
        return {}
    spells: dict[str, list[_Spell]] = {}
    joins = set(roster.types)
    for event in index.of_type((*roster.types, *roster.clears)):
        if not event.person:
            continue
        mine = spells.setdefault(event.person, [])
        open_spell = bool(mine) and mine[-1][1] is None
        if event.type in joins and not open_spell:
            mine.append((event.at, None))
        elif event.type not in joins and open_spell:
            mine[-1] = (mine[-1][0], event.at)
    return spells


def _during(spell: _Spell, window: Window) -> bool:
    joined, left = spell
    return joined < window.end and (left is None or left > window.start)


def _steps_verdict(
    obligation: Obligation,
    measured: list[tuple[Requirement, float, list[Event]]],
    scope: str | None,
    window: Window,
    as_of: datetime,
    *,
    context: str,
) -> Result:
    """Met / pending / partial / missed from how much of each requirement was found.

    All requirements met is `met`; otherwise an open window is `pending`; every
    requirement started but one short is `partial`; any requirement with nothing is
    `missed`, and the reason names what is missing.
    """
    evidence = [e for _, _, events in measured for e in events]
    short = [(req, got) for req, got, _ in measured if got < req.min]
    if len(measured) == 1:
        req, got, _ = measured[0]
        needed, found = req.min, got
    else:
        needed, found = len(measured), len(measured) - len(short)
    unit_label = "force-wide" if scope is None else scope
    if not short:
        detail = "; ".join(f"{_amount(got)} {req.label}" for req, got, _ in measured)
        return _result(
            obligation,
            scope,
            window,
            Status.MET,
            needed,
            found,
            evidence,
            f"{detail}{_where(scope)} {context}".strip(),
        )
    missing = "; ".join(f"{req.label} ({_amount(got)} of {_amount(req.min)})" for req, got in short)
    if window.end > as_of:
        status = Status.PENDING
        until = window.local_end.isoformat()
        reason = f"window open until {until}; still needed{_where(scope)}: {missing}"
    elif all(got > 0 for _, got in short):
        status = Status.PARTIAL
        reason = f"not enough{_where(scope)} {context}: {missing}".replace("  ", " ")
    else:
        status = Status.MISSED
        reason = f"missing for {unit_label} {context}: {missing}".replace("  ", " ")
    return _result(obligation, scope, window, status, needed, found, evidence, reason)


# ---------------------------------------------------------------------------- recurring


def _recurring(
    force: Force, obligation: Obligation, index: EventIndex, span: Window, as_of: datetime
) -> _Outcome:
    results: list[Result] = []
    used: set[str] = set()
    persons = _persons(obligation, index, span)
    roster = _membership(obligation, index)
    for due in dues(obligation, span, persons):
        result = _judge_due(obligation, index, due, as_of)
        spells = roster.get(due.scope or "", [])
        if roster and not result.evidence and not any(_during(s, due.window) for s in spells):
            continue  # not on the roster in this window, and nothing done: not owed
        results.append(result)
        used.update(result.evidence)
    return _Outcome(tuple(results), frozenset(used))


def _judge_due(obligation: Obligation, index: EventIndex, due: Due, as_of: datetime) -> Result:
    person = due.scope if obligation.scope.per_person else None
    key = _unit_key(obligation, due.scope)
    measured = []
    for req in obligation.evidence:
        events = _qualified(req, index.between(req.types, key, due.window), person)
        measured.append((req, measure(req, events), events))
    context = f"{due.window.label}"
    if obligation.scope.rota:
        context += " (rota turn)"
    return _steps_verdict(obligation, measured, due.scope, due.window, as_of, context=context)


# ---------------------------------------------------------------------------- triggered


def _triggered(
    force: Force, obligation: Obligation, index: EventIndex, span: Window, as_of: datetime
) -> _Outcome:
    trigger = obligation.trigger
    if trigger is None:  # pragma: no cover - the schema requires one for this kind
        return _Outcome((), frozenset())
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
                events = _qualified(req, referring + nearby)
                measured.append((req, measure(req, events), events))
            context = (
                f"after {fired.type} {fired.id} at {window.local_start:%Y-%m-%d %H:%M}, "
                f"due by {window.local_end:%Y-%m-%d %H:%M}"
            )
            verdict = _steps_verdict(obligation, measured, unit, window, as_of, context=context)
            verdict = attrs.evolve(verdict, evidence=(fired.id, *verdict.evidence))
            results.append(verdict)
            used.update(verdict.evidence)
    return _Outcome(tuple(results), frozenset(used))


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
        if len(text) == 10:
            return local_midnight(date.fromisoformat(text) + timedelta(days=1), force.zone)
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


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


# ---------------------------------------------------------------------------- constraint


def _constraint(
    force: Force, obligation: Obligation, index: EventIndex, span: Window, as_of: datetime
) -> _Outcome:
    """Every event the constraint covers must meet every condition; any that does not is a
    breach, named in the evidence. Sequence conditions (`differs_from_previous`) compare
    each event with the one before it in the same unit, across window edges."""
    windows = _constraint_windows(obligation, span)
    results: list[Result] = []
    used: set[str] = set()
    for unit in unit_slots(obligation):
        subjects = _subjects(obligation, index, unit)
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
                    notes.append(f"{event.id} ({broken.describe()}: no)")
            used.update(e.id for e in inside)
            where = _where(unit)
            if offenders:
                shown = ", ".join(notes[:5]) + (
                    f" and {len(notes) - 5} more" if len(notes) > 5 else ""
                )
                result = _result(
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
                status = Status.PENDING if window.end > as_of else Status.MET
                rule = " and ".join(c.describe() for c in obligation.require)
                reason = (
                    f"all {len(inside)} events{where} conform ({rule})"
                    if inside
                    else f"no events{where} to check in {window.label}"
                )
                result = _result(obligation, unit, window, status, len(inside), 0, inside, reason)
            results.append(result)
    return _Outcome(tuple(results), frozenset(used))


def _constraint_windows(obligation: Obligation, span: Window) -> list[Window]:
    cycle = obligation.cycle
    if cycle is None:
        return [span]
    return [
        w for w in cycle.windows(span, span.zone) if obligation.in_force_on(w.local_start.date())
    ]


def _subjects(obligation: Obligation, index: EventIndex, unit: str | None) -> list[Event]:
    found = {
        e.id: e
        for req in obligation.evidence
        for e in _qualified(req, index.of_type(req.types, unit))
    }
    return sorted(found.values(), key=lambda e: (e.at, e.id))


# ---------------------------------------------------------------------------- coverage


def _coverage(
    force: Force, obligation: Obligation, index: EventIndex, span: Window, as_of: datetime
) -> _Outcome:
    """Every unit must have something in place (a named point of contact) at the end of
    each window, or at `as_of` if sooner: the latest assignment, unless cleared since."""
    windows = _constraint_windows(obligation, span)
    results: list[Result] = []
    used: set[str] = set()
    for unit in unit_slots(obligation):
        assigned = _subjects(obligation, index, unit)
        cleared = index.of_type(obligation.clears, unit) if obligation.clears else []
        for window in windows:
            if window.start > as_of:
                results.append(
                    _result(
                        obligation,
                        unit,
                        window,
                        Status.PENDING,
                        1,
                        0,
                        (),
                        f"window starts after {as_of:%Y-%m-%d %H:%M}",
                    )
                )
                continue
            moment = min(window.end, as_of)
            latest = next((e for e in reversed(assigned) if e.at < moment), None)
            clear = next((e for e in reversed(cleared) if e.at < moment), None)
            label = " or ".join(r.label for r in obligation.evidence)
            if latest is not None and (clear is None or clear.at <= latest.at):
                used.add(latest.id)
                who = f" ({latest.role or latest.person})" if (latest.role or latest.person) else ""
                results.append(
                    _result(
                        obligation,
                        unit,
                        window,
                        Status.MET,
                        1,
                        1,
                        (latest,),
                        f"{label}{who} recorded {_day(latest.at, force)} ({latest.id})",
                    )
                )
            else:
                at = moment.astimezone(force.zone)
                reason = f"no {label} for {unit or 'the force'} as at {at:%Y-%m-%d %H:%M}"
                if clear is not None:
                    used.add(clear.id)
                    reason += f" (cleared by {clear.id} on {_day(clear.at, force)})"
                results.append(
                    _result(
                        obligation,
                        unit,
                        window,
                        Status.MISSED,
                        1,
                        0,
                        (clear,) if clear else (),
                        reason,
                    )
                )
    return _Outcome(tuple(results), frozenset(used))


# ---------------------------------------------------------------------------- standing


def _standing(
    force: Force, obligation: Obligation, index: EventIndex, span: Window, as_of: datetime
) -> _Outcome:
    """Kept up to date: from the last update before the range, no gap between updates may
    exceed the cadence. Each lapse is reported with its dates."""
    cadence = obligation.cadence
    if cadence is None:  # pragma: no cover - the schema requires one for this kind
        return _Outcome((), frozenset())
    results: list[Result] = []
    used: set[str] = set()
    limit = min(span.end, as_of)
    for unit in unit_slots(obligation):
        updates = _subjects(obligation, index, unit)
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
            shown = "; ".join(f"{_day(a, force)}..{_day(b, force)}" for a, b in lapses[:3])
            status, reason = (
                Status.MISSED,
                (f"{label}{_where(unit)} went more than {cadence} without an update: {shown}"),
            )
        elif limit < span.end:
            status = Status.PENDING
            reason = f"up to date{_where(unit)} so far; next {label} due by {_day(due, force)}"
        else:
            status = Status.MET
            reason = f"{len(inside)} {label}{_where(unit)}, never more than {cadence} apart"
        results.append(_result(obligation, unit, span, status, 1, len(inside), evidence, reason))
    return _Outcome(tuple(results), frozenset(used))


# ---------------------------------------------------------------------------- target


def _target(
    force: Force, obligation: Obligation, index: EventIndex, span: Window, as_of: datetime
) -> _Outcome:
    """A measured figure must reach its value by the deadline; before it, `pending`."""
    target = obligation.target
    if target is None:  # pragma: no cover - the schema requires one for this kind
        return _Outcome((), frozenset())
    results: list[Result] = []
    used: set[str] = set()
    for due in dues(obligation, span):
        moment = min(due.window.end, as_of)
        readings = [
            e
            for req in obligation.evidence
            for e in _qualified(req, index.between(req.types, due.scope, due.window))
            if e.at < moment and number(e.attrs.get(target.attr)) is not None
        ]
        readings.sort(key=lambda e: (e.at, e.id))
        figure, counted = _combine(target.combine, target.attr, target.group, readings)
        used.update(e.id for e in counted)
        goal = _amount(target.value)
        base = f", baseline {_amount(target.baseline)}" if target.baseline is not None else ""
        got = f"{_amount(figure)} {target.attr}" if readings else f"no {target.attr} readings"
        if readings and figure >= target.value:
            status = Status.MET
            reason = f"{got}, target {goal} by {target.by}{base}"
        elif due.window.end > as_of:
            status = Status.PENDING
            reason = f"{got} so far; target {goal} by {target.by}{base}"
        else:
            status = Status.MISSED
            reason = f"{got} by {target.by}, short of the target {goal}{base}"
        results.append(
            _result(
                obligation, due.scope, due.window, status, target.value, figure, counted, reason
            )
        )
    return _Outcome(tuple(results), frozenset(used))


def _combine(
    how: str, attr: str, group: str | None, readings: list[Event]
) -> tuple[float, list[Event]]:
    """The figure the readings make, and the readings it rests on."""
    series: dict[object, list[Event]] = {}
    for event in readings:
        key = event.attrs.get(group) if group else None
        series.setdefault(str(key).strip().lower() if key is not None else None, []).append(event)
    total = 0.0
    counted: list[Event] = []
    for events in series.values():
        values = [(number(e.attrs.get(attr)) or 0.0, e) for e in events]
        if how == "sum":
            total += sum(v for v, _ in values)
            counted.extend(e for _, e in values)
        elif how == "max":
            best = max(values, key=lambda pair: pair[0])
            total += best[0]
            counted.append(best[1])
        else:
            total += values[-1][0]
            counted.append(values[-1][1])
    return total, counted


_Evaluator = Callable[[Force, Obligation, EventIndex, Window, datetime], _Outcome]

_EVALUATORS: dict[Kind, _Evaluator] = {
    Kind.RECURRING: _recurring,
    Kind.TRIGGERED: _triggered,
    Kind.CONSTRAINT: _constraint,
    Kind.COVERAGE: _coverage,
    Kind.STANDING: _standing,
    Kind.TARGET: _target,
}
