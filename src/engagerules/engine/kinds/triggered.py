"""A duty owed after each trigger event: every follow-up step by the deadline."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any, ClassVar

import attrs

from engagerules.engine.index import EventIndex
from engagerules.engine.trace import Code, Trace
from engagerules.engine.verdicts import Outcome, qualified, steps_verdict
from engagerules.model.checks import instance, one_of, optional, strings, tuple_of, tuples
from engagerules.model.conditions import failed_condition, measure
from engagerules.model.durations import Duration, parse_duration, positive_duration
from engagerules.model.limits import year_problem
from engagerules.model.periods import Window, local_midnight
from engagerules.model.plan import (
    Condition,
    Force,
    Kind,
    Obligation,
    Rule,
    conditions_from_json,
)
from engagerules.model.results import Result
from engagerules.sources.events import Event

#: How the force documentation names this kind.
MEANING = "a follow-up owed after an event, by a deadline"

#: What the force documentation calls this kind's evidence.
EVIDENCE_LABEL = "Evidence"

#: Whether the documentation states the evidence as a count ("at least 1 `tweet`") or,
#: for kinds judged on every such event, by its types alone.
COUNTS_EVIDENCE = True

#: How follow-ups are tied to their trigger: by `refs` only, or also by unit and time.
MATCHES = ("refs", "refs_or_scope")


@attrs.frozen
class Trigger:
    """The event that starts a deadline for follow-up steps.

    Follow-ups are matched by `refs` to the trigger's id; with `match` `refs_or_scope`, an
    event that refs nothing also counts if it is in the trigger's unit before the deadline.
    """

    types: tuple[str, ...] = attrs.field(converter=tuples, validator=strings)
    within: Duration = attrs.field(validator=positive_duration)
    where: tuple[Condition, ...] = attrs.field(
        default=(), converter=tuples, validator=tuple_of(Condition, "a condition")
    )
    match: str = attrs.field(default="refs_or_scope", validator=one_of(MATCHES))
    deadline_attr: str | None = attrs.field(
        default=None, validator=optional(instance(str, "an attribute name"))
    )


@attrs.frozen
class Triggered(Rule):
    """Owed after each `trigger` event: every step of the evidence by its deadline."""

    kind: ClassVar[Kind] = Kind.TRIGGERED

    trigger: Trigger = attrs.field(validator=instance(Trigger, "a trigger"))

    @property
    def reads(self) -> tuple[str, ...]:
        return self.trigger.types


#: The rule class the registry dispatches on.
RULE = Triggered

#: This kind's part of the obligation schema (JSON Schema 2020-12; `#/$defs/...` refer to
#: the force schema's definitions). `properties` are the keys only this kind has; `then`
#: applies when an obligation's `kind` is "triggered".
SCHEMA: dict[str, Any] = {
    "properties": {
        "trigger": {
            "type": "object",
            "additionalProperties": False,
            "required": ["types", "within"],
            "properties": {
                "types": {"$ref": "#/$defs/types"},
                "within": {"$ref": "#/$defs/duration"},
                "where": {"type": "array", "items": {"$ref": "#/$defs/condition"}},
                "match": {"enum": ["refs", "refs_or_scope"]},
                "deadline_attr": {
                    "type": "string",
                    "minLength": 1,
                    "description": (
                        "An attribute of the trigger event holding its own deadline (a date: "
                        "the end of that day; or a timestamp), e.g. the date of the meeting an "
                        "invitation is for. 'within' applies when the event lacks it."
                    ),
                },
            },
        }
    },
    "then": {"required": ["trigger", "evidence"], "properties": {"evidence": {"minItems": 1}}},
}


def build(raw: dict[str, Any]) -> Triggered:
    """From the validated JSON of one obligation."""
    trigger = raw["trigger"]
    return Triggered(
        Trigger(
            types=tuple(trigger["types"]),
            within=parse_duration(trigger["within"]),
            where=conditions_from_json(trigger.get("where", ())),
            match=trigger.get("match", "refs_or_scope"),
            deadline_attr=trigger.get("deadline_attr"),
        )
    )


def evaluate(
    force: Force,
    obligation: Obligation,
    rule: Triggered,
    index: EventIndex,
    span: Window,
    as_of: datetime,
    trace: Trace | None = None,
) -> Outcome:
    trigger = rule.trigger
    results: list[Result] = []
    used: set[str] = set()
    for fired in index.between(trigger.types, None, span):
        if failed_condition(trigger.where, fired) is not None:
            continue
        window = Window(fired.at, _deadline(force, rule.trigger, fired), force.zone)
        units = _trigger_units(force, obligation, fired)
        fanned = len(units) > 1 or (fired.scope is None and units != [None])
        for unit in units:
            measured = []
            for req in obligation.evidence:
                referring = [
                    e
                    for e in index.following(fired.id)
                    if _kept_out(force, e, unit, window, fanned) is None
                ]
                nearby: list[Event] = []
                if trigger.match == "refs_or_scope":
                    nearby = [
                        e
                        for e in index.between(req.types, unit, window)
                        if not e.refs and e.id != fired.id
                    ]
                events = qualified(req, referring + nearby, trace=trace)
                measured.append((req, measure(req, events), events))
            context = (
                f"after {fired.type} {fired.id} at {window.local_start:%Y-%m-%d %H:%M}, "
                f"due by {window.local_end:%Y-%m-%d %H:%M}"
            )
            verdict = steps_verdict(obligation, measured, unit, window, as_of, context=context)
            verdict = attrs.evolve(
                verdict, evidence=(fired.id, *verdict.evidence), trigger=fired.id
            )
            results.append(verdict)
            used.update(verdict.evidence)
            if trace is not None:
                by_scope = trigger.match == "refs_or_scope"
                _trace(trace, force, obligation, verdict, fired, unit, fanned, by_scope=by_scope)
    return Outcome(tuple(results), frozenset(used))


def _kept_out(
    force: Force, event: Event, unit: str | None, window: Window, fanned: bool
) -> Code | None:
    """Why a follow-up of the trigger does not count for `unit`, or None if it may: before
    the trigger, after the deadline, or (when the trigger fans out to several units) in
    another unit."""
    if event.at < window.start:
        return Code.BEFORE_TRIGGER
    if event.at >= window.end:
        return Code.AFTER_DEADLINE
    if fanned and event.scope and unit not in force.ancestry(event.scope):
        return Code.WRONG_UNIT
    return None


def _trace(
    trace: Trace,
    force: Force,
    obligation: Obligation,
    verdict: Result,
    fired: Event,
    unit: str | None,
    fanned: bool,
    *,
    by_scope: bool,
) -> None:
    """Note the trigger and every follow-up kept out, then seal the window. `by_scope`:
    follow-ups may also be matched by unit and time, not only by reference."""
    trace.note(fired, Code.TRIGGER, counted=True)
    for event in trace.index.following(fired.id):
        code = _kept_out(force, event, unit, verdict.window, fanned)
        if code is not None:
            trace.note(event, code, other=fired)
    trace.close(
        verdict,
        obligation,
        unit=unit if by_scope else None,
        trigger=fired,
        near=Code.AFTER_DEADLINE if by_scope else None,
        hints=True,
    )


def _deadline(force: Force, trigger: Trigger, fired: Event) -> datetime:
    """When the follow-up is due: the date the trigger itself names (the end of the day of
    the meeting an invitation is for), or else `within` after the trigger. A named deadline
    that is not after the trigger gives no time at all, so `within` applies then too."""
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
        when: date = date.fromisoformat(text) if len(text) == 10 else datetime.fromisoformat(text)
    except ValueError:
        return None
    if year_problem(when) is not None:  # 9999-12-31 + a day would leave what datetime holds
        return None
    if not isinstance(when, datetime):
        return local_midnight(when + timedelta(days=1), force.zone)
    return when if when.tzinfo is not None else None


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
