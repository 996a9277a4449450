"""A duty owed after each trigger event: every follow-up step by the deadline."""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta, tzinfo
from heapq import heappop, heappush
from itertools import chain
from operator import attrgetter
from typing import TYPE_CHECKING, Any, ClassVar

import attrs

from engagerules.engine.index import EventIndex
from engagerules.engine.schedule import unit_slots
from engagerules.engine.trace import Code, Trace
from engagerules.engine.verdicts import Outcome, steps_verdict
from engagerules.model.checks import instance, one_of, optional, strings, tuple_of, tuples
from engagerules.model.conditions import failed_condition, measure, qualifies, recorded
from engagerules.model.durations import Duration, parse_duration, positive_duration
from engagerules.model.event import Event
from engagerules.model.limits import year_problem
from engagerules.model.periods import Window, local_midnight, range_bounds
from engagerules.model.plan import (
    Condition,
    Force,
    Kind,
    Obligation,
    Requirement,
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


#: Whether a trigger fired before the duty came into force, with its deadline after, is owed.
EARLIER = ("not_owed", "owed")

#: Which triggers one follow-up answers: one (the default: the one due first), or every
#: trigger of the duty in its unit still open at its time and fired no later than it.
ANSWERS = ("one", "all_open")

#: How a follow-up shows the item a key names: its own attribute of that name, or the local
#: day it was done on (an attendance is on the day of the meeting it attends).
KEY_STEPS = ("attr", "day")


@attrs.frozen
class ItemKey:
    """The attribute naming the one item a trigger and its follow-up are parts of (the
    meeting an invitation is for): an unlinked follow-up counts only for the trigger whose
    `attr` names the same item, and a trigger that names none is followed up by `refs` only."""

    attr: str = attrs.field(validator=instance(str, "an attribute name"))
    on_step: str = attrs.field(default="attr", validator=one_of(KEY_STEPS))

    def of_trigger(self, event: Event) -> object:
        """The item the trigger names (None: it names none). A day is read as a date."""
        value = event.attrs.get(self.attr)
        if self.on_step == "day":
            return _day(value)
        return value if recorded(value) else None

    def of_step(self, event: Event, zone: tzinfo) -> object:
        """The item a follow-up is part of (None: it says none)."""
        if self.on_step == "day":
            return event.at.astimezone(zone).date()
        value = event.attrs.get(self.attr)
        return value if recorded(value) else None


def _day(value: object) -> date | None:
    if not isinstance(value, str) or len(value.strip()) != 10:
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        return None


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
    #: The other triggered duties an unlinked follow-up may also count for (by default a
    #: record matched by unit and time counts for one duty's trigger only).
    shared_with: tuple[str, ...] = attrs.field(default=(), converter=tuples, validator=strings)
    #: What makes an unlinked follow-up the same item as its trigger (None: unit and time).
    key: ItemKey | None = attrs.field(
        default=None, validator=optional(instance(ItemKey, "an item key"))
    )
    #: Whether a follow-up naming the trigger in `refs` counts though made before it (a
    #: record entered ahead of its event); unlinked records count only after the trigger.
    linked_before: bool = attrs.field(default=False, validator=instance(bool, "true or false"))
    #: Whether a trigger fired before the duty came into force whose deadline falls after
    #: it is owed (`owed`), or not (`not_owed`, the default): a census release the plan
    #: awaits may be dated just before the day a configuration reads the plan as starting.
    fired_before_effective: str = attrs.field(default="not_owed", validator=one_of(EARLIER))
    #: Which triggers of this duty one follow-up answers: `one` (the default, one record,
    #: one trigger: a record standing for three warrants was a false "met"), or `all_open`,
    #: every trigger still open and short of that step in the follow-up's unit, fired no
    #: later than it (one full review once the census data is out answers each release
    #: still awaiting one). A follow-up never answers a trigger fired after it.
    answers: str = attrs.field(default="one", validator=one_of(ANSWERS))


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
                "shared_with": {
                    "type": "array",
                    "uniqueItems": True,
                    "items": {"type": "string", "minLength": 1},
                    "description": (
                        "Ids of other triggered duties a follow-up matched by unit and time "
                        "may count for as well; by default such a record counts for one "
                        "trigger of one duty (the earliest due)."
                    ),
                },
                "key": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["attr"],
                    "properties": {
                        "attr": {"type": "string", "minLength": 1},
                        "on_step": {"enum": list(KEY_STEPS)},
                    },
                    "description": (
                        "The trigger's attribute naming the one item it and its follow-up "
                        "are parts of (the meeting an invitation is for). An unlinked "
                        "follow-up counts only when it names the same item: its own attribute "
                        "of that name ('attr', the default) or the local day it was done on "
                        "('day'); a trigger naming none is followed up by refs only."
                    ),
                },
                "linked_before": {
                    "type": "boolean",
                    "description": (
                        "A follow-up naming the trigger in refs counts even if recorded "
                        "before it (an entry made ahead of its event), up to the deadline; "
                        "one naming nothing counts only after the trigger, as always."
                    ),
                },
                "fired_before_effective": {
                    "enum": list(EARLIER),
                    "description": (
                        "Whether a trigger fired before the duty came into force, whose "
                        "deadline falls after it, is owed ('owed') or not ('not_owed', the "
                        "default). Declare it as a reading where the effective date is one: "
                        "only a duty's first version may say 'owed'."
                    ),
                },
                "answers": {
                    "enum": list(ANSWERS),
                    "description": (
                        "Which triggers of this duty one follow-up answers: 'one' (the "
                        "default: one record, one trigger, the one due first) or 'all_open' "
                        "(every trigger of the duty still open and short of that step in its "
                        "unit, fired no later than the record; never one fired after it). "
                        "A reading: state it in readings.evidence."
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
            shared_with=tuple(trigger.get("shared_with", ())),
            key=None
            if "key" not in trigger
            else ItemKey(trigger["key"]["attr"], trigger["key"].get("on_step", "attr")),
            linked_before=bool(trigger.get("linked_before", False)),
            fired_before_effective=trigger.get("fired_before_effective", "not_owed"),
            answers=trigger.get("answers", "one"),
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

    Which record counts for which trigger is decided once for the whole log (`_claims`):
    a record counts for at most one trigger of a duty, linked records (`refs`) for the
    trigger they name, unlinked ones (`refs_or_scope`) one to one, earliest deadline
    first; every result resting on an unlinked record says so (`linked` false), so a
    reviewer can see which follow-ups rest on coincidence.
    """
    trigger = rule.trigger
    claimed = _claims(force, obligation, index)
    results: list[Result] = []
    used: set[str] = set()
    for fired, window in _owed(force, obligation, trigger, index, span):
        for unit in _trigger_units(force, obligation, trigger, fired):
            taken = claimed.taken.get(_instance_key(obligation, fired, unit))
            steps = taken or tuple(() for _ in obligation.evidence)
            measured = [
                (req, measure(req, list(events)), list(events))
                for req, events in zip(obligation.evidence, steps, strict=True)
            ]
            context = (
                f"after {type_words(force, fired.type)} {fired.id} at "
                f"{time_words(window.start, window.zone)}, "
                f"due by {deadline_words(window.end, window.zone)}"
            )
            verdict = steps_verdict(
                force, obligation, measured, unit, window, as_of, context=context
            )
            circumstantial = [e.id for _, _, events in measured for e in events if not e.refs]
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
                _trace(trace, force, obligation, claimed, verdict, fired, unit, index)
    return Outcome(tuple(results), frozenset(used), claimed.spare)


# ------------------------------------------------------- which record counts for which trigger

#: One obligation instance: the duty version (id, first day), the trigger, the unit owing it.
InstanceKey = tuple[str, date | None, str, str | None]


def _instance_key(obligation: Obligation, fired: Event, unit: str | None) -> InstanceKey:
    return (obligation.id, obligation.effective_from, fired.id, unit)


@attrs.frozen
class Claims:
    """Which records count for which obligation instance, for every triggered duty of a
    force over the whole log (so every range, and every duty reading them, agrees)."""

    #: Per instance, the records counted for each requirement (linked first, in log order).
    taken: Mapping[InstanceKey, tuple[tuple[Event, ...], ...]]
    #: Per duty id and record id, the instance the record counts for.
    placed: Mapping[tuple[str, str], InstanceKey]
    #: Unlinked records in the window of an open trigger that they could have followed up,
    #: counted for none: every such trigger had its follow-up already.
    spare: frozenset[str] = frozenset()

    def of_duty(self, duty: str) -> frozenset[str]:
        """The ids of the records counted as follow-ups of `duty`."""
        return frozenset(record for owner, record in self.placed if owner == duty)


class _Instance:
    """A trigger owed in one unit, while the follow-ups are assigned to it."""

    __slots__ = ("duty", "fired", "item", "key", "order", "steps", "strict", "unit", "window")

    def __init__(
        self, duty: int, obligation: Obligation, fired: Event, unit: str | None, window: Window
    ) -> None:
        self.duty = duty
        self.fired = fired
        self.unit = unit
        self.window = window
        self.key = _instance_key(obligation, fired, unit)
        # Fanned out (`each_unit`) to a unit within the trigger's: follow-ups must be there.
        self.strict = False
        self.steps: list[list[Event]] = [[] for _ in obligation.evidence]
        #: Earliest deadline first; ties by the trigger's time, id, unit and the duty's place.
        self.order = (window.end, fired.at, fired.id, unit or "", duty)
        self.item: object = None


def _claims(force: Force, obligation: Obligation, index: EventIndex) -> Claims:
    """The follow-up assignment of every triggered duty of `force` (and `obligation`, if
    it is not one of them), made once per index."""
    duties = [ob for ob in force.obligations if isinstance(ob.rule, Triggered)]
    if obligation not in duties:
        duties.append(obligation)
    key = ("follow-ups", id(force), tuple((ob.id, ob.effective_from) for ob in duties))
    return index.derived(key, lambda: _assign(force, duties, index))


def _assign(force: Force, duties: list[Obligation], index: EventIndex) -> Claims:
    """Assign follow-ups to triggers, each record to at most one trigger of a duty.

    1. **Instances.** Every trigger of each duty fired while the duty was in force, in
       each unit that owes it (`_trigger_units`), with its window: from the trigger to
       its deadline.
    2. **Linked records.** A record naming a trigger in `refs`, inside its window (and in
       the unit, when fanned out), counts for it, for the first requirement it qualifies
       for. A record naming several triggers of one duty counts for the one due first
       (for each, under `all_open`: step 4).
    3. **Unlinked records** (`match` `refs_or_scope`, records naming nothing) are swept in
       time order. Each goes to the instance due first among those open at its time, in
       its unit or one enclosing it, naming the same item (`key`), and still short of a
       requirement it qualifies for; then, if a duty lists another in `shared_with`, to
       that duty's instance due first as well. Earliest deadline first matches as many
       triggers as any assignment can (the greedy rule for points and intervals).
    4. **Answering every open trigger.** A duty whose trigger `answers` `all_open` (a
       reading) gives a record to each of its instances open at its time, not only the
       first: in step 2 every trigger it names, in step 3 every one in its reach still
       short of a step it fills. An instance opens only at its trigger, so a record
       never answers a trigger fired after it.

    The work is one pass over the triggers and one over the records, each instance
    entering and leaving a heap once: near-linear, never triggers times records. The
    same steps read as SQL: a join of follow-ups to triggers on `refs`, then a window
    function ranking open instances by deadline per record.
    """
    zone = force.zone
    instances: list[_Instance] = []
    for n, ob in enumerate(duties):
        trigger = _trigger_of(ob)
        for fired in index.of_type(trigger.types):
            if failed_condition(trigger.where, fired) is not None:
                continue
            window = Window(fired.at, _deadline(force, trigger, fired), zone)
            if not _owes_trigger(ob, trigger, fired, window.end, zone):
                continue
            for unit in _trigger_units(force, ob, trigger, fired):
                inst = _Instance(n, ob, fired, unit, window)
                inst.strict = _strict(force, fired, unit)
                inst.item = None if trigger.key is None else trigger.key.of_trigger(fired)
                instances.append(inst)
    placed: dict[tuple[str, str], InstanceKey] = {}
    _link(force, duties, instances, index, placed)
    spare = _sweep(force, duties, instances, index, placed)
    taken = {inst.key: tuple(tuple(step) for step in inst.steps) for inst in instances}
    return Claims(taken, placed, frozenset(spare))


def _link(
    force: Force,
    duties: list[Obligation],
    instances: list[_Instance],
    index: EventIndex,
    placed: dict[tuple[str, str], InstanceKey],
) -> None:
    """Step 2: each record naming triggers counts for the one of each duty due first."""
    naming: dict[tuple[int, str], list[tuple[_Instance, int, Event]]] = {}
    for inst in instances:
        evidence = duties[inst.duty].evidence
        early = _early(force, duties[inst.duty])
        for event in index.following(inst.fired.id):
            if _kept_out(force, event, inst.unit, inst.window, inst.strict, early) is not None:
                continue
            step = next((i for i, req in enumerate(evidence) if qualifies(req, event)), None)
            if step is not None:
                naming.setdefault((inst.duty, event.id), []).append((inst, step, event))
    for (n, event_id), options in naming.items():
        options.sort(key=lambda option: option[0].order)
        if _trigger_of(duties[n]).answers == "one":
            del options[1:]  # naming several, it counts for the one due first
        for inst, step, event in options:
            inst.steps[step].append(event)
        placed[(duties[n].id, event_id)] = options[0][0].key


def _sweep(
    force: Force,
    duties: list[Obligation],
    instances: list[_Instance],
    index: EventIndex,
    placed: dict[tuple[str, str], InstanceKey],
) -> set[str]:
    """Step 3: unlinked records, in time order, each to the open instance due first.
    Returns the records that counted for none though some trigger's window was open to
    them (each had its follow-up already)."""
    routes = _routes(duties)
    if not routes:
        return set()
    sharing = _sharing(duties)
    keys = [_trigger_of(ob).key for ob in duties]
    swept = {n for found in routes.values() for n, _ in found}
    pending = sorted(
        (i for i in instances if i.duty in swept), key=lambda i: (i.fired.at, i.fired.id)
    )
    # (duty, requirement, unit, item) -> heap of (order, instance) still short of it
    heaps: dict[tuple[int, int, str | None, object], list[tuple[Any, int, _Instance]]] = {}
    # the same, of every instance open whether or not it has what it needs: its deadline
    windows: dict[tuple[int, int, str | None, object], list[datetime]] = {}
    spare: set[str] = set()
    # per (type, unit, person) of a record: its reach and the heaps it may look in
    probes_of: dict[tuple[str, str | None, str | None], tuple[_Reach, list[_Probe]]] = {}
    opened = 0
    for record in _unlinked_candidates(index, routes, pending):
        if record.refs:
            continue
        while opened < len(pending) and pending[opened].fired.at <= record.at:
            inst = pending[opened]
            opened += 1
            if keys[inst.duty] is not None and inst.item is None:
                continue  # names no item: only a record naming it by refs can follow it up
            for i, req in enumerate(duties[inst.duty].evidence):
                # a trigger naming a person (a staff member's concern) is that person's:
                # an unlinked record for someone else never follows it up
                where = (inst.duty, i, inst.unit, (inst.item, inst.fired.person))
                heappush(windows.setdefault(where, []), inst.window.end)
                if _short(req, inst.steps[i]):
                    heappush(heaps.setdefault(where, []), (inst.order, opened, inst))
        sort = (record.type, record.scope, record.person)
        known = probes_of.get(sort)
        if known is None:
            known = probes_of[sort] = _probes(force, duties, keys, routes, record)
        reach, probes = known
        allowed: frozenset[str] | None = None  # every duty, until the record counts for one
        counted = False
        while True:
            best = _due_first(force, probes, heaps, record, allowed, placed)
            if best is None:
                break
            inst, i = best
            inst.steps[i].append(record)
            duty_id = duties[inst.duty].id
            placed[(duty_id, record.id)] = inst.key
            if _trigger_of(duties[inst.duty]).answers == "all_open":
                _answer_open(force, duties[inst.duty], keys, routes, heaps, record, reach, inst)
            shared = sharing.get(duty_id, frozenset())
            allowed = shared if allowed is None else allowed & shared
            counted = True
        if not counted and _awaited(force, probes, windows, record):
            spare.add(record.id)
    return spare


#: A record's reach: its unit with those enclosing it, and the units within it.
_Reach = tuple[tuple[str | None, ...], tuple[str | None, ...]]

#: Where a record may count, per (duty, requirement) reading its type: (duty number,
#: requirement number, the requirement, the duty's id, its item key, and the (unit,
#: person) of each heap in its reach; or, for a duty with no item key, the heaps' keys).
_Probe = tuple[int, int, Requirement, str, "ItemKey | None", tuple[Any, ...]]


def _probes(
    force: Force,
    duties: list[Obligation],
    keys: list[ItemKey | None],
    routes: dict[str, list[tuple[int, int]]],
    record: Event,
) -> tuple[_Reach, list[_Probe]]:
    """The reach of a record and the heaps it may look in, which depend on its type, unit
    and person alone (and on its item, for a duty with a key: found per record)."""
    units = (None, *force.ancestry(record.scope or "")) if record.scope is not None else (None,)
    reach = (units, _within(force, record.scope))
    whose = tuple(dict.fromkeys((None, record.person)))
    probes: list[_Probe] = []
    for n, i in routes[record.type]:
        req = duties[n].evidence[i]
        spots: tuple[Any, ...] = tuple(
            (unit, who) for unit in _reached(req, reach) for who in whose
        )
        if keys[n] is None:
            spots = tuple((n, i, unit, (None, who)) for unit, who in spots)
        probes.append((n, i, req, duties[n].id, keys[n], spots))
    return reach, probes


def _heap_keys(
    probe: _Probe, record: Event, zone: tzinfo
) -> tuple[tuple[int, int, str | None, object], ...]:
    """The keys of the heaps (and windows) `record` may look in for one requirement."""
    n, i, _, _, key, spots = probe
    if key is None:
        return spots
    item = key.of_step(record, zone)
    return tuple((n, i, unit, (item, who)) for unit, who in spots)


def _due_first(
    force: Force,
    probes: list[_Probe],
    heaps: dict[tuple[int, int, str | None, object], list[tuple[Any, int, _Instance]]],
    record: Event,
    allowed: frozenset[str] | None,
    placed: dict[tuple[str, str], InstanceKey],
) -> tuple[_Instance, int] | None:
    """The open instance due first that `record` may still count for, and the step: of a
    duty it has not counted for yet (and, once it has counted, one sharing with it), in
    the heaps of its reach (`_probes`: its unit with those enclosing it, or the units
    within it where a step `reaches` them)."""
    best: tuple[_Instance, int] | None = None
    for probe in probes:
        _, i, req, duty_id, _, _ = probe
        if (allowed is not None and duty_id not in allowed) or ((duty_id, record.id) in placed):
            continue
        found = [h for where in _heap_keys(probe, record, force.zone) if (h := heaps.get(where))]
        if not found or not qualifies(req, record):  # the cheap test first
            continue
        for heap in found:
            top = _top(heap, record, req, i)
            if top is not None and (best is None or top.order < best[0].order):
                best = (top, i)
    return best


def _answer_open(
    force: Force,
    duty: Obligation,
    keys: list[ItemKey | None],
    routes: dict[str, list[tuple[int, int]]],
    heaps: dict[tuple[int, int, str | None, object], list[tuple[Any, int, _Instance]]],
    record: Event,
    reach: tuple[tuple[str | None, ...], tuple[str | None, ...]],
    first: _Instance,
) -> None:
    """`answers: all_open`: `record`, counted for `first`, also answers every other
    instance of the same duty open at its time (fired no later than it: only those are in
    the heaps), in its reach, naming its item, and still short of a step it qualifies
    for; one step of each instance, the first in the duty's order."""
    n = first.duty
    key = keys[n]
    item = None if key is None else key.of_step(record, force.zone)
    answered = {first}
    for m, i in routes[record.type]:
        req = duty.evidence[i]
        if m != n or not qualifies(req, record):
            continue
        for unit in _reached(req, reach):
            for who in dict.fromkeys((None, record.person)):
                for _, _, inst in heaps.get((n, i, unit, (item, who)), ()):
                    if (
                        inst in answered
                        or inst.window.end <= record.at
                        or inst.fired.id == record.id
                        or not _short(req, inst.steps[i])
                    ):
                        continue
                    inst.steps[i].append(record)
                    answered.add(inst)


def _routes(duties: list[Obligation]) -> dict[str, list[tuple[int, int]]]:
    """Each event type a duty matched by unit and time reads: (duty, requirement) pairs."""
    routes: dict[str, list[tuple[int, int]]] = {}
    for n, ob in enumerate(duties):
        if _trigger_of(ob).match == "refs_or_scope":
            for i, req in enumerate(ob.evidence):
                for kind in req.types:
                    routes.setdefault(kind, []).append((n, i))
    return routes


def _awaited(
    force: Force,
    probes: list[_Probe],
    windows: dict[tuple[int, int, str | None, object], list[datetime]],
    record: Event,
) -> bool:
    """Whether `record` could have followed up a trigger whose window is open at its time
    (deadlines passed are dropped from `windows` as the sweep goes)."""
    for probe in probes:
        for where in _heap_keys(probe, record, force.zone):
            deadlines = windows.get(where)
            while deadlines and deadlines[0] <= record.at:
                heappop(deadlines)
            if deadlines and qualifies(probe[2], record):
                return True
    return False


def _within(force: Force, scope: str | None) -> tuple[str | None, ...]:
    """The units inside `scope` (not itself): where a record there reaches, for a step
    that `reaches` within. A record with no unit reaches none."""
    if scope is None:
        return ()
    return tuple(u.id for u in force.units if u.id != scope and scope in force.ancestry(u.id))


def _reached(
    req: Requirement, reach: tuple[tuple[str | None, ...], tuple[str | None, ...]]
) -> tuple[str | None, ...]:
    """The units a record counts in for `req`: its own and those enclosing it; or, where
    the step `reaches` within (a message sent to an area), its own and those within it,
    never one enclosing it: a message to one town does not reach the whole section (nor
    the force), as a patrol there counts for it. A record with no unit counts force-wide."""
    units, below = reach
    if not req.reaches_within:
        return units
    return (*(units[1:2] or units[:1]), *below)


def _unlinked_candidates(
    index: EventIndex, routes: dict[str, list[tuple[int, int]]], pending: list[_Instance]
) -> Iterator[Event]:
    """The records that may follow up some trigger, in time order: of each type, those
    inside the window of a trigger whose duty reads that type (a year of tweets is read
    only around the triggers of duties owed a tweet)."""
    streams = []
    for kind, found in sorted(routes.items()):
        readers = {n for n, _ in found}
        owed = [inst for inst in pending if inst.duty in readers]
        streams.append(list(_inside_windows(index, [kind], owed)))
    if len(streams) == 1:
        return iter(streams[0])
    # each type's records are in order: a stable sort of them one type after another merges
    # them (in C, on the runs), as `merge` would (no record is of two types: no tie is left)
    return iter(sorted(chain.from_iterable(streams), key=_IN_ORDER))


#: The index's order: by time, then id.
_IN_ORDER = attrgetter("at", "id")


def _inside_windows(
    index: EventIndex, types: list[str], instances: list[_Instance]
) -> Iterator[Event]:
    """The records of `types` inside some instance's window, in time order: the windows
    merged where they overlap, each stretch read from the index once, so records far from
    any trigger (most of a year's tweets) are never looked at."""
    stretch: Window | None = None
    for inst in instances:  # in order of the trigger's time
        window = inst.window
        if stretch is not None and window.start <= stretch.end:
            if window.end > stretch.end:
                stretch = Window(stretch.start, window.end, stretch.zone)
            continue
        if stretch is not None:
            yield from index.between(types, None, stretch)
        stretch = window
    if stretch is not None:
        yield from index.between(types, None, stretch)


def _top(
    heap: list[tuple[Any, int, _Instance]] | None, record: Event, req: Requirement, step: int
) -> _Instance | None:
    """The instance due first in `heap` that `record` may still count for, dropping those
    whose deadline has passed or that have enough (they never need a later record)."""
    if not heap:
        return None
    while heap:
        inst = heap[0][2]
        if inst.window.end <= record.at or not _short(req, inst.steps[step]):
            heappop(heap)
            continue
        if inst.fired.id != record.id:
            return inst
        # the record is this trigger itself: look past it, then put it back
        held = heappop(heap)
        found = _top(heap, record, req, step)
        heappush(heap, held)
        return found
    return None


def _short(req: Requirement, events: list[Event]) -> bool:
    return measure(req, events) < req.min


def _trigger_of(ob: Obligation) -> Trigger:
    """The trigger of a triggered duty (the registry hands this module no other)."""
    rule = ob.rule
    if not isinstance(rule, Triggered):
        msg = f"{ob.id} is {ob.kind.value}, not triggered"
        raise TypeError(msg)
    return rule.trigger


def _sharing(duties: list[Obligation]) -> dict[str, frozenset[str]]:
    """Each duty's partners in `shared_with`, either way round."""
    pairs: dict[str, set[str]] = {}
    for ob in duties:
        for other in _trigger_of(ob).shared_with:
            pairs.setdefault(ob.id, set()).add(other)
            pairs.setdefault(other, set()).add(ob.id)
    return {duty: frozenset(others) for duty, others in pairs.items()}


def _early(force: Force, obligation: Obligation) -> datetime | None:
    """From when a follow-up naming its trigger may be made ahead of it (`linked_before`):
    the day the duty came into force, for a record made before the plan existed is no
    work done under it; None where the duty counts only records after the trigger."""
    if not _trigger_of(obligation).linked_before:
        return None
    first = obligation.effective_from
    return local_midnight(first, force.zone) if first is not None else _DAWN


#: The lower bound of a follow-up made ahead of a trigger of a duty in force from always.
_DAWN = datetime(1, 1, 2, tzinfo=UTC)


def _kept_out(
    force: Force,
    event: Event,
    unit: str | None,
    window: Window,
    strict: bool,
    early: datetime | None = None,
) -> Code | None:
    """Why a follow-up naming the trigger does not count for `unit`, or None if it may:
    before the trigger (unless the duty counts such records made from `early`, the day it
    came into force: `Trigger.linked_before`), after the deadline, or (when the trigger is
    owed by `unit` within the trigger's own, `strict`) not recorded in that unit."""
    if early is not None and event.at >= early:  # made ahead, naming its trigger, in force
        window = Window(min(window.start, event.at), window.end, window.zone)
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
    claimed: Claims,
    verdict: Result,
    fired: Event,
    unit: str | None,
    index: EventIndex,
) -> None:
    """Note the trigger, every follow-up kept out and every candidate counted elsewhere
    (for another trigger, of this duty or another), then seal the window."""
    trigger = _trigger_of(obligation)
    by_scope = trigger.match == "refs_or_scope"
    window = verdict.window
    strict = _strict(force, fired, unit)
    counted = set(verdict.evidence)
    trace.note(fired, Code.TRIGGER, counted=True)
    candidates: list[Event] = []
    for event in trace.index.following(fired.id):
        code = _kept_out(force, event, unit, window, strict, _early(force, obligation))
        if code is not None:
            trace.note(event, code, other=fired)
        else:
            candidates.append(event)
    if by_scope:
        types = sorted({t for req in obligation.evidence for t in req.types})
        reaching = sorted(
            {t for req in obligation.evidence if req.reaches_within for t in req.types}
        )
        candidates += [
            e
            for e in [*index.between(types, unit, window), *index.above(reaching, unit, window)]
            if not e.refs and e.id != fired.id and e.at >= fired.at
        ]
    item = None if trigger.key is None else trigger.key.of_trigger(fired)
    for event in candidates:
        if event.id in counted:
            continue
        if not any(qualifies(req, event) for req in obligation.evidence):
            for req in obligation.evidence:
                trace.rejected(req, event)
            continue
        elsewhere = [key for (_, record), key in claimed.placed.items() if record == event.id]
        if elsewhere:
            trace.note(event, Code.CLAIMED, other=index.by_id.get(elsewhere[0][2]))
        elif (
            not event.refs
            and trigger.key is not None
            and (item is None or trigger.key.of_step(event, force.zone) != item)
        ):
            trace.note(event, Code.OTHER_ITEM, other=fired, seen=(trigger.key.attr, item))
        else:
            trace.note(event, Code.NOT_NEEDED, other=fired)
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
            deadline > span.start
            and _owes_trigger(obligation, trigger, fired, deadline, force.zone)
        ):
            continue
        owed.append((fired, Window(fired.at, deadline, force.zone)))
    return owed


def _owes_trigger(
    obligation: Obligation, trigger: Trigger, fired: Event, deadline: datetime, zone: tzinfo
) -> bool:
    """Whether this version of the duty owes a follow-up to `fired`: fired while it was in
    force, or, with `fired_before_effective` `owed`, fired before it came into force and
    due after (its deadline after the start of its first day in force)."""
    return _owes_at(obligation, trigger, fired.at, deadline, zone)


def _owes_at(
    obligation: Obligation, trigger: Trigger, at: datetime, deadline: datetime, zone: tzinfo
) -> bool:
    day = at.astimezone(zone).date()
    if obligation.in_force_on(day):
        return True
    start = obligation.effective_from
    return (
        trigger.fired_before_effective == "owed"
        and start is not None
        and day < start
        and deadline > local_midnight(start, zone)
    )


def rejected_window(
    force: Force, obligation: Obligation, rule: Triggered, at: datetime
) -> Window | None:
    """The follow-up window a trigger at `at` whose record was rejected would have opened:
    `within` after it (a deadline the record names could not be read), or None when this
    version of the duty would owe it nothing."""
    trigger = rule.trigger
    deadline = trigger.within.after(at, force.zone)
    if not _owes_at(obligation, trigger, at, deadline, force.zone):
        return None
    return Window(at, deadline, force.zone)


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
    a profile refresh in every area, and a record with no area refreshes none). A trigger
    in a unit neither within nor enclosing the duty's units (a Newport warrant for the
    Caerphilly North team's duty) owes nothing: it is not that team's.
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
    if fired.scope is not None and not any(
        fired.scope in force.ancestry(u) for u in obligation.scope.units
    ):
        return []  # outside the duty's units (another team's area): it owes nothing
    return [fired.scope]


def claimed(force: Force, obligation: Obligation, index: EventIndex) -> frozenset[str]:
    """The ids of the records counted as follow-ups of `obligation`'s triggers."""
    return _claims(force, obligation, index).of_duty(obligation.id)


def follow_up_reason(
    force: Force, obligation: Obligation, rule: Triggered, event: Event, named: Event, span: Window
) -> str | None:
    """Why `event`, naming `named` in `refs`, did not count as its follow-up: its trigger
    is not judged in `span` (`outside_range`), or it was made before it (`before_trigger`),
    after its deadline (`late`) or outside the unit owing it (`outside_units`). None when
    `named` is no trigger of this duty, or the record could have counted.

    An `event` naming nothing (`refs` empty) is asked about a later trigger in its unit:
    where the duty matches follow-ups by unit and time, it was made before that trigger
    (`before_trigger`), which is why it answers none; else None."""
    trigger = rule.trigger
    if named.type not in trigger.types or failed_condition(trigger.where, named) is not None:
        return None
    if not any(event.type in req.types for req in obligation.evidence):
        return None
    if not event.refs and trigger.match != "refs_or_scope":
        return None  # it could answer no trigger it does not name
    deadline = _deadline(force, trigger, named)
    if not _owes_trigger(obligation, trigger, named, deadline, force.zone):
        return None
    judged = not (named.at >= span.end or (named.at < span.start and deadline <= span.start))
    if not event.refs:
        inside = event.scope is not None and any(
            unit is None or unit in force.ancestry(event.scope)
            for unit in _trigger_units(force, obligation, trigger, named)
        )
        return "before_trigger" if judged and inside and event.at < named.at else None
    if not judged:
        return "outside_range"
    window = Window(named.at, deadline, force.zone)
    early = _early(force, obligation)
    kept_out = {
        _kept_out(force, event, unit, window, _strict(force, named, unit), early)
        for unit in _trigger_units(force, obligation, trigger, named)
    }
    if None in kept_out:
        return None
    if Code.WRONG_UNIT in kept_out:
        return "outside_units"
    return "before_trigger" if Code.BEFORE_TRIGGER in kept_out else "late"


def _strict(force: Force, fired: Event, unit: str | None) -> bool:
    """Whether `unit` owes a trigger recorded above it (`each_unit`): then follow-ups must
    be recorded in `unit` itself."""
    return unit is not None and (fired.scope is None or unit not in force.ancestry(fired.scope))


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
    if trigger.linked_before:
        match += "; one referring to it counts even if recorded before it"
    types = markdown_codes(trigger.types, " or ")
    return [f"- **Trigger:** each {types}{where}; {due}; {match}"]


def judged_notes(obligation: Obligation, rule: Triggered) -> list[str]:
    """How the verdict mechanisms read this duty, in words."""
    notes = []
    if rule.trigger.match != "refs":
        notes.append("a result met by follow-ups matched on unit and time says it is not linked")
    if rule.trigger.each_unit:
        notes.append("a trigger above the units is owed by each unit within it, on its own work")
    if rule.trigger.fired_before_effective == "owed":
        notes.append(
            "a trigger fired before the duty came into force is owed when its deadline falls "
            "after that day"
        )
    shared = rule.trigger.shared_with
    also = f", and also for {', '.join(shared)}" if shared else ""
    if rule.trigger.answers == "all_open":
        notes.append(
            "a follow-up answers every trigger of this duty it may follow up that is still "
            f"open and awaiting it, fired no later than it, never one fired after it{also}"
        )
    elif rule.trigger.match != "refs":
        notes.append(
            "a follow-up matched on unit and time counts for one trigger only, the one due "
            f"first{also.replace(', and also', ', or also')}"
        )
    key = rule.trigger.key
    if key is not None:
        on = (
            f"done on the day the trigger names in {key.attr}"
            if key.on_step == "day"
            else f"naming the same {key.attr} as the trigger"
        )
        notes.append(f"an unlinked follow-up counts only when {on}")
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
    if fired.fired_before_effective != "not_owed":
        trigger["fired_before_effective"] = fired.fired_before_effective
    if fired.shared_with:
        trigger["shared_with"] = list(fired.shared_with)
    if fired.key is not None:
        trigger["key"] = {"attr": fired.key.attr, "on_step": fired.key.on_step}
    if fired.linked_before:
        trigger["linked_before"] = True
    if fired.answers != "one":
        trigger["answers"] = fired.answers
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
