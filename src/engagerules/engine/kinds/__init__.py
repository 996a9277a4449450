"""One module per obligation kind, and the one registry that maps a kind to its module.

A kind module (`recurring.py`, `triggered.py` ...) owns everything about its kind: the
frozen rule value with only that kind's fields (`RULE`), how it is built from validated
JSON (`build`) and its part of the JSON Schema (`SCHEMA`), how it is evaluated
(`evaluate`), how the documentation, the calendar, the agenda and the JSON shapes say it,
and how the simulator acts it out (`act`). A module defines only what its kind does
differently: everything else takes the registry's default (`KindModule`'s field
defaults, below). The registry finds the modules of this package by themselves, so adding
a kind is adding its module, a `Kind` member and its tests: see docs/architecture.md.
"""

from __future__ import annotations

import importlib
import pkgutil
import random
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime, tzinfo
from types import ModuleType
from typing import Any, Protocol

import attrs

from engagerules.engine.index import EventIndex
from engagerules.engine.trace import Trace
from engagerules.engine.verdicts import Outcome
from engagerules.model.event import Event
from engagerules.model.periods import Window
from engagerules.model.plan import Condition, Force, Kind, Obligation, Requirement, Rule
from engagerules.model.results import Result

__all__ = ["KINDS", "Actor", "KindModule", "kind_module"]


class Actor(Protocol):
    """What the simulator lends a kind module to act its duties out: a seeded random
    source, the range, how often the simulated force complies, and the makers of records
    in the contract's event format (`authoring/simulate.py` implements it)."""

    force: Force
    rng: random.Random
    span: Window
    compliance: float
    #: The people a per-person duty is owed by.
    people: list[str]

    def key(self, ob: Obligation) -> str:
        """A fresh name for a record that later records refer to (a trigger)."""
        ...

    def record(
        self,
        ob: Obligation,
        req: Requirement,
        window: Window,
        scope: str | None,
        person: str | None,
        extra: dict[str, Any],
        *,
        comply: bool = True,
    ) -> dict[str, Any]:
        """A record meeting `req` at a moment within `window` (breaking the duty's
        own rule unless `comply`)."""
        ...

    def base(
        self, type_id: str, at: datetime, scope: str | None, role: str | None
    ) -> dict[str, Any]:
        """A bare record of `type_id` at `at`."""
        ...

    def moment(self, window: Window) -> datetime:
        """A moment within `window` and the range, to the second."""
        ...

    def satisfying(self, conditions: tuple[Condition, ...], type_id: str) -> dict[str, Any]:
        """Attributes of `type_id` meeting every condition."""
        ...

    def breaking(self, conditions: tuple[Condition, ...], type_id: str) -> dict[str, Any]:
        """Attributes of `type_id` breaking the first condition."""
        ...

    def codes(self, type_id: str, attr: str) -> tuple[str, ...]:
        """The codes `type_id` declares for `attr` (what a `distinct` requirement counts)."""
        ...


# ---------------------------------------------------------- the defaults a module may omit


def _no_suffix(obligation: Obligation, rule: Any) -> str:
    return ""


def _no_lines(rule: Any) -> list[str]:
    return []


def _no_evidence_line(force: Force, obligation: Obligation, rule: Any) -> str | None:
    return None


def _no_words(rule: Any) -> str:
    return ""


def _no_agenda_span(obligation: Obligation, rule: Any, day: date, zone: tzinfo) -> Window | None:
    return None


def _no_agenda_deadline(
    obligation: Obligation, rule: Any, result: Result, index: EventIndex, now: datetime
) -> tuple[Result, datetime] | None:
    return None


def _no_doc_lines(force: Force, obligation: Obligation, rule: Any) -> list[str]:
    return []


def _no_notes(obligation: Obligation, rule: Any) -> list[str]:
    return []


def _no_fields(rule: Any) -> dict[str, Any]:
    return {}


def _kept(rule: Rule) -> tuple[Condition, ...]:
    return rule.keeps


def _no_types(rule: Any) -> tuple[str, ...]:
    return ()


def _no_reason(rule: Any) -> str | None:
    return None


def _no_claims(force: Force, obligation: Obligation, index: EventIndex) -> frozenset[str]:
    return frozenset()


def _no_follow_up(
    force: Force, obligation: Obligation, rule: Any, event: Event, named: Event, span: Window
) -> str | None:
    return None


def _no_window(force: Force, obligation: Obligation, rule: Any, at: datetime) -> Window | None:
    return None


def _no_acts(obligation: Obligation, rule: Any, actor: Actor) -> Iterable[dict[str, Any]]:
    return ()


def _within_range(obligation: Obligation, rule: Any, kind: str) -> bool:
    return False


@attrs.frozen
class KindModule:
    """What every kind module provides, the registry's defaults filling what it leaves out.

    The fields are named as the module names them (`RULE`, `build`, ...), so a module is
    read by name. Functions taking `rule` are given the obligation's rule, always an
    instance of the module's own `RULE`: the registry dispatches on it.
    """

    #: The kind's rule class; its `kind` says which `Kind` it is.
    RULE: type[Rule]
    #: A few words for the force documentation ("due in every period").
    MEANING: str
    #: The kind's part of the obligation schema: the properties only this kind has (added
    #: to the obligation's), and what it requires (applied when `kind` is this one).
    SCHEMA: Mapping[str, Any]
    #: The rule from the validated JSON of one obligation.
    build: Callable[[dict[str, Any]], Rule]
    #: Every result of one obligation version over `span`, judged at `as_of`, as
    #: `evaluate(force, obligation, rule, index, span, as_of, trace=None)`; with a trace,
    #: what became of each event it looked at is noted in it.
    evaluate: Callable[
        [Force, Obligation, Any, EventIndex, Window, datetime, Trace | None], Outcome
    ]

    #: What the force documentation calls the evidence ("Updates", "Readings").
    EVIDENCE_LABEL: str = "Evidence"
    #: Whether the documentation states the evidence as a count ("at least 1 ..."), or
    #: (for kinds judged on every such event) by its types alone.
    COUNTS_EVIDENCE: bool = True
    #: The calendar's category and title prefix for this kind ("" for none).
    CALENDAR_LABEL: str = ""
    #: Whether the calendar shows the owner free, not busy, in this kind's items.
    CALENDAR_FREE: bool = False
    #: Whether a calendar item of this kind is due by its window's last day, whatever its cycle.
    DUE_BY_LAST_DAY: bool = False
    #: Whether events set off this kind's duties (follow-ups: the calendar lists them, and a
    #: record outside the range may still answer a trigger inside it).
    FOLLOWS_EVENTS: bool = False
    #: Whether its evidence are readings of a figure, a later one superseding an earlier.
    READINGS: bool = False
    #: Whether a record goes on counting after it is made (an assignment in place, the
    #: latest update), so one made before the duty came into force, or before the range,
    #: may count: neither is the reason such a record did not.
    LASTS: bool = False
    #: Whether its rule binds every record of its types, whoever made it (a constraint's:
    #: a breach by anyone is a breach), so a step that lists no roles judges every role.
    JUDGES_EVERY_RECORD: bool = False
    #: Whether a window is kept when no record breaks it (a constraint's), so a rejected
    #: record of its types may hide a breach there (`engine/rejected.py`: unchecked).
    KEPT_BY_ABSENCE: bool = False
    #: Whether the agenda lists this kind as a duty to do.
    AGENDA_DUTY: bool = True

    #: What the calendar adds to a series' "When:" line: `(obligation, rule) -> str`.
    when_suffix: Callable[[Obligation, Any], str] = _no_suffix
    #: The calendar's lines about this kind's own terms, after the "When:" line.
    detail_lines: Callable[[Any], list[str]] = _no_lines
    #: The calendar's "Evidence:" line when this kind says it its own way (None: the
    #: requirements, listed): `(force, obligation, rule) -> str | None`.
    evidence_line: Callable[[Force, Obligation, Any], str | None] = _no_evidence_line
    #: The calendar's lines about this kind after the validity.
    note_lines: Callable[[Any], list[str]] = _no_lines
    #: What the calendar adds after a follow-up's "Due by:" time.
    within_words: Callable[[Any], str] = _no_words
    #: The range the agenda evaluates on a day, when this kind fixes one (None: the range
    #: of the windows open now or opening soon): `(obligation, rule, day, zone)`.
    agenda_span: Callable[[Obligation, Any, date, tzinfo], Window | None] = _no_agenda_span
    #: The result as the agenda shows it and when it falls due, when this kind decides
    #: (None: at the end of its window): `(obligation, rule, result, index, now)`.
    agenda_deadline: Callable[
        [Obligation, Any, Result, EventIndex, datetime], tuple[Result, datetime] | None
    ] = _no_agenda_deadline
    #: The force documentation's lines of this kind's own terms, after the kind.
    doc_lines: Callable[[Force, Obligation, Any], list[str]] = _no_doc_lines
    #: How the verdict mechanisms read this duty, in words ("as a rolling gap ...").
    judged_notes: Callable[[Obligation, Any], list[str]] = _no_notes
    #: The obligation JSON's keys only this kind writes (the contract's `trigger`, ...).
    json_fields: Callable[[Any], dict[str, Any]] = _no_fields
    #: The conditions every event of the duty's types must keep (a constraint's rule).
    record_rule: Callable[[Any], tuple[Condition, ...]] = _kept
    #: The event types that set this kind's duties off.
    trigger_types: Callable[[Any], tuple[str, ...]] = _no_types
    #: Why the duty is never checked, when it is not.
    unchecked_reason: Callable[[Any], str | None] = _no_reason
    #: The ids of the records the duty counts as its own, for a duty that must not count
    #: them (`not_claimed_by`): `(force, obligation, index)`.
    claimed: Callable[[Force, Obligation, EventIndex], frozenset[str]] = _no_claims
    #: Why `event`, naming `named` in `refs`, did not count as its follow-up (a reason of
    #: `UNMATCHED_REASONS`), or None when `named` is no trigger of the duty:
    #: `(force, obligation, rule, event, named, span)`.
    follow_up_reason: Callable[[Force, Obligation, Any, Event, Event, Window], str | None] = (
        _no_follow_up
    )
    #: The follow-up window a trigger at `at` would open, for a rejected record that may
    #: have been one (None: it would owe nothing): `(force, obligation, rule, at)`.
    rejected_window: Callable[[Force, Obligation, Any, datetime], Window | None] = _no_window
    #: Whether a record of event type `kind` made before a report's range can still decide
    #: a verdict in it (a standing duty's last update, a coverage assignment, a roster's
    #: enrolment): then such a record is accounted for by what it lacks (unit, role,
    #: conditions), not as outside the range: `(obligation, rule, kind)`.
    looks_back: Callable[[Obligation, Any, str], bool] = _within_range
    #: The records a simulated force makes for the duty: `(obligation, rule, actor)`.
    act: Callable[[Obligation, Any, Actor], Iterable[dict[str, Any]]] = _no_acts

    @classmethod
    def of(cls, module: ModuleType) -> KindModule:
        """The registry's entry for `module`: what it defines, and the defaults."""
        names = [field.name for field in attrs.fields(cls)]
        given = {name: getattr(module, name) for name in names if hasattr(module, name)}
        missing = [
            field.name
            for field in attrs.fields(cls)
            if field.default is attrs.NOTHING and field.name not in given
        ]
        if missing:
            msg = f"kind module {module.__name__} does not define {', '.join(missing)}"
            raise TypeError(msg)
        return cls(**given)


def _discover() -> dict[Kind, KindModule]:
    found: dict[Kind, KindModule] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        module = KindModule.of(importlib.import_module(f"{__name__}.{info.name}"))
        found[module.RULE.kind] = module
    # in the order of the Kind enum (the contract's order), not the file names'
    return {kind: found[kind] for kind in Kind if kind in found}


#: Every kind's module, by kind.
KINDS: Mapping[Kind, KindModule] = _discover()


def kind_module(kind: Kind) -> KindModule:
    """The module of `kind`; every `Kind` has one (a test holds that)."""
    return KINDS[kind]
