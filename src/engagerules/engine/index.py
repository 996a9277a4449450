"""The event index: events by type and unit, sorted by time, so each window is a binary search."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Sequence
from datetime import datetime
from operator import attrgetter

from engagerules.model.periods import Window
from engagerules.model.plan import Force
from engagerules.sources.events import Event

__all__ = ["EventIndex"]


class EventIndex:
    """Events by type and unit, sorted by time, so a window lookup is a binary search.

    An event is filed under its own unit, every unit that encloses it, and force-wide
    (`None`), so per-unit and force-wide duties read the same index. Building is linear
    in events; each lookup is logarithmic plus what it returns.

    Built with one sort of all the events (by time, then id: two stable passes with plain
    keys, no tuple per event; nearly free on a log already in time order) and each unit's
    ancestry looked up once, so filing an event is a few appends.
    """

    def __init__(self, events: Sequence[Event], force: Force) -> None:
        ordered = sorted(events, key=_ID)
        ordered.sort(key=_AT)
        chains: dict[str | None, tuple[str | None, ...]] = {None: (None,)}
        for unit in force.units:
            chains[unit.id] = (None, *force.ancestry(unit.id))
        buckets: dict[tuple[str, str | None], list[Event]] = {}
        # For each type and scope seen, the buckets its events go in: one lookup per event.
        targets: dict[str, dict[str | None, tuple[list[Event], ...]]] = {}
        for event in ordered:
            by_scope = targets.get(event.type)
            if by_scope is None:
                by_scope = targets[event.type] = {}
            into = by_scope.get(event.scope)
            if into is None:
                into = by_scope[event.scope] = tuple(
                    buckets.setdefault((event.type, unit), [])
                    for unit in self._chain(chains, event.scope, force)
                )
            for bucket in into:
                bucket.append(event)
        self._events = buckets
        self._times = {key: list(map(_AT, found)) for key, found in buckets.items()}
        self.by_id: dict[str, Event] = {e.id: e for e in events}
        self._followers: dict[str, list[Event]] = {}
        for event in events:
            for ref in event.refs:
                self._followers.setdefault(ref, []).append(event)

    @staticmethod
    def _chain(
        chains: dict[str | None, tuple[str | None, ...]], scope: str | None, force: Force
    ) -> tuple[str | None, ...]:
        """Force-wide, the unit, and every unit enclosing it (a unit the force does not
        know, which `parse_events` rejects, is filed under itself and force-wide)."""
        found = chains.get(scope)
        if found is None:
            found = chains[scope] = (None, *force.ancestry(scope)) if scope else (None,)
        return found

    def following(self, event_id: str) -> list[Event]:
        """The events whose `refs` name `event_id` (the follow-ups of a trigger)."""
        return self._followers.get(event_id, [])

    def between(self, types: Iterable[str], unit: str | None, window: Window) -> list[Event]:
        """Events of any of `types` in `unit` (or anywhere, for None) inside `window`."""
        found: list[Event] = []
        for kind in types:
            key = (kind, unit)
            times = self._times.get(key)
            if not times:
                continue
            lo = bisect_left(times, window.start)
            hi = bisect_left(times, window.end, lo)
            found.extend(self._events[key][lo:hi])
        if len(found) > 1:
            found.sort(key=_when)
        return found

    def of_type(self, types: Iterable[str], unit: str | None = None) -> list[Event]:
        found = [e for kind in types for e in self._events.get((kind, unit), ())]
        found.sort(key=_when)
        return found


_ID = attrgetter("id")
_AT = attrgetter("at")


def _when(event: Event) -> tuple[datetime, str]:
    return (event.at, event.id)
