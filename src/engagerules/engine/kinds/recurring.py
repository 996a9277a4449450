"""A duty owed every period (cadence and anchor), per unit, per person, force-wide or by rota."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, tzinfo
from typing import TYPE_CHECKING, Any, ClassVar

import attrs

from engagerules.engine.index import EventIndex
from engagerules.engine.kinds import standing
from engagerules.engine.schedule import Due, dues
from engagerules.engine.trace import Code, Trace
from engagerules.engine.verdicts import (
    Outcome,
    during,
    membership,
    persons_owing,
    qualified,
    steps_verdict,
    unit_key,
)
from engagerules.model.checks import instance, optional, tuples
from engagerules.model.checks import times as time_list
from engagerules.model.conditions import measure, recorded
from engagerules.model.durations import Duration, parse_duration, positive_duration
from engagerules.model.event import Event
from engagerules.model.periods import Window, localize, range_bounds
from engagerules.model.plan import Force, Kind, Obligation, Requirement, Rule
from engagerules.model.results import Result
from engagerules.model.words import when_words

if TYPE_CHECKING:
    from collections.abc import Iterator

    from engagerules.engine.kinds import Actor

#: How long after each time of day evidence still counts, when the plan says no `slot`.
DEFAULT_SLOT = Duration(hours=1)

#: How the force documentation names this kind.
MEANING = "due in every period"


@attrs.frozen
class Recurring(Rule):
    """Owed every period of `cadence` (phased by `anchor`), or at each of `times` in it."""

    kind: ClassVar[Kind] = Kind.RECURRING
    rotates: ClassVar[bool] = True

    cadence: Duration = attrs.field(validator=positive_duration)
    anchor: date | None = None
    times: tuple[time, ...] = attrs.field(default=(), converter=tuples, validator=time_list)
    #: Default: an hour after each time, when there are times; None without them.
    slot: Duration | None = attrs.field(
        default=attrs.Factory(lambda self: DEFAULT_SLOT if self.times else None, takes_self=True),
        validator=optional(positive_duration),
    )
    #: "At least once every <cadence>": judged as a maximum gap between records, counted
    #: from the last one before the range, instead of fixed calendar periods.
    rolling: bool = attrs.field(default=False, validator=instance(bool, "true or false"))

    def due_once(self, obligation: Obligation, span: Window) -> Window | None:
        """A rolling duty has no fixed periods either: the update due next, as standing."""
        return standing.gap_window(obligation, span) if self.rolling else None


#: The rule class the registry dispatches on.
RULE = Recurring

#: This kind's part of the obligation schema (JSON Schema 2020-12; `#/$defs/...` refer to
#: the force schema's definitions). `properties` are the keys only this kind has; `then`
#: applies when an obligation's `kind` is "recurring".
SCHEMA: dict[str, Any] = {
    "properties": {
        "cadence": {"$ref": "#/$defs/duration"},
        "anchor": {
            "$ref": "#/$defs/date",
            "description": "A date a period starts on; cycles run forwards and backwards from it.",
        },
        "times": {
            "type": "array",
            "uniqueItems": True,
            "items": {"type": "string", "pattern": "^([01]\\d|2[0-3]):[0-5]\\d$"},
        },
        "slot": {
            "$ref": "#/$defs/duration",
            "description": "How long after each time evidence still counts (default PT1H).",
        },
        "rolling": {
            "type": "boolean",
            "description": (
                "'At least once every <cadence>' judged as a maximum gap between records, "
                "counted from the last one before the range, rather than fixed periods."
            ),
        },
    },
    "then": {"required": ["cadence", "evidence"], "properties": {"evidence": {"minItems": 1}}},
}


def build(raw: dict[str, Any]) -> Recurring:
    """From the validated JSON of one obligation."""
    times = tuple(time.fromisoformat(t) for t in raw.get("times", ()))
    return Recurring(
        cadence=parse_duration(raw["cadence"]),
        anchor=date.fromisoformat(raw["anchor"]) if "anchor" in raw else None,
        times=times,
        slot=parse_duration(raw["slot"]) if "slot" in raw else (DEFAULT_SLOT if times else None),
        rolling=bool(raw.get("rolling", False)),
    )


def evaluate(
    force: Force,
    obligation: Obligation,
    rule: Recurring,
    index: EventIndex,
    span: Window,
    as_of: datetime,
    trace: Trace | None = None,
) -> Outcome:
    if rule.rolling:  # "at least once every N": a maximum gap, as standing duties
        return standing.gaps(force, obligation, rule.cadence, index, span, as_of, trace, each=True)
    results: list[Result] = []
    used: set[str] = set()
    persons = persons_owing(obligation, index, span)
    roster = membership(obligation, index)
    for due in dues(obligation, span, persons):
        result = _judge_due(force, obligation, index, due, as_of, trace)
        spells = roster.get(due.scope or "", [])
        if roster and not result.evidence and not any(during(s, due.window) for s in spells):
            if trace is not None:
                trace.drop()
            continue  # not on the roster in this window, and nothing done: not owed
        results.append(result)
        used.update(result.evidence)
        if trace is not None:
            person = due.scope if obligation.scope.per_person else None
            key = unit_key(obligation, due.scope)
            near = Code.OUTSIDE_WINDOW
            trace.close(result, obligation, unit=key, person=person, near=near, hints=True)
    return Outcome(tuple(results), frozenset(used))


def _judge_due(
    force: Force,
    obligation: Obligation,
    index: EventIndex,
    due: Due,
    as_of: datetime,
    trace: Trace | None,
) -> Result:
    person = due.scope if obligation.scope.per_person else None
    key = unit_key(obligation, due.scope)
    measured = []
    for req in obligation.evidence:
        if req.for_period is not None and req.grace is not None:
            events = _for_period(
                req, req.for_period, req.grace, index, key, due.window, person, trace
            )
        else:
            events = qualified(req, index.between(req.types, key, due.window), person, trace)
        measured.append((req, measure(req, events), events))
    context = when_words(due.window)
    if obligation.scope.rota:
        context += " (rota turn)"
    return steps_verdict(force, obligation, measured, due.scope, due.window, as_of, context=context)


def _for_period(
    req: Requirement,
    attr: str,
    grace: Duration,
    index: EventIndex,
    key: str | None,
    window: Window,
    person: str | None,
    trace: Trace | None = None,
) -> list[Event]:
    """Records for `window`: those naming a day inside it in `attr`, dated within `grace`
    of it (before or after), and those naming no period dated inside it. A record naming
    another period never counts here, so one report is credited to one period, once."""
    zone = window.zone
    wide = Window(_back(window.start, grace, zone), grace.after(window.end, zone), zone)
    first = window.local_start.date()
    last = (window.local_end - timedelta(microseconds=1)).date()
    chosen = []
    for event in qualified(req, index.between(req.types, key, wide), person, trace):
        named = period_start(event.attrs.get(attr))
        if named is None:
            if recorded(event.attrs.get(attr)) or not window.contains(event.at):
                if trace is not None:  # an unreadable period is never taken as this one
                    trace.note(event, Code.OUTSIDE_WINDOW)
                continue
            chosen.append(event)
        elif first <= named <= last:
            chosen.append(event)
        elif trace is not None:  # it reports on another period
            trace.note(event, Code.OUTSIDE_WINDOW)
    return chosen


def _back(moment: datetime, length: Duration, zone: tzinfo) -> datetime:
    wall = moment.astimezone(zone).replace(tzinfo=None) - length.delta
    return localize(wall, zone)


def period_start(value: object) -> date | None:
    """The first day of the period a value names: 2022-12-01, 2022-12, 2022-Q4 or 2022."""
    if not isinstance(value, str | int) or isinstance(value, bool):
        return None
    text = str(value).strip()
    try:
        if len(text) == 10:
            return date.fromisoformat(text)
        if len(text) == 7 and text[4] == "-" and text[5:].isdigit():
            return date(int(text[:4]), int(text[5:]), 1)
        if len(text) == 7 and text[4:6].upper() == "-Q" and text[6] in "1234":
            return date(int(text[:4]), 3 * int(text[6]) - 2, 1)
        if len(text) == 4 and text.isdigit():
            return date(int(text), 1, 1)
    except ValueError:
        return None
    return None


# ---------------------------------------------------------------- how the outputs say it


def agenda_span(obligation: Obligation, rule: Recurring, day: date, zone: tzinfo) -> Window | None:
    """A rolling duty is judged by gaps, as a standing one: the agenda judges today, from
    its last update (None otherwise: the periods open now or opening soon)."""
    return range_bounds(day, day, zone) if rule.rolling else None


def agenda_deadline(
    obligation: Obligation, rule: Recurring, result: Result, index: EventIndex, now: datetime
) -> tuple[Result, datetime] | None:
    """A rolling duty falls due a cadence after the last update of the requirement done
    longest ago (or after it came into force), as a standing one; never at the end of the
    agenda's own range."""
    return standing.gap_deadline(obligation, result, index, each=True) if rule.rolling else None


def judged_notes(obligation: Obligation, rule: Recurring) -> list[str]:
    """How the verdict mechanisms read this duty, in words."""
    if not rule.rolling:
        return []
    return [
        f"as a rolling gap: never more than {obligation.cadence} between records, counted "
        "from the last one before the range (not fixed calendar periods)"
    ]


def json_fields(rule: Recurring) -> dict[str, Any]:
    """The obligation JSON's keys only this kind writes."""
    return {"rolling": True} if rule.rolling else {}


# ---------------------------------------------------------------- how the simulator acts it


def act(obligation: Obligation, rule: Recurring, actor: Actor) -> Iterator[dict[str, Any]]:
    """Each due window honoured with the force's compliance; of the rest, half are missed
    outright and half fall one short. A rolling duty is acted out by its gaps instead."""
    if rule.rolling:
        yield from standing.act_gaps(obligation, rule.cadence, obligation.evidence, actor)
        return
    people = actor.people[:6] if obligation.scope.per_person else []
    for due in dues(obligation, actor.span, people):
        roll = actor.rng.random()
        if actor.compliance <= roll < actor.compliance + (1 - actor.compliance) / 2:
            continue  # missed outright
        partial = roll >= actor.compliance
        for req in obligation.evidence:
            yield from _satisfy(obligation, req, due, actor, partial=partial)


def _satisfy(
    obligation: Obligation, req: Requirement, due: Due, actor: Actor, *, partial: bool
) -> Iterator[dict[str, Any]]:
    person = due.scope if obligation.scope.per_person else None
    scope = None if obligation.scope.per_person else due.scope
    if req.sum is not None:
        goal = req.min * (0.5 if partial else 1.0)
        total = 0.0
        while total < goal:
            hours = float(actor.rng.choice((1, 1.5, 2, 3)))
            total += hours
            yield actor.record(obligation, req, due.window, scope, person, {req.sum: hours})
        return
    count = int(req.min) if not partial else max(0, int(req.min) - 1)
    if partial and count == 0 and len(obligation.evidence) == 1:
        return
    # `distinct` counts different codes (validate holds it to a code attribute)
    codes = actor.codes(req.types[0], req.distinct) if req.distinct else ()
    for n in range(count):
        extra = {req.distinct: codes[n % len(codes)]} if req.distinct and codes else {}
        yield actor.record(obligation, req, due.window, scope, person, extra)
