"""Coverage compiled: something in place for every unit. One query finds, per unit, each
assignment made before the last window's end with when it ended (the first later clearing
record naming it, or naming none: an as-of join), kept to those reaching into the range,
and the clearing records that ended one (from the last at or before the range); the gaps,
the days they cover and the words are the reference's (`window_result`), judged per window
in Python from those spells.

Compiled: per unit and force-wide, with or without a cycle, judged throughout or at the
end, with or without clearing types. Left to the reference: per-person coverage and
sequence conditions (`differs_from_previous`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from engagerules.engine.compiled.query import Query, SpellAsk, SpellRow, per_unit_by_value
from engagerules.engine.kinds.coverage import Coverage, Spell, window_result
from engagerules.engine.schedule import unit_slots
from engagerules.engine.verdicts import Outcome, constraint_windows, outcome_of
from engagerules.model.event import Event
from engagerules.model.periods import Window
from engagerules.model.plan import Kind, Obligation
from engagerules.model.results import Result
from engagerules.model.words import requirement_words

__all__ = ["KIND", "compiles", "evaluate", "spells_wanted"]

#: The kind this module compiles.
KIND = Kind.COVERAGE


def compiles(obligation: Obligation) -> bool:
    """Whether this coverage duty is compiled: per unit or force-wide, value conditions."""
    return isinstance(obligation.rule, Coverage) and per_unit_by_value(obligation)


def evaluate(query: Query, obligation: Obligation, span: Window, as_of: datetime) -> Outcome:
    """Every window and unit of one coverage version over `span`, judged at `as_of`."""
    rule = obligation.rule
    assert isinstance(rule, Coverage)  # noqa: S101 - `compiles` chose it
    force = query.force
    windows = constraint_windows(obligation, span)
    units = unit_slots(obligation)
    spells: dict[str | None, list[SpellRow]] = {}
    ending: dict[str | None, list[SpellRow]] = {}
    for ask in spells_wanted(query, obligation, span, as_of):
        spells, ending = query.spells(
            ask.reqs, ask.clears, ask.units, ask.start, ask.horizon, as_of
        )
    label = " or ".join(requirement_words(force, r) for r in obligation.evidence)
    results: list[Result] = []
    for unit in units:
        mine: list[Spell] = [(e.at, end, e) for e, end in _events(query, spells.get(unit, []))]
        ends = [e for e, _ in _events(query, ending.get(unit, []))]
        for window in windows:
            result, _ = window_result(
                force, obligation, rule, label, unit, window, mine, ends, as_of
            )
            results.append(result)
    return outcome_of(results)


def spells_wanted(
    query: Query, obligation: Obligation, span: Window, as_of: datetime
) -> list[SpellAsk]:
    """The lookup `evaluate` makes of a compiled coverage duty (none when no window has
    opened: the others are pending unseen), for the check to answer all by one query."""
    rule = obligation.rule
    if not isinstance(rule, Coverage):
        return []
    opened = [w for w in constraint_windows(obligation, span) if w.start < as_of]
    if not opened:
        return []
    start = min(w.start for w in opened)
    horizon = max(min(w.end, as_of) for w in opened)
    units = tuple(unit_slots(obligation))
    return [SpellAsk(tuple(obligation.evidence), tuple(rule.clears), units, start, horizon)]


def _events(query: Query, rows: Sequence[SpellRow]) -> list[tuple[Event, datetime | None]]:
    """The rows as stand-ins with their ends, in the reference's order (time, then id)."""
    found: list[tuple[Event, datetime | None]] = []
    for event_id, at, end, kind, text, number, who in rows:
        made = query.stand_in(event_id, at, kind, text, number, who)
        if made is not None:
            found.append((made, end))
    found.sort(key=lambda pair: (pair[0].at, pair[0].id))
    return found
