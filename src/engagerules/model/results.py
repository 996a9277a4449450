"""What an evaluation produces: a status per obligation, unit and window, with its evidence."""

from __future__ import annotations

import enum
from collections import Counter
from collections.abc import Iterable
from datetime import date, datetime

import attrs

from engagerules.errors import UsageError
from engagerules.model.periods import Window
from engagerules.model.plan import Kind
from engagerules.model.readings import LocalReadings, Reading
from engagerules.sources.events import Rejection

__all__ = ["FAILING", "WORST_FIRST", "Report", "Result", "Status", "Tally"]


class Status(enum.StrEnum):
    MET = "met"
    PARTIAL = "partial"
    MISSED = "missed"
    PENDING = "pending"
    BREACH = "breach"
    WAIVED = "waived"


#: What makes `check` exit 1 unless `--fail-on` says otherwise.
FAILING = frozenset({Status.MISSED, Status.BREACH})

#: The order every report shows statuses in: what needs action first.
WORST_FIRST = (
    Status.BREACH,
    Status.MISSED,
    Status.PARTIAL,
    Status.PENDING,
    Status.WAIVED,
    Status.MET,
)


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
    #: The id of the event that started a triggered duty's window (also listed first in
    #: `evidence`, as reports show it); None for every other kind.
    trigger: str | None = None


@attrs.frozen
class Tally:
    """read = matched + unmatched + rejected, always."""

    read: int
    matched: int
    unmatched: int
    rejected: int

    def __attrs_post_init__(self) -> None:
        if self.read != self.matched + self.unmatched + self.rejected:
            msg = f"events do not add up: {self}"
            raise UsageError(msg)


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
        return any(r.status in statuses for r in self.results)
