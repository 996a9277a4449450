"""A duty owed every period (cadence and anchor), per unit, per person, force-wide or by rota."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any, ClassVar

import attrs

from engagerules.engine.index import EventIndex
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
from engagerules.model.checks import optional, tuples
from engagerules.model.checks import times as time_list
from engagerules.model.conditions import measure
from engagerules.model.durations import Duration, parse_duration, positive_duration
from engagerules.model.periods import Window
from engagerules.model.plan import Force, Kind, Obligation, Rule
from engagerules.model.results import Result

#: How long after each time of day evidence still counts, when the plan says no `slot`.
DEFAULT_SLOT = Duration(hours=1)

#: How the force documentation names this kind.
MEANING = "due in every period"

#: What the force documentation calls this kind's evidence.
EVIDENCE_LABEL = "Evidence"

#: Whether the documentation states the evidence as a count ("at least 1 `tweet`") or,
#: for kinds judged on every such event, by its types alone.
COUNTS_EVIDENCE = True


@attrs.frozen
class Recurring(Rule):
    """Owed every period of `cadence` (phased by `anchor`), or at each of `times` in it."""

    kind: ClassVar[Kind] = Kind.RECURRING

    cadence: Duration = attrs.field(validator=positive_duration)
    anchor: date | None = None
    times: tuple[time, ...] = attrs.field(default=(), converter=tuples, validator=time_list)
    #: Default: an hour after each time, when there are times; None without them.
    slot: Duration | None = attrs.field(
        default=attrs.Factory(lambda self: DEFAULT_SLOT if self.times else None, takes_self=True),
        validator=optional(positive_duration),
    )


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
    results: list[Result] = []
    used: set[str] = set()
    persons = persons_owing(obligation, index, span)
    roster = membership(obligation, index)
    for due in dues(obligation, span, persons):
        result = _judge_due(obligation, index, due, as_of, trace)
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
    obligation: Obligation, index: EventIndex, due: Due, as_of: datetime, trace: Trace | None
) -> Result:
    person = due.scope if obligation.scope.per_person else None
    key = unit_key(obligation, due.scope)
    measured = []
    for req in obligation.evidence:
        events = qualified(req, index.between(req.types, key, due.window), person, trace)
        measured.append((req, measure(req, events), events))
    context = f"{due.window.label}"
    if obligation.scope.rota:
        context += " (rota turn)"
    return steps_verdict(obligation, measured, due.scope, due.window, as_of, context=context)
