"""The small things a newcomer trips on, each held: hints, defaults said right, files noted."""

from __future__ import annotations

import json
import re
import shutil
from datetime import date
from pathlib import Path

import pytest

from engagerules import open_force
from engagerules.cli import build_parser, main, run_check
from engagerules.model.periods import local_midnight
from engagerules.model.results import FAILING
from engagerules.outputs.html import render_html
from engagerules.outputs.summary import status_line

ROOT = Path(__file__).resolve().parents[1]
EVENTS = str(ROOT / "forces" / "gwent" / "sample" / "activity-2022q4.jsonl")
RANGE = ["--from", "2022-10-01", "--to", "2022-12-31", "--as-of", "2023-01-09T09:00:00+00:00"]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_a_windows_1252_event_file_is_located_and_pointed_at_profiles(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """`check` of a cp1252 CSV without a profile names the line and the way out, in one line."""
    path = tmp_path / "export.csv"
    path.write_bytes("id,type,at\n1,tweet,2022-10-03\n2,tweet,2022-10-04 £5\n".encode("cp1252"))
    code, out, err = run(
        capsys, "check", "gwent", str(path), "--from", "2022-10-01", "--to", "2022-10-31"
    )
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1
    assert f"{path}:3: byte 0xa3 is not UTF-8 text" in err
    assert "source.encoding" in err and "--profile" in err
    assert "position" not in err


@pytest.mark.parametrize(
    ("option", "given", "suggested"),
    [
        ("--role", "ps", "'PS'"),
        ("--role", "Sergeant", "'PS'"),
        ("--role", "Police Sergeant", "'PS'"),
        ("--scope", "Bargoed", "'bargoed'"),
        ("--scope", "caerphilly north", "'caerphilly-north'"),
    ],
)
def test_a_role_or_unit_by_title_or_case_gets_did_you_mean(
    capsys: pytest.CaptureFixture[str], option: str, given: str, suggested: str
) -> None:
    """`--role ps`, `--role Sergeant`, `--scope Bargoed`: refused, with the code to use."""
    for command in (["agenda", "gwent", EVENTS], ["check", "gwent", EVENTS, *RANGE]):
        code, _, err = run(capsys, *command, option, given)
        assert code == 2
        assert f"(did you mean {suggested}" in err


def test_demo_commands_run_as_printed_when_engagerules_is_not_on_path(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without `engagerules` on PATH, the demo's next steps use this Python's `-m engagerules`."""
    monkeypatch.setattr(shutil, "which", lambda name: None)
    code, out, _ = run(capsys, "demo")
    assert code == 0
    steps = out.split("Next, try:", 1)[1]
    commands = [
        line.strip() for line in steps.splitlines() if line.startswith("  ") and "-m" in line
    ]
    assert len(commands) == 3
    assert all(" -m engagerules " in c and not c.startswith("engagerules ") for c in commands)
    monkeypatch.setattr(shutil, "which", lambda name: "/usr/bin/engagerules")
    code, out, _ = run(capsys, "demo")
    assert "\n  engagerules obligations gwent\n" in out


def test_fail_on_help_states_the_real_default() -> None:
    """`check --help` names every status that fails a check by default, and only those."""
    parser = build_parser()
    check = next(
        action.choices["check"]
        for action in parser._actions
        if getattr(action, "choices", None) and "check" in action.choices
    )
    (fail_on,) = [a for a in check._actions if "--fail-on" in a.option_strings]
    default = fail_on.help.split("(default: ", 1)[1].split(")", 1)[0]
    assert set(default.split(",")) == {s.value for s in FAILING}


@pytest.mark.parametrize(
    "command",
    ["check", "explain", "agenda", "import", "calendar", "schedule", "obligations", "demo"],
)
def test_every_commands_help_prints(capsys: pytest.CaptureFixture[str], command: str) -> None:
    """`--help` of each command prints (a % in a help text must not break argparse)."""
    code, out, _ = run(capsys, command, "--help")
    assert code == 0
    assert "usage: engagerules" in out


def test_calendar_with_output_says_what_it_wrote(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """`calendar -o FILE` says on stderr how many items it wrote, and where."""
    path = tmp_path / "duties.ics"
    code, out, err = run(
        capsys, "calendar", "gwent", "--from", "2022-10-01", "--to", "2022-10-31",
        "--scope", "bargoed", "-o", str(path),
    )  # fmt: skip
    assert code == 0 and out == ""
    items = path.read_text(encoding="utf-8").count("BEGIN:VEVENT")
    assert err == f"wrote {items} calendar items to {path}\n"


def test_import_json_names_the_row_as_check_names_the_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`import --format json` gives each rejection's `line` (as `check` does) beside `row`."""
    monkeypatch.setenv("ENGAGERULES_PSEUDONYM_KEY", "a-key-for-the-hint-tests")
    folder = ROOT / "forces" / "gwent" / "profiles"
    export = tmp_path / "posts.csv"
    sample = (folder / "samples" / "social-posts-2022-10.csv").read_bytes()
    bad = b"9999,Twitter,Bargoed Police,32/10/2022 10:15,Alex Example,Published,#x,Text,1"
    export.write_bytes(sample.rstrip(b"\r\n") + b"\r\n" + bad + b"\r\n")
    code, out, err = run(
        capsys, "import", str(folder / "social-posts.json"), str(export), "--format", "json",
        "-o", str(tmp_path / "events.jsonl"),
    )  # fmt: skip
    assert code == 0, err
    rejections = json.loads(out)["rejections"]
    assert rejections
    assert all(r["line"] == r["row"] for r in rejections)


def test_html_status_line_is_for_people() -> None:
    """The page says in words whether every duty was met; the CI line stands apart."""
    force = open_force("gwent")
    as_of = local_midnight(date(2023, 1, 9), force.zone)
    report = run_check(force, [EVENTS], date(2022, 10, 1), date(2022, 12, 31), as_of)
    line = status_line(report, FAILING)
    counts = report.counts()
    assert line.startswith("Not all duties were met: ")
    assert f"{counts['missed']} missed" in line
    page = render_html(report, force=force)
    assert f'id="status">{line}</p>' in page
    assert "For CI: FAILED" in page


def test_a_record_lacking_an_attribute_a_condition_needs_is_named_in_check(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A partnership update with no channel counts for no duty; `check` names what it lacks."""
    log = tmp_path / "updates.jsonl"
    common = {"type": "partnership_update", "scope": "bargoed", "role": "CSO"}
    records = [
        {"id": "u1", "at": "2022-10-04T10:00:00+01:00", **common},
        {"id": "u2", "at": "2022-10-05T10:00:00+01:00", "attrs": {"channel": "notice_board"}}
        | common,
    ]
    log.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    week = ["--from", "2022-10-03", "--to", "2022-10-09", "--as-of", "2022-10-10"]
    code, out, _ = run(capsys, "check", "gwent", str(log), *week, "--format", "json")
    assert code == 1
    report = json.loads(out)
    assert report["events"]["unmatched_by_reason"] == {"conditions_not_met": 2}
    quality = {d["id"]: d["problem"] for d in report["data_quality"]}
    assert quality == {"u1": "no channel recorded"}  # u2 has one, just not one that counts
    code, out, _ = run(capsys, "check", "gwent", str(log), *week)
    assert "u1 (no channel recorded)" in out


def test_the_trend_says_its_direction_in_words() -> None:
    """Each unit's sparkline has its direction beside it: up, down or steady, with figures."""
    force = open_force("gwent")
    as_of = local_midnight(date(2023, 1, 9), force.zone)
    report = run_check(force, [EVENTS], date(2022, 10, 1), date(2022, 12, 31), as_of)
    page = render_html(report, force=force)
    directions = re.findall(r'<td class="direction">([^<]*)</td>', page)
    assert directions
    assert all(
        re.fullmatch(r"(up|down) from \d+% to \d+%|steady at about \d+%", d) for d in directions
    )


def test_explain_takes_scope_and_role_as_check_does(capsys: pytest.CaptureFixture[str]) -> None:
    """`explain --scope caerphilly-north`: its windows and its sections' only; `--role` a
    role that owns nothing of the duty is refused in one line."""
    duty = "gwent.cn.weekly-positive-tweet"
    code, out, err = run(
        capsys, "explain", "gwent", duty, EVENTS, *RANGE, "--scope", "caerphilly-north",
        "--format", "json",
    )  # fmt: skip
    assert code == 0, err
    scopes = {w["scope"] for w in json.loads(out)["windows"]}
    assert scopes == {"bargoed", "rhymney", "ystrad-mynach"}
    bargoed = ["--scope", "bargoed", "--format", "json"]
    code, out, err = run(capsys, "explain", "gwent", duty, EVENTS, *RANGE, *bargoed)
    assert code == 0 and {w["scope"] for w in json.loads(out)["windows"]} == {"bargoed"}
    code, out, err = run(capsys, "explain", "gwent", duty, EVENTS, *RANGE, "--role", "ACC")
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "is not a duty of Assistant Chief Constable" in err
