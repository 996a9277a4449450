"""The sergeant's Monday-morning view: what is due now and not yet done, soonest first.

An agenda is the check turned forwards. At an instant `as_of` it takes, for every duty,
the windows that contain that instant (the current day, week, month, quarter; a trigger's
deadline still running; the timed slots later the same day) and lists those not yet met,
by deadline. The verdicts come from the engine's own evaluator (`evaluate_obligation`), so
an agenda item is exactly the `pending` result a check would show for the same window.

What counts as the deadline, per kind:

- recurring, triggered, target: the end of the window;
- coverage: now, when nobody is in place (it is owed continuously);
- standing: a cadence after the last update (before now when it has lapsed); its window
  is shown as that cadence, from the last update to the next one due.

A deadline at or before `as_of` is overdue. Constraints (rules about how things are done)
and advisory duties are not things to do, so they are not on the agenda; waived windows
are exempt, so they are not either.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta, tzinfo
from typing import Any

import attrs

from engagerules.engine.evaluate import evaluate_obligation
from engagerules.engine.index import EventIndex
from engagerules.engine.kinds.triggered import Triggered
from engagerules.engine.schedule import concerns_scope, dues, owned_by
from engagerules.errors import UsageError
from engagerules.model.durations import Duration
from engagerules.model.periods import Window, range_bounds
from engagerules.model.plan import Force, Kind, Obligation
from engagerules.model.results import Result, Status
from engagerules.outputs.shapes import result_json
from engagerules.outputs.summary import scope_label
from engagerules.sources.events import Event, EventLog
from engagerules.sources.waivers import Waiver, waive

__all__ = ["AgendaItem", "agenda", "agenda_json", "render_agenda"]

#: Kinds that are duties to do; constraints and advisory duties are not.
_DUTIES = frozenset({Kind.RECURRING, Kind.TRIGGERED, Kind.COVERAGE, Kind.STANDING, Kind.TARGET})


@attrs.frozen
class AgendaItem:
    """One duty due in a current window and not yet met."""

    result: Result
    deadline: datetime
    overdue: bool
    #: Roles owning steps of the duty (besides its owner), for a role's view of it.
    steps: tuple[str, ...] = ()


def agenda(
    force: Force,
    log: EventLog | Sequence[Event],
    as_of: datetime,
    *,
    role: str | None = None,
    scope: str | None = None,
    waivers: Iterable[Waiver] = (),
) -> tuple[AgendaItem, ...]:
    """The unmet duties of the windows containing `as_of`, soonest deadline first.

    `role` keeps duties it owns or owns a step of; `scope` keeps duties that concern that
    unit (its own, enclosing, enclosed and force-wide; per-person duties are left out).
    """
    if as_of.tzinfo is None:
        msg = "as_of must be time-zone aware"
        raise UsageError(msg)
    events = log.events if isinstance(log, EventLog) else tuple(log)
    now = as_of.astimezone(force.zone)
    index = EventIndex([e for e in events if e.at <= as_of], force)  # known at `as_of`
    waivers = tuple(waivers)
    order = {ob_id: i for i, ob_id in enumerate(force.obligation_ids)}
    units = {u.id: i for i, u in enumerate(force.units)}
    items: list[AgendaItem] = []
    for obligation in force.obligations:
        if obligation.kind not in _DUTIES:
            continue
        if role is not None and not owned_by(obligation, role):
            continue
        if scope is not None and obligation.scope.per_person:
            continue
        span = _span(obligation, now, force.zone)
        if span is None:
            continue
        outcome = evaluate_obligation(force, obligation, index, span, now)
        judged = waive(outcome.results, waivers, as_of, force)
        for result in judged:
            if result.status in (Status.MET, Status.WAIVED, Status.BREACH, Status.UNCHECKED):
                continue
            if not _current(obligation, result.window, now):
                continue
            if scope is not None and not concerns_scope(force, result.scope, scope):
                continue
            shown, deadline = _deadline(obligation, result, index, now)
            items.append(
                AgendaItem(
                    result=shown,
                    deadline=deadline,
                    overdue=deadline <= now,
                    steps=tuple(
                        dict.fromkeys(
                            r.owner
                            for r in obligation.evidence
                            if r.owner and r.owner != obligation.owner
                        )
                    ),
                )
            )
    items.sort(
        key=lambda item: (
            item.deadline,
            order[item.result.obligation],
            -1 if item.result.scope is None else units.get(item.result.scope, len(units)),
            item.result.scope or "",
            item.result.window.start,
        )
    )
    return tuple(items)


def _lookback(within: Duration) -> int:
    """Whole days that certainly cover `within` (a month taken as 31 days, a year 366)."""
    days = within.years * 366 + within.months * 31 + within.weeks * 7 + within.days
    return days + math.ceil((within.hours * 60 + within.minutes) / 1440) + 1


def _span(obligation: Obligation, now: datetime, zone: tzinfo) -> Window | None:
    """The range to evaluate so the engine judges every window of `obligation` open now."""
    day = now.date()
    today = range_bounds(day, day, zone)
    if isinstance(obligation.rule, Triggered):
        back = timedelta(days=_lookback(obligation.rule.trigger.within))
        return range_bounds(day - back, day, zone)
    if obligation.kind in (Kind.STANDING, Kind.COVERAGE):
        return today
    persons = ("*",) if obligation.scope.per_person else ()
    starts = [
        due.window.local_start.date()
        for due in dues(obligation, today, persons)
        if _current(obligation, due.window, now)
    ]
    if not starts:
        return None
    return range_bounds(min([*starts, day]), day, zone)


def _current(obligation: Obligation, window: Window, now: datetime) -> bool:
    """Open now, or (a timed duty) a slot later the same day."""
    if window.contains(now):
        return True
    later_today = window.local_start.date() == now.date() and window.start > now
    return bool(obligation.times) and later_today


def _deadline(
    obligation: Obligation, result: Result, index: EventIndex, now: datetime
) -> tuple[Result, datetime]:
    """When the item falls due; a standing duty's window becomes its current cadence,
    from the last update to the next one due."""
    if obligation.kind is Kind.COVERAGE and result.status is Status.MISSED:
        return result, now
    if obligation.kind is Kind.STANDING and obligation.cadence is not None:
        updates = [index.by_id[e].at for e in result.evidence if e in index.by_id]
        reference = max(updates) if updates else result.window.start
        due = obligation.cadence.after(reference, now.tzinfo)
        if due > reference:
            result = attrs.evolve(result, window=Window(reference, due, result.window.zone))
        return result, due
    return result, result.window.end


# ---------------------------------------------------------------------------- rendering


def agenda_json(items: Iterable[AgendaItem], force: Force) -> list[dict[str, Any]]:
    """Agenda items as JSON: the result shape of `check`, plus deadline, overdue and steps."""
    return [
        {
            **result_json(item.result),
            "deadline": item.deadline.astimezone(force.zone).isoformat(),
            "overdue": item.overdue,
            "steps": list(item.steps),
        }
        for item in items
    ]


def render_agenda(
    items: Sequence[AgendaItem],
    force: Force,
    as_of: datetime,
    *,
    role: str | None = None,
    scope: str | None = None,
) -> str:
    """The agenda as text: overdue first, then by deadline, one line per duty and unit."""
    zone = force.zone
    now = as_of.astimezone(zone)
    filters = ", ".join(
        part for part in (f"role {role}" if role else "", f"unit {scope}" if scope else "") if part
    )
    lines = [
        f"engagerules agenda: {force.id} as of {now:%a %Y-%m-%d %H:%M %Z}"
        + (f" ({filters})" if filters else ""),
        f"{len(items)} dut{'y' if len(items) == 1 else 'ies'} due in the current windows "
        "and not yet met, soonest deadline first",
    ]
    overdue = [i for i in items if i.overdue]
    upcoming = [i for i in items if not i.overdue]
    for heading, group in (("OVERDUE", overdue), ("DUE", upcoming)):
        if not group:
            continue
        lines.append("")
        lines.append(f"{heading} ({len(group)})")
        for item in group:
            result = item.result
            steps = f"; steps: {', '.join(item.steps)}" if item.steps else ""
            lines.append(
                f"  by {item.deadline.astimezone(zone):%a %Y-%m-%d %H:%M}  {result.obligation} "
                f"[{scope_label(result.scope)}] {result.window.label} "
                f"(owner {result.owner}{steps})"
            )
            lines.append(f"      {result.reason}")
    return "\n".join(lines) + "\n"
