"""Why a window was met or missed: the events that counted, and those that did not.

The analyst's question is "why missed?". The verdicts here are not recomputed: they are
the results `evaluate` gives for the obligation (with waivers applied as `check` applies
them), so `explain` and `check` cannot disagree. What this module adds is the accounting
around each verdict. It takes the events the engine counted (the result's evidence) and
looks at the events near the window the engine passed over, saying for each which rule
kept it out, using the engine's own tests (`qualifies`, `failed_condition`, the unit
ancestry of `EventIndex`):

- the wrong event type, unit, person or role;
- outside the window, before the trigger or after the deadline;
- a missing attribute or a failed condition;
- following up another event, or not referencing the trigger at all;
- superseded by a later reading or assignment, or recorded after the moment judged.

Near misses are listed closest first and bounded (`limit` per reason per window, the
rest counted), so a window of a busy force stays readable.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, tzinfo
from typing import Any

import attrs

from engagerules.engine.evaluate import evaluate
from engagerules.engine.index import EventIndex
from engagerules.engine.kinds.advisory import Advisory
from engagerules.engine.kinds.constraint import Constraint
from engagerules.engine.kinds.coverage import Coverage
from engagerules.engine.kinds.target import Target
from engagerules.engine.kinds.triggered import Triggered
from engagerules.engine.schedule import concerns_scope
from engagerules.errors import UsageError, did_you_mean
from engagerules.model.conditions import failed_condition, number, qualifies
from engagerules.model.periods import Window
from engagerules.model.plan import Condition, Force, Kind, Obligation, Operator
from engagerules.model.results import Result, Status
from engagerules.outputs.shapes import result_json
from engagerules.outputs.summary import scope_label
from engagerules.sources.events import Event, EventLog
from engagerules.sources.waivers import Waiver, apply_waivers

__all__ = [
    "Explanation",
    "Note",
    "WindowExplanation",
    "explain",
    "explanation_json",
    "render_explanation",
]

# What became of an event in a window. Counted:
COUNTED = "counted"
TRIGGER = "trigger"
BREAKS_RULE = "breaks-rule"
CLEARED = "cleared"
# Considered and not counted:
WRONG_TYPE = "wrong-type"
WRONG_UNIT = "wrong-unit"
WRONG_PERSON = "wrong-person"
WRONG_ROLE = "wrong-role"
MISSING_ATTRIBUTE = "missing-attribute"
FAILED_CONDITION = "failed-condition"
OUTSIDE_WINDOW = "outside-window"
BEFORE_TRIGGER = "before-trigger"
AFTER_DEADLINE = "after-deadline"
AFTER_AS_OF = "after-as-of"
OTHER_TRIGGER = "follows-another-event"
NOT_REFERENCED = "not-referenced"
SUPERSEDED = "superseded"
NOT_A_READING = "not-a-reading"
CONFORMS = "conforms"

#: How many events outside a window, on each side, are shown as near misses.
_NEAR = 3

#: Near misses shown closest first: a wrong role or a missing attribute is nearer to
#: counting than an event of another type, which is only a hint of what was logged instead
#: (and is capped at `_TYPE_HINTS`, as a busy unit logs many).
_NEARNESS = (
    WRONG_ROLE,
    MISSING_ATTRIBUTE,
    FAILED_CONDITION,
    WRONG_PERSON,
    OTHER_TRIGGER,
    NOT_REFERENCED,
    WRONG_UNIT,
    BEFORE_TRIGGER,
    AFTER_DEADLINE,
    OUTSIDE_WINDOW,
    AFTER_AS_OF,
    NOT_A_READING,
    SUPERSEDED,
    CLEARED,
    CONFORMS,
    WRONG_TYPE,
)
_TYPE_HINTS = 3


@attrs.frozen
class Note:
    """One event and what became of it in one window, with the rule that decided it."""

    event: Event
    code: str
    reason: str


@attrs.frozen
class WindowExplanation:
    """The verdict on one window (the engine's result) and the events around it."""

    result: Result
    counted: tuple[Note, ...]
    considered: tuple[Note, ...]
    #: Near misses left out beyond the limit, as (code, how many).
    omitted: tuple[tuple[str, int], ...] = ()

    @property
    def status(self) -> Status:
        return self.result.status


@attrs.frozen
class Explanation:
    """Every window of one obligation in a range, explained."""

    force: str
    obligation: Obligation
    start: date
    end: date
    as_of: datetime
    windows: tuple[WindowExplanation, ...]
    scope: str | None = None


def explain(
    force: Force,
    obligation_id: str,
    log: EventLog | Sequence[Event],
    start: date,
    end: date,
    as_of: datetime,
    *,
    scope: str | None = None,
    waivers: Iterable[Waiver] = (),
    limit: int = 10,
) -> Explanation:
    """Explain each window of `obligation_id` between `start` and `end` (inclusive) at `as_of`.

    `scope` keeps the windows that concern that unit (its own, enclosing, enclosed and
    force-wide); `waivers` are applied as `check --waivers` applies them.
    """
    versions = force.obligation(obligation_id)
    if not versions:
        hint = did_you_mean(obligation_id, force.obligation_ids)
        msg = f"{obligation_id!r} is not an obligation of {force.id}{hint}"
        raise UsageError(msg)
    if not any(v.scored for v in versions):
        first = versions[0].rule
        why = f" ({first.reason})" if isinstance(first, Advisory) and first.reason else ""
        msg = f"{obligation_id} is advisory{why}: never scored, so there is nothing to explain"
        raise UsageError(msg)
    if not isinstance(log, EventLog):
        log = EventLog(tuple(log), ())
    report = evaluate(force, log, start, end, as_of, obligations=[obligation_id])
    report = apply_waivers(report, waivers, force)
    index = EventIndex(log.events, force)
    context = _Context(force, index, as_of.astimezone(force.zone), limit)
    windows = []
    for result in report.results:
        if scope is not None and not concerns_scope(force, result.scope, scope):
            continue
        version = _version(versions, result)
        windows.append(_EXPLAINERS[version.kind](context, version, result))
    return Explanation(
        force=force.id,
        obligation=versions[0],
        start=start,
        end=end,
        as_of=as_of,
        windows=tuple(windows),
        scope=scope,
    )


def _version(versions: tuple[Obligation, ...], result: Result) -> Obligation:
    """The version of the obligation that judged `result`: the one in force at its start."""
    day = result.window.local_start.date()
    scored = [v for v in versions if v.scored]
    return next((v for v in scored if v.in_force_on(day)), scored[0])


# ---------------------------------------------------------------------------- shared tests


@attrs.frozen
class _Context:
    force: Force
    index: EventIndex
    as_of: datetime
    limit: int

    def local(self, moment: datetime) -> str:
        return f"{moment.astimezone(self.force.zone):%Y-%m-%d %H:%M}"

    def inside(self, event: Event, unit: str | None) -> bool:
        """Whether the index files `event` under `unit` (its own unit or one enclosing it)."""
        if unit is None:
            return True
        return event.scope is not None and unit in self.force.ancestry(event.scope)


def _accepted(obligation: Obligation) -> str:
    return " or ".join(dict.fromkeys(t for req in obligation.evidence for t in req.types))


def _why_not(obligation: Obligation, event: Event) -> tuple[str, str] | None:
    """Why `event` fails every requirement that takes its type, or None if one takes it.

    The same tests as the engine's `qualifies`, taken one at a time to name the one that
    failed.
    """
    reqs = [r for r in obligation.evidence if event.type in r.types]
    if not reqs:
        return WRONG_TYPE, f"wrong type: {event.type} is not {_accepted(obligation)}"
    failures: list[tuple[str, str]] = []
    for req in reqs:
        if qualifies(req, event):
            return None
        if req.roles and event.role not in req.roles:
            who = event.role or "no role recorded"
            failures.append((WRONG_ROLE, f"wrong role: {who}, needs {' or '.join(req.roles)}"))
            continue
        broken = failed_condition(req.where, event)
        if broken is not None:
            failures.append(_condition_note(broken, event))
    return failures[0] if failures else (FAILED_CONDITION, "does not meet the requirement")


def _condition_note(condition: Condition, event: Event) -> tuple[str, str]:
    value = event.attrs.get(condition.attr)
    if condition.op is Operator.PRESENT or (
        value is None and condition.op in (Operator.EQUALS, Operator.IN, Operator.MIN, Operator.MAX)
    ):
        return MISSING_ATTRIBUTE, f"missing attribute: no {condition.attr} recorded"
    return (
        FAILED_CONDITION,
        f"fails the condition {condition.describe()} ({condition.attr} is {value!r})",
    )


def _placement(context: _Context, event: Event, window: Window, what: str = "window") -> str:
    if event.at < window.start:
        return f"outside the {what}: {context.local(event.at)} is before it opened " + (
            f"{context.local(window.start)}"
        )
    return f"outside the {what}: {context.local(event.at)} is after it closed " + (
        f"{context.local(window.end)}"
    )


def _where(event: Event) -> str:
    return event.scope or "no unit (force-wide)"


class _Notes:
    """Notes for one window: each event once, at most `limit` per code, the rest counted."""

    def __init__(self, limit: int, as_of: datetime | None = None) -> None:
        self.limit = limit
        self.as_of = as_of
        self.counted: dict[str, Note] = {}
        self.considered: dict[str, Note] = {}
        self.per_code: dict[str, int] = {}
        self.omitted: dict[str, int] = {}

    def count(self, event: Event, code: str, reason: str) -> None:
        self.counted.setdefault(event.id, Note(event, code, reason))

    def consider(self, event: Event, code: str, reason: str) -> None:
        if event.id in self.counted or event.id in self.considered:
            return
        if self.as_of is not None and event.at > self.as_of:
            # The engine judges what was known at --as-of; a later record is the reason.
            code, reason = AFTER_AS_OF, "not yet known: recorded after --as-of"
        cap = min(self.limit, _TYPE_HINTS) if code == WRONG_TYPE else self.limit
        if self.per_code.get(code, 0) >= cap:
            self.omitted[code] = self.omitted.get(code, 0) + 1
            return
        self.per_code[code] = self.per_code.get(code, 0) + 1
        self.considered[event.id] = Note(event, code, reason)

    def seen(self, event: Event) -> bool:
        return event.id in self.counted or event.id in self.considered

    def explanation(self, result: Result) -> WindowExplanation:
        def when(note: Note) -> tuple[datetime, str]:
            return (note.event.at, note.event.id)

        def nearness(note: Note) -> tuple[int, datetime, str]:
            rank = _NEARNESS.index(note.code) if note.code in _NEARNESS else len(_NEARNESS)
            return (rank, note.event.at, note.event.id)

        return WindowExplanation(
            result=result,
            counted=tuple(sorted(self.counted.values(), key=when)),
            considered=tuple(sorted(self.considered.values(), key=nearness)),
            omitted=tuple(sorted(self.omitted.items())),
        )


def _not_met(result: Result) -> bool:
    return result.status is not Status.MET


def _other_types(context: _Context, obligation: Obligation) -> list[str]:
    own = obligation.event_types
    return [t.id for t in context.force.event_types if t.id not in own]


def _wrong_types(
    context: _Context,
    notes: _Notes,
    obligation: Obligation,
    unit: str | None,
    window: Window,
    person: str | None = None,
) -> None:
    """Events of other types in the unit and window: what someone may have logged instead."""
    for event in context.index.between(_other_types(context, obligation), unit, window):
        if person is not None and event.person != person:
            continue
        code, reason = _why_not(obligation, event) or (WRONG_TYPE, "wrong type")
        notes.consider(event, code, reason)


def _nearby(
    context: _Context,
    types: Iterable[str],
    unit: str | None,
    window: Window,
    person: str | None = None,
) -> tuple[list[Event], list[Event]]:
    """The events of `types` in `unit` closest before and after `window`, within one
    window's length of it."""
    span = window.end - window.start
    events = [e for e in context.index.of_type(types, unit) if person is None or e.person == person]
    before = [e for e in events if window.start - span <= e.at < window.start][-_NEAR:]
    after = [e for e in events if window.end <= e.at < window.end + span][:_NEAR]
    return before, after


# ---------------------------------------------------------------------------- per kind


def _recurring(context: _Context, obligation: Obligation, result: Result) -> WindowExplanation:
    notes = _Notes(context.limit, context.as_of)
    window = result.window
    per_person = obligation.scope.per_person
    unit = None if per_person else result.scope
    person = result.scope if per_person else None
    types = sorted({t for req in obligation.evidence for t in req.types})
    for event_id in result.evidence:
        event = context.index.by_id[event_id]
        notes.count(event, COUNTED, f"counted: {event.type} at {context.local(event.at)}")
    for event in context.index.between(types, None, window):
        if notes.seen(event):
            continue
        if not context.inside(event, unit):
            notes.consider(event, WRONG_UNIT, f"wrong unit: logged in {_where(event)}, not {unit}")
        elif person is not None and event.person != person:
            notes.consider(
                event, WRONG_PERSON, f"another person: {event.person or 'nobody recorded'}"
            )
        else:
            code, reason = _why_not(obligation, event) or (COUNTED, "qualifies")
            notes.consider(event, code, reason)
    if _not_met(result):
        before, after = _nearby(context, types, unit, window, person)
        for event in before + after:
            notes.consider(event, OUTSIDE_WINDOW, _placement(context, event, window))
        _wrong_types(context, notes, obligation, unit, window, person)
    return notes.explanation(result)


def _triggered(context: _Context, obligation: Obligation, result: Result) -> WindowExplanation:
    notes = _Notes(context.limit, context.as_of)
    window = result.window
    trigger = obligation.rule.trigger if isinstance(obligation.rule, Triggered) else None
    fired = context.index.by_id[result.trigger or result.evidence[0]]
    notes.count(
        fired,
        TRIGGER,
        f"trigger: {fired.type} in {_where(fired)} at {context.local(fired.at)}, "
        f"follow-up due by {context.local(window.end)}",
    )
    for event_id in result.evidence[1:]:
        event = context.index.by_id[event_id]
        notes.count(event, COUNTED, f"counted: {event.type} at {context.local(event.at)}")
    types = sorted({t for req in obligation.evidence for t in req.types})
    for event in context.index.following(fired.id):
        if notes.seen(event):
            continue
        if event.at < window.start:
            notes.consider(event, BEFORE_TRIGGER, f"before the trigger: {context.local(event.at)}")
        elif event.at >= window.end:
            notes.consider(
                event,
                AFTER_DEADLINE,
                f"after the deadline: {context.local(event.at)}, due by "
                f"{context.local(window.end)}",
            )
        else:
            code, reason = _why_not(obligation, event) or (COUNTED, "qualifies")
            notes.consider(event, code, reason)
    by_scope = trigger is not None and trigger.match == "refs_or_scope"
    for event in context.index.between(types, None, window):
        if notes.seen(event) or event.id == fired.id:
            continue
        if event.refs:
            notes.consider(
                event,
                OTHER_TRIGGER,
                f"follows up {', '.join(event.refs)}, not {fired.id}",
            )
        elif not by_scope:
            notes.consider(
                event, NOT_REFERENCED, f"does not reference the trigger {fired.id} in refs"
            )
        elif not context.inside(event, fired.scope):
            notes.consider(
                event,
                WRONG_UNIT,
                f"wrong unit: logged in {_where(event)}, the trigger was in {fired.scope}, "
                f"and it does not reference {fired.id}",
            )
        else:
            code, reason = _why_not(obligation, event) or (COUNTED, "qualifies")
            notes.consider(event, code, reason)
    if _not_met(result):
        _, after = _nearby(context, types, fired.scope if by_scope else None, window)
        for event in after:
            if event.refs and fired.id not in event.refs:
                continue
            notes.consider(
                event,
                AFTER_DEADLINE,
                f"after the deadline: {context.local(event.at)}, due by "
                f"{context.local(window.end)}",
            )
        _wrong_types(context, notes, obligation, fired.scope, window)
    return notes.explanation(result)


def _constraint(context: _Context, obligation: Obligation, result: Result) -> WindowExplanation:
    notes = _Notes(context.limit, context.as_of)
    window = result.window
    unit = result.scope
    types = sorted({t for req in obligation.evidence for t in req.types})
    subjects = sorted(
        {
            e.id: e
            for e in context.index.of_type(types, unit)
            if any(qualifies(req, e) for req in obligation.evidence)
        }.values(),
        key=lambda e: (e.at, e.id),
    )
    previous: Event | None = None
    for event in subjects:
        before, previous = previous, event
        if not window.contains(event.at):
            continue
        broken = failed_condition(_require(obligation), event, before)
        if broken is None:
            notes.count(event, CONFORMS, f"conforms: {_rule(obligation)}")
            continue
        was = ""
        if broken.op is Operator.DIFFERS_FROM_PREVIOUS and before is not None:
            was = (
                f" (the previous one, {before.id} on {context.local(before.at)}, "
                f"had {broken.attr} {before.attrs.get(broken.attr)!r})"
            )
        notes.count(event, BREAKS_RULE, f"breaks the rule: {broken.describe()}: no{was}")
    for event in context.index.between(types, None, window):
        if notes.seen(event):
            continue
        if not context.inside(event, unit):
            notes.consider(event, WRONG_UNIT, f"judged under {_where(event)}, not {unit}")
        else:
            code, reason = _why_not(obligation, event) or (CONFORMS, "conforms")
            notes.consider(event, code, f"not covered by the rule: {reason}")
    return notes.explanation(result)


def _rule(obligation: Obligation) -> str:
    return " and ".join(c.describe() for c in _require(obligation))


def _coverage(context: _Context, obligation: Obligation, result: Result) -> WindowExplanation:
    notes = _Notes(context.limit, context.as_of)
    window = result.window
    unit = result.scope
    moment = min(window.end, context.as_of)
    types = sorted({t for req in obligation.evidence for t in req.types})
    for event_id in result.evidence:
        event = context.index.by_id[event_id]
        if event.type in _clears(obligation):
            notes.count(event, CLEARED, f"cleared the assignment on {context.local(event.at)}")
        else:
            notes.count(
                event, COUNTED, f"in place: the latest assignment before {context.local(moment)}"
            )
    history = context.index.of_type(types, unit)
    latest = next(
        (
            e
            for e in reversed(history)
            if e.at < moment and any(qualifies(req, e) for req in obligation.evidence)
        ),
        None,
    )
    clears = _clears(obligation)
    cleared = context.index.of_type(clears, unit) if clears else []
    clear = next((c for c in reversed(cleared) if c.at < moment), None)
    horizon = moment + (window.end - window.start)
    for event in reversed(history):  # newest first, so the limit keeps the most recent
        if notes.seen(event) or event.at >= horizon:
            continue
        if event.at >= moment:
            notes.consider(
                event,
                AFTER_AS_OF,
                f"recorded {context.local(event.at)}, after the moment judged "
                f"({context.local(moment)})",
            )
            continue
        why = _why_not(obligation, event)
        if why is not None:
            notes.consider(event, *why)
        elif event is latest and clear is not None:
            notes.consider(event, CLEARED, f"cleared by {clear.id} on {context.local(clear.at)}")
        elif latest is not None:
            notes.consider(event, SUPERSEDED, f"superseded by the later assignment {latest.id}")
    for event in context.index.between(types, None, window):
        if not notes.seen(event) and not context.inside(event, unit):
            notes.consider(event, WRONG_UNIT, f"wrong unit: logged in {_where(event)}, not {unit}")
    return notes.explanation(result)


def _standing(context: _Context, obligation: Obligation, result: Result) -> WindowExplanation:
    notes = _Notes(context.limit, context.as_of)
    window = result.window
    unit = result.scope
    limit = min(window.end, context.as_of)
    types = sorted({t for req in obligation.evidence for t in req.types})
    for event_id in result.evidence:
        event = context.index.by_id[event_id]
        when = "the last update before the range" if event.at <= window.start else "an update"
        notes.count(event, COUNTED, f"counted: {when}, {context.local(event.at)}")
    for event in context.index.between(types, None, window):
        if notes.seen(event):
            continue
        if not context.inside(event, unit):
            notes.consider(event, WRONG_UNIT, f"wrong unit: logged in {_where(event)}, not {unit}")
        elif event.at >= limit:
            notes.consider(
                event,
                AFTER_AS_OF,
                f"recorded {context.local(event.at)}, after the moment judged "
                f"({context.local(limit)})",
            )
        else:
            code, reason = _why_not(obligation, event) or (COUNTED, "qualifies")
            notes.consider(event, code, reason)
    return notes.explanation(result)


def _target(context: _Context, obligation: Obligation, result: Result) -> WindowExplanation:
    notes = _Notes(context.limit, context.as_of)
    window = result.window
    unit = result.scope
    target = obligation.rule if isinstance(obligation.rule, Target) else None
    attr = target.attr if target is not None else ""
    moment = min(window.end, context.as_of)
    types = sorted({t for req in obligation.evidence for t in req.types})
    for event_id in result.evidence:
        event = context.index.by_id[event_id]
        notes.count(event, COUNTED, f"counts towards the figure: {attr} {event.attrs.get(attr)!r}")
    for event in context.index.between(types, None, window):
        if notes.seen(event):
            continue
        if not context.inside(event, unit):
            notes.consider(event, WRONG_UNIT, f"wrong unit: logged in {_where(event)}, not {unit}")
            continue
        why = _why_not(obligation, event)
        if why is not None:
            notes.consider(event, *why)
        elif event.at >= moment:
            notes.consider(
                event,
                AFTER_AS_OF,
                f"recorded {context.local(event.at)}, after the moment judged "
                f"({context.local(moment)})",
            )
        elif number(event.attrs.get(attr)) is None:
            notes.consider(
                event, NOT_A_READING, f"not a reading: {attr} is {event.attrs.get(attr)!r}"
            )
        else:
            how = target.combine if target is not None else "latest"
            notes.consider(
                event,
                SUPERSEDED,
                f"superseded: the figure takes the {how} reading of its series",
            )
    if _not_met(result):
        _, after = _nearby(context, types, unit, window)
        for event in after:
            notes.consider(event, AFTER_DEADLINE, _placement(context, event, window, "deadline"))
    return notes.explanation(result)


_EXPLAINERS = {
    Kind.RECURRING: _recurring,
    Kind.TRIGGERED: _triggered,
    Kind.CONSTRAINT: _constraint,
    Kind.COVERAGE: _coverage,
    Kind.STANDING: _standing,
    Kind.TARGET: _target,
}


# ---------------------------------------------------------------------------- rendering


def _event_line(note: Note, force_zone: tzinfo) -> str:
    event = note.event
    at = event.at.astimezone(force_zone)
    where = event.scope or "force-wide"
    who = f" {event.role}" if event.role else ""
    return f"{event.id} {event.type} {at:%Y-%m-%d %H:%M} {where}{who}: {note.reason}"


def render_explanation(explanation: Explanation, force: Force) -> str:
    """The explanation as text: per window, the verdict, what counted and what did not."""
    ob = explanation.obligation
    zone = force.zone
    lines = [
        f"explain {ob.id} ({ob.kind.value}, owner {ob.owner}): {ob.title}",
        f"{explanation.force} {explanation.start}..{explanation.end}, as of "
        f"{explanation.as_of.astimezone(zone):%Y-%m-%d %H:%M %Z}"
        + (f", scope {explanation.scope}" if explanation.scope else ""),
        f"source: {ob.source.document} / {ob.source.section}",
    ]
    if not explanation.windows:
        lines.append("")
        lines.append("no windows of this obligation in the range")
    for item in explanation.windows:
        result = item.result
        lines.append("")
        lines.append(
            f"[{scope_label(result.scope)}] {result.window.label}: {result.status.value.upper()}"
        )
        lines.append(f"  verdict: {result.reason}")
        if result.waived_from is not None:
            lines.append(
                f"  before the waiver: {result.waived_from.status.value}: "
                f"{result.waived_from.reason}"
            )
        if item.counted:
            lines.append("  counted:")
            lines.extend(f"    {_event_line(n, zone)}" for n in item.counted)
        else:
            lines.append("  counted: nothing")
        if item.considered:
            lines.append("  considered, not counted:")
            lines.extend(f"    {_event_line(n, zone)}" for n in item.considered)
        for code, n in item.omitted:
            lines.append(f"    ... and {n} more: {code}")
    return "\n".join(lines) + "\n"


def _note_json(note: Note) -> dict[str, Any]:
    return {
        "id": note.event.id,
        "type": note.event.type,
        "at": note.event.at.isoformat(),
        "scope": note.event.scope,
        "role": note.event.role,
        "code": note.code,
        "reason": note.reason,
    }


def explanation_json(explanation: Explanation) -> dict[str, Any]:
    """The explanation as JSON: the result shape of `check`, plus counted and considered."""
    return {
        "force": explanation.force,
        "obligation": explanation.obligation.id,
        "from": explanation.start.isoformat(),
        "to": explanation.end.isoformat(),
        "as_of": explanation.as_of.isoformat(),
        "scope": explanation.scope,
        "windows": [
            {
                **result_json(item.result),
                "counted": [_note_json(n) for n in item.counted],
                "considered": [_note_json(n) for n in item.considered],
                "omitted": dict(item.omitted),
            }
            for item in explanation.windows
        ],
    }


def _require(obligation: Obligation) -> tuple[Condition, ...]:
    return obligation.rule.require if isinstance(obligation.rule, Constraint) else ()


def _clears(obligation: Obligation) -> tuple[str, ...]:
    return obligation.rule.clears if isinstance(obligation.rule, Coverage) else ()
