"""A duty owed after each trigger event: every follow-up step by the deadline."""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Any, ClassVar

import attrs

from engagerules.engine.index import EventIndex
from engagerules.engine.schedule import unit_slots
from engagerules.engine.trace import Code, Trace
from engagerules.engine.verdicts import Outcome, qualified, steps_verdict
from engagerules.model.checks import instance, one_of, optional, strings, tuple_of, tuples
from engagerules.model.conditions import failed_condition, measure
from engagerules.model.durations import Duration, parse_duration, positive_duration
from engagerules.model.event import Event
from engagerules.model.limits import year_problem
from engagerules.model.periods import Window, local_midnight, range_bounds
from engagerules.model.plan import (
    Condition,
    Force,
    Kind,
    Obligation,
    Rule,
    conditions_from_json,
)
from engagerules.model.results import Result
from engagerules.model.words import (
    deadline_words,
    duration_words,
    markdown_codes,
    time_words,
    type_words,
)

if TYPE_CHECKING:
    from collections.abc import Iterator

    from engagerules.engine.kinds import Actor


#: How the force documentation names this kind.
MEANING = "a follow-up owed after an event, by a deadline"

#: How follow-ups are tied to their trigger: by `refs` only, or also by unit and time.
MATCHES = ("refs", "refs_or_scope")


@attrs.frozen
class Trigger:
    """The event that starts a deadline for follow-up steps.

    Follow-ups are matched by `refs` to the trigger's id; with `match` `refs_or_scope`, an
    event that refs nothing also counts if it is in the trigger's unit before the deadline
    (and the result says it is not linked). `each_unit` owes a trigger at an enclosing
    unit or force-wide in every unit of the obligation within it.
    """

    types: tuple[str, ...] = attrs.field(converter=tuples, validator=strings)
    within: Duration = attrs.field(validator=positive_duration)
    where: tuple[Condition, ...] = attrs.field(
        default=(), converter=tuples, validator=tuple_of(Condition, "a condition")
    )
    match: str = attrs.field(default="refs", validator=one_of(MATCHES))
    deadline_attr: str | None = attrs.field(
        default=None, validator=optional(instance(str, "an attribute name"))
    )
    each_unit: bool = attrs.field(default=False, validator=instance(bool, "true or false"))


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
                "each_unit": {
                    "type": "boolean",
                    "description": (
                        "A trigger recorded at an enclosing unit or force-wide is owed by every "
                        "unit of the obligation within it, each needing its own follow-up "
                        "there; by default it is owed once, where it happened."
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
            match=trigger.get("match", "refs"),
            deadline_attr=trigger.get("deadline_attr"),
            each_unit=bool(trigger.get("each_unit", False)),
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
    """Judge every trigger whose follow-up is owed in `span`: those fired inside it, and
    those fired before it (while the duty was in force) whose deadline falls inside it.

    Follow-ups count only after their trigger. With `match` `refs` (the default) only
    records that name the trigger in `refs` count; `refs_or_scope` also accepts records in
    the trigger's unit before the deadline, and every result resting on such a record
    says so (`linked` false), so a reviewer can see which follow-ups rest on coincidence.
    """
    trigger = rule.trigger
    results: list[Result] = []
    used: set[str] = set()
    for fired, window in _owed(force, obligation, trigger, index, span):
        for unit in _trigger_units(force, obligation, trigger, fired):
            # Fanned out (`each_unit`) to a unit within the trigger's: follow-ups must be there.
            strict = unit is not None and (
                fired.scope is None or unit not in force.ancestry(fired.scope)
            )
            measured = []
            circumstantial: set[str] = set()
            for req in obligation.evidence:
                referring = [
                    e
                    for e in index.following(fired.id)
                    if _kept_out(force, e, unit, window, strict) is None
                ]
                nearby: list[Event] = []
                if trigger.match == "refs_or_scope":
                    nearby = [
                        e
                        for e in index.between(req.types, unit, window)
                        if not e.refs and e.id != fired.id and e.at >= fired.at
                    ]
                events = qualified(req, referring + nearby, trace=trace)
                circumstantial.update(e.id for e in events if fired.id not in e.refs)
                measured.append((req, measure(req, events), events))
            context = (
                f"after {type_words(force, fired.type)} {fired.id} at "
                f"{time_words(window.start, window.zone)}, "
                f"due by {deadline_words(window.end, window.zone)}"
            )
            verdict = steps_verdict(
                force, obligation, measured, unit, window, as_of, context=context
            )
            linked = not circumstantial
            reason = verdict.reason
            if not linked:
                shown = ", ".join(sorted(circumstantial))
                reason += f" (not linked: {shown} matched by unit and time, not by refs)"
            verdict = attrs.evolve(
                verdict,
                evidence=(fired.id, *verdict.evidence),
                trigger=fired.id,
                linked=linked,
                reason=reason,
            )
            results.append(verdict)
            used.update(verdict.evidence)
            if trace is not None:
                by_scope = trigger.match == "refs_or_scope"
                _trace(trace, force, obligation, verdict, fired, unit, strict, by_scope=by_scope)
    return Outcome(tuple(results), frozenset(used))


def _kept_out(
    force: Force, event: Event, unit: str | None, window: Window, strict: bool
) -> Code | None:
    """Why a follow-up of the trigger does not count for `unit`, or None if it may: before
    the trigger, after the deadline, or (when the trigger is owed by `unit` within the
    trigger's own, `strict`) not recorded in that unit."""
    if event.at < window.start:
        return Code.BEFORE_TRIGGER
    if event.at >= window.end:
        return Code.AFTER_DEADLINE
    if strict and (event.scope is None or unit not in force.ancestry(event.scope)):
        return Code.WRONG_UNIT
    return None


def _trace(
    trace: Trace,
    force: Force,
    obligation: Obligation,
    verdict: Result,
    fired: Event,
    unit: str | None,
    strict: bool,
    *,
    by_scope: bool,
) -> None:
    """Note the trigger and every follow-up kept out, then seal the window. `by_scope`:
    follow-ups may also be matched by unit and time, not only by reference."""
    trace.note(fired, Code.TRIGGER, counted=True)
    for event in trace.index.following(fired.id):
        code = _kept_out(force, event, unit, verdict.window, strict)
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


def _owed(
    force: Force, obligation: Obligation, trigger: Trigger, index: EventIndex, span: Window
) -> list[tuple[Event, Window]]:
    """The triggers judged in `span`, each with its follow-up window: fired inside the
    span, or fired earlier (the duty in force then) with a deadline inside it."""
    owed = []
    for fired in index.of_type(trigger.types):
        if fired.at >= span.end or failed_condition(trigger.where, fired) is not None:
            continue
        deadline = _deadline(force, trigger, fired)
        if fired.at < span.start and not (
            deadline > span.start and obligation.in_force_on(fired.at.astimezone(force.zone).date())
        ):
            continue
        owed.append((fired, Window(fired.at, deadline, force.zone)))
    return owed


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


def _trigger_units(
    force: Force, obligation: Obligation, trigger: Trigger, fired: Event
) -> list[str | None]:
    """Where a trigger makes the follow-up owed: judged once, where it happened.

    Per unit of a kind: the unit of that kind enclosing the trigger's own unit; a trigger
    recorded at an enclosing unit (a team above its sections) or force-wide is owed once,
    at that unit, and follow-ups there or in units within it count. With `each_unit`, a
    trigger at an enclosing unit or force-wide is owed by every unit of the obligation
    within it, each with its own follow-up (census data released for the whole force means
    a profile refresh in every area, and a record with no area refreshes none).
    """
    per = obligation.scope.per
    if per is None or per == "person":
        return [fired.scope]
    if fired.scope is not None:
        for unit_id in force.ancestry(fired.scope):
            unit = force.unit(unit_id)
            if unit is not None and unit.kind == per and unit_id in obligation.scope.units:
                return [unit_id]
    if trigger.each_unit:
        within = [
            u
            for u in obligation.scope.units
            if fired.scope is None or fired.scope in force.ancestry(u)
        ]
        if within:
            return list(within)
    return [fired.scope]


# ---------------------------------------------------------------- how the outputs say it

#: Whether the calendar shows the owner free, not busy, in this kind's items.
CALENDAR_FREE = True

#: Whether events set off this kind's duties (the calendar's follow-ups).
FOLLOWS_EVENTS = True


def within_words(rule: Triggered) -> str:
    """What the calendar adds after a follow-up's "Due by:" time."""
    return f" ({duration_words(rule.trigger.within)} after it)"


def agenda_span(obligation: Obligation, rule: Triggered, day: date, zone: tzinfo) -> Window | None:
    """The range the agenda evaluates on `day`, when this kind fixes one (None: the range
    of the windows open now or opening soon)."""
    back = timedelta(days=_lookback(rule.trigger.within))
    return range_bounds(day - back, day, zone)


def _lookback(within: Duration) -> int:
    """Whole days that certainly cover `within` (a month taken as 31 days, a year 366)."""
    days = within.years * 366 + within.months * 31 + within.weeks * 7 + within.days
    return days + math.ceil((within.hours * 60 + within.minutes) / 1440) + 1


def doc_lines(force: Force, obligation: Obligation, rule: Triggered) -> list[str]:
    """The force documentation's line of the trigger."""
    trigger = rule.trigger
    where = ""
    if trigger.where:
        where = " where " + " and ".join(c.describe(markdown=True) for c in trigger.where)
    if trigger.match == "refs":
        match = "follow-ups count only if they refer to the trigger (`refs`)"
    else:
        match = (
            "follow-ups count if they refer to the trigger (`refs`) or, referring to nothing, "
            "are logged in the trigger's unit"
        )
    within = f"{duration_words(trigger.within)} ({trigger.within})"
    due = f"due within {within}"
    if trigger.deadline_attr is not None:
        due = (
            f"due by the end of the local day its `{trigger.deadline_attr}` names (or the "
            f"moment, for a timestamp), else within {within} where it names none or a time "
            "not after the trigger"
        )
    types = markdown_codes(trigger.types, " or ")
    return [f"- **Trigger:** each {types}{where}; {due}; {match}"]


def judged_notes(obligation: Obligation, rule: Triggered) -> list[str]:
    """How the verdict mechanisms read this duty, in words."""
    notes = []
    if rule.trigger.match != "refs":
        notes.append("a result met by follow-ups matched on unit and time says it is not linked")
    if rule.trigger.each_unit:
        notes.append("a trigger above the units is owed by each unit within it, on its own work")
    return notes


def json_fields(rule: Triggered) -> dict[str, Any]:
    """The contract's `trigger` object."""
    fired = rule.trigger
    trigger: dict[str, Any] = {"types": list(fired.types), "within": str(fired.within)}
    if fired.where:
        trigger["where"] = [c.to_json() for c in fired.where]
    trigger["match"] = fired.match
    if fired.deadline_attr:
        trigger["deadline_attr"] = fired.deadline_attr
    if fired.each_unit:
        trigger["each_unit"] = True
    return {"trigger": trigger}


def trigger_types(rule: Triggered) -> tuple[str, ...]:
    """The event types that set this duty off."""
    return rule.trigger.types


# ---------------------------------------------------------------- how the simulator acts it


def act(obligation: Obligation, rule: Triggered, actor: Actor) -> Iterator[dict[str, Any]]:
    """Two triggers a month, each followed up (every step, or all but one when the force
    does not comply) within its deadline, the steps referring to it."""
    trigger = rule.trigger
    units = list(unit_slots(obligation))
    months = max(1, round((actor.span.end - actor.span.start).days / 30))
    for _ in range(months * 2):
        key = actor.key(obligation)
        unit = actor.rng.choice(units)
        at = actor.moment(actor.span)
        fired = actor.base(trigger.types[0], at, unit, obligation.owner)
        fired.setdefault("attrs", {}).update(actor.satisfying(trigger.where, trigger.types[0]))
        if not fired["attrs"]:
            del fired["attrs"]
        fired["_key"] = key
        yield fired
        window = Window(at, trigger.within.after(at))
        skip = None
        if actor.rng.random() >= actor.compliance:
            skip = actor.rng.randrange(len(obligation.evidence))
        for index, req in enumerate(obligation.evidence):
            if index == skip:
                continue
            step = actor.record(obligation, req, window, unit, None, {})
            step["_refs"] = [key]
            yield step
