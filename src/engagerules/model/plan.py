"""The domain: a force, its units, roles and vocabulary, and the obligations of its plan.

Every class is a frozen attrs value built once, at the boundary, from validated JSON
(see `engagerules.sources.config`); the engine never sees a raw dict. Nothing here knows any
particular force: Gwent, a tweet or a ward are data.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from datetime import date, datetime, time, tzinfo
from pathlib import Path
from typing import Any, ClassVar

import attrs

from engagerules.errors import ModelError
from engagerules.model.checks import (
    frozen_value,
    instance,
    one_of,
    optional,
    positive,
    strings,
    tuple_of,
    tuples,
)
from engagerules.model.durations import Duration
from engagerules.model.periods import Cycle, Window, local_midnight
from engagerules.model.readings import LocalReadings, Readings

__all__ = [
    "ASKS",
    "ROTA_ORDERS",
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
    "Rule",
    "Scope",
    "Unit",
    "accepted_roles",
    "conditions_from_json",
    "members_of",
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
    #: An official code for the unit where one exists (an ONS ward code, E05...).
    code: str | None = None
    #: True for units the configuration made up to show a duty, not the force's real list.
    illustrative: bool = False


@attrs.frozen
class Role:
    """A role code (`CSO`, `INSP`): duties belong to roles, never to named people.

    `member_of` names the teams (themselves roles, such as `NPT`) the role is part of: a
    duty the plan gives to "all" the team is also each member's, so a CSO's schedule,
    agenda and calendar include it.
    """

    id: str
    title: str
    member_of: tuple[str, ...] = ()


def members_of(roles: Iterable[Role], role_id: str) -> tuple[str, ...]:
    """`role_id` and every role that is a member of it, directly or through a team that
    is itself a member: the people a team's duty is done by (the NPT's duty is done by
    its PCSOs, PCs and Sergeants), the role itself first."""
    listed = tuple(roles)
    found: list[str] = [role_id]
    for current in found:
        found.extend(r.id for r in listed if current in r.member_of and r.id not in found)
    return tuple(found)


def accepted_roles(roles: Iterable[Role], owners: Iterable[str]) -> tuple[str, ...]:
    """The roles whose records may count for a step done by `owners` (the roles it lists,
    or its owner when it lists none): each of them and every member of its team, in order.

    Nobody else's record does: a Safer Schools officer's engagement does not meet the
    NPT's duty, nor an Inspector's meeting the CSOs'. A step done by others says so by
    listing them (`roles`), and where the plan does not name them, as a reading."""
    listed = tuple(roles)
    found: dict[str, None] = {}
    for owner in owners:
        found.update(dict.fromkeys(members_of(listed, owner)))
    return tuple(found)


class AttrType(enum.StrEnum):
    """The value types an event attribute can be declared with (`attributes` of a type)."""

    NUMBER = "number"
    INTEGER = "integer"
    DATE = "date"
    TIMESTAMP = "timestamp"
    TEXT = "text"
    BOOLEAN = "boolean"
    CODE = "code"
    #: A period label (2022-12, 2022-Q4, 2022-H2, 2022, 2022-12-05, 2019-20).
    PERIOD = "period"


@attrs.frozen
class AttrSpec:
    """What one attribute of an event type must hold: a value of `type`, and for `code`
    one of `codes` (code -> title), so a record saying "Priority crime" where the code is
    `priority_crime` is rejected when read rather than quietly counting as nothing; where a
    constraint judges the attribute, it is read as `Unlisted` and is that rule's breach.

    A number may be bounded (`min`, `max`): `hours: -10` would lower a total and 1600 hours
    in one session would meet a month, so such a record is rejected when read. A number
    attribute some duty sums defaults to `min: 0` (hours, counts), unless declared."""

    name: str
    type: AttrType
    codes: tuple[tuple[str, str], ...] = ()
    min: float | None = None
    max: float | None = None

    def __attrs_post_init__(self) -> None:
        bounded = self.min is not None or self.max is not None
        if bounded and self.type not in (AttrType.NUMBER, AttrType.INTEGER):
            msg = f"AttrSpec {self.name!r}: only a number or integer has min/max"
            raise ModelError(msg)
        if self.min is not None and self.max is not None and self.min > self.max:
            msg = f"AttrSpec {self.name!r}: min {self.min} is above max {self.max}"
            raise ModelError(msg)

    @property
    def code_ids(self) -> tuple[str, ...]:
        return tuple(code for code, _ in self.codes)


@attrs.frozen
class EventType:
    """A kind of activity record in the force's vocabulary, with the attributes it carries:
    `attrs` describes them in words; `attributes` declares the types records must keep.

    Two records of a type that repeat each other's unit, role, person and instant, and
    say the same (attributes, refs), are one activity exported twice and count once
    (`engine.index.once`), unless the type says such records may truly `repeat`."""

    id: str
    title: str
    attrs: Mapping[str, str] = attrs.field(factory=dict, eq=False)
    attributes: tuple[AttrSpec, ...] = ()
    repeats: bool = False


def _operator(value: object) -> Operator:
    """Converter: an operator from its name, or a `ModelError` listing the valid ones."""
    if isinstance(value, Operator):
        return value
    try:
        return Operator(str(value))
    except ValueError:
        names = ", ".join(op.value for op in Operator)
        msg = f"Condition.op: {value!r} is not an operator ({names})"
        raise ModelError(msg) from None


#: What `present` and `absent` ask of a value (`Condition.asks`): whether the thing is
#: `there`, or whether the field was `recorded` honestly.
ASKS = ("there", "recorded")


@attrs.frozen
class Condition:
    """A declarative test of one event attribute, e.g. `policing_purpose` is present.

    `asks` says which question `present` (and `absent`) puts, and is set by where the
    condition stands, never written in the configuration: evidence and triggers ask
    whether the thing is `there`, so a value that denies it ("No partners attended",
    "nil - cancelled") is its absence and no record that says it did not happen meets a
    duty; a constraint's rule asks whether the field was `recorded` (`Constraint`
    resolves its conditions so), so an honest "no visitors: wet weather" fills it. Both
    refuse blanks and placeholders ("n/a", "tbc", "-").
    """

    attr: str = attrs.field(validator=instance(str, "an attribute name"))
    op: Operator = attrs.field(converter=_operator)
    #: JSON lists arrive as tuples, so a condition (and the force holding it) is hashable.
    value: object = attrs.field(default=None, converter=frozen_value)
    asks: str = attrs.field(default="there", validator=one_of(ASKS))
    #: The event types the condition tests (empty: every type of its step). A step that
    #: takes several types may ask of one of them what the others do not record: an
    #: engagement event nobody attended (`footfall` 0) is no face-to-face engagement, while
    #: a street-corner meeting has no foot-fall to count.
    types: tuple[str, ...] = attrs.field(default=(), converter=tuple)

    def applies_to(self, event_type: str) -> bool:
        """Whether records of `event_type` are tested by this condition (others pass it)."""
        return not self.types or event_type in self.types

    def recording(self) -> Condition:
        """This condition as a constraint's rule asks it: whether the field was recorded."""
        return self if self.asks == "recorded" else attrs.evolve(self, asks="recorded")

    def describe(self, *, markdown: bool = False) -> str:
        """The condition in words, for reasons, reports and reviewers' pages; with
        `markdown`, names and text values are set as code."""

        def show(value: object) -> str:
            if isinstance(value, list | tuple) and markdown:
                return "[" + ", ".join(show(v) for v in value) + "]"
            if isinstance(value, list | tuple):  # in words: 'east' or 'west'
                items = [show(v) for v in value]
                return " or ".join([", ".join(items[:-1]), items[-1]] if len(items) > 2 else items)
            if isinstance(value, bool):
                return "true" if value else "false"
            if isinstance(value, int | float):
                return f"{value:g}"
            return f"`{value}`" if markdown else repr(value)

        attr = f"`{self.attr}`" if markdown else self.attr.replace("_", " ")
        phrases = {
            # Evidence asks that the thing be there: a record denying it is absence.
            Operator.PRESENT: f"{attr} recorded"
            + ("" if self.asks == "recorded" else ", not denied"),
            Operator.ABSENT: f"no {attr}",
            Operator.DIFFERS_FROM_PREVIOUS: (
                f"{attr} in a different {self.value} from the previous event's"
                if isinstance(self.value, str)
                else f"{attr} different from the previous event's (in the same unit)"
            ),
            Operator.MIN: f"{attr} at least {show(self.value)}",
            Operator.MAX: f"{attr} at most {show(self.value)}",
            Operator.EQUALS: f"{attr} = {show(self.value)}",
            Operator.NOT_EQUALS: f"{attr} is not {show(self.value)}",
            Operator.IN: f"{attr} one of {show(self.value)}",
            Operator.NOT_IN: f"{attr} none of {show(self.value)}",
        }
        if self.types:
            shown = ", ".join(f"`{t}`" if markdown else t.replace("_", " ") for t in self.types)
            return f"{phrases[self.op]} (on {shown} records)"
        return phrases[self.op]

    def to_json(self) -> dict[str, Any]:
        """The condition as the configuration writes it: `attr`, one operator, and the
        types it tests where it names them."""
        value = True if self.value is None else _plain(self.value)
        found: dict[str, Any] = {"attr": self.attr, self.op.value: value}
        if self.types:
            found["types"] = list(self.types)
        return found


def _plain(value: object) -> object:
    """A condition's frozen value as JSON has it: tuples back to lists."""
    return [_plain(v) for v in value] if isinstance(value, tuple) else value


def conditions_from_json(raw: Iterable[Mapping[str, Any]]) -> tuple[Condition, ...]:
    """Conditions from their validated JSON: `attr`, exactly one operator, and `types`."""
    built = []
    for cond in raw:
        (op_name, value), *_ = ((k, v) for k, v in cond.items() if k not in ("attr", "types"))
        built.append(
            Condition(
                attr=cond["attr"], op=Operator(op_name), value=value, types=cond.get("types", ())
            )
        )
    return tuple(built)


#: Where a requirement's records count (`Requirement.reaches`).
REACHES = ("enclosing", "within")


@attrs.frozen
class Requirement:
    """One requirement of the evidence: all requirements must be met (all of), and any of
    `types` satisfies this one (any of).

    By default `min` counts events; with `sum` it totals a numeric attribute (cadet hours),
    with `distinct` it counts different values of an attribute (surgery locations).

    `roles` are the roles whose records count. A force's configuration always fills them
    (`accepted_roles`: the roles it lists, or the owner, each with its team's members);
    `any_role` is the stated, shown reading that anyone's record counts, and the only
    way a configuration gets an empty `roles`. A requirement built by hand with neither
    accepts every role.
    """

    types: tuple[str, ...] = attrs.field(converter=tuples, validator=strings)
    min: float = attrs.field(default=1, validator=positive)
    sum: str | None = attrs.field(default=None, validator=optional(instance(str, "a name")))
    distinct: str | None = attrs.field(default=None, validator=optional(instance(str, "a name")))
    roles: tuple[str, ...] = attrs.field(default=(), converter=tuples, validator=strings)
    any_role: bool = attrs.field(default=False, validator=instance(bool, "true or false"))
    where: tuple[Condition, ...] = attrs.field(
        default=(), converter=tuples, validator=tuple_of(Condition, "a condition")
    )
    title: str | None = None
    owner: str | None = None
    #: Evidence that names its period: a record whose `for_period` attribute names a day,
    #: month (YYYY-MM), quarter (YYYY-Qn), half (YYYY-Hn) or year counts for the window
    #: holding that period, if made on or after its first day (or up to `early` before it)
    #: and within `grace` after its end; records without it count by their own date.
    for_period: str | None = None
    grace: Duration | None = attrs.field(
        default=None, validator=optional(instance(Duration, "a duration"))
    )
    #: How long before the period it names a record may be made (a written report sent
    #: ahead of the meeting it is for); None: never before the period's first day.
    early: Duration | None = attrs.field(
        default=None, validator=optional(instance(Duration, "a duration"))
    )
    #: Whether a split-year label (2019-20) names the duty's own year that starts in its
    #: first year (a contract year from August), as the event type documents.
    split_years: bool = attrs.field(default=False, validator=instance(bool, "true or false"))
    #: Where a record counts: in its unit and every unit enclosing it (`enclosing`, the
    #: default), or also in every unit within its unit (`within`: a message sent to a
    #: section reaches each town in it). A record with no unit reaches no unit below.
    reaches: str = attrs.field(default="enclosing", validator=one_of(REACHES))

    def __attrs_post_init__(self) -> None:
        if not self.types:
            msg = "Requirement.types: () names no event type"
            raise ModelError(msg)
        if self.sum is not None and self.distinct is not None:
            msg = f"Requirement: sum {self.sum!r} and distinct {self.distinct!r} are exclusive"
            raise ModelError(msg)
        if self.any_role and self.roles:
            msg = f"Requirement.any_role: accepts every role, yet roles {self.roles!r} are listed"
            raise ModelError(msg)
        if self.early is not None and (self.for_period is None or self.grace is None):
            msg = (
                f"Requirement.early: {self.early} allows a record ahead of the period it "
                "names, yet no for_period (with its grace) names one"
            )
            raise ModelError(msg)

    def closes(self, end: datetime, zone: tzinfo) -> datetime:
        """The last moment a record may still count for a window ending at `end`: its end,
        or, for evidence naming its period, `grace` after it (a report for the window's
        last period may arrive until then), so the window is pending, not missed, till then."""
        if self.for_period is None or self.grace is None:
            return end
        return self.grace.after(end, zone)

    @property
    def label(self) -> str:
        return self.title or " or ".join(self.types)

    @property
    def reaches_within(self) -> bool:
        """Whether a record at a unit counts for the units within it too."""
        return self.reaches == "within"


@attrs.frozen
class Roster:
    """Who a per-person duty is owed by: people join with a `types` event (a cadet's
    enrolment) and leave with a `clears` event, so someone who does nothing is still
    owed the duty and reported, not left out.

    `part_windows` says whether someone in post for only part of a window owes it: by
    default (`not_owed`) only windows they were in post throughout are owed, so a cadet
    who joined at 16:00 on the last day of a month does not owe that month's hours."""

    types: tuple[str, ...] = attrs.field(converter=tuples, validator=strings)
    clears: tuple[str, ...] = attrs.field(default=(), converter=tuples, validator=strings)
    part_windows: str = attrs.field(default="not_owed", validator=one_of(("not_owed", "owed")))

    @property
    def owes_part_windows(self) -> bool:
        return self.part_windows == "owed"


#: How a rota's units take their turns: one a period in the `listed` order, counted from the
#: anchor; or in `any` order, each unit once in every round of as many periods as units.
ROTA_ORDERS = ("listed", "any")


@attrs.frozen
class Scope:
    """Who a duty is owed to: force-wide (`per` None), per unit of a kind, or per person.

    A rota (`rota`) shares one duty out among `units` a period at a time: in the `listed`
    order, or, where the plan names the units but fixes no order, in `any` order, each unit
    owing one in every round of as many periods as there are units."""

    per: str | None = attrs.field(default=None, validator=optional(instance(str, "a unit kind")))
    units: tuple[str, ...] = attrs.field(default=(), converter=tuples, validator=strings)
    rota: bool = attrs.field(default=False, validator=instance(bool, "true or false"))
    roster: Roster | None = attrs.field(
        default=None, validator=optional(instance(Roster, "a roster"))
    )
    order: str = attrs.field(default="listed", validator=one_of(ROTA_ORDERS))

    @property
    def any_order(self) -> bool:
        """A rota whose units take their turns in any order, once a round."""
        return self.rota and self.order == "any"

    def __attrs_post_init__(self) -> None:
        if self.order != "listed" and not self.rota:
            msg = f"Scope.order: {self.order!r} orders a rota's turns, but there is no rota"
            raise ModelError(msg)
        if self.rota and (self.per is None or self.per_person or not self.units):
            msg = (
                f"Scope.rota: a rota moves through a list of units, not per {self.per!r} "
                f"with units {self.units!r}"
            )
            raise ModelError(msg)
        if self.units and self.per is None:
            msg = f"Scope.units: {self.units!r} needs 'per' to say their kind"
            raise ModelError(msg)
        if self.roster is not None and not self.per_person:
            msg = f"Scope.roster: a roster lists people, but per is {self.per!r}"
            raise ModelError(msg)

    @property
    def per_person(self) -> bool:
        return self.per == "person"


class Rule:
    """What kind of duty an obligation is, with the fields only that kind has.

    Each kind's module (`engagerules.engine.kinds.<kind>`) defines one frozen subclass
    (`Recurring`, `Triggered`, `Constraint`, `Coverage`, `Target`, `Standing`,
    `Advisory`) and says how it is evaluated, scheduled, described and simulated. The
    defaults here are what the schedule and the calendar ask of every kind: a kind with
    a cadence, an anchor or times of day has them as fields, which take precedence.
    """

    __slots__ = ()

    kind: ClassVar[Kind]
    #: Whether a verdict is ever given (an advisory duty is listed, never judged).
    scored: ClassVar[bool] = True
    #: Whether a rota (the units taking turns) may share the duty out.
    rotates: ClassVar[bool] = False

    @property
    def cadence(self) -> Duration | None:
        """How often the duty recurs, or None where it does not."""
        return None

    @property
    def anchor(self) -> date | None:
        return None

    @property
    def times(self) -> tuple[time, ...]:
        return ()

    @property
    def slot(self) -> Duration | None:
        return None

    @property
    def reads(self) -> tuple[str, ...]:
        """Event types this rule reads beyond the evidence (a trigger, a clearance)."""
        return ()

    @property
    def keeps(self) -> tuple[Condition, ...]:
        """The conditions every event of the duty's types must keep (a constraint's rule):
        a value such a condition names that is outside its attribute's code list is read
        and judged a breach, not rejected when read."""
        return ()

    def due_once(self, obligation: Obligation, span: Window) -> Window | None:
        """The one window a duty owed once is due in (a target's), for the schedule, the
        agenda and the calendar; None for duties due by cycle, by trigger or never."""
        return None


@attrs.frozen
class Obligation:
    """One duty of a plan, with where it comes from and how to tell it was done."""

    id: str = attrs.field(validator=instance(str, "an obligation id"))
    title: str
    rule: Rule = attrs.field(validator=instance(Rule, "a rule (Recurring, Triggered ...)"))
    owner: str
    source: Citation
    description: str = ""
    scope: Scope = attrs.field(default=Scope(), validator=instance(Scope, "a scope"))
    evidence: tuple[Requirement, ...] = attrs.field(
        default=(), converter=tuples, validator=tuple_of(Requirement, "a requirement")
    )
    effective_from: date | None = None
    effective_until: date | None = None
    tags: tuple[str, ...] = attrs.field(default=(), converter=tuples, validator=strings)
    #: Part by part, whether this duty is the plan's word or a reading of it.
    readings: Readings = attrs.field(
        factory=Readings, validator=instance(Readings, "a Readings value")
    )
    #: Triggered duties whose follow-ups do not count here (their own duty's work).
    not_claimed_by: tuple[str, ...] = attrs.field(default=(), converter=tuples, validator=strings)
    #: Whether the period under way on the day this version came into force is owed from
    #: that day, as a part window (the plan's `effective.part_windows`), rather than left
    #: unjudged until the first period that starts in force.
    owes_first_part: bool = attrs.field(default=False, validator=instance(bool, "true or false"))

    def __attrs_post_init__(self) -> None:
        if self.scope.rota and not self.rule.rotates:
            msg = (
                f"Obligation.scope: {self.id!r} is {self.kind.value}; only recurring duties rotate"
            )
            raise ModelError(msg)
        if (
            self.effective_from is not None
            and self.effective_until is not None
            and self.effective_until < self.effective_from
        ):
            msg = (
                f"Obligation.effective_until: {self.effective_until} is before "
                f"effective_from {self.effective_from}"
            )
            raise ModelError(msg)

    @property
    def kind(self) -> Kind:
        return self.rule.kind

    @property
    def cadence(self) -> Duration | None:
        """The rule's cadence, whatever the kind (None where it does not recur)."""
        return self.rule.cadence

    @property
    def anchor(self) -> date | None:
        return self.rule.anchor

    @property
    def times(self) -> tuple[time, ...]:
        return self.rule.times

    @property
    def slot(self) -> Duration | None:
        return self.rule.slot

    @property
    def cycle(self) -> Cycle | None:
        return None if self.cadence is None else Cycle(self.cadence, self.anchor)

    @property
    def scored(self) -> bool:
        return self.rule.scored

    def in_force_on(self, day: date) -> bool:
        """Whether this version of the obligation applies on `day` (bounds inclusive)."""
        if self.effective_from is not None and day < self.effective_from:
            return False
        return self.effective_until is None or day <= self.effective_until

    def judged_window(self, period: Window) -> Window | None:
        """The window this version judges of one `period` of its cycle: the whole period
        when it starts while the version is in force (a version owns the periods that start
        in its time); the part from the day it came into force, for the period under way
        then, where it `owes_first_part`; else None. Timed duties (slots on a period's
        first day) are owed whole periods only."""
        first = period.local_start.date()
        if self.in_force_on(first):
            return period
        start = self.effective_from
        if not self.owes_first_part or start is None or first > start or self.times:
            return None
        begin = local_midnight(start, period.zone)
        if begin >= period.end or not self.in_force_on(start):
            return None
        return Window(begin, period.end, period.zone)

    @property
    def event_types(self) -> frozenset[str]:
        """Every event type this obligation reads, as evidence, trigger or clearance."""
        found = {t for req in self.evidence for t in req.types}
        found.update(self.rule.reads)
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
    #: Local readings (overrides files) laid over the configuration, in the order applied.
    overrides: tuple[LocalReadings, ...] = ()
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

    def teams_of(self, role_id: str) -> tuple[str, ...]:
        """`role_id` and every team it belongs to, directly or through a team's own teams."""
        chain: list[str] = [role_id]
        for current in chain:
            role = next((r for r in self.roles if r.id == current), None)
            chain.extend(t for t in (role.member_of if role else ()) if t not in chain)
        return tuple(chain)

    def members_of(self, role_id: str) -> tuple[str, ...]:
        """`role_id` and every role that is a member of its team (`members_of`)."""
        return members_of(self.roles, role_id)

    def obligation(self, obligation_id: str) -> tuple[Obligation, ...]:
        """Every version of the obligation with this id, in the order declared."""
        return tuple(o for o in self.obligations if o.id == obligation_id)

    @property
    def obligation_ids(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(o.id for o in self.obligations))

    def judged_attributes(self) -> dict[str, frozenset[str]]:
        """Per event type, the attributes a rule holds every such event to (a constraint's
        `require`). A code outside such an attribute's list is the breach the rule exists
        to catch, so readers keep the record (the value read as `Unlisted`) for the rule
        to judge, where any other attribute's bad value is rejected when read."""
        judged: dict[str, set[str]] = {}
        for obligation in self.obligations:
            attrs_ = {c.attr for c in obligation.rule.keeps}
            if attrs_:
                for req in obligation.evidence:
                    for type_id in req.types:
                        judged.setdefault(type_id, set()).update(attrs_)
        return {t: frozenset(a) for t, a in judged.items()}
