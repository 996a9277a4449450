"""Whose words a duty rests on: the plan's, the configuration's reading, or a local change.

A plan says "regular", "as appropriate", "kept up to date"; a computer needs "monthly". Each
obligation therefore says, part by part (cadence, deadline, units, threshold, owner,
roles, evidence, effective date), whether the part is the plan's own word (stated) or a reading the
configuration chose, with the plan's words beside it, so a report can tell a sergeant
"checked monthly: our reading; the plan says 'regular'" rather than present a reading as the
plan. A stated part carries the plan's words for it (a test finds them in the document), so
"stated" is a claim anyone can check; a part given no words is a reading.

A force's team may lay its own readings over a bundled force (`engagerules.sources.overrides`);
each change is recorded here too, and a change to a part the plan states is a departure
from the plan, which every report marks.
"""

from __future__ import annotations

import enum

import attrs

__all__ = ["Change", "LocalReadings", "Part", "Reading", "Readings"]


class Part(enum.StrEnum):
    """The parts of a duty that a plan may state or leave to be read."""

    CADENCE = "cadence"  # when it is due: cadence, anchor, times, dates in force
    DEADLINE = "deadline"  # how long a follow-up or target has
    UNITS = "units"  # who it is owed by: the units, and which of them
    THRESHOLD = "threshold"  # how much is enough: counts, totals, a constraint's rule
    OWNER = "owner"  # the role that owns it
    ROLES = "roles"  # who may do it, where a step lists roles beyond the owner's team
    EVIDENCE = "evidence"  # what records show it was done, and how it is judged
    EFFECTIVE = "effective"  # the dates it is in force


@attrs.frozen
class Reading:
    """One part of a duty that is not simply the plan's word.

    `plan` quotes what the plan says about the part (its vague word, or the passage a
    duty was read from); `reading` says, in plain words, what is checked instead. `by` is
    None for the configuration's own reading, or the name of the local readings (overrides)
    that set it; `departure` marks a local change to a part the plan states.
    """

    part: Part
    plan: str
    reading: str
    why: str = ""
    by: str | None = None
    departure: bool = False

    @property
    def whose(self) -> str:
        """'our reading', 'local reading (NAME)' or 'local change (NAME)'."""
        if self.by is None:
            return "our reading"
        return f"local {'change' if self.departure else 'reading'} ({self.by})"

    def sentence(self) -> str:
        """The reading as a report says it, e.g. "checked monthly: our reading; the plan
        says 'regular'"; a departure says it departs from the plan's words."""
        if self.departure:
            return (
                f"{self.reading}: {self.whose}, a departure from the plan, which says '{self.plan}'"
            )
        return f"{self.reading}: {self.whose}; the plan says '{self.plan}'"


def _worded(instance: Readings, _attribute: object, value: tuple[tuple[Part, str], ...]) -> None:
    """Every stated part has the plan's words, and only stated parts have them."""
    worded = [part for part, _ in value]
    if sorted(worded) != sorted(instance.stated) or any(not words.strip() for _, words in value):
        stated = ", ".join(p.value for p in instance.stated) or "none"
        msg = (
            f"Readings.words: the plan's words must be given for each stated part "
            f"({stated}) and no other, got {', '.join(p.value for p in worded) or 'none'}"
        )
        raise ValueError(msg)


@attrs.frozen
class Readings:
    """Every part of one duty: those the plan states, each with the plan's words for it
    (`words`, in the order of `stated`), and those read."""

    stated: tuple[Part, ...] = ()
    read: tuple[Reading, ...] = ()
    words: tuple[tuple[Part, str], ...] = attrs.field(default=(), validator=_worded)

    def of(self, part: Part) -> Reading | None:
        return next((r for r in self.read if r.part is part), None)

    def words_of(self, part: Part) -> str | None:
        """The plan's words for a stated part (None for a part read or not applying)."""
        return next((w for p, w in self.words if p is part), None)

    @property
    def departures(self) -> tuple[Reading, ...]:
        return tuple(r for r in self.read if r.departure)

    @property
    def parts(self) -> tuple[Part, ...]:
        """Every part that applies to the duty, in `Part` order."""
        found = set(self.stated) | {r.part for r in self.read}
        return tuple(p for p in Part if p in found)

    def replaced(self, reading: Reading) -> Readings:
        """These readings with `reading` in place of any earlier one of its part."""
        read = [r for r in self.read if r.part is not reading.part]
        read.append(reading)
        order = list(Part)
        return Readings(
            stated=tuple(p for p in self.stated if p is not reading.part),
            read=tuple(sorted(read, key=lambda r: order.index(r.part))),
            words=tuple((p, w) for p, w in self.words if p is not reading.part),
        )


@attrs.frozen
class Change:
    """One entry of a local readings file as applied to one duty."""

    obligation: str
    keys: tuple[str, ...]
    parts: tuple[Part, ...]
    departure: bool
    why: str


@attrs.frozen
class LocalReadings:
    """A named set of local readings (an overrides file) in force over a base force.

    Reports name it, so nobody mistakes a locally tuned check for the bundled one.
    """

    name: str
    force: str
    file: str
    title: str = ""
    changes: tuple[Change, ...] = ()
    units_file: str | None = None

    @property
    def departures(self) -> tuple[Change, ...]:
        return tuple(c for c in self.changes if c.departure)

    def summary(self) -> str:
        """One line: the name, where it came from, and what it changes."""
        changed = len(self.changes)
        text = f"{self.name} ({self.file}): {changed} change{'s' if changed != 1 else ''}"
        if self.departures:
            ids = ", ".join(sorted({c.obligation for c in self.departures}))
            text += f", departing from the plan in {ids}"
        if self.units_file:
            text += f"; units from {self.units_file}"
        return text
