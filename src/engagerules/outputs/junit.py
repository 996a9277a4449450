"""JUnit XML, so CI test reporters (GitLab, Jenkins, GitHub actions) show compliance.

The mapping a CI reader expects: a test suite per obligation, a test case per unit and
window. A result whose status the gate fails on (by default `missed` and `breach`, or
what `--fail-on` names) is a `<failure>` carrying the reason; `pending` and `waived` are
`<skipped>` with theirs, so they are visible and counted apart; everything else passes,
its reason and evidence in `<system-out>`. Advisory obligations are never scored and so
are absent. Counts are those of the JSON report, result for result.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from datetime import UTC

from engagerules.model.results import FAILING, Report, Result, Status
from engagerules.outputs.summary import scope_label

__all__ = ["render_junit"]

_SKIPPED = frozenset({Status.PENDING, Status.WAIVED, Status.UNCHECKED})

#: Characters XML 1.0 cannot carry at all; event data may hold them (a stray control
#: character in a CSV export) and one would make the whole file unreadable to CI.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _clean(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def render_junit(report: Report, *, fail_on: Iterable[Status] = FAILING) -> str:
    """The report as a JUnit XML document (UTF-8 text with its declaration)."""
    failing = frozenset(fail_on)
    suites: dict[str, list[Result]] = {}
    for result in report.results:
        suites.setdefault(result.obligation, []).append(result)
    stamp = report.as_of.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")
    root = ET.Element(
        "testsuites",
        name=f"engagerules {report.force} {report.start}..{report.end}",
    )
    totals = {"tests": 0, "failures": 0, "skipped": 0}
    for obligation, results in suites.items():
        suite = ET.SubElement(root, "testsuite", name=obligation, timestamp=stamp)
        first = results[0]
        properties = ET.SubElement(suite, "properties")
        for name, value in (
            ("title", first.title),
            ("kind", first.kind.value),
            ("owner", first.owner),
            ("force", report.force),
            ("as_of", report.as_of.isoformat()),
            *_basis(report, obligation),
        ):
            ET.SubElement(properties, "property", name=name, value=_clean(value))
        failures = skipped = 0
        for result in results:
            failed, skip = _testcase(suite, result, failing)
            failures += failed
            skipped += skip
        counts = {"tests": len(results), "failures": failures, "skipped": skipped}
        for key, count in counts.items():
            totals[key] += count
        _counts(suite, counts)
    _counts(root, totals)
    ET.indent(root)
    body = ET.tostring(root, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n"


def _basis(report: Report, obligation: str) -> list[tuple[str, str]]:
    """Properties naming the local readings in force and this duty's readings, part by part
    (`reading.cadence`), with `departure` where a local change departs from the plan."""
    found = [("overrides", s.summary()) for s in report.overrides]
    if report.selection is not None:  # `--scope`/`--role`: the suite covers only that part
        found.append(("selection", report.selection))
    if report.rows is not None:  # `--profile`: the export's rows, as every report gives them
        found.append(("rows", report.rows.summary()))
    for reading in report.readings_of(obligation):
        found.append((f"reading.{reading.part.value}", reading.sentence()))
        if reading.departure:
            found.append(("departure", reading.part.value))
    return found


def _counts(element: ET.Element, counts: dict[str, int]) -> None:
    element.set("tests", str(counts["tests"]))
    element.set("failures", str(counts["failures"]))
    element.set("errors", "0")
    element.set("skipped", str(counts["skipped"]))
    element.set("time", "0")


def _testcase(suite: ET.Element, result: Result, failing: frozenset[Status]) -> tuple[int, int]:
    """Add one test case; return (1 if it failed, 1 if it was skipped)."""
    name = f"{scope_label(result.scope)} {result.window.label}"
    if result.trigger is not None:
        name += f" after {result.trigger}"
    case = ET.SubElement(
        suite, "testcase", classname=result.obligation, name=_clean(name), time="0"
    )
    message = _clean(f"{result.status.value}: {result.reason}")
    detail = _clean(_detail(result))
    if result.fails(failing):
        failure = ET.SubElement(case, "failure", message=message, type=result.status.value)
        failure.text = detail
        return 1, 0
    if result.status in _SKIPPED:
        ET.SubElement(case, "skipped", message=message)
        out = ET.SubElement(case, "system-out")
        out.text = detail
        return 0, 1
    out = ET.SubElement(case, "system-out")
    out.text = f"{result.status.value}\n{detail}"
    return 0, 0


def _detail(result: Result) -> str:
    lines = [
        result.reason,
        f"window: {result.window.local_start.isoformat()} .. {result.window.local_end.isoformat()}",
        f"found {result.found:g} of {result.needed:g}",
        f"evidence: {', '.join(result.evidence) or 'none'}",
    ]
    if result.waived_from is not None:
        lines.append(f"waived from {result.waived_from.status.value}: {result.waived_from.reason}")
    return "\n".join(lines)
