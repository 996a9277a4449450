"""Something that must be in place for every unit (a named point of contact)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar

import attrs

from engagerules.engine.index import EventIndex
from engagerules.engine.schedule import unit_slots
from engagerules.engine.trace import Code, Trace
from engagerules.engine.verdicts import (
    Outcome,
    constraint_windows,
    local_day,
    make_result,
    subjects_of,
)
from engagerules.model.checks import optional, strings, tuples
from engagerules.model.durations import Duration, parse_duration, positive_duration
from engagerules.model.periods import Window
from engagerules.model.plan import Force, Kind, Obligation, Rule
from engagerules.model.results import Result, Status
from engagerules.sources.events import Event

#: How the force documentation names this kind.
MEANING = "something that must be in place for every unit"

#: What the force documentation calls this kind's evidence.
EVIDENCE_LABEL = "In place when recorded"

#: Whether the documentation states the evidence as a count ("at least 1 `tweet`") or,
#: for kinds judged on every such event, by its types alone.
COUNTS_EVIDENCE = False


@attrs.frozen
class Coverage(Rule):
    """Something in place for every unit at the end of each window, unless `clears` since."""

    kind: ClassVar[Kind] = Kind.COVERAGE

    clears: tuple[str, ...] = attrs.field(default=(), converter=tuples, validator=strings)
    cadence: Duration | None = attrs.field(default=None, validator=optional(positive_duration))
    anchor: date | None = None

    @property
    def reads(self) -> tuple[str, ...]:
        return self.clears


#: The rule class the registry dispatches on.
RULE = Coverage

#: This kind's part of the obligation schema (JSON Schema 2020-12; `#/$defs/...` refer to
#: the force schema's definitions). `properties` are the keys only this kind has; `then`
#: applies when an obligation's `kind` is "coverage".
SCHEMA: dict[str, Any] = {
    "properties": {
        "clears": {"$ref": "#/$defs/types"},
        "cadence": {"$ref": "#/$defs/duration"},
        "anchor": {
            "$ref": "#/$defs/date",
            "description": "A date a period starts on; cycles run forwards and backwards from it.",
        },
    },
    "then": {"required": ["evidence"], "properties": {"evidence": {"minItems": 1}}},
}


def build(raw: dict[str, Any]) -> Coverage:
    """From the validated JSON of one obligation."""
    return Coverage(
        clears=tuple(raw.get("clears", ())),
        cadence=parse_duration(raw["cadence"]) if "cadence" in raw else None,
        anchor=date.fromisoformat(raw["anchor"]) if "anchor" in raw else None,
    )


def evaluate(
    force: Force,
    obligation: Obligation,
    rule: Coverage,
    index: EventIndex,
    span: Window,
    as_of: datetime,
    trace: Trace | None = None,
) -> Outcome:
    """Every unit must have something in place (a named point of contact) at the end of
    each window, or at `as_of` if sooner: the latest assignment, unless cleared since."""
    windows = constraint_windows(obligation, span)
    results: list[Result] = []
    used: set[str] = set()
    for unit in unit_slots(obligation):
        assigned = subjects_of(obligation, index, unit)
        cleared = index.of_type(rule.clears, unit) if rule.clears else []
        for window in windows:
            if window.start > as_of:
                results.append(
                    make_result(
                        obligation,
                        unit,
                        window,
                        Status.PENDING,
                        1,
                        0,
                        (),
                        f"window starts after {as_of:%Y-%m-%d %H:%M}",
                    )
                )
                if trace is not None:
                    trace.close(results[-1], obligation, unit=unit)
                continue
            moment = min(window.end, as_of)
            latest = next((e for e in reversed(assigned) if e.at < moment), None)
            clear = next((e for e in reversed(cleared) if e.at < moment), None)
            label = " or ".join(r.label for r in obligation.evidence)
            if latest is not None and (clear is None or clear.at <= latest.at):
                used.add(latest.id)
                who = f" ({latest.role or latest.person})" if (latest.role or latest.person) else ""
                results.append(
                    make_result(
                        obligation,
                        unit,
                        window,
                        Status.MET,
                        1,
                        1,
                        (latest,),
                        f"{label}{who} recorded {local_day(latest.at, force)} ({latest.id})",
                    )
                )
            else:
                at = moment.astimezone(force.zone)
                reason = f"no {label} for {unit or 'the force'} as at {at:%Y-%m-%d %H:%M}"
                if clear is not None:
                    used.add(clear.id)
                    reason += f" (cleared by {clear.id} on {local_day(clear.at, force)})"
                results.append(
                    make_result(
                        obligation,
                        unit,
                        window,
                        Status.MISSED,
                        1,
                        0,
                        (clear,) if clear else (),
                        reason,
                    )
                )
            if trace is not None:
                _trace(trace, obligation, results[-1], unit, assigned, latest, clear, moment)
    return Outcome(tuple(results), frozenset(used))


def _trace(
    trace: Trace,
    obligation: Obligation,
    result: Result,
    unit: str | None,
    assigned: list[Event],
    latest: Event | None,
    clear: Event | None,
    moment: datetime,
) -> None:
    """Note the assignment in place (or the one cleared, and what cleared it) and the
    earlier ones it superseded, reading back one window's length before the window."""
    window = result.window
    length = window.end - window.start
    looked = Window(window.start - length, moment + length, window.zone)
    if latest is not None and result.status is Status.MET:
        trace.note(latest, Code.COUNTED, counted=True, moment=moment)
    elif clear is not None:
        trace.note(clear, Code.CLEARED, counted=True)
        if latest is not None:
            trace.note(latest, Code.CLEARED, other=clear)
    for event in assigned:
        if looked.start <= event.at < moment and event is not latest:
            trace.note(event, Code.SUPERSEDED, other=latest)
    trace.close(result, obligation, unit=unit, moment=moment, looked=looked)
