"""The event index: events by type and unit, sorted by time, so each window is a binary search."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from datetime import datetime
from functools import cached_property
from itertools import chain, compress, count, islice
from operator import attrgetter, eq, le, or_
from typing import Any, TypeVar

import msgspec

from engagerules.errors import UsageError
from engagerules.model.conditions import folded
from engagerules.model.event import Event
from engagerules.model.limits import year_problem
from engagerules.model.periods import Window
from engagerules.model.plan import Force

__all__ = ["EventIndex", "repeats"]


def repeats(ordered: Sequence[Event], events: Sequence[Event], force: Force) -> dict[str, str]:
    """Which record each repeat repeats (id -> id), given the events in read order and
    sorted by time (`ordered`). A record of the same type, unit, role, person and instant
    as an earlier one, and saying the same (attributes and refs; text as the conditions
    read it, `_detail`), under another id is one
    activity exported twice: three patrols at one instant must not meet "3 of 3". Records
    that say different things (two accounts' readings taken at midnight) are different
    records. A type declaring that its records may `repeat` keeps them all; of the others
    the first read counts.

    Only events sharing an instant can repeat, and sorted by time they are neighbours:
    neighbours are compared in C, and only the few records sharing an instant are looked
    at in Python, so a log costs no Python loop per event (a loop over a million cost
    1.4 s of a check)."""
    return _repeats(ordered, list(map(_AT, ordered)), events, force)


def _repeats(
    ordered: Sequence[Event], ats: list[datetime], events: Sequence[Event], force: Force
) -> dict[str, str]:
    """`repeats`, given the instants of `ordered` (`ats`) when they are known already."""
    shares = list(map(eq, islice(ats, 1, None), ats))  # each with the one after it
    if not any(shares):
        return {}
    # The records sharing an instant with a neighbour (a few in a large log), picked out
    # in C; only they are grouped by who did what at that instant.
    sharing = compress(ordered, map(or_, chain((False,), shares), chain(shares, (False,))))
    many = {t.id for t in force.event_types if t.repeats}
    found: dict[tuple[object, ...], list[Event]] = {}
    for event in sharing:
        if event.type not in many:
            found.setdefault((event.at, *_WHO(event)), []).append(event)
    groups = [members for members in found.values() if len(members) > 1]
    if not groups:
        return {}
    # Each member's place in read order, found in C among all the events.
    wanted = {id(e) for members in groups for e in members}
    places = zip(map(id, events), count())
    read = dict(compress(places, map(wanted.__contains__, map(id, events))))
    found_in: list[tuple[int, str, str]] = []
    for members in groups:
        members.sort(key=lambda e: read[id(e)])
        kept: list[Event] = []
        for event in members:
            same = next((k for k in kept if _says_the_same(k, event)), None)
            if same is None:
                kept.append(event)
            elif same.id != event.id:
                found_in.append((read[id(event)], event.id, same.id))
    # in read order, as the rule reads them: where one id is read twice, at two instants or
    # by two makers (which the reader refuses, but a log made otherwise may hold), the one
    # read last says what it repeats, whatever order the groups came in
    found_in.sort()
    return {event: same for _, event, same in found_in}


def _named_once(repeated: Mapping[str, str], events: list[Event]) -> list[Event]:
    """`events` with each ref to a repeat naming the record it repeats: the repeat is the
    same activity, so a follow-up naming the copy follows up the original (it was a
    follow-up of nothing, and the trigger missed). Only the records naming any (picked
    out in C) are looked at in Python; `events` itself when none names a repeat."""
    renamed = [
        i
        for i in compress(count(), map(_REFS, events))
        if not repeated.keys().isdisjoint(events[i].refs)
    ]
    if not renamed:
        return events
    events = list(events)
    for i in renamed:
        event = events[i]
        refs = tuple(dict.fromkeys(repeated.get(ref, ref) for ref in event.refs))
        events[i] = msgspec.structs.replace(event, refs=refs)
    return events


def _in_time_order(events: Sequence[Event]) -> tuple[list[Event], list[datetime]]:
    """`events` sorted by time, then id (`_in_order`), and their instants. A log already
    in that order (an export usually is) is found so by comparisons made in C and taken
    as it is: only records sharing an instant with the next are compared by id, in
    Python. Then the order is the sort's own: a stable sort of a sorted list moves
    nothing."""
    ats = list(map(_AT, events))
    later = islice(ats, 1, None)
    if all(map(le, ats, later)):
        ties = compress(count(), map(eq, islice(ats, 1, None), ats))
        if all(events[i].id <= events[i + 1].id for i in ties):
            return list(events), ats
    ordered = list(events)
    _in_order(ordered)
    return ordered, list(map(_AT, ordered))


def _says_the_same(a: Event, b: Event) -> bool:
    """Whether two records at one instant say the same: the same refs and details, and
    both dated to the day or both timed (a day's record is no copy of one at midnight)."""
    return a.refs == b.refs and a.all_day == b.all_day and _detail(a.attrs) == _detail(b.attrs)


def _detail(value: object) -> object:
    """A value as a record says it: Python holds `true` equal to 1 (and a dict holding
    one equal to a dict holding the other), but a threshold or a sum reads 1 and not
    `true`, so a record giving one is no repeat of a record giving the other. Text is
    said as every condition reads it (`conditions.folded`: case, spaces and punctuation
    aside): "fraud" and "Fraud " are one session's project typed twice, and no rule can
    tell them apart, so counting both would count one session twice. Text stays text
    ("1" is no repeat of 1: a sum reads the number, not the text)."""
    if isinstance(value, bool):
        return (bool, value)
    if isinstance(value, str):
        return (str, folded(value))
    if isinstance(value, list | tuple):
        return [_detail(item) for item in value]
    if isinstance(value, Mapping):
        return {key: _detail(item) for key, item in value.items()}
    return value


_T = TypeVar("_T")


class EventIndex:
    """Events by type and unit, sorted by time, so a window lookup is a binary search.

    An event counts in its own unit, every unit that encloses it, and force-wide (`None`),
    so per-unit and force-wide duties read the same index. Building is linear in events;
    each lookup is logarithmic plus what it returns.

    Built for a million events: one sort of all of them (by time, then id: two stable
    passes with plain keys, nearly free on a log already in time order), then each event
    filed in that order, so every list is in order without a sort of its own: under its
    type and own unit, and, when some duty of the force reads its type, under each unit
    enclosing it and force-wide too. The list for another type and an enclosing unit is
    merged from its units' lists the first time it is asked for, so types no duty reads,
    the bulk of a real log, are never merged at all.
    """

    def __init__(
        self, events: Sequence[Event], force: Force, *, repeated: Mapping[str, str] | None = None
    ) -> None:
        """`repeated`, where given, is what `repeats` found over the whole log that `events`
        are part of (its repeats left out, refs read through them): found again among them
        it would be wrong, for two records naming two copies of one record say different
        things, yet read through the repeats they name the same one."""
        ordered, ats = _in_time_order(events)
        for edge in ordered[:1] + ordered[-1:]:  # the earliest and the latest: O(1)
            problem = year_problem(edge.at)
            if problem is not None:  # an Event built in Python, not read (readers reject it)
                msg = f"event {edge.id!r}: at {edge.at.isoformat()}: {problem}"
                raise UsageError(msg)
        #: Each repeat left out (`repeats`), by id -> the id of the record it repeats.
        #: Every index leaves them out, so `check`, `explain`, the agenda and the calendar
        #: count a repeat once alike.
        self.repeated = _repeats(ordered, ats, events, force) if repeated is None else repeated
        del ats
        if self.repeated:
            ordered = _named_once(self.repeated, [e for e in ordered if e.id not in self.repeated])
        #: The events as read; `_all` leaves the repeats out when first asked for.
        self._read = events
        self._force = force
        read = {kind for ob in force.obligations for kind in ob.event_types}
        leaves: dict[str, dict[str | None, list[Event]]] = {}
        filed: dict[tuple[str, str | None], list[Event]] = {}
        # type -> scope -> the `append` of each list an event of that type and scope goes
        # in (bound once per route, not looked up once per event and list)
        routes: dict[str, dict[str | None, tuple[Callable[[Event], None], ...]]] = {}
        for event in ordered:
            by_scope = routes.get(event.type)
            if by_scope is None:
                by_scope = routes[event.type] = {}
                leaves[event.type] = {}
            targets = by_scope.get(event.scope)
            if targets is None:
                lists = self._routes(event.type, event.scope, leaves[event.type], filed, read)
                targets = by_scope[event.scope] = tuple(found.append for found in lists)
            for add in targets:
                add(event)
        self._leaves = leaves
        self._events = filed
        self._times: dict[tuple[str, str | None], list[datetime]] = {}
        self._leaf_times: dict[tuple[str, str], list[datetime]] = {}
        self._inside: dict[str | None, frozenset[str | None]] = {}
        self._derived: dict[Hashable, Any] = {}

    def derived(self, key: Hashable, build: Callable[[], _T]) -> _T:
        """What `build` makes of the whole index, made once per `key`: a fact several duties
        read must be one answer (which follow-up counts for which trigger), and it costs
        one pass over the log, not one per duty or per window."""
        if key not in self._derived:
            self._derived[key] = build()
        found: _T = self._derived[key]
        return found

    def without(self, hidden: frozenset[str]) -> EventIndex:
        """The same index with the events of `hidden` ids left out of every lookup (the
        records another duty claims, for a duty that must not count them)."""
        return _Without(self, hidden) if hidden else self

    def _routes(
        self,
        kind: str,
        scope: str | None,
        leaves: dict[str | None, list[Event]],
        filed: dict[tuple[str, str | None], list[Event]],
        read: set[str],
    ) -> tuple[list[Event], ...]:
        """Where an event of `kind` in `scope` is filed: its own unit's list and, for a
        type some duty reads, the list of each unit it counts in (`Force.ancestry`, so a
        cycle or an unknown unit behaves as in `_units_inside`) and the force-wide one."""
        targets = [leaves.setdefault(scope, [])]
        if kind in read:
            units: list[str | None] = [None]
            if scope is not None:
                units.extend(self._force.ancestry(scope))
            targets.extend(filed.setdefault((kind, unit), []) for unit in units)
        return tuple(targets)

    @cached_property
    def _all(self) -> Sequence[Event]:
        """The events in read order but the repeats (each ref to one naming the record it
        repeats): made only if a lookup of every event is asked for."""
        if not self.repeated:
            return self._read
        return _named_once(self.repeated, [e for e in self._read if e.id not in self.repeated])

    @cached_property
    def by_id(self) -> dict[str, Event]:
        """Every event by its id (the last, should two share one)."""
        return {e.id: e for e in self._all}

    @cached_property
    def _followers(self) -> dict[str, list[Event]]:
        """The events naming each id in `refs`, in read order: only the records naming
        any (picked out in C, a few in a large log) are looked at in Python."""
        repeated = self.repeated
        naming = [e for e in compress(self._read, map(_REFS, self._read)) if e.id not in repeated]
        followers: dict[str, list[Event]] = {}
        for event in _named_once(repeated, naming) if repeated else naming:
            for ref in event.refs:
                followers.setdefault(ref, []).append(event)
        return followers

    def following(self, event_id: str) -> list[Event]:
        """The events whose `refs` name `event_id` (the follow-ups of a trigger)."""
        return self._followers.get(event_id, [])

    def between(self, types: Iterable[str], unit: str | None, window: Window) -> list[Event]:
        """Events of any of `types` in `unit` (or anywhere, for None) inside `window`."""
        found: list[Event] = []
        merged = 0
        for kind in types:
            events = self._bucket(kind, unit)
            if not events:
                continue
            times = self._times[(kind, unit)]
            lo = bisect_left(times, window.start)
            hi = bisect_left(times, window.end, lo)
            if lo < hi:
                found.extend(events[lo:hi])
                merged += 1
        if merged > 1:  # one type's events are in order already
            _in_order(found)
        return found

    def above(
        self, types: Iterable[str], unit: str | None, window: Window | None = None
    ) -> list[Event]:
        """Events of any of `types` recorded at a unit enclosing `unit` (not at `unit`, nor
        beside it, nor with no unit), inside `window` (None: at any time), in time order:
        what reaches `unit` from above, for evidence that `reaches` the units within its
        own (a message sent to a section reaches each town in it)."""
        if unit is None:
            return []
        found: list[Event] = []
        for scope in self._force.ancestry(unit)[1:]:
            for kind in types:
                events = self._leaves.get(kind, {}).get(scope)
                if not events:
                    continue
                if window is None:
                    found.extend(events)
                    continue
                times = self._leaf_times.get((kind, scope))
                if times is None:
                    times = self._leaf_times[(kind, scope)] = list(map(_AT, events))
                lo = bisect_left(times, window.start)
                found.extend(events[lo : bisect_left(times, window.end, lo)])
        _in_order(found)
        return found

    def of_type(self, types: Iterable[str], unit: str | None = None) -> list[Event]:
        runs = [events for kind in types if (events := self._bucket(kind, unit))]
        found = [e for run in runs for e in run]
        if len(runs) > 1:
            _in_order(found)
        return found

    def _bucket(self, kind: str, unit: str | None) -> list[Event]:
        """The events of `kind` in `unit` and the units inside it, in time order."""
        key = (kind, unit)
        found = self._events.get(key)
        if found is None:
            by_scope = self._leaves.get(kind, {})
            inside = self._units_inside(unit)
            runs = [events for scope, events in by_scope.items() if scope in inside]
            if len(runs) == 1:
                found = runs[0]
            else:  # each run is in order: sorting their concatenation merges them
                found = [e for run in runs for e in run]
                _in_order(found)
            self._events[key] = found
        if key not in self._times:
            self._times[key] = list(map(_AT, found))
        return found

    def _units_inside(self, unit: str | None) -> frozenset[str | None] | _Everything:
        """The scopes an event may have to count in `unit`: the unit and those it encloses
        (through `Force.ancestry`, so a cycle or an unknown unit behaves as it always has);
        for force-wide, every scope."""
        if unit is None:
            return _EVERYTHING
        found = self._inside.get(unit)
        if found is None:
            scopes = {s for by_scope in self._leaves.values() for s in by_scope}
            found = self._inside[unit] = frozenset(
                s for s in scopes if s is not None and unit in self._force.ancestry(s)
            )
        return found


class _Without(EventIndex):
    """An index with some events left out: each lookup filters its base's answer, so it
    costs what the lookup returns, never a rebuild."""

    def __init__(self, base: EventIndex, hidden: frozenset[str]) -> None:  # no super(): a view
        self._base = base
        self._hidden = hidden

    def _keep(self, events: list[Event]) -> list[Event]:
        hidden = self._hidden
        return [e for e in events if e.id not in hidden]

    @cached_property
    def by_id(self) -> dict[str, Event]:
        return self._base.by_id

    def derived(self, key: Hashable, build: Callable[[], _T]) -> _T:
        return self._base.derived(key, build)

    def following(self, event_id: str) -> list[Event]:
        return self._keep(self._base.following(event_id))

    def between(self, types: Iterable[str], unit: str | None, window: Window) -> list[Event]:
        return self._keep(self._base.between(types, unit, window))

    def of_type(self, types: Iterable[str], unit: str | None = None) -> list[Event]:
        return self._keep(self._base.of_type(types, unit))

    def above(
        self, types: Iterable[str], unit: str | None, window: Window | None = None
    ) -> list[Event]:
        return self._keep(self._base.above(types, unit, window))


class _Everything:
    """The set of every scope."""

    def __contains__(self, item: object) -> bool:
        return True


_EVERYTHING = _Everything()
_ID = attrgetter("id")
_AT = attrgetter("at")
_REFS = attrgetter("refs")
_WHO = attrgetter("type", "scope", "role", "person")


#: The order of events everywhere: by time, then id (a key made in C, not a Python call).
def _in_order(events: list[Event]) -> None:
    """Sort by time, then id: two stable passes with plain keys, as the index's own sort,
    about half the cost of one pass comparing (time, id) tuples."""
    events.sort(key=_ID)
    events.sort(key=_AT)
