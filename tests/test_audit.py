"""`engagerules audit` (issue 19, item 2): adversaries built from each duty's structure.

The audit is tested three ways: on a small force encoded so that nothing gets through
(tests/fixtures/audited: no finding, and every adversary class has something to attack), on
the same force judged by deliberately wrong verdicts (every class catches them), and on
the bundled forces (every positive control met, and no finding at all).
"""

from __future__ import annotations

import copy
import json
import typing
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import FIXTURES
from engagerules import Force, Report, Status, load_force, open_force
from engagerules.authoring import audit as audit_module
from engagerules.authoring.audit import (
    ADVERSARIES,
    MET,
    Audit,
    Probe,
    audit,
    audit_duty,
    judge,
)
from engagerules.cli import main
from engagerules.outputs.auditreport import AuditShape, audit_json, render_audit

AUDITED = FIXTURES / "audited"
CLASSES = [a.name for a in ADVERSARIES]


@pytest.fixture(scope="module")
def force() -> Force:
    return load_force(AUDITED)


@cache
def _bundled(name: str) -> Audit:
    """Each bundled force audited once for the whole module (about a second each)."""
    return audit(open_force(name))


def _probes(force: Force, name: str) -> Iterator[tuple[Any, Probe]]:
    """Every probe of adversary class `name` over the force's duties, built with the real
    engine (as `audit` builds them)."""
    adversary = next(a for a in ADVERSARIES if a.name == name)
    for ob in force.obligations:
        start = audit_module._first_day(force, ob)
        ctx = audit_module._first_context(force, ob, start)
        assert ctx is not None, ob.id
        for probe in list(adversary.probes(ctx)):
            yield ob, probe


def _verdicts(status: Status) -> Callable[..., Report]:
    """A deliberately wrong engine: the real one's results, every status replaced."""
    real = audit_module.evaluate

    def wrong(*args: Any, **kwargs: Any) -> Report:
        report = real(*args, **kwargs)
        # A `met` needs evidence (Result refuses one without): the wrong engine invents it.
        invented = ("invented",) if status is Status.MET else ()
        return attrs.evolve(
            report,
            results=tuple(
                attrs.evolve(r, status=status, evidence=(*r.evidence, *invented))
                for r in report.results
            ),
        )

    return wrong


def test_the_registry_names_each_class_once_and_says_what_it_defends() -> None:
    """Every class the issue lists is in the registry once, with the reading it defends."""
    assert len(CLASSES) == len(set(CLASSES))
    assert set(CLASSES) >= {
        "control",
        "empty",
        "wrong_role",
        "wrong_unit",
        "late",
        "before_trigger",
        "shared_record",
        "next_period",
        "attributes",
        "spellings",
        "month_end",
        "clock_change",
        "edges",
    }
    for adversary in ADVERSARIES:
        assert len(adversary.defends) > 40, adversary.name
        assert adversary.meaning


def test_a_correct_encoding_gives_no_finding(force: Force) -> None:
    """The audited fixture, judged by the real engine: every duty audited, nothing found."""
    found = audit(force)
    assert [(f.obligation, f.adversary, f.words, f.got) for f in found.findings] == []
    assert all(d.not_auditable is None and d.probes > 5 for d in found.duties)


@pytest.mark.parametrize("name", CLASSES)
def test_every_class_has_something_to_attack_in_the_fixture(force: Force, name: str) -> None:
    """Each class builds at least one probe on the fixture, so the next test means something."""
    assert list(_probes(force, name))


@pytest.mark.parametrize("name", CLASSES)
def test_each_class_catches_verdicts_that_go_the_wrong_way(
    force: Force, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where a probe's log must be met, an engine that misses everything is caught; where it
    must not be, an engine that meets everything (the most permissive) is caught; and the
    real engine, on this correct encoding, is caught by neither."""
    probes = list(_probes(force, name))
    assert [judge(force, ob, p) for ob, p in probes] == [None] * len(probes)
    caught = []
    for ob, probe in probes:
        wrong = Status.MISSED if probe.expect == MET else Status.MET
        with monkeypatch.context() as patch:
            patch.setattr(audit_module, "evaluate", _verdicts(wrong))
            caught.append(judge(force, ob, probe))
    found = [f for f in caught if f is not None]
    assert found  # a probe whose log the engine judges no window of has nothing to flip
    assert {f.adversary for f in found} == {name}


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    first=st.dates(min_value=date(2000, 1, 1), max_value=date(2040, 12, 31)),
    length=st.integers(min_value=40, max_value=800),
)
def test_a_correct_encoding_stays_clean_whatever_day_it_comes_into_force(
    force: Force, first: date, length: int
) -> None:
    """Moved to any first day in force (and, where it ends, any length), every duty of the
    fixture is audited: its controls are met and no adversary is (month ends, leap years
    and clock changes fall wherever the dates put them)."""
    for ob in force.obligations:
        until = first + timedelta(days=length) if ob.effective_until is not None else None
        moved = attrs.evolve(ob, effective_from=first, effective_until=until)
        alone = attrs.evolve(force, obligations=(moved,), effective_from=first)
        found = audit_duty(alone, moved)
        assert found.not_auditable is None, (ob.id, found.not_auditable)
        assert [(f.adversary, f.words, f.got) for f in found.findings] == []


def _permissive_copy(tmp_path: Path) -> Path:
    """The fixture with one mistake of encoding: the report's topic declared a number while
    its condition lists words, so every compliant report is rejected when read."""
    raw = json.loads((AUDITED / "force.json").read_text(encoding="utf-8"))
    broken = copy.deepcopy(raw)
    report = next(t for t in broken["event_types"] if t["id"] == "report")
    report["attributes"]["topic"] = {"type": "number"}
    where = tmp_path / "broken"
    where.mkdir()
    (where / "force.json").write_text(json.dumps(broken), encoding="utf-8")
    return where


def test_an_encoding_that_rejects_its_own_evidence_fails_its_control(tmp_path: Path) -> None:
    """A compliant log that is not met (a false missed) is a control finding, not a pass."""
    found = audit(load_force(_permissive_copy(tmp_path)), ["a.report"])
    classes = {f.adversary for f in found.findings}
    assert "control" in classes
    control = next(f for f in found.findings if f.adversary == "control")
    assert all(status != "met" for _, status, _ in control.got)


@pytest.mark.parametrize("name", ["gwent", "dorset", "surrey", "notts"])
def test_every_bundled_control_is_met_or_said_not_auditable(name: str) -> None:
    """Positive controls: every judged duty's compliant log is met; a duty whose control
    cannot be built says why, and is never silently skipped."""
    found = _bundled(name)
    force = open_force(name)
    scored = {ob.id for ob in force.obligations if ob.scored}
    assert {d.obligation for d in found.duties} >= scored
    assert [f.obligation for f in found.findings if f.adversary == "control"] == []
    for duty in found.duties:
        if duty.obligation in scored:
            assert duty.not_auditable is None or len(duty.not_auditable) > 20, duty
            assert duty.probes >= 1
        else:
            assert duty.not_auditable is not None and duty.not_auditable.startswith("never")


#: Every bundled force: since issue 19's principles merged, none has a finding.
BUNDLED = ("gwent", "dorset", "surrey", "notts")


@pytest.mark.parametrize("name", BUNDLED)
def test_a_bundled_force_has_no_finding(name: str) -> None:
    """Zero findings per bundled force: no comforting answer can be configured."""
    found = _bundled(name)
    assert sorted({f.adversary for f in found.findings}) == []


def test_json_follows_its_typed_shape(force: Force, tmp_path: Path) -> None:
    """The JSON output has exactly the keys of AuditShape and its parts, a finding's log
    reads back as events, and its command names the log, range and instant."""
    shape = audit_json(audit(load_force(_permissive_copy(tmp_path)), ["a.report"]))
    assert set(shape) == set(typing.get_type_hints(AuditShape))
    duty = shape["duties"][0]
    assert set(duty) == set(typing.get_type_hints(audit_module_shape("AuditDutyShape")))
    finding = duty["findings"][0]
    assert set(finding) == set(typing.get_type_hints(audit_module_shape("AuditFindingShape")))
    assert finding["command"].startswith("engagerules explain audited a.report audit.jsonl")
    assert f"--from {finding['from']} --to {finding['to']}" in finding["command"]
    assert shape["summary"]["findings"] == sum(len(d["findings"]) for d in shape["duties"])
    json.dumps(shape)  # plain JSON all through


def audit_module_shape(name: str) -> Any:
    from engagerules.outputs import auditreport

    return getattr(auditreport, name)


def test_text_shows_each_finding_with_its_log_and_command(tmp_path: Path) -> None:
    """In words: the duty, the class, what was expected and judged, the command and the log."""
    found = audit(load_force(_permissive_copy(tmp_path)), ["a.report"])
    text = render_audit(found, ["local.json"])
    control = next(f for f in found.findings if f.adversary == "control")
    assert "a.report (recurring)" in text
    assert "control: a compliant log was not met" in text
    assert "--overrides local.json" in text
    assert json.dumps(dict(control.records[0]), ensure_ascii=False) in text


def test_cli_exit_status(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """0 with no finding, 1 with one, 2 for bad usage (one line, no traceback)."""
    assert main(["audit", str(AUDITED)]) == 0
    assert "0 findings" in capsys.readouterr().out
    broken = _permissive_copy(tmp_path)
    assert main(["audit", str(broken), "--obligation", "a.report", "--format", "json"]) == 1
    assert json.loads(capsys.readouterr().out)["summary"]["findings"] >= 1
    assert main(["audit", str(AUDITED), "--obligation", "a.reprot"]) == 2
    err = capsys.readouterr().err
    assert "no obligation 'a.reprot'" in err and "a.report" in err
    assert len(err.strip().splitlines()) == 1
    assert main(["audit", "no-such-force"]) == 2


def test_a_finding_reproduces_with_explain(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Saving a finding's log as audit.jsonl and running its command shows the verdict."""
    found = audit(load_force(_permissive_copy(tmp_path)), ["a.report"])
    control = next(f for f in found.findings if f.adversary == "control")
    log = tmp_path / "audit.jsonl"
    log.write_text("".join(json.dumps(dict(r)) + "\n" for r in control.records), "utf-8")
    words = control.command(str(tmp_path / "broken")).split()[2:]
    words[words.index("audit.jsonl")] = str(log)
    main(["explain", *words])
    out = capsys.readouterr().out
    _, status, _ = control.got[0]
    assert status in ("missed", "partial")
    assert status.upper() in out
