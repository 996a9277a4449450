"""A measured figure that must reach a value by a deadline."""

from __future__ import annotations

import math
import sys
from datetime import date, datetime, timedelta
from operator import itemgetter
from typing import TYPE_CHECKING, Any, ClassVar

import attrs

from engagerules.engine.index import EventIndex
from engagerules.engine.schedule import Due, dues
from engagerules.engine.trace import Code, Trace
from engagerules.engine.verdicts import Outcome, make_result, qualified
from engagerules.model.checks import finite, instance, one_of, optional
from engagerules.model.conditions import number
from engagerules.model.event import Event
from engagerules.model.periods import Window, range_bounds
from engagerules.model.plan import Force, Kind, Obligation, Rule
from engagerules.model.results import Result, Status
from engagerules.model.words import amount, day_words

if TYPE_CHECKING:
    from collections.abc import Iterator

    from engagerules.engine.kinds import Actor


#: How the force documentation names this kind.
MEANING = "a measured figure that must reach a value by a date"

#: What the force documentation calls this kind's evidence.
EVIDENCE_LABEL = "Readings"

#: Whether the documentation states the evidence as a count ("at least 1 `tweet`") or,
#: for kinds judged on every such event, by its types alone.
COUNTS_EVIDENCE = False

#: Whether its evidence are readings of a figure, a later one superseding an earlier.
READINGS = True

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
        result, counted = reading_result(force, obligation, target, due, as_of, readings)
        used.update(e.id for e in counted)
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


def reading_result(
    force: Force,
    obligation: Obligation,
    target: Target,
    due: Due,
    as_of: datetime,
    readings: list[Event],
) -> tuple[Result, list[Event]]:
    """The verdict on one due window from its readings (before the moment judged, in time
    order), and the readings the figure rests on: the reference's and the compiled
    engine's alike."""
    figure, counted = _combine(target.combine, target.attr, target.group, readings)
    goal = _figure(target.value)
    by = day_words(target.by)
    base = f", baseline {_figure(target.baseline)}" if target.baseline is not None else ""
    got = f"{_figure(figure)} {target.attr}" if readings else f"no {target.attr} readings"
    cited = ", ".join(
        f"{e.id} on {day_words(e.at.astimezone(force.zone).date())}" for e in counted[:5]
    )
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
    return result, counted


def _combine(
    how: str, attr: str, group: str | None, readings: list[Event]
) -> tuple[float, list[Event]]:
    """The figure the readings make, and the readings it rests on. Readings of one series
    at its latest instant that disagree (two exports of one page's count) are no evidence
    of the higher: the latest is the lowest of them, never the one with the later id."""
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
        else:  # readings at the latest instant that disagree: no evidence of the higher
            last = events[-1].at
            value, event = min(((v, e) for v, e in values if e.at == last), key=_FIRST)
            total += value
            counted.append(event)
    if not math.isfinite(total):  # finite readings that add up past the largest float
        total = math.copysign(sys.float_info.max, total)
    return total, counted


_FIRST = itemgetter(0)


def _figure(value: float) -> str:
    """A figure as people write it: 8,300 or 2.5."""
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}".rstrip("0")


# ---------------------------------------------------------------- how the outputs say it

#: Whether a calendar item of this kind is due by its window's last day, whatever its cycle.
DUE_BY_LAST_DAY = True


def detail_lines(rule: Target) -> list[str]:
    """The calendar's lines about this kind's own terms, after the "When:" line."""
    return [f"Target: {rule.attr} at least {rule.value:g} by {rule.by.isoformat()}"]


def doc_lines(force: Force, obligation: Obligation, rule: Target) -> list[str]:
    """The force documentation's line of the figure and its date."""
    how = {
        "latest": "the latest reading",
        "sum": "the sum of the readings",
        "max": "the highest reading",
    }.get(rule.combine, rule.combine)
    if rule.group:
        how += f" of each `{rule.group}`, added together"
    text = f"`{rule.attr}` reaches {amount(rule.value)} by the end of {rule.by}, as {how}"
    if rule.start:
        text += f", counting readings from {rule.start}"
    if rule.baseline is not None:
        text += f" (baseline {amount(rule.baseline)})"
    return [f"- **Target:** {text}"]


def json_fields(rule: Target) -> dict[str, Any]:
    """The obligation JSON's `target`."""
    return {
        "target": {
            "attr": rule.attr,
            "value": _number(rule.value),
            "by": rule.by.isoformat(),
            "combine": rule.combine,
            "group": rule.group,
            "baseline": None if rule.baseline is None else _number(rule.baseline),
        }
    }


def _number(value: float) -> float | int:
    return int(value) if float(value).is_integer() else value


# ---------------------------------------------------------------- how the simulator acts it


def act(obligation: Obligation, rule: Target, actor: Actor) -> Iterator[dict[str, Any]]:
    """Six readings climbing from the baseline towards the target through each period,
    one series per account when the figure is grouped; a force that complies less falls
    further short."""
    groups = [f"account-{n}" for n in (1, 2, 3)] if rule.group else [None]
    baseline = rule.baseline if rule.baseline is not None else rule.value * 0.8
    reach = rule.value * (0.9 + 0.2 * actor.compliance)
    for due in dues(obligation, actor.span):
        steps = 6
        for step in range(1, steps + 1):
            level = baseline + (reach - baseline) * step / steps
            at = due.window.start + (due.window.end - due.window.start) * step / (steps + 1)
            if not actor.span.contains(at):
                continue
            for group in groups:
                share = level / len(groups)
                extra: dict[str, Any] = {rule.attr: round(share)}
                if rule.group and group:
                    extra[rule.group] = group
                yield actor.record(
                    obligation,
                    obligation.evidence[0],
                    Window(at, at + timedelta(hours=1)),
                    due.scope,
                    None,
                    extra,
                )
