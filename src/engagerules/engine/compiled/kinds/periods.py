"""Recurring evidence that names its period (`Requirement.for_period`), compiled: the query
fetches, per due window, the records the requirement accepts (type, role, the attribute
sets it accepts) wherever one naming a period of that window may lie, from `early` before
the window to `grace` after it (the reference's own `period_reach`); which window each
record's named period makes it count for is the reference's own `period_records`, in
Python, over stand-ins with the reader's attributes. So the period parser, the grace, the
allowance ahead and the part window's whole period are the reference's, never a backend's:
a query may return records that do not count, never miss one that does.
"""

from __future__ import annotations

from collections.abc import Sequence

from engagerules.engine.compiled.evidence import WindowRow
from engagerules.engine.kinds.recurring import names_period, period_reach, period_records
from engagerules.engine.schedule import Due
from engagerules.model.event import Event
from engagerules.model.plan import Obligation, Requirement

__all__ = ["counted", "reached"]


def reached(
    obligation: Obligation, req: Requirement, due: Sequence[Due], windows: tuple[WindowRow, ...]
) -> tuple[WindowRow, ...]:
    """The windows `req`'s records are looked for in (`windows`, one per due window in
    order): widened to where a record naming its period may lie, for evidence that names
    it; else as they are."""
    if not names_period(req):
        return windows
    found = []
    for (w, unit, person, _, _), one in zip(windows, due, strict=True):
        reach = period_reach(obligation, req, one.window)
        found.append((w, unit, person, reach.start, reach.end))
    return tuple(found)


def counted(
    obligation: Obligation, req: Requirement, due: Due, events: Sequence[Event]
) -> Sequence[Event]:
    """Of the records found in a due window's reach (in time order), those counting for it
    (`period_records`), for evidence naming its period; else all of them, as they are."""
    return period_records(obligation, req, due, list(events)) if names_period(req) else events
