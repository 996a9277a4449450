"""The engine's own account of each window: every event it looked at and what became of it.

The kind evaluators take `trace: Trace | None = None` and touch it only behind
`if trace is not None`, so `check`, `agenda` and the calendar build nothing and format
nothing. With a trace, an evaluator notes each decision where it makes it (a follow-up
after the deadline, an assignment superseded by a later one, a reading that is not a
number), and `close` seals the window with its result: the result's evidence is counted,
and the events of the obligation's types around the window that the evaluator never
looked at (another unit, another person, after `--as-of`) are noted with where they were
filed. Each note keeps the facts that decided it (the condition and the value seen, the
event compared with, the instant judged), never words: `explain` writes the words and
never judges anything itself.

An event noted more than once in a window keeps one fate: counted wins, then the reason
nearest to counting (a wrong role is nearer than a wrong type). `Code`'s order is that
nearness.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from datetime import datetime

import attrs

from engagerules.engine.index import EventIndex
from engagerules.errors import UsageError
from engagerules.model.conditions import denied, unmet
from engagerules.model.event import Event
from engagerules.model.periods import Window
from engagerules.model.plan import Condition, Force, Obligation, Operator, Requirement
from engagerules.model.results import Result, Status

__all__ = ["Code", "Fate", "Trace", "WindowTrace"]


class Code(enum.StrEnum):
    """What became of an event in a window: how it counted, or the rule that kept it out.

    Declared nearest to counting first; `explain` lists near misses in this order.
    """

    # How an event counted (or was judged, for a constraint).
    COUNTED = "counted"
    TRIGGER = "trigger"
    BREAKS_RULE = "breaks-rule"
    # Why an event did not count, nearest first.
    WRONG_ROLE = "wrong-role"
    MISSING_ATTRIBUTE = "missing-attribute"
    FAILED_CONDITION = "failed-condition"
    WRONG_PERSON = "wrong-person"
    #: A follow-up counted for another trigger (of this duty, or of another duty).
    CLAIMED = "counted-for-another"
    #: An unlinked follow-up naming another item than the trigger's (another meeting).
    OTHER_ITEM = "another-item"
    #: An unlinked follow-up the trigger did not need: it had its follow-up already.
    NOT_NEEDED = "not-needed"
    OTHER_TRIGGER = "follows-another-event"
    NOT_REFERENCED = "not-referenced"
    WRONG_UNIT = "wrong-unit"
    BEFORE_TRIGGER = "before-trigger"
    AFTER_DEADLINE = "after-deadline"
    OUTSIDE_WINDOW = "outside-window"
    AFTER_AS_OF = "after-as-of"
    NOT_A_READING = "not-a-reading"
    SUPERSEDED = "superseded"
    #: A repeat of another record (same type, unit, role, person, instant and details),
    #: counted once: as its original (`engine.index.once`).
    DUPLICATE = "duplicate"
    CLEARED = "cleared"
    CONFORMS = "conforms"
    WRONG_TYPE = "wrong-type"
    #: Looked at, not counted, and no rule recorded: a gap in the trace (tests forbid it).
    NOT_COUNTED = "not-counted"

    @property
    def nearness(self) -> int:
        """The place of this code in the order above: lower is nearer to counting."""
        return _RANK[self]


_RANK = {code: i for i, code in enumerate(Code)}


@attrs.frozen
class Fate:
    """One event in one window and what became of it, with the facts that decided it."""

    event: Event
    code: Code
    #: Counted towards the verdict (or judged by a constraint's rule).
    counted: bool = False
    #: The condition it failed (or broke), the requirement whose roles it lacked.
    condition: Condition | None = None
    requirement: Requirement | None = None
    #: The attribute read and the value seen in it.
    seen: tuple[str, object] | None = None
    #: The event it was compared with: the previous one, the later assignment, the
    #: clearance, the trigger.
    other: Event | None = None
    #: The instant it was judged against (the window's end, or `--as-of` if sooner).
    moment: datetime | None = None

    def nearer(self, than: Fate) -> bool:
        return (not self.counted, self.code.nearness) < (not than.counted, than.code.nearness)


@attrs.frozen
class WindowTrace:
    """A window's result, the obligation version that judged it, and every event's fate."""

    result: Result
    obligation: Obligation
    #: The unit the window's events were looked up in (None: anywhere).
    unit: str | None
    fates: tuple[Fate, ...]


class Trace:
    """Records, window by window, what an evaluation did with each event.

    `events` is every valid event read, including those after `as_of` that the engine
    judges as not yet known, so they can be named as such. One trace serves one
    `evaluate` call; its windows are in the order they were judged.
    """

    def __init__(self, force: Force, events: Sequence[Event], as_of: datetime) -> None:
        if as_of.tzinfo is None:
            msg = "as_of must be time-zone aware"
            raise UsageError(msg)
        self.force = force
        self.as_of = as_of
        self.index = EventIndex(events, force)
        #: original id -> its repeats, noted wherever the original is
        self.repeats: dict[str, list[Event]] = {}
        if self.index.repeated:
            for event in events:
                original = self.index.repeated.get(event.id)
                if original is not None:
                    self.repeats.setdefault(original, []).append(event)
        self.windows: list[WindowTrace] = []
        self._open: dict[str, Fate] = {}

    # ------------------------------------------------------------------ recording

    def note(
        self,
        event: Event,
        code: Code,
        *,
        counted: bool = False,
        condition: Condition | None = None,
        requirement: Requirement | None = None,
        seen: tuple[str, object] | None = None,
        other: Event | None = None,
        moment: datetime | None = None,
    ) -> None:
        """Record what became of `event` in the window being judged."""
        if not counted and event.at > self.as_of:
            # The engine judged what was known at `as_of`; a later record is the reason.
            fate = Fate(event, Code.AFTER_AS_OF)
        else:
            fate = Fate(event, code, counted, condition, requirement, seen, other, moment)
        held = self._open.get(event.id)
        if held is None or fate.nearer(held):
            self._open[event.id] = fate

    def rejected(self, requirement: Requirement, event: Event) -> None:
        """Record the test by which `event` fails `requirement`: type, role or a condition."""
        failed = unmet(requirement, event)
        if failed is None:
            return
        if failed == "type":
            self.note(event, Code.WRONG_TYPE, requirement=requirement)
        elif failed == "role":
            self.note(event, Code.WRONG_ROLE, requirement=requirement)
        else:
            self.note(
                event, _condition_code(failed, event), condition=failed, seen=_seen(failed, event)
            )

    def drop(self) -> None:
        """Forget the notes of a window the evaluator decided not to report."""
        self._open = {}

    def close(
        self,
        result: Result,
        obligation: Obligation,
        *,
        unit: str | None,
        person: str | None = None,
        trigger: Event | None = None,
        moment: datetime | None = None,
        looked: Window | None = None,
        near: Code | None = None,
        hints: bool = False,
    ) -> None:
        """Seal the window of `result`: count its evidence, then note what lay around it.

        `unit`, `person` and `trigger` are how the evaluator looked events up (the unit's
        index, one person's records, the follow-ups of one trigger); `moment` the instant
        it judged at; `looked` the span it read when wider than the window. When the
        window is not met, `near` adds the closest events just outside it (as
        `OUTSIDE_WINDOW` both sides, or `AFTER_DEADLINE` after it), and `hints` the
        events of other types in the unit: what may have been logged instead.
        """
        for event_id in result.evidence:
            held = self._open.get(event_id)
            if held is None or not held.counted:
                self._open[event_id] = Fate(self.index.by_id[event_id], Code.COUNTED, counted=True)
        types = sorted({t for req in obligation.evidence for t in req.types})
        window = result.window
        for event in self.index.between(types, None, looked or window):
            if event.id in self._open:
                continue
            if window.contains(event.at) or self._filed(event, unit):  # beyond it: own unit
                self._placed(event, obligation, unit, person, trigger, moment)
        if self.repeats:
            for fate in list(self._open.values()):
                for repeat in self.repeats.get(fate.event.id, ()):
                    self._open.setdefault(repeat.id, Fate(repeat, Code.DUPLICATE, other=fate.event))
        if result.status is not Status.MET:
            if near is not None:
                self._near(types, result.window, unit, person, trigger, near)
            if hints:
                self._hints(obligation, result.window, unit, person)
        self.windows.append(WindowTrace(result, obligation, unit, tuple(self._open.values())))
        self._open = {}

    def revise(self, judged: Sequence[Result], revised: Sequence[Result]) -> None:
        """Follow `engine/rejected.py`: `revised` is `judged` with some results made
        `unchecked` (same places), then results of its own (no events judged in them)."""
        changed = {a: b for a, b in zip(judged, revised, strict=False) if a is not b}
        self.windows = [
            attrs.evolve(w, result=changed[w.result]) if w.result in changed else w
            for w in self.windows
        ]
        for result in revised[len(judged) :]:
            obligation = next(o for o in self.force.obligations if o.id == result.obligation)
            self.windows.append(WindowTrace(result, obligation, result.scope, ()))

    # ------------------------------------------------------------------ reading

    def of(self, results: Iterable[Result]) -> list[WindowTrace]:
        """The window traces of `results` (as `evaluate` returned them), in their order."""
        pending: dict[Result, list[WindowTrace]] = {}
        for window in self.windows:
            pending.setdefault(window.result, []).append(window)
        return [pending[result].pop(0) for result in results]

    # ------------------------------------------------------------------ looking around

    def _placed(
        self,
        event: Event,
        obligation: Obligation,
        unit: str | None,
        person: str | None,
        trigger: Event | None,
        moment: datetime | None,
    ) -> None:
        """Note an event of the obligation's types the evaluator did not look at, by where
        it was filed or the test it fails."""
        if person is not None and event.person != person:
            self.note(event, Code.WRONG_PERSON)
        elif trigger is not None and event.refs and trigger.id not in event.refs:
            self.note(event, Code.OTHER_TRIGGER, other=trigger)
        elif not self._filed(event, unit):
            self.note(event, Code.WRONG_UNIT)
        elif trigger is not None and trigger.id not in event.refs:
            self.note(event, Code.NOT_REFERENCED, other=trigger)
        elif not any(unmet(req, event) is None for req in obligation.evidence):
            for req in obligation.evidence:
                self.rejected(req, event)
        elif moment is not None and event.at >= moment:
            self.note(event, Code.AFTER_AS_OF, moment=moment)
        else:
            self.note(event, Code.NOT_COUNTED)

    def _filed(self, event: Event, unit: str | None) -> bool:
        """Whether the index files `event` under `unit`: its own or an enclosing unit."""
        if unit is None:
            return True
        return event.scope is not None and unit in self.force.ancestry(event.scope)

    def _near(
        self,
        types: Sequence[str],
        window: Window,
        unit: str | None,
        person: str | None,
        trigger: Event | None,
        code: Code,
    ) -> None:
        """The events of `types` in `unit` closest before and after `window`, within one
        window's length of it."""
        length = window.end - window.start

        def near(span: Window) -> list[Event]:
            return [
                e
                for e in self.index.between(types, unit, span)
                if (person is None or e.person == person) and not (trigger is not None and e.refs)
            ]

        after = near(Window(window.end, window.end + length, window.zone))[:_NEAR]
        before: list[Event] = []
        if code is Code.OUTSIDE_WINDOW:
            before = near(Window(window.start - length, window.start, window.zone))[-_NEAR:]
        for event in before + after:
            if event.id not in self._open:
                self.note(event, code)

    def _hints(
        self, obligation: Obligation, window: Window, unit: str | None, person: str | None
    ) -> None:
        own = obligation.event_types
        others = [t.id for t in self.force.event_types if t.id not in own]
        for event in self.index.between(others, unit, window):
            if event.id not in self._open and (person is None or event.person == person):
                self.note(event, Code.WRONG_TYPE)


#: How many events outside a window, on each side, are noted as near misses.
_NEAR = 3


def _seen(condition: Condition, event: Event) -> tuple[str, object]:
    return (condition.attr, event.attrs.get(condition.attr))


def _condition_code(condition: Condition, event: Event) -> Code:
    """A missing attribute is nearer to counting than a wrong value."""
    value = event.attrs.get(condition.attr)
    if denied(condition, event):  # it was recorded, and says the thing was not there
        return Code.FAILED_CONDITION
    if condition.op is Operator.PRESENT or (
        value is None and condition.op in (Operator.EQUALS, Operator.IN, Operator.MIN, Operator.MAX)
    ):
        return Code.MISSING_ATTRIBUTE
    return Code.FAILED_CONDITION
