"""The sergeant's Monday-morning view: what is due now and not yet done, soonest first.

An agenda is the check turned forwards. At an instant `as_of` it takes, for every duty,
the windows that contain that instant (the current day, week, month, quarter; a trigger's
deadline still running; the timed slots later the same day) and lists those not yet met,
by deadline. The verdicts come from the engine's own evaluator (`evaluate_obligation`), so
an agenda item is exactly the `pending` result a check would show for the same window.

What counts as the deadline, per kind:

- recurring, triggered, target: the end of the window;
- coverage: now, when nobody is in place (it is owed continuously);
- standing, and recurring with `rolling`: a cadence after the last update, or after the
  duty came into force when there is none (before now when it has lapsed, so a lapse is
  overdue from the day it lapsed); its window is shown as that cadence, from the last
  update to the next one due. Never the end of the agenda's own range.

With `days`, the agenda also looks ahead: windows that open within that many days of
`as_of` are listed too (not yet met, since nothing after `as_of` is known), so a sergeant
sees the week to come, not only what is open this morning.

A deadline at or before `as_of` is overdue. Constraints (rules about how things are done)
and advisory duties are not things to do, so they are not on the agenda; waived windows
are exempt, so they are not either.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, tzinfo

import attrs

from engagerules.engine.evaluate import evaluate_obligation, require_aware
from engagerules.engine.filters import check_filters
from engagerules.engine.index import EventIndex
from engagerules.engine.kinds import kind_module
from engagerules.engine.schedule import concerns_scope, dues, owned_by
from engagerules.errors import UsageError
from engagerules.model.durations import Duration
from engagerules.model.event import Event, EventLog
from engagerules.model.limits import MAX_RANGE_DAYS, RANGE_YEARS
from engagerules.model.periods import Window, range_bounds
from engagerules.model.plan import Force, Obligation
from engagerules.model.results import Result, Status
from engagerules.model.words import (
    and_list,
    deadline_words,
    plural,
    printable_lines,
    role_words,
    time_words,
    unit_words,
    window_words,
)
from engagerules.sources.waivers import Waiver, waive

__all__ = ["AgendaItem", "agenda", "render_agenda"]


@attrs.frozen
class AgendaItem:
    """One duty due in a current window and not yet met."""

    result: Result
    deadline: datetime
    overdue: bool
    #: Roles owning steps of the duty (besides its owner), for a role's view of it.
    steps: tuple[str, ...] = ()
    #: The window opens after `as_of` (listed because of `days`): coming up, not due yet.
    upcoming: bool = False


def agenda(
    force: Force,
    log: EventLog | Sequence[Event],
    as_of: datetime,
    *,
    role: str | None = None,
    scope: str | None = None,
    waivers: Iterable[Waiver] = (),
    days: int = 0,
) -> tuple[AgendaItem, ...]:
    """The unmet duties of the windows containing `as_of`, soonest deadline first; with
    `days`, also those whose windows open within that many days.

    `role` keeps duties it owns or owns a step of, or that a team it belongs to owns;
    `scope` keeps duties that concern that unit (its own, enclosing, enclosed and
    force-wide; per-person duties are left out).
    """
    require_aware(as_of)
    check_filters(force, role=role, scope=scope)
    if not 0 <= days <= MAX_RANGE_DAYS:  # looking further ahead than a run judges is no agenda
        msg = f"days must be 0 to {MAX_RANGE_DAYS:,} ({RANGE_YEARS} years), not {days}"
        raise UsageError(msg)
    events = log.events if isinstance(log, EventLog) else tuple(log)
    now = as_of.astimezone(force.zone)
    horizon = Duration(days=days).after(now, force.zone) if days else now
    index = EventIndex([e for e in events if e.at <= as_of], force)  # known at `as_of`
    waivers = tuple(waivers)
    order = {ob_id: i for i, ob_id in enumerate(force.obligation_ids)}
    units = {u.id: i for i, u in enumerate(force.units)}
    items: list[AgendaItem] = []
    for obligation in force.obligations:
        if not kind_module(obligation.kind).AGENDA_DUTY:
            continue
        if role is not None and not owned_by(obligation, role, force):
            continue
        if scope is not None and obligation.scope.per_person:
            continue
        span = _span(obligation, now, horizon, force.zone)
        if span is None:
            continue
        outcome = evaluate_obligation(force, obligation, index, span, now)
        judged = waive(outcome.results, waivers, as_of, force)
        for result in judged:
            if result.status in (Status.MET, Status.WAIVED, Status.BREACH, Status.UNCHECKED):
                continue
            if not _current(obligation, result.window, now, horizon):
                continue
            if scope is not None and not concerns_scope(force, result.scope, scope):
                continue
            shown, deadline = _deadline(obligation, result, index, now)
            items.append(
                AgendaItem(
                    result=shown,
                    deadline=deadline,
                    overdue=deadline <= now,
                    upcoming=shown.window.start > now,
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


def _span(obligation: Obligation, now: datetime, horizon: datetime, zone: tzinfo) -> Window | None:
    """The range to evaluate so the engine judges every window of `obligation` open now
    or opening before `horizon`."""
    day = now.date()
    last = max(day, horizon.astimezone(zone).date())
    ahead = range_bounds(day, last, zone)
    fixed = kind_module(obligation.kind).agenda_span(obligation, obligation.rule, day, zone)
    if fixed is not None:
        return fixed
    persons = ("*",) if obligation.scope.per_person else ()
    starts = [
        due.window.local_start.date()
        for due in dues(obligation, ahead, persons)
        if _current(obligation, due.window, now, horizon)
    ]
    if not starts:
        return None
    return range_bounds(min([*starts, day]), last, zone)


def _current(obligation: Obligation, window: Window, now: datetime, horizon: datetime) -> bool:
    """Open now, opening before `horizon`, or (a timed duty) a slot later the same day."""
    if window.contains(now) or now < window.start < horizon:
        return True
    later_today = window.local_start.date() == now.date() and window.start > now
    return bool(obligation.times) and later_today


def _deadline(
    obligation: Obligation, result: Result, index: EventIndex, now: datetime
) -> tuple[Result, datetime]:
    """When the item falls due; a standing duty's window becomes its current cadence,
    from the last update to the next one due."""
    decided = kind_module(obligation.kind).agenda_deadline(
        obligation, obligation.rule, result, index, now
    )
    if decided is not None:
        return decided
    return result, result.window.end


# ---------------------------------------------------------------------------- rendering


def render_agenda(
    items: Sequence[AgendaItem],
    force: Force,
    as_of: datetime,
    *,
    role: str | None = None,
    scope: str | None = None,
    days: int = 0,
) -> str:
    """The agenda in words for the people who do the duties: overdue first, then what is
    due now, then (with `days`) what opens soon; each by deadline, in local time, with
    titles and role names, and the duty's id for `explain`."""
    zone = force.zone
    lines = [f"Agenda for {force.name}, as of {time_words(as_of, zone)}"]
    who = []
    if role:
        who.append(f"for {role_words(force, role)} ({role})")
        teams = force.teams_of(role)[1:]
        if teams:
            who.append(
                "with the duties of " + and_list(f"{role_words(force, t)} ({t})" for t in teams)
            )
    if scope:
        who.append(f"in {unit_words(force, scope)}")
    if who:
        lines.append(", ".join(who))
    overdue = [i for i in items if i.overdue]
    upcoming = [i for i in items if i.upcoming]
    due = [i for i in items if not i.overdue and not i.upcoming]
    soon = f"in the next {plural(days, 'day')}" if days else "later today"
    parts = [f"{len(overdue)} overdue", f"{len(due)} due now"]
    if upcoming:
        parts.append(f"{len(upcoming)} opening {soon}")
    lines.append(
        f"{plural(len(items), 'duty', 'duties')} not yet met ({', '.join(parts)}), "
        "soonest deadline first"
    )
    groups = (
        ("OVERDUE", overdue),
        ("DUE NOW", due),
        (f"COMING UP {soon}", upcoming),
    )
    for heading, group in groups:
        if not group:
            continue
        lines.append("")
        lines.append(f"{heading} ({len(group)})")
        for item in group:
            lines.extend(_item_lines(item, force))
    return printable_lines(lines)


def _item_lines(item: AgendaItem, force: Force) -> list[str]:
    """One agenda item: deadline and duty, then window, owner and steps, then the reason."""
    zone = force.zone
    result = item.result
    where = "" if result.scope is None else f", {unit_words(force, result.scope)}"
    owners = f"owner: {role_words(force, result.owner)}"
    if item.steps:
        owners += "; steps also by " + and_list(role_words(force, r) for r in item.steps)
    return [
        f"  by {deadline_words(item.deadline, zone)}: {result.title}{where}",
        f"      {window_words(result.window)}; {owners}",
        f"      {result.reason}",
        f"      id: {result.obligation}",
    ]
