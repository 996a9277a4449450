"""The command line: the contract's commands, JSON shapes and exit codes, never a traceback."""

from __future__ import annotations

import gc
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from conftest import FIXTURES
from engagerules.cli import main

MINI = str(FIXTURES / "mini")
EVENTS = FIXTURES / "events"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> Any:
    code, out, err = run(capsys, *argv)
    assert code in (0, 1), err
    return json.loads(out)


def test_forces_lists_bundled_forces(capsys: pytest.CaptureFixture[str]) -> None:
    """`forces --format json` lists gwent with its origin and obligation count."""
    forces = {f["id"]: f for f in run_json(capsys, "forces", "--format", "json")}
    assert forces["gwent"]["origin"] == "bundled"
    assert forces["gwent"]["obligations"] > 30
    assert forces["gwent"]["timezone"] == "Europe/London"


def test_obligations_json_has_the_contract_shape(capsys: pytest.CaptureFixture[str]) -> None:
    """Every obligation has the contract's keys; the weekly tweet is per section, P1W."""
    obligations = run_json(capsys, "obligations", "gwent", "--format", "json")
    keys = {
        "id",
        "title",
        "description",
        "kind",
        "cadence",
        "anchor",
        "times",
        "owner",
        "scope",
        "evidence",
        "trigger",
        "source",
    }
    assert all(keys <= set(o) for o in obligations)
    tweet = next(o for o in obligations if o["id"] == "gwent.cn.weekly-positive-tweet")
    assert tweet["cadence"] == "P1W" and tweet["scope"]["per"] == "section"
    assert set(tweet["scope"]["units"]) == {"rhymney", "bargoed", "ystrad-mynach"}
    assert tweet["source"]["document"] == "000_a4e1ad9ca434798f.txt"
    warrant = next(
        o
        for o in obligations
        if o["kind"] == "triggered" and o["trigger"]["types"] == ["warrant_executed"]
    )
    assert warrant["trigger"]["within"] == "P2D"


def test_schedule_json_windows(capsys: pytest.CaptureFixture[str]) -> None:
    """Schedule entries carry ISO 8601 start/end with offsets; timed duties carry their time."""
    dues = run_json(
        capsys, "schedule", MINI, "--from", "2022-10-29", "--to", "2022-10-30", "--format", "json"
    )
    briefings = [d for d in dues if d["obligation"] == "mini.briefings"]
    assert [(d["start"], d["time"]) for d in briefings] == [
        ("2022-10-29T08:00:00+01:00", "08:00"),
        ("2022-10-29T13:00:00+01:00", "13:00"),
        ("2022-10-30T08:00:00+00:00", "08:00"),
        ("2022-10-30T13:00:00+00:00", "13:00"),
    ]
    weekly = [d for d in dues if d["obligation"] == "mini.weekly-tweet"]
    assert {d["scope"] for d in weekly} == {"north", "south", "east"}
    assert all(
        d["start"] == "2022-10-24T00:00:00+01:00" and d["end"] == "2022-10-31T00:00:00+00:00"
        for d in weekly
    )


def test_schedule_filters_by_role_and_scope(capsys: pytest.CaptureFixture[str]) -> None:
    """--role keeps that role's duties; --scope keeps the unit's own and force-wide duties."""
    dues = run_json(
        capsys,
        "schedule",
        MINI,
        "--from",
        "2022-10-01",
        "--to",
        "2022-10-31",
        "--role",
        "CSO",
        "--scope",
        "north",
        "--format",
        "json",
    )
    assert dues and {d["obligation"] for d in dues} == {"mini.weekly-tweet"}
    assert {d["scope"] for d in dues} == {"north"}


def test_check_json_shape_and_accounting(capsys: pytest.CaptureFixture[str]) -> None:
    """check --format json: results, events read = matched + unmatched + rejected, rejections."""
    code, out, _ = run(
        capsys,
        "check",
        MINI,
        str(EVENTS / "sample.csv"),
        "--from",
        "2022-10-01",
        "--to",
        "2022-10-31",
        "--as-of",
        "2022-11-15T09:00:00Z",
        "--format",
        "json",
    )
    report = json.loads(out)
    assert code == 1, "something was missed"
    assert set(report) >= {"force", "from", "to", "as_of", "results", "events", "rejections"}
    ev = report["events"]
    assert ev["read"] == ev["matched"] + ev["unmatched"] + ev["rejected"] == 7
    (rejection,) = report["rejections"]
    assert (rejection["file"], rejection["line"]) == (str(EVENTS / "sample.csv"), 7)
    assert rejection["reason"].startswith("at: 16 characters (letters, digits and other signs) [#")
    assert rejection["reason"].endswith("] is not an ISO 8601 timestamp"), "the value is withheld"
    result = report["results"][0]
    assert set(result) >= {
        "obligation",
        "scope",
        "start",
        "end",
        "status",
        "needed",
        "found",
        "evidence",
        "reason",
    }
    warrant = next(r for r in report["results"] if r["obligation"] == "mini.warrant-followup")
    assert warrant["status"] == "met" and set(warrant["evidence"]) == {"t1", "l1", "k1"}
    assert (warrant["trigger"], warrant["scope_kind"]) == ("w1", "unit")


def test_check_exit_zero_when_nothing_missed(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Only pending results (judged mid-window): exit 0; --fail-on pending makes it 1."""
    events = tmp_path / "contacts.jsonl"
    events.write_text(
        '{"id": "p1", "type": "poc_named", "at": "2022-01-01", "scope": "n-ward", "role": "PCSO"}\n'
        '{"id": "p2", "type": "poc_named", "at": "2022-01-01", "scope": "s-ward", "role": "PCSO"}\n'
    )
    args = [
        "check",
        MINI,
        str(events),
        "--from",
        "2022-10-04",
        "--to",
        "2022-10-09",
        "--as-of",
        "2022-10-04",
    ]
    assert run(capsys, *args)[0] == 0
    assert run(capsys, *args, "--fail-on", "pending")[0] == 1


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["check", "nowhere", "x.jsonl", "--from", "2022-01-01", "--to", "2022-01-02"],
            "unknown force 'nowhere'",
        ),
        (
            ["check", MINI, "missing.jsonl", "--from", "2022-01-01", "--to", "2022-01-02"],
            "missing.jsonl: no such file",
        ),
        (
            ["schedule", MINI, "--from", "2022-13-01", "--to", "2022-12-31"],
            "'2022-13-01' is not a date",
        ),
        (
            ["schedule", MINI, "--from", "2022-12-01", "--to", "2022-11-01"],
            "--to 2022-11-01 is before --from 2022-12-01",
        ),
        (
            ["schedule", MINI, "--from", "2022-12-01", "--to", "2022-12-02", "--scope", "west"],
            "--scope 'west' is not a unit",
        ),
        (
            [
                "check",
                MINI,
                str(EVENTS / "sample.csv"),
                "--from",
                "2022-10-01",
                "--to",
                "2022-10-02",
                "--as-of",
                "2022-10-03T10:00",
            ],
            "needs an offset",
        ),
    ],
)
def test_bad_usage_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    """Bad input: exit 2, one line on stderr naming the problem, no traceback."""
    code, _, err = run(capsys, *argv)
    assert code == 2
    assert message in err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_validate_lists_every_problem_and_exits_1(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """An invalid configuration: exit 1, one line per problem plus a count."""
    raw = json.loads((FIXTURES / "mini" / "force.json").read_text())
    raw["obligations"][0]["cadence"] = "weekly"
    raw["obligations"][1]["owner"] = "NOBODY"
    (tmp_path / "force.json").write_text(json.dumps(raw))
    code, _, err = run(capsys, "validate", str(tmp_path))
    assert code == 1
    lines = err.strip().splitlines()
    assert lines[-1] == "2 problems found"
    assert any("$.obligations[0].cadence" in line for line in lines)
    assert any("$.obligations[1].owner" in line for line in lines)
    assert run(capsys, "validate", "gwent")[0] == 0


def test_demo_shows_met_and_missed_duties(capsys: pytest.CaptureFixture[str]) -> None:
    """The demo runs the bundled sample: some duties met, some missed, exit 0."""
    code, out, _ = run(capsys, "demo")
    assert code == 0
    assert "MISSED" in out and "MET" in out
    assert "events:" in out and "read =" in out


def test_simulate_is_deterministic_and_readable(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Same seed, same bytes; a different seed differs; CSV output reads back with no rejection."""
    paths = [tmp_path / "a.jsonl", tmp_path / "b.jsonl", tmp_path / "c.jsonl", tmp_path / "d.csv"]
    for path, seed in zip(paths, ["1", "1", "2", "1"], strict=True):
        assert (
            run(
                capsys,
                "simulate",
                "gwent",
                "--from",
                "2022-10-01",
                "--to",
                "2022-10-31",
                "--events",
                "400",
                "--seed",
                seed,
                "-o",
                str(path),
            )[0]
            == 0
        )
    assert paths[0].read_bytes() == paths[1].read_bytes()
    assert paths[0].read_bytes() != paths[2].read_bytes()
    assert len(paths[0].read_text().splitlines()) == 400
    report = run_json(
        capsys,
        "check",
        "gwent",
        str(paths[3]),
        "--from",
        "2022-10-01",
        "--to",
        "2022-10-31",
        "--as-of",
        "2022-11-30",
        "--format",
        "json",
    )
    assert report["events"]["read"] == 400 and report["events"]["rejected"] == 0


def test_compliance_moves_the_outcome(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """A log simulated at 95% compliance misses fewer windows than one at 30%."""
    missed = []
    for compliance in ("0.95", "0.3"):
        path = tmp_path / f"{compliance}.jsonl"
        run(
            capsys,
            "simulate",
            "gwent",
            "--from",
            "2022-10-01",
            "--to",
            "2022-10-31",
            "--events",
            "1500",
            "--compliance",
            compliance,
            "-o",
            str(path),
        )
        report = run_json(
            capsys,
            "check",
            "gwent",
            str(path),
            "--from",
            "2022-10-01",
            "--to",
            "2022-10-31",
            "--as-of",
            "2022-12-01",
            "--format",
            "json",
        )
        missed.append(sum(r["status"] == "missed" for r in report["results"]))
    assert missed[0] < missed[1]


def test_force_scenarios_run_from_the_cli(capsys: pytest.CaptureFixture[str]) -> None:
    """`engagerules test gwent` runs the force's scenario files and reports a count."""
    code, out, _ = run(capsys, "test", "gwent")
    assert code == 0
    assert out.strip().splitlines()[-1].startswith("gwent: ") and " 0 failed" in out


def test_python_dash_m_and_traceback_free_errors() -> None:
    """`python -m engagerules` works; an unreadable input gives one line, no traceback."""
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "engagerules",
            "check",
            "gwent",
            "/nonexistent.csv",
            "--from",
            "2022-10-01",
            "--to",
            "2022-10-02",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr.startswith("engagerules: error: /nonexistent.csv: no such file")
    assert "Traceback" not in done.stderr


def test_schedule_text_in_words_with_notes(capsys: pytest.CaptureFixture[str]) -> None:
    """Text schedule: local words, titles and role names; earlier and inherited windows noted."""
    code, out, _ = run(
        capsys, "schedule", "gwent", "--from", "2022-10-05", "--to", "2022-10-05",
        "--scope", "bargoed", "--role", "CSO",
    )  # fmt: skip
    assert code == 0
    assert (
        "Wed 5 Oct 2022 08:00 to 09:00 BST: NPT neighbourhood briefings at 8am and 1pm, "
        "Caerphilly North Neighbourhood Policing Team; All neighbourhood team staff"
    ) in out
    assert "(a duty of an enclosing unit)" in out
    assert "Mon 3 Oct to Sun 9 Oct 2022: " in out and "(opened before Wed 5 Oct 2022)" in out
    assert "windows opened before Wed 5 Oct 2022 and overlap the range" in out
    assert "are duties of units enclosing Bargoed" in out
    assert "id: gwent.cn.daily-foot-patrol" in out


def test_forces_are_aligned(capsys: pytest.CaptureFixture[str]) -> None:
    """Every name starts in the same column, however long the ids."""
    code, out, _ = run(capsys, "forces")
    assert code == 0
    lines = out.splitlines()
    names = ["Gwent Police", "Dorset Police"]
    columns = {line.index(name) for line in lines for name in names if name in line}
    assert len(columns) == 1


def test_obligations_list_checked_duties_before_advisory(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`obligations` opens with checked duties in words; advisory ones come after."""
    code, out, _ = run(capsys, "obligations", "gwent")
    assert code == 0
    assert out.startswith("CHECKED (")
    assert out.index("CHECKED (") < out.index("ADVISORY:")
    assert "weekly, per section; owner: ORLO social-media single point of contact" in out
    assert 'source: "' in out and "(000_a4e1ad9ca434798f.txt)" in out


def test_every_argument_has_help() -> None:
    """Each argument of every command says what it is in `--help`."""
    from engagerules.cli import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if a.choices and isinstance(a.choices, dict))
    missing = [
        f"{name} {action.dest}"
        for name, command in sub.choices.items()  # type: ignore[union-attr]
        for action in command._actions
        if action.dest != "help" and not action.help
    ]
    assert missing == []


def test_check_says_where_it_wrote(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Every report file written is named on stderr."""
    html, md = tmp_path / "r.html", tmp_path / "r.md"
    code, _, err = run(
        capsys, "check", MINI, str(EVENTS / "sample.csv"), "--from", "2022-10-01",
        "--to", "2022-10-31", "--as-of", "2022-11-15T09:00:00Z", "--html", str(html),
        "--markdown", str(md), "-o", str(tmp_path / "r.txt"),
    )  # fmt: skip
    assert code == 1
    assert err.splitlines() == [
        f"wrote the text report to {tmp_path / 'r.txt'}",
        f"wrote the markdown report to {md}",
        f"wrote the html report to {html}",
    ]


def test_test_warns_and_strict_fails_on_duties_not_shown_both_ways(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A checked duty with only a met scenario is a warning, and with --strict a failure."""
    force = tmp_path / "mini"
    force.mkdir()
    (force / "force.json").write_text((FIXTURES / "mini" / "force.json").read_text())
    (force / "tests").mkdir()
    scenario = {
        "name": "a tweet in North",
        "from": "2022-10-03",
        "to": "2022-10-09",
        "as_of": "2022-10-10T09:00:00+01:00",
        "events": [
            {"id": "t", "type": "tweet", "at": "2022-10-04T10:00:00+01:00", "scope": "north"}
        ],
        "expect": [{"obligation": "mini.weekly-tweet", "scope": "north", "status": "met"}],
    }
    (force / "tests" / "one.json").write_text(json.dumps({"scenarios": [scenario]}))
    code, out, err = run(capsys, "test", str(force))
    assert code == 0
    warnings = err.splitlines()
    assert (
        "engagerules: warning: mini.weekly-tweet: no scenario expects it missed or breached"
        in warnings
    )
    assert (
        "engagerules: warning: mini.briefings: no scenario expects it met, nor missed or breached"
        in warnings
    )
    assert not any("mini.consider-events" in w for w in warnings)  # advisory
    assert out.strip().endswith("checked duties not shown both ways")
    code, _, err = run(capsys, "test", str(force), "--strict")
    assert code == 1 and "engagerules: error: mini.weekly-tweet" in err


def test_bundled_forces_show_every_checked_duty_both_ways(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`engagerules test gwent --strict` passes: its scenarios cover every checked duty."""
    code, _, err = run(capsys, "test", "gwent", "--strict")
    assert code == 0 and err == ""


def test_demo_ends_with_three_commands_that_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The demo's last lines are three commands to try next, and each runs as printed."""
    monkeypatch.chdir(tmp_path)
    code, out, _ = run(capsys, "demo")
    assert code == 0
    tail = out[out.index("\nNext, try:\n") :].splitlines()
    program = "engagerules" if shutil.which("engagerules") else f"{sys.executable} -m engagerules"
    commands = [
        line.removeprefix(f"  {program} ").split()
        for line in tail
        if line.startswith(f"  {program} ")
    ]
    assert [c[0] for c in commands] == ["obligations", "explain", "check"]
    for argv in commands:
        code, printed, err = run(capsys, *argv)
        assert code in (0, 1) and printed, err
    assert (tmp_path / "report.html").is_file()


def test_check_imports_only_what_it_uses() -> None:
    """`check` loads neither icalendar nor the modules of other commands or formats
    (start-up time)."""
    script = (
        "import sys\n"
        "from engagerules.cli import main\n"
        "main(['check', 'gwent', sys.argv[1], '--from', '2022-10-01', '--to', '2022-10-02',"
        " '--as-of', '2022-10-03T00:00:00Z', '--format', 'json', '-o', sys.argv[2]])\n"
        "print(' '.join(sorted(sys.modules)))\n"
    )
    events = FIXTURES / "events" / "sample.jsonl"
    done = subprocess.run(
        [sys.executable, "-c", script, str(events), "/dev/null"],
        capture_output=True,
        text=True,
        check=True,
    )
    loaded = set(done.stdout.split())
    assert "engagerules.engine.evaluate" in loaded
    unused = {
        "icalendar",
        "engagerules.outputs.calendar",
        "engagerules.engine.agenda",
        "engagerules.engine.explain",
        "engagerules.authoring.simulate",
        "engagerules.authoring.forcedocs",
        "engagerules.authoring.scenarios",
        # import profiles, and the renderers of the formats not asked for
        "engagerules.sources.importer",
        "engagerules.sources.profiles",
        "engagerules.outputs.html",
        "engagerules.outputs.junit",
        "engagerules.outputs.markdown",
        "engagerules.outputs.text",
    }
    assert not unused & loaded


def test_obligations_text_states_thresholds_and_deadlines(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Each duty says what it needs (at least N, a sum) and, triggered, its deadline."""
    assert main(["obligations", "surrey"]) == 0
    out = capsys.readouterr().out
    assert "needs: " in out and "totalling at least 3" in out
    assert main(["obligations", "gwent"]) == 0
    out = capsys.readouterr().out
    assert "trigger: each team_change; due within 1 month (P1M)" in out


def test_the_program_leaves_its_objects_to_the_exit(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Run as the program (no argv), `main` freezes what is left for the exit; called with
    arguments (a caller's process, which goes on), it leaves the collector as it was."""
    frozen: list[bool] = []
    monkeypatch.setattr(gc, "freeze", lambda: frozen.append(True))
    assert main(["forces"]) == 0
    assert not frozen
    monkeypatch.setattr(sys, "argv", ["engagerules", "forces"])
    assert main() == 0
    assert frozen == [True]
    assert "gwent" in capsys.readouterr().out
