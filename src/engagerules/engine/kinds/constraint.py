"""A rule every event of the covered types must keep; any that breaks it is a breach."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any, ClassVar

import attrs

from engagerules.engine.index import EventIndex
from engagerules.engine.schedule import unit_slots
from engagerules.engine.trace import Code, Trace
from engagerules.engine.verdicts import (
    Outcome,
    constraint_windows,
    in_unit,
    make_result,
    qualified,
    subjects_of,
)
from engagerules.model.checks import optional, tuple_of, tuples
from engagerules.model.conditions import failed_condition, missing_attr, unlisted
from engagerules.model.durations import Duration, parse_duration, positive_duration
from engagerules.model.event import Event
from engagerules.model.periods import Window
from engagerules.model.plan import (
    Condition,
    Force,
    Kind,
    Obligation,
    Operator,
    Rule,
    conditions_from_json,
)
from engagerules.model.results import Result, Status
from engagerules.model.words import attr_words, when_words

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

    from engagerules.engine.kinds import Actor


#: A rule binds every record of its types: a breach by anyone is a breach, so a step that
#: lists no roles judges every role (issue 19: constraints never hide a breach).
JUDGES_EVERY_RECORD = True

#: A window is kept when nothing breaks the rule, so a rejected record of its types may hide
#: a breach: `engine/rejected.py` makes such a window unchecked, never met.
KEPT_BY_ABSENCE = True

#: How the force documentation names this kind.
MEANING = "a rule every matching event must keep; a break is a breach"

#: What the force documentation calls this kind's evidence.
EVIDENCE_LABEL = "Events checked"

#: Whether the documentation states the evidence as a count ("at least 1 `tweet`") or,
#: for kinds judged on every such event, by its types alone.
COUNTS_EVIDENCE = False


def _recording(conditions: object) -> object:
    """A rule's conditions as a rule asks them: whether the field was filled in honestly
    (an evidence condition asks whether the thing is there); anything not a condition is
    left for the validator to name."""
    conditions = tuples(conditions)
    if not isinstance(conditions, tuple):
        return conditions
    return tuple(c.recording() if isinstance(c, Condition) else c for c in conditions)


@attrs.frozen
class Constraint(Rule):
    """Every event of the evidence's types must meet `require`; judged per cycle if any."""

    kind: ClassVar[Kind] = Kind.CONSTRAINT

    #: Resolved as a rule asks them: whether each field was recorded (`Condition.asks`).
    require: tuple[Condition, ...] = attrs.field(
        converter=_recording,
        validator=tuple_of(Condition, "a condition"),
    )
    cadence: Duration | None = attrs.field(default=None, validator=optional(positive_duration))
    anchor: date | None = None

    @property
    def keeps(self) -> tuple[Condition, ...]:
        return self.require


#: The rule class the registry dispatches on.
RULE = Constraint

#: This kind's part of the obligation schema (JSON Schema 2020-12; `#/$defs/...` refer to
#: the force schema's definitions). `properties` are the keys only this kind has; `then`
#: applies when an obligation's `kind` is "constraint".
SCHEMA: dict[str, Any] = {
    "properties": {
        "require": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/condition"}},
        "cadence": {"$ref": "#/$defs/duration"},
        "anchor": {
            "$ref": "#/$defs/date",
            "description": "A date a period starts on; cycles run forwards and backwards from it.",
        },
    },
    "then": {"required": ["evidence", "require"], "properties": {"evidence": {"minItems": 1}}},
}


def build(raw: dict[str, Any]) -> Constraint:
    """From the validated JSON of one obligation."""
    return Constraint(
        require=conditions_from_json(raw["require"]),
        cadence=parse_duration(raw["cadence"]) if "cadence" in raw else None,
        anchor=date.fromisoformat(raw["anchor"]) if "anchor" in raw else None,
    )


def evaluate(
    force: Force,
    obligation: Obligation,
    rule: Constraint,
    index: EventIndex,
    span: Window,
    as_of: datetime,
    trace: Trace | None = None,
) -> Outcome:
    """Every event the constraint covers must meet every condition; any that does not is a
    breach, named in the evidence. Sequence conditions (`differs_from_previous`) compare
    each event with the one before it in the same unit, across window edges."""
    windows = constraint_windows(obligation, span)
    results: list[Result] = []
    used: set[str] = set()
    slots = unit_slots(obligation)
    placed = _placed_above(force, obligation, index, slots)
    for unit in (*slots, *placed):
        subjects = placed[unit] if unit in placed else subjects_of(obligation, index, unit)
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
                broken = _broken(force, rule, event, previous[event.id])
                if broken is not None:
                    offenders.append(event)
                    notes.append(_breach_words(broken, event))
                if trace is not None:
                    code = Code.CONFORMS if broken is None else Code.BREAKS_RULE
                    before = previous[event.id]
                    trace.note(event, code, counted=True, condition=broken, other=before)
            used.update(e.id for e in inside)
            result = verdict(force, obligation, rule, unit, window, as_of, inside, offenders, notes)
            results.append(result)
            if trace is not None:
                if unit in placed:  # the units' own records are judged in their units
                    types = [t for req in obligation.evidence for t in req.types]
                    for event in index.between(types, unit, window):
                        if event.scope != unit:
                            trace.note(event, Code.WRONG_UNIT)
                trace.close(result, obligation, unit=unit)
    return Outcome(tuple(results), frozenset(used))


def verdict(
    force: Force,
    obligation: Obligation,
    rule: Constraint,
    unit: str | None,
    window: Window,
    as_of: datetime,
    inside: Sequence[Event],
    offenders: Sequence[Event],
    notes: Sequence[str],
) -> Result:
    """One window's result from the events the rule covered and those that broke it (the
    reference and the compiled engine both judge with it, so they word alike)."""
    where = in_unit(force, unit)
    if offenders:
        shown = ", ".join(notes[:5]) + (f" and {len(notes) - 5} more" if len(notes) > 5 else "")
        return make_result(
            obligation,
            unit,
            window,
            Status.BREACH,
            len(inside),
            len(offenders),
            offenders,
            f"{len(offenders)} of {len(inside)} events{where} break the rule: {shown}",
        )
    # A window with nothing under the rule is not evidence that it was kept: it is
    # `unchecked` once closed, never `met`.
    status = Status.PENDING if window.end > as_of else Status.MET if inside else Status.UNCHECKED
    wording = " and ".join(c.describe() for c in rule.require)
    reason = (
        f"all {len(inside)} events{where} conform ({wording})"
        if inside
        else f"nothing to check: no events{where} {when_words(window)}"
    )
    return make_result(obligation, unit, window, status, len(inside), 0, inside, reason)


def _broken(force: Force, rule: Constraint, event: Event, before: Event | None) -> Condition | None:
    """The first condition `event` fails; a `differs_from_previous` naming a kind of unit
    ("vary across the sections") also fails when the event before it was in the same unit
    of that kind (or neither can be placed in one)."""
    broken = failed_condition(rule.require, event, before)
    if broken is not None or before is None:
        return broken
    for condition in rule.require:
        if condition.op is Operator.DIFFERS_FROM_PREVIOUS and isinstance(condition.value, str):
            kind = condition.value
            if _unit_of_kind(force, event, kind) == _unit_of_kind(force, before, kind):
                return condition
    return None


def _unit_of_kind(force: Force, event: Event, kind: str) -> str | None:
    """The unit of `kind` holding `event` (its own or an enclosing one), or None."""
    if event.scope is None:
        return None
    for unit_id in force.ancestry(event.scope):
        unit = force.unit(unit_id)
        if unit is not None and unit.kind == kind:
            return unit_id
    return None


def _breach_words(broken: Condition, event: Event) -> str:
    """How one breaking event is named: its id, and the rule it breaks. A value that is not
    one of its attribute's codes is named by its attribute and line, never quoted (what a
    person typed is not repeated in reports)."""
    if unlisted(broken, event):
        problem = event.attrs[broken.attr].problem
        where = f"line {event.line}: " if event.line else ""
        return f"{event.id} ({where}{attr_words(broken.attr)} {problem})"
    if missing_attr(broken, event):
        return f"{event.id} (no {attr_words(broken.attr)} recorded)"
    return f"{event.id} ({broken.describe()}: no)"


def _placed_above(
    force: Force, obligation: Obligation, index: EventIndex, slots: tuple[str | None, ...]
) -> dict[str | None, list[Event]]:
    """Events the rule covers that no unit of a per-unit constraint holds: recorded with
    no unit, or at a unit enclosing some of them. Each is judged where it can be placed
    (its own unit, or the force for none), so a breaking record is never left unjudged.
    Whether a scope is such a place is worked out once per scope, not per event."""
    if obligation.scope.per is None or obligation.scope.per_person:
        return {}
    units = {u for u in slots if u is not None}
    above: dict[str | None, bool] = {}

    def placed_above(scope: str | None) -> bool:
        found = above.get(scope)
        if found is None:
            if scope is None:
                found = True
            else:
                chain = force.ancestry(scope)
                found = not units.intersection(chain) and any(
                    scope in force.ancestry(u) for u in units
                )
            above[scope] = found
        return found

    chosen: dict[str, Event] = {}
    for req in obligation.evidence:
        events = [e for e in index.of_type(req.types, None) if placed_above(e.scope)]
        chosen.update((e.id, e) for e in qualified(req, events))
    placed: dict[str | None, list[Event]] = {}
    for event in sorted(chosen.values(), key=lambda e: (e.at, e.id)):
        placed.setdefault(event.scope, []).append(event)
    return placed


# ---------------------------------------------------------------- how the outputs say it

#: Whether the agenda lists this kind as a duty to do.
AGENDA_DUTY = False


def evidence_line(force: Force, obligation: Obligation, rule: Constraint) -> str | None:
    """The calendar's "Evidence:" line, when this kind says it its own way (None: the
    requirements, listed)."""
    if not obligation.evidence:
        return None
    titles = {t.id: t.title for t in force.event_types}
    kinds = " or ".join(titles.get(t, t) for r in obligation.evidence for t in r.types)
    words = " and ".join(c.describe() for c in rule.require) or "conform"
    return f"Evidence: every {kinds} event must meet the rule ({words})"


def doc_lines(force: Force, obligation: Obligation, rule: Constraint) -> list[str]:
    """The force documentation's line of the rule every event must keep."""
    if not rule.require:
        return []
    wording = "; and ".join(c.describe(markdown=True) for c in rule.require)
    sequence = any(c.op is Operator.DIFFERS_FROM_PREVIOUS for c in rule.require)
    order = " (compared with the event before it in the same unit)" if sequence else ""
    return [f"- **Rule:** every matching event must have: {wording}{order}"]


def json_fields(rule: Constraint) -> dict[str, Any]:
    """The obligation JSON's `require`."""
    return {"require": [c.to_json() for c in rule.require]} if rule.require else {}


# ---------------------------------------------------------------- how the simulator acts it


def act(obligation: Obligation, rule: Constraint, actor: Actor) -> Iterator[dict[str, Any]]:
    """A few events a month in each unit, keeping the rule as often as the force complies.
    The recurring twin of a constraint (monthly surgeries) may already make such events;
    these exercise the rule itself."""
    units = list(unit_slots(obligation))
    months = max(1, round((actor.span.end - actor.span.start).days / 30))
    req = obligation.evidence[0]
    # A rule that places must vary "across" a kind of unit is kept by records made in turn
    # in the units of that kind within the duty's unit (and broken by two in one).
    across = next(
        (c.value for c in rule.require if c.op is Operator.DIFFERS_FROM_PREVIOUS
         and isinstance(c.value, str)),
        None,
    )  # fmt: skip
    turn = 0
    for _ in range(months):
        for unit in units:
            comply = actor.rng.random() < actor.compliance
            made = actor.satisfying if comply else actor.breaking
            attrs_ = made(rule.require, req.types[0])
            place = unit
            if across is not None and unit is not None:
                inside = [
                    u.id for u in actor.force.units_of(across) if unit in actor.force.ancestry(u.id)
                ]
                if inside:
                    turn += 1 if comply else 0
                    place = inside[turn % len(inside)]
            yield actor.record(obligation, req, actor.span, place, None, attrs_, comply=comply)
