"""JUnit XML: read back by a real JUnit parser, its counts equal to the JSON report's."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import junitparser
import pytest

from engagerules import Force, Report, Status, Waiver, apply_waivers, render_junit, report_json
from engagerules.cli import main
from quarter import AS_OF, END, START, gwent_quarter

Check = Callable[..., Report]


def parse(text: str, tmp_path: Path) -> junitparser.JUnitXml:
    path = tmp_path / "report.xml"
    path.write_text(text, encoding="utf-8")
    xml = junitparser.JUnitXml.fromfile(str(path))
    assert isinstance(xml, junitparser.JUnitXml)
    return xml


def outcome(case: junitparser.TestCase) -> str:
    kinds = {type(r).__name__ for r in case.result}
    if "Failure" in kinds:
        return "failure"
    if "Skipped" in kinds:
        return "skipped"
    assert not kinds, kinds
    return "passed"


def test_gwent_quarter_counts_match_the_json_report(tmp_path: Path) -> None:
    """A suite per obligation, a case per result; failures, skips and totals as in JSON."""
    quarter = gwent_quarter()
    waiver = Waiver("gwent.cn.daily-foot-patrol", START, END, "vacancy", date(2030, 1, 1))
    report = apply_waivers(quarter.report, [waiver], quarter.force)
    results = json.loads(json.dumps(report_json(report)))["results"]
    xml = parse(render_junit(report), tmp_path)
    by_obligation: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in results:
        by_obligation[r["obligation"]].append(r)
    suites = list(xml)
    assert [s.name for s in suites] == list(by_obligation)
    for suite in suites:
        expected = Counter(r["status"] for r in by_obligation[suite.name])
        cases = list(suite)
        assert suite.tests == len(cases) == len(by_obligation[suite.name])
        assert suite.failures == expected["missed"] + expected["breach"]
        assert suite.skipped == expected["pending"] + expected["waived"]
        assert suite.errors == 0
        for case, result in zip(cases, by_obligation[suite.name], strict=True):
            want = {"missed": "failure", "breach": "failure", "pending": "skipped"}
            want["waived"] = "skipped"
            assert outcome(case) == want.get(result["status"], "passed")
            for problem in case.result:
                assert result["reason"] in (problem.message or "")
    summary = Counter(r["status"] for r in results)
    assert summary["waived"] > 0 and summary["missed"] > 0
    xml.update_statistics()
    assert xml.tests == len(results)
    assert xml.failures == summary["missed"] + summary["breach"]
    assert xml.skipped == summary["pending"] + summary["waived"]


def test_advisory_obligations_are_absent(tmp_path: Path) -> None:
    """No suite is an advisory obligation: they are never scored."""
    quarter = gwent_quarter()
    advisory = {o.id for o in quarter.force.obligations if not o.scored}
    names = {s.name for s in parse(render_junit(quarter.report), tmp_path)}
    assert advisory and not (advisory & names)


def test_failure_carries_the_reason_and_the_evidence(check: Check, tmp_path: Path) -> None:
    """A missed window is a failure whose message names the missing step."""
    report = check(
        "mini.warrant-followup",
        [
            {"id": "w1", "type": "warrant_executed", "at": "2022-10-05T06:00:00+01:00",
             "scope": "north"},
            {"id": "t1", "type": "tweet", "at": "2022-10-05T09:00:00+01:00", "refs": ["w1"]},
        ],
        "2022-10-03",
        "2022-10-09",
    )  # fmt: skip
    (suite,) = list(parse(render_junit(report), tmp_path))
    (case,) = list(suite)
    (failure,) = case.result
    assert isinstance(failure, junitparser.Failure)
    assert failure.type == "missed"
    assert "leaflet drop (0 of 1)" in failure.message
    assert "w1" in (failure.text or "") and "t1" in (failure.text or "")


def test_partial_fails_only_when_the_gate_says_so(check: Check, tmp_path: Path) -> None:
    """One surgery of two is partial: a failure by default, a pass when the gate names only
    missed."""
    report = check(
        "mini.monthly-two-surgeries",
        [{"id": "s1", "type": "surgery", "at": "2022-10-12T18:00:00+01:00", "scope": "north"}],
        "2022-10-01",
        "2022-10-31",
    )
    assert [r.status for r in report.results] == [Status.PARTIAL]
    (default,) = list(next(iter(parse(render_junit(report), tmp_path))))
    assert outcome(default) == "failure"
    lenient = render_junit(report, fail_on={Status.MISSED})
    (gated,) = list(next(iter(parse(lenient, tmp_path))))
    assert outcome(gated) == "passed"


def test_pending_is_skipped_with_its_reason(check: Check, tmp_path: Path) -> None:
    """A window still open at as_of is a skipped case saying what is still needed."""
    report = check("mini.weekly-tweet", [], "2022-10-03", "2022-10-09", "2022-10-05T12:00:00+01:00")
    suite = next(iter(parse(render_junit(report), tmp_path)))
    assert suite.skipped == 3
    for case in suite:
        (skipped,) = case.result
        assert isinstance(skipped, junitparser.Skipped)
        assert skipped.message.startswith("pending: window open until")


def test_control_characters_in_data_do_not_break_the_xml(
    mini: Force, check: Check, tmp_path: Path
) -> None:
    """An event id with a control character still gives a document the parser reads."""
    report = check(
        "mini.policing-purpose",
        [{"id": "m\x01", "type": "meeting_attended", "at": "2022-10-04T19:00:00+01:00"}],
        "2022-10-03",
        "2022-10-09",
    )
    assert report.results[0].status is Status.BREACH
    (case,) = list(next(iter(parse(render_junit(report), tmp_path))))
    assert outcome(case) == "failure"


def test_check_writes_junit_that_the_parser_reads(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """`check --format junit -o` writes the file, exit 1 for the missed windows."""
    events = gwent_quarter().write(tmp_path / "q.jsonl")
    out = tmp_path / "r.xml"
    code = main(
        ["check", "gwent", str(events), "--from", str(START), "--to", str(END),
         "--as-of", AS_OF.isoformat(), "--format", "junit", "-o", str(out)]
    )  # fmt: skip
    assert code == 1, capsys.readouterr().err
    xml = parse(out.read_text(encoding="utf-8"), tmp_path)
    xml.update_statistics()
    assert xml.tests == len(gwent_quarter().report.results)
