"""What an evaluation produces: a status per obligation, unit and window, with its evidence."""

from __future__ import annotations

import enum
from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from types import MappingProxyType
from typing import Final, Literal

import attrs
import msgspec

from engagerules.errors import ModelError, UsageError
from engagerules.model.event import Rejection
from engagerules.model.periods import Window
from engagerules.model.plan import Kind
from engagerules.model.readings import LocalReadings, Reading

__all__ = [
    "FAILING",
    "UNMATCHED_REASONS",
    "WORST_FIRST",
    "DataQuality",
    "Report",
    "Result",
    "RowAccount",
    "Status",
    "Tally",
]


#: What a result's `scope` names.
ScopeKind = Literal["unit", "person", "force"]


class Status(enum.StrEnum):
    MET = "met"
    PARTIAL = "partial"
    MISSED = "missed"
    PENDING = "pending"
    BREACH = "breach"
    WAIVED = "waived"
    #: A rule that had nothing to check in its window (a constraint no event fell under):
    #: not `met`, because no work was seen, and not a failure, because none was due.
    UNCHECKED = "unchecked"


#: What makes `check` exit 1 unless `--fail-on` says otherwise: partial is a failure too,
#: since 2.5 of 3 hours is a duty not done.
FAILING = frozenset({Status.MISSED, Status.PARTIAL, Status.BREACH})

#: The order every report shows statuses in: what needs action first.
WORST_FIRST = (
    Status.BREACH,
    Status.MISSED,
    Status.PARTIAL,
    Status.PENDING,
    Status.WAIVED,
    Status.UNCHECKED,
    Status.MET,
)


def _default_scope_kind(result: Result) -> ScopeKind:
    return "force" if result.scope is None else "unit"


@attrs.frozen
class Result:
    """The verdict on one obligation for one unit (or person) in one window."""

    obligation: str
    kind: Kind
    owner: str
    title: str
    scope: str | None
    window: Window
    status: Status
    needed: float
    found: float
    evidence: tuple[str, ...]
    reason: str
    #: The verdict a waiver replaced (status `waived` only), kept so nothing is hidden.
    waived_from: Result | None = None
    #: Triggered duties: True when every follow-up counted names its trigger in `refs`,
    #: False when some rest only on unit and time (`match` `refs_or_scope`); None otherwise.
    linked: bool | None = None
    #: The id of the event that started a triggered duty's window (also listed first in
    #: `evidence`, as reports show it); None for every other kind.
    trigger: str | None = None
    #: What `scope` names: a `unit`, a `person` (a pseudonym, for per-person duties), or
    #: the whole `force` (scope None), so a consumer never has to guess.
    scope_kind: ScopeKind = attrs.field(default=attrs.Factory(_default_scope_kind, takes_self=True))
    #: Where the rejected records are (`file:line`) that may have broken this rule or set
    #: this duty off, unjudged (`engine/rejected.py`): the result is `unchecked`, and a
    #: gate on `breach` fails on it, since a breach may hide among them.
    unjudged: tuple[str, ...] = ()

    def fails(self, statuses: frozenset[Status]) -> bool:
        """Whether this result fails a gate on `statuses`: its status is one, or it may
        hide a breach (`unjudged`) and the gate is on breaches."""
        return self.status in statuses or (bool(self.unjudged) and Status.BREACH in statuses)

    def __attrs_post_init__(self) -> None:
        """No `met` without evidence: the principle every kind's verdict rests on is held
        here, where results are built, so no kind, plugin or configuration can produce a
        comforting answer from an empty log. A triggered duty's trigger is what was owed,
        not what was done, so it does not count as evidence of doing it."""
        if self.status is Status.MET and not any(e != self.trigger for e in self.evidence):
            day = self.window.local_start.date()
            msg = (
                f"Result.evidence: {self.obligation!r} from {day} is met with no evidence; "
                "a window is met only on records that show the duty was done"
            )
            raise ModelError(msg)


@attrs.frozen
class Tally:
    """read = matched + unmatched + rejected, always; and when `by_reason` is given (as
    `evaluate` always gives it), its counts add up to `unmatched`."""

    read: int
    matched: int
    unmatched: int
    rejected: int
    #: Why valid records counted for nothing: reason -> how many (see `UNMATCHED_REASONS`).
    by_reason: Mapping[str, int] = attrs.field(factory=dict, eq=False)

    def __attrs_post_init__(self) -> None:
        if self.read != self.matched + self.unmatched + self.rejected:
            msg = f"events do not add up: {self}"
            raise UsageError(msg)
        if self.by_reason and sum(self.by_reason.values()) != self.unmatched:
            msg = f"unmatched reasons do not add up to {self.unmatched}: {dict(self.by_reason)}"
            raise UsageError(msg)


#: Why a valid record counted for nothing: each reason as `events.unmatched_by_reason`
#: names it, and in words, in the order they are tried (a record's reason is the first
#: that applies). Read-only: it is public API.
UNMATCHED_REASONS: Final[Mapping[str, str]] = MappingProxyType(
    {
        "not_known_at_as_of": "dated after --as-of, so not yet known",
        "type_unused": "a type no duty uses",
        "duplicate": "repeats another record: same type, unit, role, person, instant and details",
        "outside_range": "outside the range judged",
        "not_in_force": "outside the dates its duties are in force",
        "no_unit": "no unit where the duty needs one",
        "outside_units": "in a unit the duties are not owed by",
        "role_not_allowed": "role not allowed for the duty",
        "conditions_not_met": "does not meet the duty's conditions",
        "period_unreadable": "names a period its duty cannot read",
        "period_unfit": "names a period no single window of its duty holds",
        "period_early": "made before the period it names began (earlier than any allowance)",
        "period_late": "made after the period it names, beyond the grace",
        "no_person": "no person where the duty is owed per person",
        "superseded_reading": "a reading superseded by a later one",
        "before_trigger": (
            "a follow-up made before the trigger it names (naming none: before its unit's next)"
        ),
        "late": "a follow-up made after its trigger's deadline",
        "no_trigger": "a follow-up of no trigger being judged",
        "not_needed": "a follow-up its trigger did not need: it had one already",
        "nothing_owed": "no window or person owed it",
    }
)


class DataQuality(msgspec.Struct, frozen=True, gc=False):
    """A record that would have counted but for something a team can fix at source: no
    unit where the duty is per unit, no person where it is per person, no role where the
    duty names roles, no attribute a condition needs, or a repeat of
    another record (same type, unit, role, person and instant), counted once; or a record
    that did count but added nothing to a sum for want of the attribute summed (a session
    with no hours). A record whose attribute denies what the evidence asks be there
    ("partners recorded as none") is listed too: it is either true, and no evidence, or a
    slip to correct at source.

    A frozen value as the attrs classes are (equal by its fields, hashable, the same
    repr), but a msgspec `Struct`: a large check makes one per such record (600,000 at ten
    million records), five times sooner, and the JSON report writes each in C, its fields
    in this order, with no dict made for it (`outputs.shapes`). Its fields are text and a
    number, so it never joins a cycle: the cyclic collector need not track it."""

    id: str
    file: str
    line: int
    problem: str


@attrs.frozen
class RowAccount:
    """An export's rows as its import counted them, carried into every report so the
    report's counts equal the export's: read = imported + filtered + rejected, always."""

    source: str  # the import profile's title
    read: int
    imported: int
    #: (filter, rows it left out), in the profile's order.
    filtered: tuple[tuple[str, int], ...] = ()
    #: (what was wrong, rows), most frequent first; cells are never quoted here.
    rejected: tuple[tuple[str, int], ...] = ()

    def __attrs_post_init__(self) -> None:
        if self.read != self.imported + self.filtered_total + self.rejected_total:
            msg = f"rows do not add up: {self}"
            raise UsageError(msg)

    @property
    def filtered_total(self) -> int:
        return sum(n for _, n in self.filtered)

    @property
    def rejected_total(self) -> int:
        return sum(n for _, n in self.rejected)

    def summary(self) -> str:
        """`345 rows read: 335 imported, 10 filtered, 0 rejected (0%)`."""
        share = self.rejected_total / self.read if self.read else 0.0
        return (
            f"{self.read} row{'s' if self.read != 1 else ''} read: {self.imported} imported, "
            f"{self.filtered_total} filtered, {self.rejected_total} rejected ({share:.0%})"
        )


@attrs.frozen
class Report:
    """A whole check: the range judged, the instant it was judged at, and every result."""

    force: str
    start: date
    end: date
    as_of: datetime
    results: tuple[Result, ...]
    events: Tally
    rejections: tuple[Rejection, ...] = ()
    #: The local readings (overrides files) the check ran with, named in every report.
    overrides: tuple[LocalReadings, ...] = ()
    #: Per obligation judged, the parts that are a reading rather than the plan's words.
    readings: tuple[tuple[str, tuple[Reading, ...]], ...] = ()
    #: Records that would have counted but for a missing unit, role or attribute, or a
    #: repeat (verdicts issue).
    data_quality: tuple[DataQuality, ...] = ()
    #: Per obligation judged, which engine judged it (`reference` or `ibis`), when a check
    #: ran the compiled engine (issue 23); empty for the reference engine alone.
    engines: tuple[tuple[str, str], ...] = ()
    #: The rows of the export, when the events came through an import profile.
    rows: RowAccount | None = None
    #: What part of the check this report covers, in words (`check --scope/--role`);
    #: None when it covers every result.
    selection: str | None = None

    def readings_of(self, obligation: str) -> tuple[Reading, ...]:
        return next((read for ob, read in self.readings if ob == obligation), ())

    @property
    def departures(self) -> tuple[tuple[str, Reading], ...]:
        """Every (obligation, reading) where a local change departs from the plan."""
        return tuple((ob, r) for ob, read in self.readings for r in read if r.departure)

    def counts(self) -> Counter[Status]:
        return Counter(r.status for r in self.results)

    def failed(self, fail_on: Iterable[Status] = FAILING) -> bool:
        """Whether any result has a status in `fail_on` (what CI gates on)."""
        statuses = frozenset(fail_on)
        return any(r.fails(statuses) for r in self.results)
