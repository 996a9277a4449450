"""Something that must be in place for every unit (a named point of contact)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Any, ClassVar

import attrs

from engagerules.engine.index import EventIndex
from engagerules.engine.schedule import unit_slots
from engagerules.engine.trace import Code, Trace
from engagerules.engine.verdicts import (
    Outcome,
    constraint_windows,
    make_result,
    subjects_of,
)
from engagerules.errors import ModelError
from engagerules.model.checks import one_of, optional, strings, tuples
from engagerules.model.durations import Duration, parse_duration, positive_duration
from engagerules.model.event import Event
from engagerules.model.periods import Window, range_bounds
from engagerules.model.plan import Force, Kind, Obligation, Rule
from engagerules.model.results import Result, Status
from engagerules.model.words import (
    and_list,
    day_words,
    markdown_codes,
    on_days_words,
    requirement_words,
    role_words,
    time_words,
    unit_words,
)

if TYPE_CHECKING:
    from collections.abc import Iterator

    from engagerules.engine.kinds import Actor


Spell = tuple[datetime, datetime | None, Event]

#: How the force documentation names this kind.
MEANING = "something that must be in place for every unit"

#: What the force documentation calls this kind's evidence.
EVIDENCE_LABEL = "In place when recorded"

#: Whether the documentation states the evidence as a count ("at least 1 `tweet`") or,
#: for kinds judged on every such event, by its types alone.
COUNTS_EVIDENCE = False

#: An assignment covers from when it is recorded, even before the duty came into force.
LASTS = True


#: When a window is judged: covered `throughout` it, or only `at_end` (when it closes).
JUDGED = ("throughout", "at_end")

#: The older spelling, `in_place`, of the same declaration (still read, and written to the
#: obligations JSON, which the contract lists it in).
_IN_PLACE = {"throughout": "throughout", "by_end": "at_end"}


@attrs.frozen
class Coverage(Rule):
    """Something in place for every unit throughout each window (or only at its end, with
    `judged` `at_end`), until a `clears` event naming it."""

    kind: ClassVar[Kind] = Kind.COVERAGE

    clears: tuple[str, ...] = attrs.field(default=(), converter=tuples, validator=strings)
    cadence: Duration | None = attrs.field(default=None, validator=optional(positive_duration))
    anchor: date | None = None
    #: Judged `throughout` each window (default) or only `at_end` of it.
    judged: str = attrs.field(default="throughout", validator=one_of(JUDGED))

    @property
    def reads(self) -> tuple[str, ...]:
        return self.clears


#: The rule class the registry dispatches on.
RULE = Coverage


def looks_back(obligation: Obligation, rule: Coverage, kind: str) -> bool:
    """An assignment (or its vacancy) made before the range covers the range's windows."""
    return True


#: This kind's part of the obligation schema (JSON Schema 2020-12; `#/$defs/...` refer to
#: the force schema's definitions). `properties` are the keys only this kind has; `then`
#: applies when an obligation's `kind` is "coverage".
SCHEMA: dict[str, Any] = {
    "properties": {
        "clears": {"$ref": "#/$defs/types"},
        "cadence": {"$ref": "#/$defs/duration"},
        "anchor": {
            "$ref": "#/$defs/date",
            "description": "A date a period starts on; cycles run forwards and backwards from it.",
        },
        "judged": {
            "enum": list(JUDGED),
            "description": "Judged covered throughout each window (the default) or only at "
            "its end: declare it, as a reading where the plan does not say.",
        },
        "in_place": {
            "enum": list(_IN_PLACE),
            "description": "The older spelling of `judged` (`by_end` is `at_end`).",
        },
    },
    "then": {"required": ["evidence"], "properties": {"evidence": {"minItems": 1}}},
}


def build(raw: dict[str, Any]) -> Coverage:
    """From the validated JSON of one obligation."""
    return Coverage(
        clears=tuple(raw.get("clears", ())),
        cadence=parse_duration(raw["cadence"]) if "cadence" in raw else None,
        anchor=date.fromisoformat(raw["anchor"]) if "anchor" in raw else None,
        judged=_judged(raw),
    )


def _judged(raw: dict[str, Any]) -> str:
    """`judged`, or the older `in_place` read as it; both only when they say the same."""
    older = _IN_PLACE[raw["in_place"]] if "in_place" in raw else None
    judged = raw.get("judged", older or "throughout")
    if older is not None and older != judged:
        msg = f"Coverage.judged: {judged!r} and in_place {raw['in_place']!r} disagree"
        raise ModelError(msg)
    return str(judged)


def evaluate(
    force: Force,
    obligation: Obligation,
    rule: Coverage,
    index: EventIndex,
    span: Window,
    as_of: datetime,
    trace: Trace | None = None,
) -> Outcome:
    """Every unit must be covered throughout each window (up to `as_of`, if sooner): an
    assignment covers from when it is recorded until a vacancy that names it in `refs`
    (a vacancy naming none ends every assignment before it). Only assignments that
    qualify (a role the duty accepts) cover; one made after the window covers nothing in
    it. A gap is `missed` with the uncovered days, even while the window is still open.

    With `judged` `at_end` (for things that need only exist by the end of each window,
    such as a profile to be written), an assignment in force when the window closes (or
    at `as_of`) is enough, and the reasons say so."""
    windows = constraint_windows(obligation, span)
    results: list[Result] = []
    used: set[str] = set()
    label = " or ".join(requirement_words(force, r) for r in obligation.evidence)
    for unit in unit_slots(obligation):
        cleared = index.of_type(rule.clears, unit) if rule.clears else []
        spells = _spells(subjects_of(obligation, index, unit), cleared)
        ended = {s[1] for s in spells if s[1] is not None}
        ending = [e for e in cleared if e.at in ended]
        for window in windows:
            result, ends = window_result(
                force, obligation, rule, label, unit, window, spells, ending, as_of
            )
            results.append(result)
            used.update(result.evidence)
            if trace is None:
                continue
            if window.start >= as_of:  # nothing of it has passed at `as_of`
                trace.close(result, obligation, unit=unit, moment=as_of)
                continue
            moment = min(window.end, as_of)  # the window's horizon
            # An assignment made before the window (even before the duty) covers it, so
            # everything up to the window's end is looked at: a SPOC named by the wrong role
            # in September is shown refused for its role in October's window.
            looked = Window(_DAWN, window.end, window.zone)
            for end in ends:
                trace.note(end, Code.CLEARED, counted=True)
            evidence = [s[2] for s in spells if s[2].id in result.evidence]
            _vacated(trace, spells, evidence, moment)
            trace.close(result, obligation, unit=unit, moment=moment, looked=looked)
    return Outcome(tuple(results), frozenset(used))


def window_result(
    force: Force,
    obligation: Obligation,
    rule: Coverage,
    label: str,
    unit: str | None,
    window: Window,
    spells: list[Spell],
    ending: list[Event],
    as_of: datetime,
) -> tuple[Result, list[Event]]:
    """One unit's window judged from its spells (at least those that reach into it) and
    the vacancies that ended some spell (`ending`, in time order; at least the last before
    it and those in it), with the vacancy a gap names: the reference's and the compiled
    engine's alike."""
    if window.start >= as_of:
        reason = f"window starts after {time_words(as_of, force.zone)}"
        return make_result(obligation, unit, window, Status.PENDING, 1, 0, (), reason), []
    horizon = min(window.end, as_of)
    inside = [s for s in spells if s[0] < horizon and (s[1] is None or s[1] > window.start)]
    gaps = _gaps(inside, window.start, horizon)
    at_end = rule.judged == "at_end"
    if at_end:  # only the moment the window closes counts
        inside = [s for s in inside if s[1] is None or s[1] >= horizon]
        gaps = [] if inside else [(horizon - timedelta(microseconds=1), horizon)]
    evidence = [s[2] for s in inside]
    where = unit_words(force, unit) if unit else "the force"
    if gaps:
        ends = [e for e in ending if e.at < horizon][-1:]
        days = _days(gaps, force)
        shown = and_list(on_days_words(a, b) for a, b in days[:5])
        reason = (
            f"no {label} in place for {where} at {time_words(horizon, force.zone)}"
            if at_end
            else f"no {label} for {where} {shown}"
        )
        if ends:
            reason += f" (vacated by {', '.join(e.id for e in ends)})"
        missed = [*evidence, *ends]
        return make_result(obligation, unit, window, Status.MISSED, 1, 0, missed, reason), ends
    who = ", ".join(f"{e.id} ({_assigned(force, e)})" for e in evidence[:_NAMED])
    if len(evidence) > _NAMED:  # the evidence lists them all
        who += f" and {len(evidence) - _NAMED} more"
    if horizon < window.end:
        status, reason = Status.PENDING, f"{label} for {where} so far: {who}"
    elif at_end:
        status, reason = Status.MET, f"{label} for {where} at the window's end: {who}"
    else:
        status, reason = Status.MET, f"{label} for {where} throughout: {who}"
    return make_result(obligation, unit, window, status, 1, 1, evidence, reason), []


def _vacated(trace: Trace, spells: list[Spell], evidence: list[Event], horizon: datetime) -> None:
    """Note the assignments made before `horizon` that a vacancy ended by then, and which
    so cover nothing that counts here (judged `at_end`, at the window's close)."""
    counted = {e.id for e in evidence}
    for start, end, event in spells:
        if start < horizon and end is not None and end <= horizon and event.id not in counted:
            trace.note(event, Code.CLEARED)


def _spells(assigned: list[Event], cleared: list[Event]) -> list[Spell]:
    """Each assignment with when it ended: the first later vacancy naming it, or, for a
    vacancy naming no assignment, the first later one at all."""
    spells: list[Spell] = []
    for event in assigned:
        end = next(
            (c.at for c in cleared if c.at > event.at and (event.id in c.refs or not c.refs)),
            None,
        )
        spells.append((event.at, end, event))
    return spells


def _gaps(spells: list[Spell], start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    """The stretches of `start`..`end` no spell covers."""
    gaps: list[tuple[datetime, datetime]] = []
    cursor = start
    for begin, finish, _ in sorted(spells, key=lambda s: s[0]):
        if begin > cursor:
            gaps.append((cursor, min(begin, end)))
        cursor = end if finish is None else max(cursor, finish)
        if cursor >= end:
            break
    if cursor < end:
        gaps.append((cursor, end))
    return [(a, b) for a, b in gaps if a < b]


def _days(gaps: list[tuple[datetime, datetime]], force: Force) -> list[tuple[date, date]]:
    """Each gap as the local days it touches, first and last."""
    shown = []
    for a, b in gaps:
        first = a.astimezone(force.zone).date()
        last = (b - timedelta(microseconds=1)).astimezone(force.zone).date()
        shown.append((first, last))
    return shown


#: Before any record: where a trace looks back from (a window may be a day after it).
_DAWN = datetime(1, 1, 2, tzinfo=UTC)

#: How many assignments a reason names; the result's evidence lists every one.
_NAMED = 5


def _assigned(force: Force, event: Event) -> str:
    """Who an assignment named (the role's title, else the person) and the day it was made."""
    who = role_words(force, event.role) if event.role else event.person or "recorded"
    return f"{who}, {day_words(event.at.astimezone(force.zone).date())}"


# ---------------------------------------------------------------- how the outputs say it


def agenda_span(obligation: Obligation, rule: Coverage, day: date, zone: tzinfo) -> Window | None:
    """The range the agenda evaluates on `day`, when this kind fixes one (None: the range
    of the windows open now or opening soon)."""
    return range_bounds(day, day, zone)


def agenda_deadline(
    obligation: Obligation, rule: Coverage, result: Result, index: EventIndex, now: datetime
) -> tuple[Result, datetime] | None:
    """The result as the agenda shows it and when it falls due, when this kind decides
    (None: at the end of its window)."""
    if result.status is Status.MISSED:
        return result, now
    return None


def doc_lines(force: Force, obligation: Obligation, rule: Coverage) -> list[str]:
    """The force documentation's line of what clears an assignment."""
    if not rule.clears:
        return []
    cleared = markdown_codes(rule.clears)
    return [f"- **Cleared by:** {cleared} (after which it must be put in place again)"]


def _judged_words(obligation: Obligation, rule: Coverage) -> str:
    """When the duty is judged, as its declaration says (every note and reason follows it)."""
    each = "each window" if obligation.cadence is not None else "the range (or as of the check)"
    if rule.judged == "at_end":
        return f"covered when in place at the end of {each}"
    return f"covered only when in place throughout {each}; gaps give the days"


def judged_notes(obligation: Obligation, rule: Coverage) -> list[str]:
    """How the verdict mechanisms read this duty, in words."""
    return [_judged_words(obligation, rule)]


def when_suffix(obligation: Obligation, rule: Coverage) -> str:
    """The calendar's "When:" line says when the duty is judged, as declared."""
    if rule.judged == "at_end":
        return " (judged at the end of each period)"
    return " (judged throughout each period)"


def json_fields(rule: Coverage) -> dict[str, Any]:
    """The obligation JSON's `clears`, `judged` and its older spelling `in_place`."""
    fields: dict[str, Any] = {"clears": list(rule.clears)} if rule.clears else {}
    fields["judged"] = rule.judged
    fields["in_place"] = "by_end" if rule.judged == "at_end" else "throughout"
    return fields


# ---------------------------------------------------------------- how the simulator acts it


def act(obligation: Obligation, rule: Coverage, actor: Actor) -> Iterator[dict[str, Any]]:
    """Each unit covered in the range's first week as often as the force complies."""
    for unit in list(unit_slots(obligation)):
        if actor.rng.random() < actor.compliance:
            early = Window(actor.span.start, actor.span.start + timedelta(days=7))
            yield actor.record(obligation, obligation.evidence[0], early, unit, None, {})
