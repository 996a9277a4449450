"""Why a window was met or missed: the engine's own trace of it, in words.

The analyst's question is "why missed?". Nothing here judges: `explain` runs `evaluate`
with a `Trace` (so the verdicts are `check`'s, with waivers applied as `check` applies
them), and the trace says, for each window, every event the evaluator looked at and
what became of it. This module only words each fate and keeps the list readable:

- counted, and how (the trigger, an update carried in, a rule kept or broken);
- the wrong event type, unit, person or role; a missing attribute or a failed
  condition, with the value seen;
- outside the window, before the trigger or after the deadline;
- following up another event, or not referencing the trigger at all;
- superseded by a later reading or assignment, or not yet known at the moment judged.

Near misses are listed nearest to counting first and bounded (`limit` per reason per
window, those closest to the window kept, the rest counted), so a window of a busy force
stays readable.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta

import attrs

from engagerules.engine.evaluate import evaluate
from engagerules.engine.filters import check_filters
from engagerules.engine.kinds import KINDS
from engagerules.engine.schedule import concerns_scope
from engagerules.engine.trace import Code, Fate, Trace, WindowTrace
from engagerules.errors import UsageError, did_you_mean
from engagerules.model.conditions import denied
from engagerules.model.event import Event, EventLog
from engagerules.model.plan import Force, Obligation, Operator
from engagerules.model.readings import Part
from engagerules.model.results import Result, Status
from engagerules.model.words import (
    and_list,
    citation_words,
    day_words,
    days_words,
    denial_words,
    duplicate_words,
    printable_lines,
    role_words,
    time_words,
    type_words,
    unit_words,
    window_words,
)
from engagerules.sources.waivers import Waiver, apply_waivers

__all__ = [
    "Explanation",
    "Note",
    "WindowExplanation",
    "explain",
    "render_explanation",
]

#: The code of a record that was not yet known when judged (the codes are the trace's `Code`).
AFTER_AS_OF = Code.AFTER_AS_OF

#: Events of another type are only a hint of what was logged instead, and a busy unit
#: logs many: at most this many are listed per window.
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
    person: str | None = None
    #: The roles the force declares: a record's role outside them was typed by someone (a
    #: name in the role column) and is withheld wherever the explanation is written.
    roles: frozenset[str] = frozenset()


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
    person: str | None = None,
) -> Explanation:
    """Explain each window of `obligation_id` between `start` and `end` (inclusive) at `as_of`.

    `scope` keeps the windows that concern that unit (its own, enclosing, enclosed and
    force-wide); `person` keeps one person's windows of a per-person duty (a `UsageError`
    with the nearest person judged, for one who is not); `waivers` are applied as
    `check --waivers` applies them.
    """
    check_filters(force, scope=scope)
    versions = force.obligation(obligation_id)
    if not versions:
        hint = did_you_mean(obligation_id, force.obligation_ids)
        msg = f"{obligation_id!r} is not an obligation of {force.id}{hint}"
        raise UsageError(msg)
    if not any(v.scored for v in versions):
        first = versions[0].rule
        reason = KINDS[versions[0].kind].unchecked_reason(first)
        why = f" ({reason})" if reason else ""
        msg = f"{obligation_id} is advisory{why}: never scored, so there is nothing to explain"
        raise UsageError(msg)
    if not isinstance(log, EventLog):
        log = EventLog(tuple(log), ())
    trace = Trace(force, log.events, as_of)
    report = evaluate(force, log, start, end, as_of, obligations=[obligation_id], trace=trace)
    traced = trace.of(report.results)
    judged = apply_waivers(report, waivers, force).results  # the same results, in order
    if person is not None:
        _check_person(obligation_id, versions[0], person, judged)
    windows = tuple(
        _window(window, result, force, limit)
        for window, result in zip(traced, judged, strict=True)
        if (scope is None or concerns_scope(force, result.scope, scope))
        and (person is None or result.scope == person)
    )
    return Explanation(
        force=force.id,
        obligation=versions[0],
        start=start,
        end=end,
        as_of=as_of,
        windows=windows,
        scope=scope,
        person=person,
        roles=frozenset(r.id for r in force.roles),
    )


def _check_person(
    obligation_id: str, obligation: Obligation, person: str, judged: Sequence[Result]
) -> None:
    """A person selects windows only of a per-person duty, and only one it judged."""
    if not obligation.scope.per_person:
        msg = f"{obligation_id} is not owed per person, so --person selects nothing; use --scope"
        raise UsageError(msg)
    people = sorted({r.scope for r in judged if r.scope is not None})
    if person not in people:
        shown = ", ".join(people[:10]) + (" ..." if len(people) > 10 else "")
        msg = (
            f"{obligation_id} judges no person {person!r} in this range"
            f"{did_you_mean(person, people)} (people judged: {shown or 'none'})"
        )
        raise UsageError(msg)


def _window(traced: WindowTrace, result: Result, force: Force, limit: int) -> WindowExplanation:
    """One window's fates as notes: what counted, in time order; then the near misses,
    nearest to counting first, at most `limit` per reason (those closest to the window)."""
    words = _Words(traced, force)
    counted = sorted((f for f in traced.fates if f.counted), key=_when)
    kept: list[Fate] = []
    omitted: dict[str, int] = {}
    by_code: dict[Code, list[Fate]] = {}
    for fate in traced.fates:
        if not fate.counted:
            by_code.setdefault(fate.code, []).append(fate)
    window = traced.result.window
    for code, fates in by_code.items():
        cap = min(limit, _TYPE_HINTS) if code is Code.WRONG_TYPE else limit
        fates.sort(key=lambda f: (_distance(f.event.at, window.start, window.end), _when(f)))
        kept.extend(fates[:cap])
        if len(fates) > cap:
            omitted[code] = len(fates) - cap
    kept.sort(key=lambda f: (f.code.nearness, *_when(f)))
    return WindowExplanation(
        result=result,
        counted=tuple(Note(f.event, f.code, words.reason(f)) for f in counted),
        considered=tuple(Note(f.event, f.code, words.reason(f)) for f in kept),
        omitted=tuple(sorted(omitted.items())),
    )


def _when(fate: Fate) -> tuple[datetime, str]:
    return (fate.event.at, fate.event.id)


def _distance(at: datetime, start: datetime, end: datetime) -> timedelta:
    if at < start:
        return start - at
    return max(at - end, timedelta(0))


class _Words:
    """Each fate in words, for one window: the facts are the trace's, the wording here.
    Events are named by their type's title and their id (the id is what a reviewer looks
    up in the log), times in the force's zone as every report says them."""

    def __init__(self, traced: WindowTrace, force: Force) -> None:
        self.traced = traced
        self.force = force
        self.window = traced.result.window

    def local(self, moment: datetime) -> str:
        return time_words(moment, self.force.zone)

    def kind(self, event: Event) -> str:
        return type_words(self.force, event.type)

    def unit(self, scope: str | None) -> str:
        return unit_words(self.force, scope) if scope else "no unit (force-wide)"

    def roles(self, roles: Iterable[str]) -> str:
        return and_list((_titled(self.force, r) for r in roles), "or")

    def reason(self, fate: Fate) -> str:
        event, obligation = fate.event, self.traced.obligation
        at, other = self.local(event.at), fate.other
        match fate.code:
            case Code.COUNTED if fate.moment is not None:
                return f"counted: the latest {self.kind(event)} before {self.local(fate.moment)}"
            case Code.COUNTED if fate.seen is not None:
                return f"counts towards the figure: {fate.seen[0]} {fate.seen[1]!r}"
            case Code.COUNTED:
                return f"counted: {self.kind(event)} at {at}"
            case Code.TRIGGER:
                return (
                    f"trigger: {self.kind(event)} in {self.unit(event.scope)} at {at}, "
                    f"follow-up due by {self.local(self.window.end)}"
                )
            case Code.CONFORMS:
                require = KINDS[obligation.kind].record_rule(obligation.rule)
                rule = " and ".join(c.describe() for c in require)
                return f"conforms: {rule}"
            case Code.BREAKS_RULE:
                return f"breaks the rule: {self._broken(fate)}"
            case Code.CLEARED if other is not None:
                return f"cleared by {other.id} on {self.local(other.at)}"
            case Code.CLEARED:
                return f"cleared the assignment on {at}"
            case Code.WRONG_ROLE:
                needs = self.roles(fate.requirement.roles) if fate.requirement else "another"
                role = self.roles([event.role]) if event.role else "no role recorded"
                return f"wrong role: {role}, needs {needs}"
            case Code.MISSING_ATTRIBUTE if fate.condition is not None:
                return f"missing attribute: no {fate.condition.attr} recorded"
            case Code.FAILED_CONDITION if fate.condition is not None and denied(
                fate.condition, event
            ):
                return (
                    f"fails the condition {fate.condition.describe()}: "
                    f"{denial_words(fate.condition.attr)} (a record that says it did not "
                    "happen is not evidence that it did)"
                )
            case Code.FAILED_CONDITION if fate.condition is not None and fate.seen is not None:
                return (
                    f"fails the condition {fate.condition.describe()} "
                    f"({fate.seen[0]} is {fate.seen[1]!r})"
                )
            case Code.WRONG_PERSON:
                return f"another person: {event.person or 'nobody recorded'}"
            case Code.CLAIMED if other is not None:
                return f"counted for another trigger: {other.id}, due first"
            case Code.CLAIMED:
                return "counted for another trigger, due first"
            case Code.OTHER_ITEM if other is not None and fate.seen is not None:
                return (
                    f"another item: not the one {other.id} names in "
                    f"{fate.seen[0]} ({fate.seen[1] or 'none recorded'})"
                )
            case Code.OTHER_ITEM if other is not None:
                return f"another item: not tied to {other.id} by refs, key or period"
            case Code.NOT_NEEDED if other is not None:
                return f"not needed: {other.id} had its follow-up already"
            case Code.OTHER_TRIGGER if other is not None:
                return f"follows up {', '.join(event.refs)}, not {other.id}"
            case Code.NOT_REFERENCED if other is not None:
                return f"does not reference the trigger {other.id} in refs"
            case Code.WRONG_UNIT:
                return (
                    f"wrong unit: logged in {self.unit(event.scope)}, "
                    f"not {self.unit(self.traced.unit)}"
                )
            case Code.BEFORE_TRIGGER:
                return f"before the trigger: {at}"
            case Code.AFTER_DEADLINE:
                return f"after the deadline: {at}, due by {self.local(self.window.end)}"
            case Code.OUTSIDE_WINDOW if event.at < self.window.start:
                return (
                    f"outside the window: {at} is before it opened {self.local(self.window.start)}"
                )
            case Code.OUTSIDE_WINDOW:
                return f"outside the window: {at} is after it closed {self.local(self.window.end)}"
            case Code.AFTER_AS_OF if fate.moment is not None:
                return f"recorded {at}, after the moment judged ({self.local(fate.moment)})"
            case Code.AFTER_AS_OF:
                return "not yet known: recorded after --as-of"
            case Code.NOT_A_READING if fate.seen is not None:
                return f"not a reading: {fate.seen[0]} is {fate.seen[1]!r}"
            case Code.SUPERSEDED if other is not None:
                return f"superseded by the later {self.kind(other)} {other.id}"
            case Code.SUPERSEDED:
                return "superseded: another reading of its series makes the figure"
            case Code.DUPLICATE if other is not None:
                return duplicate_words(other.id)
            case Code.WRONG_TYPE:
                accepted = " or ".join(
                    type_words(self.force, t)
                    for t in dict.fromkeys(t for r in obligation.evidence for t in r.types)
                )
                return f"wrong type: {self.kind(event)} is not {accepted}"
        return "not counted: the trace records no rule for it"

    def _broken(self, fate: Fate) -> str:
        condition, before = fate.condition, fate.other
        if condition is None:
            return "a rule"
        was = ""
        if condition.op is Operator.DIFFERS_FROM_PREVIOUS and before is not None:
            was = (
                f" (the previous one, {before.id} on {self.local(before.at)}, "
                f"had {condition.attr} {before.attrs.get(condition.attr)!r})"
            )
        return f"{condition.describe()}: no{was}"


# ---------------------------------------------------------------------------- rendering


def _event_line(note: Note, force: Force) -> str:
    """`t3 Tweet at Wed 5 Oct 2022 09:00 BST, force-wide: counted ...`: the event by its
    id (to look it up) and its type's title, when and where, then what became of it."""
    event = note.event
    at = time_words(event.at, force.zone)
    where = f"in {unit_words(force, event.scope)}" if event.scope else "force-wide"
    who = f", by {role_words(force, event.role)}" if event.role else ""
    return f"{event.id} {type_words(force, event.type)} at {at}, {where}{who}: {note.reason}"


def _titled(force: Force, role: str) -> str:
    if all(r.id != role for r in force.roles):  # typed into a record: never repeated back
        return role_words(force, role)
    title = role_words(force, role)
    return f"{title} ({role})" if title != role else role


def _in_force_lines(ob: Obligation, start: date, end: date) -> list[str]:
    """Where the range starts before the duty or runs past it, the dates it is in force,
    with the plan's words for them or the reading they are: why the first window opens
    later than the range (a council SPOC is owed from 1 October 2022)."""
    first, last = ob.effective_from, ob.effective_until
    if not (first is not None and start < first) and not (last is not None and end > last):
        return []
    span = " ".join(
        part
        for part in (
            f"from {day_words(first)}" if first is not None else "",
            f"until {day_words(last)}" if last is not None else "",
        )
        if part
    )
    reading = ob.readings.of(Part.EFFECTIVE)
    words = ob.readings.words_of(Part.EFFECTIVE)
    if reading is not None:
        said = reading.sentence()
    elif words is not None:
        said = f"the plan's words: '{words}'"
    else:
        said = "the configuration's dates"
    return [f"in force {span}: {said}"]


def render_explanation(explanation: Explanation, force: Force) -> str:
    """The explanation as text: per window, the verdict, what counted and what did not."""
    ob = explanation.obligation
    scope = explanation.scope
    lines = [
        f"explain {ob.id} ({ob.kind.value}, owner {_titled(force, ob.owner)}): {ob.title}",
        f"{force.name}: {days_words(explanation.start, explanation.end)}, as of "
        f"{time_words(explanation.as_of, force.zone)}"
        + (f", scope {unit_words(force, scope)}" if scope else ""),
        f"source: {citation_words(force, ob.source)}",
    ]
    lines.extend(_in_force_lines(ob, explanation.start, explanation.end))
    if not explanation.windows:
        lines.append("")
        lines.append("no windows of this obligation in the range")
    for item in explanation.windows:
        result = item.result
        lines.append("")
        lines.append(
            f"[{unit_words(force, result.scope)}] {window_words(result.window)}: "
            f"{result.status.value.upper()}"
        )
        lines.append(f"  verdict: {result.reason}")
        if result.waived_from is not None:
            lines.append(
                f"  before the waiver: {result.waived_from.status.value}: "
                f"{result.waived_from.reason}"
            )
        if item.counted:
            lines.append("  counted:")
            lines.extend(f"    {_event_line(n, force)}" for n in item.counted)
        else:
            lines.append("  counted: nothing")
        if item.considered:
            lines.append("  considered, not counted:")
            lines.extend(f"    {_event_line(n, force)}" for n in item.considered)
        for code, n in item.omitted:
            lines.append(f"    ... and {n} more: {code}")
    return printable_lines(lines)
