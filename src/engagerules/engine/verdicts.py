"""What every kind shares: a result built from an obligation, the evidence that qualifies,
and the met / pending / partial / missed verdict from how much of each requirement was found."""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import datetime, timedelta, tzinfo
from itertools import chain
from operator import attrgetter

import attrs

from engagerules.engine.index import EventIndex
from engagerules.engine.trace import Code, Trace
from engagerules.model.conditions import failed_condition, recorded
from engagerules.model.event import Event
from engagerules.model.periods import Window, local_midnight, named_period, period_fate
from engagerules.model.plan import Force, Obligation, Requirement
from engagerules.model.results import Result, Status
from engagerules.model.words import deadline_words, requirement_words, unit_words


@attrs.frozen
class Outcome:
    """The results of one obligation and the ids of the events they used (for the tally),
    and of those it looked at and did not need (a follow-up whose trigger had one)."""

    results: tuple[Result, ...]
    used: frozenset[str]
    spare: frozenset[str] = frozenset()


def outcome_of(results: Iterable[Result]) -> Outcome:
    """The outcome of an obligation whose results list every record it used: their ids
    gathered in one pass (not a set grown result by result and then copied: at ten million
    events, a million ids each way)."""
    found = tuple(results)
    return Outcome(found, frozenset(chain.from_iterable(r.evidence for r in found)))


def make_result(
    obligation: Obligation,
    scope: str | None,
    window: Window,
    status: Status,
    needed: float,
    found: float,
    evidence: Iterable[Event],
    reason: str,
) -> Result:
    per_person = obligation.scope.per_person
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
        scope_kind="force" if scope is None else "person" if per_person else "unit",
    )


def qualified(
    req: Requirement,
    events: Iterable[Event],
    person: str | None = None,
    trace: Trace | None = None,
) -> list[Event]:
    """The events that may count towards `req` (and are `person`'s, for a per-person duty);
    with a trace, each one left out is noted with the test it failed."""
    kept = []
    types, roles, where = req.types, req.roles, req.where
    for event in events:
        if person is not None and event.person != person:
            if trace is not None:
                trace.note(event, Code.WRONG_PERSON)
        elif (  # `qualifies`, written out: this runs once per event a duty reads
            event.type in types
            and (not roles or event.role in roles)
            and (not where or failed_condition(where, event) is None)
        ):
            kept.append(event)
        elif trace is not None:
            trace.rejected(req, event)
    return kept


def in_reach(index: EventIndex, req: Requirement, unit: str | None, window: Window) -> list[Event]:
    """The records of `req`'s types that count in `unit` (None: force-wide) inside
    `window`, in time order: those recorded there or in a unit within it, and, where the
    requirement `reaches` within, those recorded at a unit enclosing it (never beside it)."""
    found = index.between(req.types, unit, window)
    if req.reaches_within and unit is not None:
        above = index.above(req.types, unit, window)
        if above:
            found = sorted([*found, *above], key=_IN_ORDER)
    return found


#: The engine's order of records: by time, then id.
_IN_ORDER = attrgetter("at", "id")


def amount_text(value: float) -> str:
    if not math.isfinite(value) or abs(value) >= 1e16:  # int() of 1e308 prints 309 digits
        return f"{value:g}"
    return f"{value:g}" if value != int(value) else f"{int(value)}"


def in_unit(force: Force, scope: str | None) -> str:
    """` in Ystrad Mynach`: where a result falls, by the unit's name (nothing if force-wide)."""
    return f" in {unit_words(force, scope)}" if scope else ""


def unit_key(obligation: Obligation, slot: str | None) -> str | None:
    """The index key for a result slot: a unit, or None for force-wide and per-person."""
    return None if obligation.scope.per_person else slot


def persons_owing(obligation: Obligation, index: EventIndex, span: Window) -> tuple[str, ...]:
    """People owing a per-person duty in the range: those on its roster at any time in the
    range, and anyone seen doing the duty's activity in a role it accepts (so nobody's
    evidence goes unjudged, and a Detective Inspector's blog does not make them owe the
    uniform Inspectors' monthly one)."""
    if not obligation.scope.per_person:
        return ()
    seen = {
        e.person
        for req in obligation.evidence
        for e in index.between(req.types, None, span)
        if e.person and (not req.roles or e.role in req.roles)
    }
    roster = membership(obligation, index)
    seen.update(p for p, spells in roster.items() if any(during(s, span) for s in spells))
    return tuple(sorted(seen))


Spell = tuple[datetime, datetime | None]


def membership(obligation: Obligation, index: EventIndex) -> dict[str, list[Spell]]:
    """Each rostered person's spells of membership, from joining events to clearing ones."""
    return {person: [spell for spell, _ in spells] for person, spells in _spells(obligation, index)}


def roster_records(obligation: Obligation, index: EventIndex, span: Window) -> set[str]:
    """The ids of the joining and clearing records of every spell that reaches into
    `span`: they decide who owes its windows (a cadet enrolled part-way through January
    owes February on that record), so they are matched, as a coverage duty's vacancies
    are, wherever they fall, and never reported as outside the range. A leaving after the
    range decides nothing in it."""
    found: set[str] = set()
    for _, spells in _spells(obligation, index):
        for spell, records in spells:
            if during(spell, span):  # the leaving, if any, only when it falls before the end
                left = spell[1]
                found.update(records if left is not None and left < span.end else records[:1])
    return found


def _spells(
    obligation: Obligation, index: EventIndex
) -> list[tuple[str, list[tuple[Spell, tuple[str, ...]]]]]:
    """Each rostered person's spells, each with the ids of the records that open and
    close it."""
    roster = obligation.scope.roster
    if roster is None:
        return []
    spells: dict[str, list[tuple[Spell, tuple[str, ...]]]] = {}
    joins = set(roster.types)
    for event in index.of_type((*roster.types, *roster.clears)):
        if not event.person:
            continue
        mine = spells.setdefault(event.person, [])
        open_spell = bool(mine) and mine[-1][0][1] is None
        if event.type in joins and not open_spell:
            mine.append(((event.at, None), (event.id,)))
        elif event.type not in joins and open_spell:
            (joined, _), records = mine[-1]
            mine[-1] = ((joined, event.at), (*records, event.id))
    return list(spells.items())


def during(spell: Spell, window: Window) -> bool:
    joined, left = spell
    return joined < window.end and (left is None or left > window.start)


def throughout(spell: Spell, window: Window) -> bool:
    """Whether the spell covers the whole window: in post from its start to its end."""
    joined, left = spell
    return joined <= window.start and (left is None or left >= window.end)


def owes(obligation: Obligation, spells: list[Spell], window: Window) -> bool:
    """Whether someone with these spells on the duty's roster owes `window`: in post
    throughout it, or, where the duty says part windows are owed, at any time in it."""
    roster = obligation.scope.roster
    part = roster is not None and roster.owes_part_windows
    return any((during if part else throughout)(s, window) for s in spells)


def steps_verdict(
    force: Force,
    obligation: Obligation,
    measured: list[tuple[Requirement, float, list[Event]]],
    scope: str | None,
    window: Window,
    as_of: datetime,
    *,
    context: str,
) -> Result:
    """Met / pending / partial / missed from how much of each requirement was found.

    All requirements met is `met`; otherwise an open window is `pending`, and so is a
    closed one while a record naming its period may still count (within a short
    requirement's `grace`: missing data not yet due is not yet missed); every
    requirement started but one short is `partial`; any requirement with nothing is
    `missed`, and the reason names what is missing (by the activity's title, in the
    unit's name: the reason is read by people, not matched by machines).
    """
    evidence = [e for _, _, events in measured for e in events]
    short = [(req, got) for req, got, _ in measured if got < req.min]
    if len(measured) == 1:
        req, got, _ = measured[0]
        needed, found = req.min, got
    else:
        needed, found = len(measured), len(measured) - len(short)
    where = in_unit(force, scope)
    if not short:
        detail = "; ".join(
            f"{amount_text(got)} {requirement_words(force, req)}" for req, got, _ in measured
        )
        return make_result(
            obligation,
            scope,
            window,
            Status.MET,
            needed,
            found,
            evidence,
            f"{detail}{where} {context}".strip(),
        )
    missing = "; ".join(
        f"{requirement_words(force, req)} ({amount_text(got)} of {amount_text(req.min)})"
        for req, got in short
    )
    closes = max(req.closes(window.end, window.zone) for req, _ in short)
    if window.end > as_of:
        status = Status.PENDING
        until = deadline_words(window.end, window.zone)
        reason = f"window open until {until}; still needed{where}: {missing}"
    elif closes > as_of:  # a record naming its period may still come, within its grace
        status = Status.PENDING
        until = deadline_words(closes, window.zone)
        reason = (
            f"window closed; a record naming its period may still be made until {until}; "
            f"still needed{where}: {missing}"
        )
    elif all(got > 0 for _, got in short):
        status = Status.PARTIAL
        reason = f"not enough{where} {context}: {missing}".replace("  ", " ")
    else:
        status = Status.MISSED
        owed = f"for {unit_words(force, scope)}" if scope else "force-wide"
        reason = f"missing {owed} {context}: {missing}".replace("  ", " ")
    return make_result(obligation, scope, window, status, needed, found, evidence, reason)


def constraint_windows(obligation: Obligation, span: Window) -> list[Window]:
    cycle = obligation.cycle
    if cycle is None:
        return [span]
    judged = (obligation.judged_window(w) for w in cycle.windows(span, span.zone))
    return [w for w in judged if w is not None]


def subjects_of(
    obligation: Obligation,
    index: EventIndex,
    unit: str | None,
    requirements: Iterable[Requirement] | None = None,
) -> list[Event]:
    """The records in `unit` any of `requirements` (default: all the duty's) accepts, by time."""
    found = {
        e.id: e
        for req in (obligation.evidence if requirements is None else requirements)
        for e in qualified(
            req,
            [*index.of_type(req.types, unit), *index.above(req.types, unit)]
            if req.reaches_within
            else index.of_type(req.types, unit),
        )
    }
    return sorted(found.values(), key=lambda e: (e.at, e.id))


def period_reason(obligation: Obligation, event: Event, zone: tzinfo) -> str | None:
    """Why `event` counts for no window of `obligation` by the period it names (an
    unmatched reason), or None when it names none or could count for the window holding
    the period it names (`zone`: the force's)."""
    cycle = obligation.cycle
    reasons = []
    for req in obligation.evidence:
        if req.for_period is None or req.grace is None or event.type not in req.types:
            continue
        value = event.attrs.get(req.for_period)
        if not recorded(value) or cycle is None:
            return None
        period = named_period(value, cycle if req.split_years else None)
        if period is None:
            reasons.append("period_unreadable")
            continue
        start = cycle.first_start_on_or_before(period.first)
        day = Window(local_midnight(start, zone), local_midnight(start + timedelta(days=1), zone))
        window = next(cycle.windows(day, zone))
        fate = period_fate(period, event.at, window, req.grace, req.early)
        if fate is None:
            return None
        reasons.append(fate)
    return reasons[0] if reasons else None
