"""Roll-ups of a report that every reader needs: per owner role, per obligation and unit.

The text, Markdown and HTML reports all lead with the same totals, so they are computed
once here and the three renderers cannot tell different stories about the same check.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

import attrs

from engagerules.model.results import (
    UNMATCHED_REASONS,
    Report,
    Result,
    RowAccount,
    Status,
    Tally,
)
from engagerules.model.words import plural

__all__ = [
    "JUDGED",
    "Slip",
    "compliance",
    "owner_totals",
    "row_lines",
    "scope_label",
    "selection_line",
    "slips",
    "status_line",
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


def selection_line(report: Report) -> str | None:
    """`This report covers only Caerphilly North and the units inside it.`, when the check
    was narrowed (`--scope`, `--role`): the headline, heatmap and trend then cover only
    that part, and every report says so where its headline is."""
    if report.selection is None:
        return None
    return f"This report covers only {report.selection}: its totals count nothing else."


def row_lines(rows: RowAccount | None) -> list[str]:
    """The export's rows, as every report gives them: the total line, then the rows left
    out by each filter and the rows rejected by each reason (never a cell's value)."""
    if rows is None:
        return []
    lines = [f"Rows of the export ({rows.source}): {rows.summary()}"]
    lines += [f"filtered by {label!r}: {n}" for label, n in rows.filtered if n]
    lines += [f"rejected, {reason}: {n}" for reason, n in rows.rejected]
    return lines


def status_line(report: Report, fail_on: Iterable[Status]) -> str:
    """The verdict for people: `Not all duties were met: 1095 missed, 2 rules broken`."""
    counts = report.counts()
    failing = frozenset(fail_on)
    if not report.failed(failing):
        judged = sum(counts[s] for s in JUDGED)
        if not judged:
            return "No duty has been judged yet."
        return "Every duty judged was met, or fell short only in ways this check allows."
    parts = []
    if counts[Status.MISSED] and Status.MISSED in failing:
        parts.append(f"{counts[Status.MISSED]} missed")
    if counts[Status.BREACH] and Status.BREACH in failing:
        parts.append(plural(counts[Status.BREACH], "rule") + " broken")
    if counts[Status.PARTIAL] and Status.PARTIAL in failing:
        parts.append(f"{counts[Status.PARTIAL]} only partly done")
    if counts[Status.PENDING] and Status.PENDING in failing:
        parts.append(f"{counts[Status.PENDING]} still open")
    hiding = sum(1 for r in report.results if r.unjudged and r.status not in failing)
    if hiding and Status.BREACH in failing:
        parts.append(f"{hiding} may hide a breach in rejected records")
    if counts[Status.UNCHECKED] and Status.UNCHECKED in failing:
        parts.append(f"{counts[Status.UNCHECKED]} not checked")
    if counts[Status.WAIVED] and Status.WAIVED in failing:
        parts.append(f"{counts[Status.WAIVED]} waived")
    return "Not all duties were met: " + ", ".join(parts) + "."
