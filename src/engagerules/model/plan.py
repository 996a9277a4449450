"""The domain: a force, its units, roles and vocabulary, and the obligations of its plan.

Every class is a frozen attrs value built once, at the boundary, from validated JSON
(see `engagerules.sources.config`); the engine never sees a raw dict. Nothing here knows any
particular force: Gwent, a tweet or a ward are data.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import date, datetime, time, tzinfo
from pathlib import Path

import attrs

from engagerules.model.durations import Duration
from engagerules.model.periods import Cycle

__all__ = [
    "AttrSpec",
    "AttrType",
    "Citation",
    "Condition",
    "Demo",
    "Document",
    "EventType",
    "Force",
    "Kind",
    "Obligation",
    "Operator",
    "Requirement",
    "Role",
    "Roster",
    "Scope",
    "Target",
    "Trigger",
    "Unit",
]


class Kind(enum.StrEnum):
    """What sort of duty an obligation is; each kind has its own evaluator."""

    RECURRING = "recurring"
    TRIGGERED = "triggered"
    CONSTRAINT = "constraint"
    COVERAGE = "coverage"
    TARGET = "target"
    STANDING = "standing"
    ADVISORY = "advisory"


class Operator(enum.StrEnum):
    """The tests a condition can make of one attribute of an event; data, never code."""

    PRESENT = "present"
    ABSENT = "absent"
    EQUALS = "equals"
    NOT_EQUALS = "not_equals"
    IN = "in"
    NOT_IN = "not_in"
    MIN = "min"
    MAX = "max"
    DIFFERS_FROM_PREVIOUS = "differs_from_previous"


@attrs.frozen
class Citation:
    """Where in which source document a duty is written down."""

    document: str
    section: str
    quote: str | None = None


@attrs.frozen
class Document:
    """A source document of the plan, cited by its file name.

    `sections` are its headings in the document's own order (empty when the
    configuration does not list them); citations name one of them, and the reviewer's
    page (`engagerules docs`) follows this order.
    """

    id: str
    title: str
    date: str | None = None
    sections: tuple[str, ...] = ()


@attrs.frozen
class Unit:
    """A place duties are owed to: a section, ward, area or council.

    `within` names the enclosing unit, so an event logged against a ward also counts for
    the section that contains it.
    """

    id: str
    name: str
    kind: str
    within: str | None = None


@attrs.frozen
class Role:
    """A role code (`CSO`, `INSP`): duties belong to roles, never to named people."""

    id: str
    title: str


class AttrType(enum.StrEnum):
    """The value types an event attribute can be declared with (`attributes` of a type)."""

    NUMBER = "number"
    INTEGER = "integer"
    DATE = "date"
    TIMESTAMP = "timestamp"
    TEXT = "text"
    BOOLEAN = "boolean"
    CODE = "code"


@attrs.frozen
class AttrSpec:
    """What one attribute of an event type must hold: a value of `type`, and for `code`
    one of `codes` (code -> title), so a record saying "Priority crime" where the code is
    `priority_crime` is rejected when read rather than judged a breach, or nothing."""

    name: str
    type: AttrType
    codes: tuple[tuple[str, str], ...] = ()

    @property
    def code_ids(self) -> tuple[str, ...]:
        return tuple(code for code, _ in self.codes)


@attrs.frozen
class EventType:
    """A kind of activity record in the force's vocabulary, with the attributes it carries:
    `attrs` describes them in words; `attributes` declares the types records must keep."""

    id: str
    title: str
    attrs: Mapping[str, str] = attrs.field(factory=dict, eq=False)
    attributes: tuple[AttrSpec, ...] = ()


@attrs.frozen
class Condition:
    """A declarative test of one event attribute, e.g. `policing_purpose` is present."""

    attr: str
    op: Operator
    value: object = None

    def describe(self, *, markdown: bool = False) -> str:
        """The condition in words, for reasons, reports and reviewers' pages; with
        `markdown`, names and text values are set as code."""

        def show(value: object) -> str:
            if isinstance(value, list):
                return "[" + ", ".join(show(v) for v in value) + "]"
            if isinstance(value, bool):
                return "true" if value else "false"
            if isinstance(value, int | float):
                return f"{value:g}"
            return f"`{value}`" if markdown else repr(value)

        attr = f"`{self.attr}`" if markdown else self.attr
        phrases = {
            Operator.PRESENT: f"{attr} recorded",
            Operator.ABSENT: f"no {attr}",
            Operator.DIFFERS_FROM_PREVIOUS: f"{attr} different from the previous event's",
            Operator.MIN: f"{attr} at least {show(self.value)}",
            Operator.MAX: f"{attr} at most {show(self.value)}",
            Operator.EQUALS: f"{attr} = {show(self.value)}",
            Operator.NOT_EQUALS: f"{attr} is not {show(self.value)}",
            Operator.IN: f"{attr} one of {show(self.value)}",
            Operator.NOT_IN: f"{attr} none of {show(self.value)}",
        }
        return phrases[self.op]


@attrs.frozen
class Requirement:
    """One requirement of the evidence: all requirements must be met (all of), and any of
    `types` satisfies this one (any of).

    By default `min` counts events; with `sum` it totals a numeric attribute (cadet hours),
    with `distinct` it counts different values of an attribute (surgery locations).
    """

    types: tuple[str, ...]
    min: float = 1
    sum: str | None = None
    distinct: str | None = None
    roles: tuple[str, ...] = ()
    where: tuple[Condition, ...] = ()
    title: str | None = None
    owner: str | None = None
    #: Evidence that names its period: a record whose `for_period` attribute names a day,
    #: month (YYYY-MM), quarter (YYYY-Qn) or year counts for the window holding it, if
    #: dated within `grace` of that window; records without it count by their own date.
    for_period: str | None = None
    grace: Duration | None = None

    @property
    def label(self) -> str:
        return self.title or " or ".join(self.types)


@attrs.frozen
class Roster:
    """Who a per-person duty is owed by: people join with a `types` event (a cadet's
    enrolment) and leave with a `clears` event, so someone who does nothing is still
    owed the duty and reported, not left out."""

    types: tuple[str, ...]
    clears: tuple[str, ...] = ()


@attrs.frozen
class Scope:
    """Who a duty is owed to: force-wide (`per` None), per unit of a kind, or per person."""

    per: str | None = None
    units: tuple[str, ...] = ()
    rota: bool = False
    roster: Roster | None = None

    @property
    def per_person(self) -> bool:
        return self.per == "person"


@attrs.frozen
class Trigger:
    """The event that starts a deadline for follow-up steps.

    Follow-ups are matched by `refs` to the trigger's id; with `match` `refs_or_scope`, an
    event that refs nothing also counts if it is in the trigger's unit before the deadline
    (and the result says it is not linked). `each_unit` owes a trigger at an enclosing
    unit or force-wide in every unit of the obligation within it.
    """

    types: tuple[str, ...]
    within: Duration
    where: tuple[Condition, ...] = ()
    match: str = "refs"
    deadline_attr: str | None = None
    each_unit: bool = False


@attrs.frozen
class Target:
    """A measured figure that must reach `value` by the end of day `by`.

    `combine` says how readings make the figure: the `latest` reading, their `sum` or
    their `max`; with `group`, readings are separate series by that attribute (one per
    social-media account) and the figure is the total of each series' value.
    """

    attr: str
    value: float
    by: date
    combine: str = "latest"
    group: str | None = None
    baseline: float | None = None
    start: date | None = None


@attrs.frozen
class Obligation:
    """One duty of a plan, with where it comes from and how to tell it was done."""

    id: str
    title: str
    kind: Kind
    owner: str
    source: Citation
    description: str = ""
    cadence: Duration | None = None
    anchor: date | None = None
    times: tuple[time, ...] = ()
    slot: Duration | None = None
    scope: Scope = Scope()
    evidence: tuple[Requirement, ...] = ()
    trigger: Trigger | None = None
    require: tuple[Condition, ...] = ()
    clears: tuple[str, ...] = ()
    target: Target | None = None
    effective_from: date | None = None
    effective_until: date | None = None
    reason: str | None = None
    tags: tuple[str, ...] = ()
    # -- verdicts (issue 15): how the words are judged, additive to the fields above --
    #: Recurring: judge "at least once every <cadence>" as a maximum gap between records,
    #: counted from the last one before the range, instead of fixed calendar periods.
    rolling: bool = False
    #: Coverage: `throughout` each window (default) or only `by_end` of it.
    in_place: str = "throughout"

    @property
    def cycle(self) -> Cycle | None:
        return None if self.cadence is None else Cycle(self.cadence, self.anchor)

    @property
    def scored(self) -> bool:
        return self.kind is not Kind.ADVISORY

    def in_force_on(self, day: date) -> bool:
        """Whether this version of the obligation applies on `day` (bounds inclusive)."""
        if self.effective_from is not None and day < self.effective_from:
            return False
        return self.effective_until is None or day <= self.effective_until

    @property
    def event_types(self) -> frozenset[str]:
        """Every event type this obligation reads, as evidence, trigger or clearance."""
        found = {t for req in self.evidence for t in req.types}
        if self.trigger is not None:
            found.update(self.trigger.types)
        found.update(self.clears)
        if self.scope.roster is not None:
            found.update(self.scope.roster.types)
            found.update(self.scope.roster.clears)
        return frozenset(found)


@attrs.frozen
class Demo:
    """The sample this force offers to `engagerules demo`."""

    events: Path
    start: date
    end: date
    as_of: datetime


@attrs.frozen
class Force:
    """A force's plan as data: vocabulary, units, roles and obligations."""

    id: str
    name: str
    zone: tzinfo
    units: tuple[Unit, ...]
    roles: tuple[Role, ...]
    event_types: tuple[EventType, ...]
    documents: tuple[Document, ...]
    obligations: tuple[Obligation, ...]
    description: str = ""
    root: Path | None = None
    published: datetime | None = None
    demo: Demo | None = None
    #: The day the plan took effect (`effective.from` of the configuration), if it says.
    effective_from: date | None = None

    def unit(self, unit_id: str) -> Unit | None:
        return next((u for u in self.units if u.id == unit_id), None)

    def units_of(self, kind: str) -> tuple[Unit, ...]:
        return tuple(u for u in self.units if u.kind == kind)

    def ancestry(self, unit_id: str) -> tuple[str, ...]:
        """`unit_id` and every unit that encloses it, innermost first."""
        chain: list[str] = []
        current: str | None = unit_id
        while current is not None and current not in chain:
            chain.append(current)
            found = self.unit(current)
            current = found.within if found else None
        return tuple(chain)

    def obligation(self, obligation_id: str) -> tuple[Obligation, ...]:
        """Every version of the obligation with this id, in the order declared."""
        return tuple(o for o in self.obligations if o.id == obligation_id)

    @property
    def obligation_ids(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(o.id for o in self.obligations))
