"""The plain-text report a sergeant reads: what is slipping first, what went well after.

Large reports stay usable: each group of results not met opens with a roll-up per
obligation (how many, and in which units) before the capped list of details.

Given the `Force`, the report is in words (duty titles with their ids beside them for
`explain`, unit names, local times with the zone); without it, in the codes a report
carries, which is what a script diffing two reports wants.
"""

from __future__ import annotations

from collections import Counter, defaultdict

from engagerules.model.plan import Force
from engagerules.model.results import Report, Result, Status
from engagerules.model.words import (
    day_words,
    duty_words,
    plain_words,
    printable_lines,
    reading_words,
    time_words,
    unit_words,
    window_words,
)
from engagerules.outputs.summary import (
    Slip,
    compliance,
    row_lines,
    selection_line,
    slips,
    unmatched_reasons,
)

__all__ = ["render_text"]

#: Worst first: what needs action leads the report.
_ORDER = (
    Status.BREACH,
    Status.MISSED,
    Status.PARTIAL,
    Status.PENDING,
    Status.WAIVED,
    Status.UNCHECKED,
    Status.MET,
)
_HEADINGS = {
    Status.BREACH: "BREACHES: a rule was broken",
    Status.MISSED: "MISSED: due and not done",
    Status.PARTIAL: "PARTIAL: started, not enough",
    Status.PENDING: "PENDING: window still open",
    Status.WAIVED: "WAIVED: exempted, with the reason",
    Status.UNCHECKED: "UNCHECKED: nothing to check, so no verdict",
    Status.MET: "MET",
}


class _Say:
    """How a report names things: in words given the force, else in its codes."""

    def __init__(self, force: Force | None) -> None:
        self.force = force

    def duty(self, obligation: str) -> str:
        return obligation if self.force is None else duty_words(self.force, obligation)

    def unit(self, scope: str | None) -> str:
        if self.force is None:
            return scope or "force-wide"
        return unit_words(self.force, scope)

    def units(self, slip: Slip) -> str:
        """`bargoed 3, rhymney 1`, with unit names given the force."""
        if self.force is None:
            return slip.units_text
        return ", ".join(
            f"{self.unit(None if u == 'force-wide' else u)} {n}" for u, n in slip.units
        )

    def plain(self, text: str) -> str:
        """Durations and dates in words given the force; as written without it."""
        return text if self.force is None else plain_words(text)

    def window(self, result: Result) -> str:
        return result.window.label if self.force is None else window_words(result.window)


def render_text(report: Report, *, detail_limit: int = 40, force: Force | None = None) -> str:
    """A report grouped by status, worst first; met duties are summarised per obligation.

    With `force`, names and times are in words (see the module's docstring)."""
    say = _Say(force)
    counts = report.counts()
    lines = _header(report, force)
    total = sum(counts.values())
    summary = ", ".join(f"{counts[s]} {s.value}" for s in _ORDER if counts[s])
    lines.append(f"{total} results: {summary or 'nothing due'}")
    ev = report.events
    lines.append(
        f"events: {ev.read} read = {ev.matched} matched + {ev.unmatched} unmatched"
        f" + {ev.rejected} rejected"
    )
    rows = row_lines(report.rows)
    lines.extend(rows[:1])
    lines.extend(f"  {line}" for line in rows[1:])
    lines.extend(_overrides(report))
    reasons = unmatched_reasons(ev)
    if reasons:
        lines.append(
            "unmatched, by reason: " + "; ".join(f"{n} {words}" for _, words, n in reasons)
        )
    if report.data_quality:
        cap = min(detail_limit, 10)  # the JSON report lists them all
        shown = ", ".join(f"{d.id} ({d.problem})" for d in report.data_quality[:cap])
        more = len(report.data_quality) - cap
        lines.append(
            f"data quality: {len(report.data_quality)} records would have counted but for "
            f"a missing unit, role or attribute: {shown}"
            + (f" and {more} more" if more > 0 else "")
        )
    for status in _ORDER:
        group = [r for r in report.results if r.status is status]
        if not group:
            continue
        lines.append("")
        lines.append(f"{_HEADINGS[status]} ({len(group)})")
        if status is Status.MET:
            lines.extend(_summarised(group, say))
            continue
        per_obligation = slips(group, status)
        if len(group) > 1:
            lines.append("  by obligation, with the units it fell to:")
            lines.extend(
                f"    {say.duty(slip.obligation)}: {slip.count} ({say.units(slip)})"
                for slip in per_obligation[:detail_limit]
            )
            if len(per_obligation) > detail_limit:
                lines.append(f"    ... and {len(per_obligation) - detail_limit} more obligations")
            lines.append("  details:")
        for result in group[:detail_limit]:
            lines.append(_line(result, say))
        if len(group) > detail_limit:
            lines.append(f"  ... and {len(group) - detail_limit} more (use --format json for all)")
    if report.rejections:
        lines.append("")
        lines.append(f"REJECTED RECORDS ({len(report.rejections)})")
        lines.extend(f"  {r}" for r in report.rejections[:detail_limit])
        if len(report.rejections) > detail_limit:
            lines.append(f"  ... and {len(report.rejections) - detail_limit} more")
    lines.extend(_readings(report, detail_limit, say))
    return printable_lines(lines)


def _header(report: Report, force: Force | None) -> list[str]:
    """What was judged and when; in words, the share met; what part was selected."""
    if force is None:
        when = f"{report.as_of:%Y-%m-%d %H:%M %Z}"
        lines = [f"engagerules check: {report.force} {report.start}..{report.end} (as of {when})"]
    else:
        lines = [
            f"{force.name}: duties from {day_words(report.start)} to {day_words(report.end)}, "
            f"as of {time_words(report.as_of, force.zone)}"
        ]
        share = compliance(report.counts())
        if share is not None:
            lines.append(
                f"{share:.0%} of the duties judged were met "
                "(pending and waived windows are not judged yet)"
            )
    selected = selection_line(report)
    return lines if selected is None else [*lines, selected]


def _overrides(report: Report) -> list[str]:
    """Local readings in force, named at the top so nobody takes them for the bundled plan."""
    lines = [f"local readings in force: {s.summary()}" for s in report.overrides]
    if report.departures:
        lines.append(
            f"DEPARTS FROM THE PLAN: {len(report.departures)} part"
            f"{'s' if len(report.departures) != 1 else ''} changed locally where the plan "
            "states them (see READINGS)"
        )
    return lines


def _readings(report: Report, limit: int, say: _Say) -> list[str]:
    """Each duty judged whose verdicts rest on a reading, part by part, in plain words:
    the duty's title first (its id after it, in brackets), durations in words."""
    rows = [
        f"  {ob} {r.part.value}: {r.sentence()}"  # codes, for a script diffing reports
        if say.force is None
        else f"  {say.duty(ob)}, {r.part.value}: {reading_words(say.force, r)}"
        for ob, read in report.readings
        for r in read
    ]
    if not rows:
        return []
    lines = ["", f"READINGS: parts judged on a reading, not the plan's words ({len(rows)})"]
    lines.extend(rows[:limit])
    if len(rows) > limit:
        lines.append(f"  ... and {len(rows) - limit} more (use --format json for all)")
    return lines


def _line(result: Result, say: _Say) -> str:
    if say.force is None:
        scope = result.scope or "force-wide"
        line = f"  {result.obligation} [{scope}] {result.window.label}: {result.reason}"
    else:
        reason = say.plain(result.reason)
        line = f"  {result.title}, {say.unit(result.scope)}, {say.window(result)}: {reason}"
    if result.waived_from is not None:
        line += f" (was {result.waived_from.status.value})"
    return line


def _summarised(group: list[Result], say: _Say) -> list[str]:
    per: Counter[str] = Counter(r.obligation for r in group)
    scopes: defaultdict[str, set[str]] = defaultdict(set)
    for r in group:
        scopes[r.obligation].add(say.unit(r.scope))
    return [
        f"  {say.duty(ob)}: {n} window{'s' if n != 1 else ''} ({', '.join(sorted(scopes[ob]))})"
        for ob, n in per.items()
    ]
