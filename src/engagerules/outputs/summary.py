"""Roll-ups of a report that every reader needs: per owner role, per obligation and unit.

The text, Markdown and HTML reports all lead with the same totals, so they are computed
once here and the three renderers cannot tell different stories about the same check.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

import attrs

from engagerules.model.results import UNMATCHED_REASONS, Report, Result, Status, Tally

__all__ = [
    "JUDGED",
    "Slip",
    "compliance",
    "owner_totals",
    "scope_label",
    "slips",
    "unmatched_reasons",
]

#: Statuses that are a final verdict on work due; pending and waived are counted apart.
JUDGED = frozenset({Status.MET, Status.PARTIAL, Status.MISSED, Status.BREACH})


def scope_label(scope: str | None) -> str:
    """How a result's unit is shown: its id, or `force-wide`."""
    return "force-wide" if scope is None else scope


def compliance(counts: Counter[Status]) -> float | None:
    """Met as a share of judged results (pending and waived left out), or None if none."""
    judged = sum(counts[s] for s in JUDGED)
    return None if judged == 0 else counts[Status.MET] / judged


def unmatched_reasons(events: Tally) -> list[tuple[str, str, int]]:
    """Why valid records counted for nothing, as (reason, its words, how many), the most
    common first (ties by reason), reasons with no record left out; empty when the tally
    has no breakdown. Every report that breaks the unmatched down uses this order."""
    return [
        (reason, UNMATCHED_REASONS.get(reason, reason), count)
        for reason, count in sorted(events.by_reason.items(), key=lambda kv: (-kv[1], kv[0]))
        if count
    ]


def owner_totals(report: Report) -> list[tuple[str, Counter[Status]]]:
    """Counts by status for each owner role, roles in alphabetical order."""
    totals: dict[str, Counter[Status]] = {}
    for result in report.results:
        totals.setdefault(result.owner, Counter())[result.status] += 1
    return sorted(totals.items())


@attrs.frozen
class Slip:
    """One obligation's results of one status, with how many fell to each unit."""

    obligation: str
    title: str
    owner: str
    status: Status
    count: int
    units: tuple[tuple[str, int], ...]

    @property
    def units_text(self) -> str:
        return ", ".join(f"{unit} {n}" for unit, n in self.units)


def slips(results: Iterable[Result], status: Status) -> list[Slip]:
    """Results of `status` grouped per obligation, most first; units most first too.

    This is what a sergeant scans before the details: which duties slip, and where.
    """
    per: dict[str, list[Result]] = {}
    for result in results:
        if result.status is status:
            per.setdefault(result.obligation, []).append(result)
    found = []
    for obligation, group in per.items():
        units = Counter(scope_label(r.scope) for r in group)
        found.append(
            Slip(
                obligation=obligation,
                title=group[0].title,
                owner=group[0].owner,
                status=status,
                count=len(group),
                units=tuple(sorted(units.items(), key=lambda kv: (-kv[1], kv[0]))),
            )
        )
    found.sort(key=lambda s: (-s.count, s.obligation))
    return found
