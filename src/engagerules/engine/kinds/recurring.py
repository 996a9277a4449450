"""A duty owed every period (cadence and anchor), per unit, per person, force-wide or by rota."""

from __future__ import annotations

from datetime import date, datetime, time, tzinfo
from typing import TYPE_CHECKING, Any, ClassVar

import attrs

from engagerules.engine.index import EventIndex
from engagerules.engine.kinds import standing
from engagerules.engine.schedule import Due, dues, rota_words
from engagerules.engine.trace import Code, Trace
from engagerules.engine.verdicts import (
    Outcome,
    in_reach,
    membership,
    owes,
    persons_owing,
    qualified,
    roster_records,
    steps_verdict,
    unit_key,
)
from engagerules.model.checks import instance, optional, tuples
from engagerules.model.checks import times as time_list
from engagerules.model.conditions import measure, recorded
from engagerules.model.durations import Duration, parse_duration, positive_duration
from engagerules.model.event import Event
from engagerules.model.periods import (
    Window,
    local_midnight,
    named_period,
    period_fate,
    range_bounds,
)
from engagerules.model.plan import Force, Kind, Obligation, Requirement, Rule
from engagerules.model.results import Result
from engagerules.model.words import part_windows_words, when_words

if TYPE_CHECKING:
    from collections.abc import Callable, Container, Iterator

    from engagerules.engine.kinds import Actor

#: How long after each time of day evidence still counts, when the plan says no `slot`.
DEFAULT_SLOT = Duration(hours=1)

#: How the force documentation names this kind.
MEANING = "due in every period"


@attrs.frozen
class OneItem:
    """How a window's steps are tied into one item: a step naming another in `refs` is
    tied to it (and to no other item); steps sharing the `key` attribute's value are one
    item, differing values two; otherwise steps counted for the same window are the same
    period's item (each named its period, or is dated in it)."""

    key: str | None = attrs.field(default=None, validator=optional(instance(str, "a name")))


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
    #: The steps are parts of one item (a newsletter produced and circulated): a window's
    #: records of different steps count together only when tied to one item.
    one_item: OneItem | None = attrs.field(
        default=None, validator=optional(instance(OneItem, "a one_item value"))
    )

    def due_once(self, obligation: Obligation, span: Window) -> Window | None:
        """A rolling duty has no fixed periods either: the update due next, as standing."""
        return standing.gap_window(obligation, span) if self.rolling else None


#: The rule class the registry dispatches on.
RULE = Recurring


def looks_back(obligation: Obligation, rule: Recurring, kind: str) -> bool:
    """A rolling duty's last update before the range starts its first gap, and a roster's
    enrolment or leaving before it decides who owes the range's windows."""
    roster = obligation.scope.roster
    return rule.rolling or (roster is not None and kind in (*roster.types, *roster.clears))


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
        "one_item": {
            "type": "object",
            "additionalProperties": False,
            "properties": {"key": {"type": "string", "minLength": 1}},
            "description": (
                "The steps are parts of one item (a newsletter produced, then circulated): "
                "records of different steps count together only when tied by refs, by a "
                "shared 'key' attribute, or by counting for the same period; a step naming "
                "another item's record in refs never pairs with this one."
            ),
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
        one_item=OneItem(raw["one_item"].get("key")) if "one_item" in raw else None,
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
    used.update(roster_records(obligation, index, span))
    for due in dues(obligation, span, persons):
        result = _judge_due(force, obligation, rule, index, due, as_of, trace)
        spells = roster.get(due.scope or "", [])
        if roster and (spells or not result.evidence) and not owes(obligation, spells, due.window):
            if trace is not None:
                trace.drop()
            continue  # not in post for the window (as the duty reads part windows): not owed
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
    rule: Recurring,
    index: EventIndex,
    due: Due,
    as_of: datetime,
    trace: Trace | None,
) -> Result:
    person = due.scope if obligation.scope.per_person else None
    key = unit_key(obligation, due.scope)
    steps = []
    for req in obligation.evidence:
        if names_period(req):
            wide = period_reach(obligation, req, due.window)
            found = qualified(req, in_reach(index, req, key, wide), person, trace)
            events = period_records(obligation, req, due, found, trace)
        else:
            events = qualified(req, in_reach(index, req, key, due.window), person, trace)
        steps.append(events)
    if rule.one_item is not None:
        steps = item_steps(rule.one_item, steps, _step_ids(obligation, index), trace)
    measured = [
        (req, measure(req, events), events)
        for req, events in zip(obligation.evidence, steps, strict=True)
    ]
    context = when_words(due.window) + rota_words(obligation)
    return steps_verdict(force, obligation, measured, due.scope, due.window, as_of, context=context)


def _step_ids(obligation: Obligation, index: EventIndex) -> Callable[[], Container[str]]:
    """The ids of every record of the duty's step types (known, not a repeat), found the
    first time a record naming another asks, once per index."""
    types = tuple(sorted({t for req in obligation.evidence for t in req.types}))
    return lambda: index.derived(("step ids", types), lambda: _ids(index, types))


def item_steps(
    tie: OneItem,
    steps: list[list[Event]],
    step_ids: Callable[[], Container[str]],
    trace: Trace | None = None,
) -> list[list[Event]]:
    """The records of one item: the first step's record with the most other steps tied to
    it (the earliest, between equals), and the records of every step tied to it.
    `step_ids` gives the ids of the duty's step records anywhere in the log (asked only
    when a record naming others is alone in the window), so the compiled engine pairs
    steps by this same function over the records its query found.

    Without a record of the first step there is no item to tie to, and each step keeps
    what it found (so the reason names what was done). Records whose ties are the same
    (one item by refs; or unlinked with the same key value, or none) are tried once, so
    the work grows with the records, not with pairs of them. With a trace, a record left
    out is noted as another item's, with the record it was compared with.
    """
    first = steps[0]
    if not first:
        return steps
    item = _items(steps)
    linked = _linked(steps, step_ids, item)
    best: list[list[Event]] = []
    tried: set[object] = set()
    for anchor in first:
        kind = item[anchor.id] if anchor.id in linked else ("key", _key(anchor, tie))
        if kind in tried:
            continue
        tried.add(kind)
        tied = [[e for e in step if _tied(anchor, e, tie, linked, item)] for step in steps[1:]]
        if not best or sum(map(bool, tied)) > sum(map(bool, best[1:])):
            same = [e for e in first if e is anchor or _tied(anchor, e, tie, linked, item)]
            best = [same, *tied]
    if trace is not None:
        kept = {e.id for step in best for e in step}
        for step in steps:
            for event in step:
                if event.id not in kept:
                    trace.note(event, Code.OTHER_ITEM, other=best[0][0])
    return best


def _items(steps: list[list[Event]]) -> dict[str, str]:
    """Each record's item among the window's records: records joined by `refs`, directly
    or through others (a plan naming the priorities naming the survey), are one item."""
    parent = {e.id: e.id for step in steps for e in step}

    def root(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for step in steps:
        for event in step:
            for ref in event.refs:
                if ref in parent:
                    parent[root(event.id)] = root(ref)
    return {x: root(x) for x in parent}


def _linked(
    steps: list[list[Event]], step_ids: Callable[[], Container[str]], item: dict[str, str]
) -> set[str]:
    """The window's records that belong to an item by `refs`: joined to another record of
    the window, or naming a record of the duty's steps elsewhere (another period's)."""
    members: dict[str, int] = {}
    for root in item.values():
        members[root] = members.get(root, 0) + 1
    found = set()
    for step in steps:
        for event in step:
            if members[item[event.id]] > 1:
                found.add(event.id)
            elif event.refs:
                ids = step_ids()
                if any(ref in ids for ref in event.refs):
                    found.add(event.id)
    return found


def _ids(index: EventIndex, types: tuple[str, ...]) -> frozenset[str]:
    return frozenset(e.id for e in index.of_type(types))


def _key(event: Event, tie: OneItem) -> str | None:
    if tie.key is None:
        return None
    value = event.attrs.get(tie.key)
    return str(value).strip() if recorded(value) else None


def _tied(a: Event, b: Event, tie: OneItem, linked: set[str], item: dict[str, str]) -> bool:
    """Whether two steps' records are parts of one item: joined by `refs` (`_items`);
    else neither belongs to an item by refs and, with a `key`, they do not carry
    different values of it."""
    if item[a.id] == item[b.id]:
        return True
    if a.id in linked or b.id in linked:
        return False
    ka, kb = _key(a, tie), _key(b, tie)
    return ka is None or kb is None or ka == kb


def names_period(req: Requirement) -> bool:
    """Whether `req` reads the period a record names (`for_period`, with its grace)."""
    return req.for_period is not None and req.grace is not None


def period_reach(obligation: Obligation, req: Requirement, window: Window) -> Window:
    """Where a record naming its period may lie to count for `window`: from the window's
    start (or `req.early` before it, never before the day the duty came into force:
    nothing before it is judged) to `req.grace` after its end. Every engine looks for the
    records of a window naming its period here, and only here."""
    grace, early = req.grace, req.early
    assert grace is not None  # noqa: S101 - `names_period` said so
    zone = window.zone
    opens = window.start
    if early is not None:
        opens = early.before(opens, zone)
        if obligation.effective_from is not None:
            opens = max(opens, local_midnight(obligation.effective_from, zone))
        opens = min(opens, window.start)
    return Window(opens, grace.after(window.end, zone), zone)


def period_records(
    obligation: Obligation,
    req: Requirement,
    due: Due,
    events: list[Event],
    trace: Trace | None = None,
) -> list[Event]:
    """Of `events` (those `req` accepts in `period_reach`, in time order), the records for
    the due window: those naming a period inside it in `req.for_period`, made on or after
    that period's first day (or `req.early` before it) and within `req.grace` after its
    end, and those naming no period dated inside it. A record naming another period never
    counts here, nor one naming a period it was made before beyond the allowance, so one
    report is credited to the period it names, once. Where the window is the part of a
    period owed from the day the duty came into force, a record names the whole period
    (`2019-08`), and counts if made in the part."""
    attr, grace, early = req.for_period, req.grace, req.early
    assert attr is not None and grace is not None  # noqa: S101 - `names_period` said so
    years = obligation.cycle if req.split_years else None
    window = due.window
    whole = due.period or window
    chosen = []
    for event in events:
        value = event.attrs.get(attr)
        if not recorded(value):
            if window.contains(event.at):
                chosen.append(event)
            elif trace is not None:
                trace.note(event, Code.OUTSIDE_WINDOW)
            continue
        if period_fate(named_period(value, years), event.at, whole, grace, early) is None:
            chosen.append(event)
        elif trace is not None:  # another period, unreadable, or made outside its own
            trace.note(event, Code.OUTSIDE_WINDOW)
    return chosen


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
    rolling = (
        f"as a rolling gap: never more than {obligation.cadence} between records, counted "
        "from the last one before the range made since the duty came into force (not fixed "
        "calendar periods)"
    )
    notes = [rolling] if rule.rolling else []
    roster = obligation.scope.roster
    if roster is not None:
        notes.append(part_windows_words(roster.owes_part_windows))
    if rule.one_item is not None:
        by = f", by the same {rule.one_item.key}" if rule.one_item.key else ""
        notes.append(
            f"the steps count only as parts of one item: tied by refs{by} or by counting "
            "for the same period, never another item's step"
        )
    return notes


def json_fields(rule: Recurring) -> dict[str, Any]:
    """The obligation JSON's keys only this kind writes."""
    fields: dict[str, Any] = {"rolling": True} if rule.rolling else {}
    if rule.one_item is not None:
        fields["one_item"] = {"key": rule.one_item.key} if rule.one_item.key else {}
    return fields


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
