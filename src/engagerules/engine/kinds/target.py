"""A measured figure that must reach a value by a deadline."""

from __future__ import annotations

import math
import sys
from datetime import date, datetime, tzinfo
from typing import Any, ClassVar

import attrs

from engagerules.engine.index import EventIndex
from engagerules.engine.schedule import dues
from engagerules.engine.trace import Code, Trace
from engagerules.engine.verdicts import Outcome, local_day, make_result, qualified
from engagerules.model.checks import finite, instance, one_of, optional
from engagerules.model.conditions import number
from engagerules.model.periods import Window, range_bounds
from engagerules.model.plan import Force, Kind, Obligation, Rule
from engagerules.model.results import Result, Status
from engagerules.sources.events import Event

#: How the force documentation names this kind.
MEANING = "a measured figure that must reach a value by a date"

#: What the force documentation calls this kind's evidence.
EVIDENCE_LABEL = "Readings"

#: Whether the documentation states the evidence as a count ("at least 1 `tweet`") or,
#: for kinds judged on every such event, by its types alone.
COUNTS_EVIDENCE = False

#: How readings make the figure.
COMBINE = ("latest", "sum", "max")


@attrs.frozen
class Target(Rule):
    """A measured figure that must reach `value` by the end of day `by`.

    `combine` says how readings make the figure: the `latest` reading, their `sum` or
    their `max`; with `group`, readings are separate series by that attribute (one per
    social-media account) and the figure is the total of each series' value.
    """

    kind: ClassVar[Kind] = Kind.TARGET

    attr: str = attrs.field(validator=instance(str, "an attribute name"))
    value: float = attrs.field(validator=finite)
    by: date = attrs.field(validator=instance(date, "a date"))
    combine: str = attrs.field(default="latest", validator=one_of(COMBINE))
    group: str | None = attrs.field(
        default=None, validator=optional(instance(str, "an attribute name"))
    )
    baseline: float | None = attrs.field(default=None, validator=optional(finite))
    start: date | None = attrs.field(default=None, validator=optional(instance(date, "a date")))

    def due_once(self, obligation: Obligation, span: Window) -> Window | None:
        """From its start (or the version's, or the range's) to the end of day `by`."""
        begin = self.start or obligation.effective_from or span.local_start.date()
        return range_bounds(min(begin, self.by), self.by, span.zone)


#: The rule class the registry dispatches on.
RULE = Target

#: This kind's part of the obligation schema (JSON Schema 2020-12; `#/$defs/...` refer to
#: the force schema's definitions). `properties` are the keys only this kind has; `then`
#: applies when an obligation's `kind` is "target".
SCHEMA: dict[str, Any] = {
    "properties": {
        "target": {
            "type": "object",
            "additionalProperties": False,
            "required": ["attr", "value", "by"],
            "properties": {
                "attr": {"type": "string", "minLength": 1},
                "value": {"type": "number"},
                "by": {"$ref": "#/$defs/date"},
                "start": {"$ref": "#/$defs/date"},
                "combine": {"enum": ["latest", "sum", "max"]},
                "group": {"type": "string", "minLength": 1},
                "baseline": {"type": "number"},
            },
        }
    },
    "then": {"required": ["target", "evidence"], "properties": {"evidence": {"minItems": 1}}},
}


def build(raw: dict[str, Any]) -> Target:
    """From the validated JSON of one obligation."""
    target = raw["target"]
    return Target(
        attr=target["attr"],
        value=target["value"],
        by=date.fromisoformat(target["by"]),
        combine=target.get("combine", "latest"),
        group=target.get("group"),
        baseline=target.get("baseline"),
        start=date.fromisoformat(target["start"]) if "start" in target else None,
    )


def evaluate(
    force: Force,
    obligation: Obligation,
    rule: Target,
    index: EventIndex,
    span: Window,
    as_of: datetime,
    trace: Trace | None = None,
) -> Outcome:
    """A measured figure must reach its value by the deadline. Before the deadline it is
    `pending` with its progress, never met early (a reading above the target in November
    may be followed by a lower one in December); at the deadline the figure is what the
    readings at or before it make (by default the latest reading of each series), and the
    reason names the readings it rests on."""
    target = rule
    results: list[Result] = []
    used: set[str] = set()
    for due in dues(obligation, span):
        moment = min(due.window.end, as_of)
        readings = []
        for req in obligation.evidence:
            for e in qualified(req, index.between(req.types, due.scope, due.window), trace=trace):
                if e.at >= moment:
                    continue  # after the moment judged: the trace's `moment` says so
                if number(e.attrs.get(target.attr)) is not None:
                    readings.append(e)
                elif trace is not None:
                    trace.note(e, Code.NOT_A_READING, seen=(target.attr, e.attrs.get(target.attr)))
        readings.sort(key=lambda e: (e.at, e.id))
        figure, counted = _combine(target.combine, target.attr, target.group, readings)
        used.update(e.id for e in counted)
        goal = _figure(target.value)
        by = f"{target.by.day} {target.by:%b %Y}"
        base = f", baseline {_figure(target.baseline)}" if target.baseline is not None else ""
        got = f"{_figure(figure)} {target.attr}" if readings else f"no {target.attr} readings"
        cited = ", ".join(f"{e.id} on {local_day(e.at, force)}" for e in counted[:5])
        basis = f" ({target.combine} of {cited})" if counted else ""
        if due.window.end > as_of:
            status = Status.PENDING
            reason = f"{got} so far{basis}, target {goal} by {by}{base}"
        elif readings and figure >= target.value:
            status = Status.MET
            reason = f"{got} at the deadline{basis}, target {goal} by {by}{base}"
        else:
            status = Status.MISSED
            reason = f"{got} at the deadline{basis}, short of the target {goal} by {by}{base}"
        result = make_result(
            obligation, due.scope, due.window, status, target.value, figure, counted, reason
        )
        results.append(result)
        if trace is not None:
            for e in readings:
                seen = (target.attr, e.attrs.get(target.attr))
                if e in counted:
                    trace.note(e, Code.COUNTED, counted=True, seen=seen)
                else:
                    trace.note(e, Code.SUPERSEDED, seen=seen)
            near = Code.AFTER_DEADLINE
            trace.close(result, obligation, unit=due.scope, moment=moment, near=near)
    return Outcome(tuple(results), frozenset(used))


def _combine(
    how: str, attr: str, group: str | None, readings: list[Event]
) -> tuple[float, list[Event]]:
    """The figure the readings make, and the readings it rests on."""
    series: dict[object, list[Event]] = {}
    for event in readings:
        key = event.attrs.get(group) if group else None
        series.setdefault(str(key).strip().lower() if key is not None else None, []).append(event)
    total = 0.0
    counted: list[Event] = []
    for events in series.values():
        values = [(number(e.attrs.get(attr)) or 0.0, e) for e in events]
        if how == "sum":
            total += sum(v for v, _ in values)
            counted.extend(e for _, e in values)
        elif how == "max":
            best = max(values, key=lambda pair: pair[0])
            total += best[0]
            counted.append(best[1])
        else:
            total += values[-1][0]
            counted.append(values[-1][1])
    if not math.isfinite(total):  # finite readings that add up past the largest float
        total = math.copysign(sys.float_info.max, total)
    return total, counted


def _figure(value: float) -> str:
    """A figure as people write it: 8,300 or 2.5."""
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}".rstrip("0")


# ---------------------------------------------------------------- how the outputs say it

#: The calendar's category and title prefix for this kind ("" for none).
CALENDAR_LABEL = ""

#: Whether the calendar shows the owner free, not busy, in this kind's items.
CALENDAR_FREE = False

#: Whether a calendar item of this kind is due by its window's last day, whatever its cycle.
DUE_BY_LAST_DAY = True

#: Whether events set off this kind's duties (the calendar's follow-ups).
FOLLOWS_EVENTS = False

#: Whether the agenda lists this kind as a duty to do.
AGENDA_DUTY = True


def when_suffix(obligation: Obligation, rule: Target) -> str:
    """What the calendar adds to a series' "When:" line."""
    return ""


def detail_lines(rule: Target) -> list[str]:
    """The calendar's lines about this kind's own terms, after the "When:" line."""
    return [f"Target: {rule.attr} at least {rule.value:g} by {rule.by.isoformat()}"]


def evidence_line(force: Force, obligation: Obligation, rule: Target) -> str | None:
    """The calendar's "Evidence:" line, when this kind says it its own way (None: the
    requirements, listed)."""
    return None


def note_lines(rule: Target) -> list[str]:
    """The calendar's lines about this kind after the validity."""
    return []


def within_words(rule: Target) -> str:
    """What the calendar adds after a follow-up's "Due by:" time."""
    return ""


def agenda_span(obligation: Obligation, rule: Target, day: date, zone: tzinfo) -> Window | None:
    """The range the agenda evaluates on `day`, when this kind fixes one (None: the range
    of the windows open now or opening soon)."""
    return None


def agenda_deadline(
    obligation: Obligation, rule: Target, result: Result, index: EventIndex, now: datetime
) -> tuple[Result, datetime] | None:
    """The result as the agenda shows it and when it falls due, when this kind decides
    (None: at the end of its window)."""
    return None
