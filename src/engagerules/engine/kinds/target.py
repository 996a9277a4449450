"""A measured figure that must reach a value by a deadline."""

from __future__ import annotations

from datetime import datetime

from engagerules.engine.index import EventIndex
from engagerules.engine.schedule import dues
from engagerules.engine.verdicts import Outcome, local_day, make_result, qualified
from engagerules.model.conditions import number
from engagerules.model.periods import Window
from engagerules.model.plan import Force, Obligation
from engagerules.model.results import Result, Status
from engagerules.sources.events import Event


def evaluate(
    force: Force, obligation: Obligation, index: EventIndex, span: Window, as_of: datetime
) -> Outcome:
    """A measured figure must reach its value by the deadline. Before the deadline it is
    `pending` with its progress, never met early (a reading above the target in November
    may be followed by a lower one in December); at the deadline the figure is what the
    readings at or before it make (by default the latest reading of each series), and the
    reason names the readings it rests on."""
    target = obligation.target
    if target is None:  # pragma: no cover - the schema requires one for this kind
        return Outcome((), frozenset())
    results: list[Result] = []
    used: set[str] = set()
    for due in dues(obligation, span):
        moment = min(due.window.end, as_of)
        readings = [
            e
            for req in obligation.evidence
            for e in qualified(req, index.between(req.types, due.scope, due.window))
            if e.at < moment and number(e.attrs.get(target.attr)) is not None
        ]
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
        results.append(
            make_result(
                obligation, due.scope, due.window, status, target.value, figure, counted, reason
            )
        )
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
    return total, counted


def _figure(value: float) -> str:
    """A figure as people write it: 8,300 or 2.5."""
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}".rstrip("0")
