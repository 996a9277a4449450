"""CI gating with `check`: the exit status follows `--fail-on`, and one run writes every report."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import junitparser
import pytest

import engagerules.cli
from conftest import FIXTURES
from engagerules.cli import main
from quarter import AS_OF, END, START, gwent_quarter

#: One surgery in North in October: the monthly two-surgery duty is partial.
PARTIAL = [{"id": "s1", "type": "surgery", "at": "2022-10-12T18:00:00+01:00", "scope": "north"}]
#: No surgery at all: missed.
MISSED: list[dict[str, Any]] = []


def check(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    records: list[dict[str, Any]],
    *extra: str,
    as_of: str = "2022-11-05T00:00:00Z",
) -> tuple[int, str]:
    """Check October against a force holding only the monthly surgeries; (exit, stderr)."""
    force = surgeries_force(tmp_path)
    events = tmp_path / "log.jsonl"
    events.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    waivers = tmp_path / "waivers.json"
    waivers.write_text(
        json.dumps(
            [{"obligation": "mini.monthly-two-surgeries", "window": "2022-10-15",
              "justification": "vacancy", "expiry": "2022-12-31"}]
        ),
        encoding="utf-8",
    )  # fmt: skip
    argv = [
        "check", str(force), str(events), "--from", "2022-10-01", "--to", "2022-10-31",
        "--as-of", as_of, "-o", str(tmp_path / "out.txt"),
        *(a.replace("WAIVERS", str(waivers)) for a in extra),
    ]  # fmt: skip
    code = main(argv)
    return code, capsys.readouterr().err


def surgeries_force(tmp_path: Path) -> Path:
    """The mini force cut down to its one duty of two surgeries a month in North."""
    folder = tmp_path / "force"
    if not folder.exists():
        config = json.loads((FIXTURES / "mini" / "force.json").read_text(encoding="utf-8"))
        config["obligations"] = [
            o for o in config["obligations"] if o["id"] == "mini.monthly-two-surgeries"
        ]
        folder.mkdir()
        (folder / "force.json").write_text(json.dumps(config), encoding="utf-8")
    return folder


def surgeries(tmp_path: Path) -> list[str]:
    """The statuses of the surgery duty in the last text report written."""
    text = (tmp_path / "out.txt").read_text(encoding="utf-8")
    return [
        line for line in text.splitlines() if "Two surgeries per month, or a report, North," in line
    ]


@pytest.mark.parametrize(
    ("records", "fail_on", "expected"),
    [
        (MISSED, [], 1),  # default gate: missed, partial and breach
        (PARTIAL, [], 1),  # partial fails by default: 2.5 of 3 hours is not done
        (PARTIAL, ["--fail-on", "missed"], 0),  # unless the gate names only missed
        (PARTIAL, ["--fail-on", "partial"], 1),
        (MISSED, ["--fail-on", "partial"], 0),  # the gate is what --fail-on names, only
        (MISSED, ["--fail-on", "missed,partial"], 1),
        (PARTIAL, ["--fail-on", "missed,partial"], 1),
        (PARTIAL, ["--fail-on", "missed", "--fail-on", "partial"], 1),
        (PARTIAL, ["--fail-on", "breach", "--fail-on", "missed"], 0),
        (MISSED, ["--fail-on", "breach,missed"], 1),
        (MISSED, ["--waivers", "WAIVERS"], 0),  # waived is counted apart, not failed
        (MISSED, ["--waivers", "WAIVERS", "--fail-on", "waived"], 1),
    ],
)
def test_exit_status_follows_fail_on(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    records: list[dict[str, Any]],
    fail_on: list[str],
    expected: int,
) -> None:
    """Exit 1 exactly when a result has a status the gate names, alone or combined."""
    code, err = check(tmp_path, capsys, records, *fail_on)
    assert code == expected, err


def test_pending_fails_only_when_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Mid-month nothing is missed yet: exit 0, unless --fail-on pending."""
    mid = "2022-10-20T00:00:00Z"
    assert check(tmp_path, capsys, MISSED, as_of=mid)[0] == 0
    assert check(tmp_path, capsys, MISSED, "--fail-on", "pending", as_of=mid)[0] == 1


@pytest.mark.parametrize("bad", ["bogus", "met", "missed,", "missed,nope"])
def test_unknown_fail_on_status_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], bad: str
) -> None:
    """A status that cannot fail a check is exit 2 with one line listing those that can."""
    code, err = check(tmp_path, capsys, MISSED, "--fail-on", bad)
    assert code == 2
    assert err.count("\n") == 1 and "partial" in err and "Traceback" not in err


def test_one_run_writes_every_format(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`--format json -o` with `--junit --html --markdown --text`: one evaluation, five files
    that agree."""
    calls = Counter[str]()
    evaluate = engagerules.cli.evaluate

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls["evaluate"] += 1
        return evaluate(*args, **kwargs)

    monkeypatch.setattr(engagerules.cli, "evaluate", counted)
    events = gwent_quarter().write(tmp_path / "q.jsonl")
    out = {name: tmp_path / f"r.{name}" for name in ("json", "xml", "html", "md", "txt")}
    code = main(
        ["check", "gwent", str(events), "--from", str(START), "--to", str(END),
         "--as-of", AS_OF.isoformat(), "--format", "json", "-o", str(out["json"]),
         "--junit", str(out["xml"]), "--html", str(out["html"]),
         "--markdown", str(out["md"]), "--text", str(out["txt"])]
    )  # fmt: skip
    assert code == 1, capsys.readouterr().err
    assert calls["evaluate"] == 1
    shape = json.loads(out["json"].read_text(encoding="utf-8"))
    statuses = Counter(r["status"] for r in shape["results"])
    xml = junitparser.JUnitXml.fromfile(str(out["xml"]))
    assert isinstance(xml, junitparser.JUnitXml)
    xml.update_statistics()
    assert xml.tests == len(shape["results"])
    assert xml.failures == statuses["missed"] + statuses["breach"]
    html = out["html"].read_text(encoding="utf-8")
    assert html.count('<td class="cell ') == len(shape["results"])
    markdown = out["md"].read_text(encoding="utf-8")
    assert f"| missed | {statuses['missed']} |" in markdown
    text = out["txt"].read_text(encoding="utf-8")
    assert text.startswith("Gwent Police: duties from Sat 1 Oct 2022 to Sat 31 Dec 2022")
    assert capsys.readouterr().out == ""


def test_junit_output_follows_the_gate(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """With --fail-on partial the partial month is a JUnit failure, as the exit status says."""
    xml_path = tmp_path / "r.xml"
    code, _ = check(tmp_path, capsys, PARTIAL, "--fail-on", "partial", "--junit", str(xml_path))
    assert code == 1
    xml = junitparser.JUnitXml.fromfile(str(xml_path))
    assert isinstance(xml, junitparser.JUnitXml)
    suite = next(s for s in xml if s.name == "mini.monthly-two-surgeries")
    assert suite.failures == 1
    assert "Surgery or Written report (1 of 2)" in " ".join(surgeries(tmp_path))
