"""One module per obligation kind, and the one registry that maps a kind to its module.

A kind module (`recurring.py`, `triggered.py` ...) owns everything about its kind: the
frozen rule value with only that kind's fields (`RULE`), how it is built from validated
JSON (`build`) and its part of the JSON Schema (`SCHEMA`), how it is evaluated
(`evaluate`), and how the force documentation names it (`MEANING`). The registry finds the
modules of this package by themselves, so adding a kind is adding its module (and a
`Kind` member and its tests): see docs/architecture.md.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Mapping
from datetime import date, datetime, tzinfo
from typing import Any, Protocol, cast

from engagerules.engine.index import EventIndex
from engagerules.engine.trace import Trace
from engagerules.engine.verdicts import Outcome
from engagerules.model.periods import Window
from engagerules.model.plan import Force, Kind, Obligation, Rule
from engagerules.model.results import Result

__all__ = ["KINDS", "KindModule", "kind_module"]


class KindModule(Protocol):
    """What every kind module provides."""

    #: The kind's rule class; its `kind` says which `Kind` it is.
    RULE: type[Rule]
    #: A few words for the force documentation ("due in every period").
    MEANING: str
    #: What the force documentation calls the evidence ("Updates", "Readings").
    EVIDENCE_LABEL: str
    #: Whether the documentation states the evidence as a count ("at least 1 ...").
    COUNTS_EVIDENCE: bool
    #: The kind's part of the obligation schema: the properties only this kind has (added
    #: to the obligation's), and what it requires (applied when `kind` is this one).
    SCHEMA: Mapping[str, Any]

    def build(self, raw: dict[str, Any]) -> Rule:
        """The rule from the validated JSON of one obligation."""
        ...

    def evaluate(
        self,
        force: Force,
        obligation: Obligation,
        rule: Any,  # the module's own RULE: the registry dispatches on it
        index: EventIndex,
        span: Window,
        as_of: datetime,
        trace: Trace | None = None,
    ) -> Outcome:
        """Every result of one obligation version over `span`, judged at `as_of`; with a
        `trace`, what became of each event it looked at is noted in it."""
        ...

    # How the outputs say it: the calendar and the agenda ask these, never the rule class.

    #: The calendar's category and title prefix for this kind ("" for none).
    CALENDAR_LABEL: str
    #: Whether the calendar shows the owner free, not busy, in this kind's items.
    CALENDAR_FREE: bool
    #: Whether a calendar item of this kind is due by its window's last day, whatever its cycle.
    DUE_BY_LAST_DAY: bool
    #: Whether events set off this kind's duties (the calendar's follow-ups).
    FOLLOWS_EVENTS: bool
    #: Whether the agenda lists this kind as a duty to do.
    AGENDA_DUTY: bool

    def when_suffix(self, obligation: Obligation, rule: Any) -> str:
        """What the calendar adds to a series' "When:" line."""
        ...

    def detail_lines(self, rule: Any) -> list[str]:
        """The calendar's lines about this kind's own terms, after the "When:" line."""
        ...

    def evidence_line(self, force: Force, obligation: Obligation, rule: Any) -> str | None:
        """The calendar's "Evidence:" line when this kind says it its own way."""
        ...

    def note_lines(self, rule: Any) -> list[str]:
        """The calendar's lines about this kind after the validity."""
        ...

    def within_words(self, rule: Any) -> str:
        """What the calendar adds after a follow-up's "Due by:" time."""
        ...

    def agenda_span(
        self, obligation: Obligation, rule: Any, day: date, zone: tzinfo
    ) -> Window | None:
        """The range the agenda evaluates on `day`, when this kind fixes one."""
        ...

    def agenda_deadline(
        self, obligation: Obligation, rule: Any, result: Result, index: EventIndex, now: datetime
    ) -> tuple[Result, datetime] | None:
        """The result as the agenda shows it and when it falls due, when this kind decides."""
        ...


def _discover() -> dict[Kind, KindModule]:
    found: dict[Kind, KindModule] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        module = cast(KindModule, importlib.import_module(f"{__name__}.{info.name}"))
        found[module.RULE.kind] = module
    # in the order of the Kind enum (the contract's order), not the file names'
    return {kind: found[kind] for kind in Kind if kind in found}


#: Every kind's module, by kind.
KINDS: Mapping[Kind, KindModule] = _discover()


def kind_module(kind: Kind) -> KindModule:
    """The module of `kind`; every `Kind` has one (a test holds that)."""
    return KINDS[kind]
