"""Evaluation: pure functions from (force, events, range, as-of) to results.

Each obligation kind has one evaluator. Every evaluator returns its results together with
the ids of the events it used, so the report can account for each record read as matched,
unmatched or rejected. Events are looked up through `EventIndex`, so the work grows with
events plus windows, not with their product. The instant of judgement (`as_of`) is always
an argument: nothing here reads the clock.
"""

from __future__ import annotations

import functools
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from itertools import compress, repeat
from operator import attrgetter, is_not, itemgetter, not_
from typing import Any

from engagerules.engine.index import EventIndex, repeats
from engagerules.engine.kinds import KINDS
from engagerules.engine.rejected import unjudged
from engagerules.engine.schedule import effective_span
from engagerules.engine.trace import Trace
from engagerules.engine.verdicts import Outcome, period_reason
from engagerules.errors import UsageError, did_you_mean
from engagerules.model.conditions import denied, failed_condition, missing_attr, number
from engagerules.model.event import Event, EventLog, gc_paused
from engagerules.model.limits import range_problem, year_problem
from engagerules.model.periods import Window, range_bounds
from engagerules.model.plan import Force, Obligation
from engagerules.model.readings import Reading
from engagerules.model.results import DataQuality, Report, Result, Tally
from engagerules.model.words import attr_words, denial_words, duplicate_words

__all__ = [
    "Accounting",
    "Judge",
    "NaiveTimeError",
    "account",
    "evaluate",
    "evaluate_obligation",
    "require_aware",
]


#: What the compiled engine offers `evaluate`: the outcome of one obligation version over
#: its effective span at `as_of` (in the force's zone), or None to leave it to the reference.
Judge = Callable[[Obligation, Window, datetime], Outcome | None]

#: What the compiled engine offers `evaluate` instead of accounting for `log.events` (the
#: records it holds where they live): given the duties judged, the ids used, the range,
#: the instant judged, the reference's index (None if it judged nothing) and the spare
#: follow-ups, the records matched, the unmatched by reason and the data-quality entries.
Accounting = Callable[
    [Sequence[Obligation], set[str], Window, datetime, EventIndex | None, set[str]],
    tuple[int, dict[str, int], tuple[DataQuality, ...]],
]


class NaiveTimeError(UsageError):
    """A datetime without a time zone where an instant is needed (`as_of`): which instant
    `09:00` means depends on the zone, and guessing would move verdicts by an hour."""


def require_aware(moment: datetime, name: str = "as_of") -> datetime:
    """`moment` if it is time-zone aware; else a `NaiveTimeError` that says how to fix it."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        msg = (
            f"{name} {moment.isoformat()} has no time zone: pass an aware datetime, e.g. "
            f"datetime.fromisoformat('{moment.isoformat()}+00:00') or one with "
            "tzinfo=ZoneInfo('Europe/London')"
        )
        raise NaiveTimeError(msg)
    problem = year_problem(moment)
    if problem is not None:  # datetime.max, or an instant a deadline would step past
        raise UsageError(f"{name} {moment.isoformat()}: {problem}")
    return moment


@gc_paused()  # no cyclic-GC passes over the events while the index and results are built
def evaluate(
    force: Force,
    log: EventLog | Sequence[Event],
    start: date,
    end: date,
    as_of: datetime,
    *,
    obligations: Iterable[str] | None = None,
    trace: Trace | None = None,
    judge: Judge | None = None,
    accounting: Accounting | None = None,
) -> Report:
    """Judge every scored obligation (or those named) over `start`..`end` inclusive at `as_of`.

    `log` is what `read_events` returned, or plain events when there were no files. A
    `trace` (built over the same events and `as_of`) records what became of each event in
    each window, for `explain`; without one nothing is recorded.
    A `judge` (the compiled engine, `engine/compiled`) is offered each obligation version
    first, with its effective span; what it declines (None) the reference judges, and the
    report then says which engine judged each duty. An `accounting` (the compiled
    engine's, over records `log` does not hold) says what became of the records.
    A naive `as_of` raises `NaiveTimeError`; an id in `obligations` the force does not
    have raises `UsageError` (with the nearest id), rather than quietly judging nothing,
    as does a range longer than `MAX_RANGE_DAYS` (10 years: judge a longer one in parts).
    """
    require_aware(as_of)
    too_long = range_problem(start, end)
    if too_long is not None:
        raise UsageError(too_long)
    if obligations is not None:
        obligations = tuple(obligations)
        ids = force.obligation_ids
        for wanted_id in obligations:
            if wanted_id not in ids:
                msg = (
                    f"{force.id} has no obligation {wanted_id!r}"
                    f"{did_you_mean(wanted_id, ids)} (see `engagerules obligations {force.id}`)"
                )
                raise UsageError(msg)
    if not isinstance(log, EventLog):
        log = EventLog(tuple(log), ())
    span = range_bounds(start, end, force.zone)
    known = _known(log.events, as_of)
    index: EventIndex | None = None  # built only when the reference judges something
    wanted = None if obligations is None else set(obligations)
    results: list[Result] = []
    used: set[str] = set()
    engines: dict[str, str] = {}
    local = as_of.astimezone(force.zone)
    spare: set[str] = set()
    for obligation in force.obligations:
        if not obligation.scored or (wanted is not None and obligation.id not in wanted):
            continue
        outcome = None
        if judge is not None:
            effective = effective_span(obligation, span)
            outcome = (
                Outcome((), frozenset())
                if effective is None
                else judge(obligation, effective, local)
            )
        if outcome is None:
            if index is None:
                index = EventIndex(known, force)
            outcome = evaluate_obligation(force, obligation, index, span, local, trace)
            engines[obligation.id] = "reference"
        else:
            engines.setdefault(obligation.id, "ibis")
        results.extend(outcome.results)
        used.update(outcome.used)
        spare.update(outcome.spare)
    judged = [ob for ob in force.obligations if ob.scored and (wanted is None or ob.id in wanted)]
    revised = unjudged(force, judged, results, log.rejections, span, local, known)
    if trace is not None:
        trace.revise(results, revised)
    results = revised
    if accounting is None:
        accounting = functools.partial(_accounted, force, log.events)
    matched, by_reason, quality = accounting(judged, used, span, as_of, index, spare - used)
    unmatched = sum(by_reason.values())
    tally = Tally(
        read=matched + unmatched + len(log.rejections),
        matched=matched,
        unmatched=unmatched,
        rejected=len(log.rejections),
        by_reason=by_reason,
    )
    return Report(
        force=force.id,
        start=start,
        end=end,
        as_of=as_of,
        results=tuple(_ordered(force, results)),
        events=tally,
        rejections=log.rejections,
        overrides=force.overrides,
        readings=_readings(force, results),
        data_quality=quality,
        engines=tuple(engines.items()) if judge is not None else (),
    )


def _accounted(
    force: Force,
    events: Sequence[Event],
    judged: Sequence[Obligation],
    used: set[str],
    span: Window,
    as_of: datetime,
    index: EventIndex | None,
    spare: set[str],
) -> tuple[int, dict[str, int], tuple[DataQuality, ...]]:
    """The reference's `Accounting`, of the events read: matched, by reason, quality.
    Every record not used has exactly one reason, so the matched are the rest: no second
    pass over a million ids to count them."""
    by_reason, quality = account(force, judged, events, used, span, as_of, index, spare=spare)
    return len(events) - sum(by_reason.values()), by_reason, quality


def _readings(force: Force, results: list[Result]) -> tuple[tuple[str, tuple[Reading, ...]], ...]:
    """The readings of each obligation judged, so reports can say whose words they rest on."""
    judged = {r.obligation for r in results}
    found: dict[str, tuple[Reading, ...]] = {}
    for ob in force.obligations:
        if ob.id in judged and ob.readings.read and ob.id not in found:
            found[ob.id] = ob.readings.read
    return tuple(found.items())


def account(
    force: Force,
    judged: Sequence[Obligation],
    events: Sequence[Event],
    used: set[str],
    span: Window,
    as_of: datetime,
    index: EventIndex | None = None,
    *,
    spare: set[str] | frozenset[str] = frozenset(),
) -> tuple[dict[str, int], tuple[DataQuality, ...]]:
    """Why each valid record that counted for nothing did not count (the first reason
    that applies, in the order of `UNMATCHED_REASONS`), and the records that would have
    counted but for a missing unit, role or attribute, or that repeat another (left out
    of `index`), which a team can fix at source.
    `index`, the evaluation's, finds the triggers a follow-up names (without it, `events`
    are searched); `spare` are the follow-ups a trigger looked at and did not need (it had
    one)."""
    # The unmatched records picked out and counted by calls made in C, not a loop per event.
    unmatched = list(compress(events, map(not_, map(used.__contains__, map(_ID, events)))))
    repeated = None
    if index is None:  # no duty read an index (the compiled engine judged them all)
        ordered = sorted(events, key=_ID)
        ordered.sort(key=_AT)
        repeated = repeats(ordered, events, force)
    reasons = _Unmatched(force, judged, span, as_of, events, index, spare, repeated=repeated)
    found = reasons.each(unmatched)
    by_reason = Counter(map(itemgetter(0), found))
    # Only the records with a problem (a few in a large log), picked out in C, are built.
    problems = list(map(itemgetter(1), found))
    flagged = list(map(is_not, problems, repeat(None)))
    quality = [
        DataQuality(event.id, event.file, event.line, problem)
        for event, problem in zip(
            compress(unmatched, flagged), compress(problems, flagged), strict=True
        )
    ]
    counted = _added_nothing(judged, events, used)
    if counted:  # in the log's order, with the unmatched records' lines
        order = {event.id: i for i, event in enumerate(events)}
        quality = sorted([*quality, *counted], key=lambda d: order.get(d.id, -1))
    return dict(by_reason), tuple(quality)


def _added_nothing(
    judged: Sequence[Obligation], events: Sequence[Event], used: set[str]
) -> list[DataQuality]:
    """Matched records that added nothing to a sum for want of the attribute summed (a
    cadet's session with no hours): the session is cited, since it happened, but its
    window is judged as if it gave 0, which the team can put right at source, so the
    report says so rather than letting the record pass as evidence of a shortfall."""
    sums: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
    for ob in judged:
        for req in ob.evidence:
            if req.sum is not None:
                for kind in req.types:
                    sums.setdefault(kind, []).append((req.sum, req.roles))
    if not sums:
        return []
    found = []
    for event in compress(events, map(sums.__contains__, map(_TYPE, events))):
        if event.id not in used:
            continue
        lacking = next(
            (
                key
                for key, roles in sums[event.type]
                if (not roles or event.role in roles) and number(event.attrs.get(key)) is None
            ),
            None,
        )
        if lacking is not None:
            found.append(
                DataQuality(event.id, event.file, event.line, f"no {attr_words(lacking)} recorded")
            )
    return found


class _Unmatched:
    """Why one unmatched event counted for nothing: the first reason that applies.

    Most of a large log is unmatched, so this runs once per record. What a reason depends
    on besides the record's own attributes is its type and local day (which duties are in
    force), its unit and its role; those facts are worked out once per distinct value and
    remembered, so a record costs a few dictionary lookups. Even the local day is seldom
    needed: it is the UTC day or one either side, and for a UTC day whose neighbours have
    the same duties in force (all but the days next to a duty's first or last) the UTC
    day answers."""

    def __init__(
        self,
        force: Force,
        judged: Sequence[Obligation],
        span: Window,
        as_of: datetime,
        events: Sequence[Event] = (),
        index: EventIndex | None = None,
        spare: set[str] | frozenset[str] = frozenset(),
        *,
        repeated: Mapping[str, str] | None = None,
        triggers: Callable[[], dict[str, Event]] | None = None,
    ):
        self.force = force
        self.spare = spare
        self.judged = judged
        self.events = events
        self.index = index
        #: Each repeat (id -> the id of the record it repeats), left out of the index (or
        #: as given: the compiled engine finds them where the records live).
        if repeated is None:
            repeated = index.repeated if index is not None else {}
        self.repeated: Mapping[str, str] = repeated
        #: The triggers of the judged duties by id, when a follow-up first asks (`triggers`
        #: gives them; else the index or `events`). Not this object's own bound method:
        #: that would be a reference cycle, keeping the index (a million events' lists)
        #: alive until the cyclic collector's next pass, which then walks all of it.
        self._find_triggers = triggers
        self._triggers: dict[str, Event] | None = None
        #: The judged duties' triggers by unit, in time order (built when first needed).
        self._later: dict[tuple[str, str | None], list[Event]] | None = None
        #: What `follow_up_reason` said of a record naming no trigger, by duty, trigger,
        #: and the record's type and unit: all it reads of such a record made before the
        #: trigger (`_before_trigger`), so records between the same triggers ask once.
        self._asked: dict[tuple[int, int, str, str | None], str | None] = {}
        self.span = span
        self.as_of = as_of
        self.readers: dict[str, list[Obligation]] = {}
        for ob in judged:
            for kind in ob.event_types:
                self.readers.setdefault(kind, []).append(ob)
        #: type -> UTC day -> the duties of that type in force on any local day an instant
        #: of it falls on (None: none), or `_UNSURE` when those days differ.
        self.rough: dict[str, dict[date, Any]] = {kind: {} for kind in self.readers}
        #: type -> local day -> the duties of that type in force that day (None: none).
        self.days: dict[str, dict[date, _Live | None]] = {kind: {} for kind in self.readers}
        self.lives: dict[tuple[str, tuple[int, ...]], _Live] = {}

    def each(self, events: Iterable[Event]) -> list[tuple[str, str | None]]:
        """`why` of each event. Most records of a large log stop at a reason given by
        their type, day, unit and role (not in force that day, no unit, outside the units,
        a role no duty accepts), so those steps run here in one loop with what they read
        held in locals, a third less work per record than a call each; the rest go on
        in `_rest`."""
        as_of, roughs, repeated, around = self.as_of, self.rough, self.repeated, self._around
        start, end, zone, force, rest = (
            self.span.start,
            self.span.end,
            self.force.zone,
            self.force,
            self._rest,
        )
        found: list[tuple[str, str | None]] = []
        add = found.append
        for event in events:
            at = event.at
            if at > as_of:
                add(_NOT_KNOWN)
                continue
            rough = roughs.get(event.type)
            if rough is None:
                add(_UNUSED)
                continue
            if repeated and event.id in repeated:
                add(("duplicate", duplicate_words(repeated[event.id])))
                continue
            live = rough.get(at.date(), _UNSEEN) if at.tzinfo is UTC else _UNSURE
            if live is _UNSEEN:
                live = rough[at.date()] = around(event.type, at.date())
            if live is _UNSURE:
                live = self._live(event.type, at.astimezone(zone).date())
            if live is None:
                add(_NOT_IN_FORCE)
                continue
            inside = start <= at < end
            if (
                not inside
                and not live.triggered
                and not ((live.lasts or live.looks_back) and at < start)
            ):
                add(_OUTSIDE_RANGE)
                continue
            if live.per_unit:
                scope = event.scope
                if scope is None:
                    add(_NO_UNIT)
                    continue
                covered = live.covers.get(scope)
                if covered is None:
                    covered = live.covers[scope] = live.covering(force, scope)
                if not covered:
                    add(_OUTSIDE_UNITS)
                    continue
            if live.reqs:
                role = event.role
                allowed = live.roles.get(role)
                if allowed is None:
                    allowed = live.roles[role] = not all(
                        r.roles and role not in r.roles for r in live.reqs
                    )
                if not allowed:
                    add(_NO_ROLE if role is None else _ROLE_NOT_ALLOWED)
                    continue
            add(rest(event, live, inside))
        return found

    def why(self, event: Event) -> tuple[str, str | None]:
        """Why one record counted for nothing: the first reason that applies."""
        return self.each((event,))[0]

    def _rest(self, event: Event, live: _Live, inside: bool) -> tuple[str, str | None]:
        """`why`, from a record's attributes on, for one in a unit and a role some duty in
        force that day accepts."""
        if live.reqs:
            if live.conditional:
                failed = [failed_condition(r.where, event) for r in live.reqs]
                if all(c is not None for c in failed):
                    absent = next((c for c in failed if c and missing_attr(c, event)), None)
                    if absent is not None:
                        return "conditions_not_met", f"no {attr_words(absent.attr)} recorded"
                    denial = next((c for c in failed if c and denied(c, event)), None)
                    if denial is not None:
                        return "conditions_not_met", denial_words(denial.attr)
                    return "conditions_not_met", None
            if live.periodic:
                reasons = [period_reason(ob, event, self.force.zone) for ob in live.live]
                if all(reasons) and reasons:
                    return str(reasons[0]), None
        if live.per_person and event.person is None:
            return "no_person", "no person recorded"
        if live.target:
            return "superseded_reading", None
        if event.refs and live.triggered:
            return self._follow_up(event, live), None
        if live.triggered and self._before_trigger(event, live):
            return "before_trigger", None
        if not inside:
            return "outside_range", None
        if event.id in self.spare:
            return "not_needed", None
        return "nothing_owed", None

    def _follow_up(self, event: Event, live: _Live) -> str:
        """Why a record naming earlier records in `refs` did not count: the reason nearest
        to counting any duty's trigger it names gives (late, before it, in another unit,
        the trigger outside the range), or `no_trigger` when it names none being judged."""
        if self._triggers is None:  # once, and only if some record names another
            self._triggers = (self._find_triggers or self._trigger_events)()
        found = set()
        for ref in event.refs:  # a ref to a repeat names the record it repeats
            named = self._triggers.get(self.repeated.get(ref, ref))
            if named is None or named.at > self.as_of:
                continue
            for ob in live.live:
                module = KINDS[ob.kind]
                reason = module.follow_up_reason(self.force, ob, ob.rule, event, named, self.span)
                if reason is not None:
                    found.add(reason)
        return next((r for r in _FOLLOW_UP_ORDER if r in found), "no_trigger")

    def _before_trigger(self, event: Event, live: _Live) -> bool:
        """Whether a record naming no trigger was made before a trigger in its unit (or one
        enclosing it) that a duty matching follow-ups by unit and time would have had it
        answer. Of each trigger type in each such unit, the triggers after it are asked,
        nearest first, up to `_NEAREST` (a bound on the work a record costs, far above the
        few a trigger's conditions or dates rule out in practice)."""
        if self._later is None:  # once, and only if such a record is unmatched
            if self._triggers is None:
                self._triggers = self._trigger_events()
            self._later = {}
            for trigger in sorted(self._triggers.values(), key=_AT):
                self._later.setdefault((trigger.type, trigger.scope), []).append(trigger)
        scopes = (*self.force.ancestry(event.scope), None) if event.scope else (None,)
        asked = self._asked if not event.refs else {}  # a record naming some says more
        for ob in live.live:
            module = KINDS[ob.kind]
            for kind in module.trigger_types(ob.rule):
                for scope in scopes:
                    line = self._later.get((kind, scope), [])
                    first = bisect_right(line, event.at, key=_AT)
                    for named in line[first : first + _NEAREST]:
                        if named.at > self.as_of or named.at >= self.span.end:
                            break  # not known yet, or not judged: nor is any after it
                        # each named is after the record (bisect_right): the rest of what
                        # the answer reads is in the key
                        key = (id(ob), id(named), event.type, event.scope)
                        reason = asked.get(key, _UNSEEN)
                        if reason is _UNSEEN:
                            reason = asked[key] = module.follow_up_reason(
                                self.force, ob, ob.rule, event, named, self.span
                            )
                        if reason == "before_trigger":
                            return True
        return False

    def _trigger_events(self) -> dict[str, Event]:
        """The events of the judged duties' trigger types, by id: from the index (a few
        among a million), or else from every event, by a dictionary built in C."""
        kinds = {t for ob in self.judged for t in KINDS[ob.kind].trigger_types(ob.rule)}
        if self.index is not None:
            return {e.id: e for e in self.index.of_type(sorted(kinds))}
        chosen = compress(self.events, map(kinds.__contains__, map(_TYPE, self.events)))
        return {e.id: e for e in chosen}

    def _around(self, kind: str, day: date) -> Any:
        """The duties in force on every local day an instant of UTC `day` may fall on (no
        offset reaches a whole day), or `_UNSURE` if they differ."""
        try:
            found = {id(self._live(kind, day + timedelta(days=shift))) for shift in (-1, 0, 1)}
        except OverflowError:  # the first or last day a date can be
            return _UNSURE
        return self._live(kind, day) if len(found) == 1 else _UNSURE

    def _live(self, kind: str, day: date) -> _Live | None:
        days = self.days[kind]
        if day in days:
            return days[day]
        readers = self.readers[kind]
        chosen = tuple(i for i, ob in enumerate(readers) if _may_count(ob, day))
        found = None
        if chosen:
            found = self.lives.get((kind, chosen))
            if found is None:
                found = self.lives[(kind, chosen)] = _Live(kind, [readers[i] for i in chosen])
        days[day] = found
        return found


class _Live:
    """The duties reading one event type on some day, and what follows from them alone."""

    def __init__(self, kind: str, live: list[Obligation]) -> None:
        self.live = live
        self.triggered = any(KINDS[ob.kind].FOLLOWS_EVENTS for ob in live)
        #: Whether a record made before the range may still decide a verdict in it (a
        #: coverage assignment, a standing duty's last update, a roster's enrolment): then
        #: what keeps it out is its unit, role or conditions, not the range.
        self.looks_back = any(KINDS[ob.kind].looks_back(ob, ob.rule, kind) for ob in live)
        self.target = any(KINDS[ob.kind].READINGS for ob in live)
        #: Whether a record of the type may count after it is made (an assignment in place).
        self.lasts = any(KINDS[ob.kind].LASTS for ob in live)
        self.per_unit = all(ob.scope.per is not None and not ob.scope.per_person for ob in live)
        #: Whether some duty is owed per person: a record naming no one that got this far
        #: (its unit, role and conditions fit) would have counted for it but for the person.
        self.per_person = any(ob.scope.per_person for ob in live)
        self.reqs = [r for ob in live for r in ob.evidence if kind in r.types]
        #: Whether every requirement has a condition (else conditions never exclude).
        self.conditional = all(r.where for r in self.reqs)
        #: Whether every requirement reads the period a record names (else it may count
        #: by its date).
        self.periodic = bool(self.reqs) and all(r.for_period is not None for r in self.reqs)
        self.covers: dict[str, bool] = {}
        self.roles: dict[str | None, bool] = {}

    def covering(self, force: Force, scope: str) -> bool:
        """Whether an event in `scope` falls in the units of some duty: in one of them or
        within one, or above one where a record there may still count for it (a message
        that reaches the units within, a follow-up); a SPOC named for the whole team is in
        no section a per-section duty is owed by."""
        ancestry = set(force.ancestry(scope))
        return any(
            ancestry & set(ob.scope.units) or (_reaches_down(ob) and scope in _enclosing(force, ob))
            for ob in self.live
        )


def _reaches_down(ob: Obligation) -> bool:
    """Whether a record at a unit enclosing the duty's may count for it."""
    return KINDS[ob.kind].FOLLOWS_EVENTS or any(r.reaches_within for r in ob.evidence)


def _may_count(ob: Obligation, day: date) -> bool:
    """Whether a record made on local `day` may count for `ob`: on a day it is in force,
    or, for a duty whose records last (an assignment in place), any day before it ends,
    so a SPOC named in September by the wrong role is refused for the role, not "not in
    force" when the duty starts in October (a right one named then counts)."""
    if ob.in_force_on(day):
        return True
    return KINDS[ob.kind].LASTS and (ob.effective_until is None or day <= ob.effective_until)


#: How many triggers after a record naming none are asked whether it came before them.
_NEAREST = 64

#: The reasons a follow-up may have, nearest to counting first.
_FOLLOW_UP_ORDER = ("outside_units", "late", "before_trigger", "outside_range")

_UNSEEN: Any = object()
_UNSURE: Any = object()


def _known(events: Sequence[Event], as_of: datetime) -> Sequence[Event]:
    """The events judged as known at `as_of`: those at or before it (all of them, without
    a copy, when the latest is)."""
    if not events or max(map(_AT, events)) <= as_of:
        return events
    return [e for e in events if e.at <= as_of]


_ID = attrgetter("id")
_AT = attrgetter("at")
_TYPE = attrgetter("type")
_NOT_KNOWN = ("not_known_at_as_of", None)
_UNUSED = ("type_unused", None)
_NOT_IN_FORCE = ("not_in_force", None)
_OUTSIDE_RANGE = ("outside_range", None)
_NO_UNIT = ("no_unit", "no unit recorded")
_OUTSIDE_UNITS = ("outside_units", None)
_NO_ROLE = ("role_not_allowed", "no role recorded")
_ROLE_NOT_ALLOWED = ("role_not_allowed", None)


def _enclosing(force: Force, ob: Obligation) -> set[str]:
    """Units enclosing an obligation's units (a team above its sections)."""
    return {a for unit in ob.scope.units for a in force.ancestry(unit)}


def _ordered(force: Force, results: list[Result]) -> list[Result]:
    order = {ob_id: i for i, ob_id in enumerate(force.obligation_ids)}
    units = {u.id: i for i, u in enumerate(force.units)}
    return sorted(
        results,
        key=lambda r: (
            order[r.obligation],
            r.window.start,
            -1 if r.scope is None else units.get(r.scope, len(units)),
            r.scope or "",
        ),
    )


def evaluate_obligation(
    force: Force,
    obligation: Obligation,
    index: EventIndex,
    span: Window,
    as_of: datetime,
    trace: Trace | None = None,
) -> Outcome:
    """Judge one obligation version inside the part of `span` where it is in force."""
    module = KINDS[obligation.kind]
    effective = effective_span(obligation, span)
    if effective is None:
        return Outcome((), frozenset())
    if obligation.not_claimed_by:  # another duty's follow-ups are that duty's work
        hidden: set[str] = set()
        for other in force.obligations:
            if other.id in obligation.not_claimed_by:
                hidden |= KINDS[other.kind].claimed(force, other, index)
        index = index.without(frozenset(hidden))
    return module.evaluate(force, obligation, obligation.rule, index, effective, as_of, trace)
