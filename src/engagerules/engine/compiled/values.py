"""What each distinct set of attributes means, decided by the reader and the reference's
own functions, never by a backend: a query's string and JSON functions differ from one
engine to the next (case, blanks, lists, numbers written as text), and an earlier
experiment saw every query peer count records the reader rejects."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from engagerules.errors import EventError
from engagerules.model.conditions import failed_condition, measure
from engagerules.model.event import Event
from engagerules.model.plan import Force, Requirement
from engagerules.sources import strictjson
from engagerules.sources.events import checked_attributes

__all__ = ["Values"]

_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


class Values:
    """The meaning of `(type, attrs text)` pairs, each worked out once."""

    def __init__(self, force: Force) -> None:
        self.force = force
        self._events: dict[tuple[str, str], Event | None] = {}

    def event(self, kind: str, text: str) -> Event | None:
        """A stand-in event of `kind` with these attributes as the reader keeps them (None
        where the reader would reject them: such a record counts for nothing)."""
        key = (kind, text)
        if key not in self._events:
            try:
                raw: Any = strictjson.loads(text)  # within the reader's limits
                made = Event(
                    id="", type=kind, at=_EPOCH, attrs=raw if isinstance(raw, dict) else {}
                )
                self._events[key] = checked_attributes(made, self.force)
            except (ValueError, TypeError, EventError, strictjson.LimitError):
                self._events[key] = None
        return self._events[key]

    def accepts(self, req: Requirement, kind: str, text: str) -> bool:
        """Whether a record of `kind` with these attributes meets every condition of `req`."""
        found = self.event(kind, text)
        return found is not None and failed_condition(req.where, found) is None

    def amount(self, req: Requirement, events: Sequence[Event]) -> float:
        """How much of `req` these stand-ins provide: the reference's own `measure`."""
        return measure(req, events)
