"""The event: one thing that was done, as the engine judges it, and the log readers make of them.

It is the model's value that the readers (`sources/events.py`, `sources/fastread.py`, the
importer) make and the engine reads; it lives here so that the engine depends on the model
alone, never on a reader.
"""

from __future__ import annotations

import gc
from collections.abc import Collection, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from types import MappingProxyType
from typing import Any

import attrs
import msgspec

__all__ = [
    "EMPTY_ATTRS",
    "UNDECLARED",
    "Event",
    "EventLog",
    "Rejection",
    "Unlisted",
    "gc_paused",
]


#: The attributes of every event that has none: one shared empty mapping, not one each.
EMPTY_ATTRS: Mapping[str, Any] = MappingProxyType({})


@attrs.frozen(repr=False)
class Unlisted:
    """A value that breaks its attribute's declaration (a code not in the list, a number
    written as text or out of its bounds), read (not rejected) because a constraint judges
    that attribute: every condition on it fails, so the rule gives the breach it exists to
    catch, where a rejected record would leave the rule met. What was typed is kept for
    equality but never shown: reports name the attribute and `problem`, which quotes
    nothing typed."""

    text: str
    problem: str = attrs.field(default="is not one of the listed codes", eq=False)

    def __repr__(self) -> str:
        return f"<{self.problem.removeprefix('is ')}>"

    __str__ = __repr__


def _frozen_mapping(value: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(dict(value)) if value else EMPTY_ATTRS


class Event(msgspec.Struct, frozen=True, gc=False):
    """One thing that was done. `at` is kept in UTC (see `Window` for why); show it in
    the force's zone.

    A frozen value like the rest of the model, but a msgspec Struct rather than an attrs
    class: a log holds millions, and a Struct is built in C (a fifth of the time the
    attrs `__init__` took, a quarter of all reading) and never tracked by the cyclic
    garbage collector (an event holds no cycles). It behaves as the attrs class did:
    `attrs` is turned into a read-only mapping, and equality, hashing and repr leave the
    attributes out."""

    id: str
    type: str
    at: datetime
    scope: str | None = None
    role: str | None = None
    person: str | None = None
    attrs: Mapping[str, Any] = EMPTY_ATTRS
    refs: tuple[str, ...] = ()
    all_day: bool = False
    file: str = ""
    line: int = 0

    def __post_init__(self) -> None:
        if type(self.attrs) is not MappingProxyType:
            msgspec.structs.force_setattr(self, "attrs", _frozen_mapping(self.attrs))

    def _key(self) -> tuple[Any, ...]:
        return (
            self.id,
            self.type,
            self.at,
            self.scope,
            self.role,
            self.person,
            self.refs,
            self.all_day,
            self.file,
            self.line,
        )

    def __eq__(self, other: object) -> bool:
        if type(other) is not Event:
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return (
            f"Event(id={self.id!r}, type={self.type!r}, at={self.at!r}, scope={self.scope!r}, "
            f"role={self.role!r}, person={self.person!r}, refs={self.refs!r}, "
            f"all_day={self.all_day!r}, file={self.file!r}, line={self.line!r})"
        )


#: A rejected record's `type` when it named a type the force does not declare (never the
#: name it gave, which is typed text): of no duty's types.
UNDECLARED = "\x00undeclared"


@attrs.frozen
class Rejection:
    """A record that broke the event rules, located by file and line.

    `reason` never quotes a value the record gave (`sources.withheld`): it is what every
    report carries. `quoting` says the same with the values in, for `--show-values` on the
    analyst's own terminal only, so it takes no part in equality or repr.
    """

    file: str
    line: int
    reason: str
    quoting: str | None = attrs.field(default=None, eq=False, repr=False)
    #: What could be read of the record, so a rule it may have broken is never read as
    #: kept (`engine/rejected.py`): its `type` when one of the force's, `UNDECLARED` when
    #: it named a type the force does not have, None when it could not be read (it may be
    #: any); its instant, None when unreadable (it may fall in any window); its unit when
    #: one of the force's, else None (it may be in any). Names the force declares and an
    #: instant only: nothing typed into a free field, so no report can quote one.
    type: str | None = attrs.field(default=None, eq=False, repr=False)
    at: datetime | None = attrs.field(default=None, eq=False, repr=False)
    unit: str | None = attrs.field(default=None, eq=False, repr=False)
    #: When `type` is `UNDECLARED`: the declared types the typed name resembles (the same
    #: but for case and separators, or as close a spelling as a did-you-mean offers), any
    #: of which the record may be ("Community_Meeting_Attended" is a meeting, not nothing).
    #: Declared names only: the name as typed is never kept.
    alike: tuple[str, ...] = attrs.field(default=(), eq=False, repr=False)

    def revealed(self) -> Rejection:
        """This rejection as `--show-values` prints it: the values it withholds quoted."""
        return attrs.evolve(self, reason=self.quoting or self.reason, quoting=None)

    def may_be(self, types: Collection[str]) -> bool:
        """Whether the record may have been of one of `types`: unknown if unreadable, and
        any it resembles if it named an undeclared type (a misspelling hides no breach)."""
        return self.type is None or self.type in types or any(t in types for t in self.alike)

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.reason}"


@attrs.frozen
class EventLog:
    """What reading gave: the valid events, the rejections, and how many records were read."""

    events: tuple[Event, ...]
    rejections: tuple[Rejection, ...]

    @property
    def read(self) -> int:
        return len(self.events) + len(self.rejections)


@contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic garbage collection inside (reference counting still frees what is let go):
    building many acyclic objects otherwise triggers passes over all of them, again and
    again as they age. The collector's earlier state is restored after."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
