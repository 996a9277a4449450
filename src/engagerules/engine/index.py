"""The event index: events by type and unit, sorted by time, so each window is a binary search."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Sequence
from datetime import datetime

from engagerules.model.periods import Window
from engagerules.model.plan import Force
from engagerules.sources.events import Event

__all__ = ["EventIndex"]


class EventIndex:
    """Events by type and unit, sorted by time, so a window lookup is a binary search.

    An event is filed under its own unit, every unit that encloses it, and force-wide
    (`None`), so per-unit and force-wide duties read the same index. Building is linear
    in events; each lookup is logarithmic plus what it returns.
    """

    def __init__(self, events: Sequence[Event], force: Force) -> None:
        buckets: dict[tuple[str, str | None], list[Event]] = {}
        for event in events:
            keys: list[str | None] = [None]
            if event.scope is not None:
                keys.extend(force.ancestry(event.scope))
            for unit in keys:
                buckets.setdefault((event.type, unit), []).append(event)
        self._events = {key: sorted(found, key=_when) for key, found in buckets.items()}
        self._times = {key: [e.at for e in found] for key, found in self._events.items()}
        self.by_id: dict[str, Event] = {e.id: e for e in events}
        self._followers: dict[str, list[Event]] = {}
        for event in events:
            for ref in event.refs:
                self._followers.setdefault(ref, []).append(event)

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


def _when(event: Event) -> tuple[datetime, str]:
    return (event.at, event.id)
