"""One error story: public functions raise only EngageRulesError; a crash is exit status 3."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

import engagerules as er
import engagerules.cli
from engagerules.cli import main
from engagerules.errors import Problem, ProblemsError, WaiverError

AWARE = datetime(2022, 11, 1, 9, tzinfo=UTC)
NAIVE = datetime(2022, 11, 1, 9)
FROM, TO = date(2022, 10, 1), date(2022, 12, 31)


def _bad_calls(force: er.Force, tmp: Path) -> dict[str, Callable[[], Any]]:
    """Each public function called with a value it must refuse."""
    missing = tmp / "missing.jsonl"
    return {
        "parse_duration not ISO": lambda: er.parse_duration("every week"),
        "parse_duration empty": lambda: er.parse_duration(""),
        "range_bounds reversed": lambda: er.range_bounds(TO, FROM, force.zone),
        "evaluate naive as_of": lambda: er.evaluate(force, [], FROM, TO, NAIVE),
        "evaluate reversed range": lambda: er.evaluate(force, [], TO, FROM, AWARE),
        "agenda naive as_of": lambda: er.agenda(force, [], NAIVE),
        "schedule reversed range": lambda: er.schedule(force, TO, FROM),
        "explain unknown obligation": lambda: er.explain(force, "no.such", [], FROM, TO, AWARE),
        "simulate negative events": lambda: er.simulate(force, FROM, TO, events=-1),
        "simulate compliance above 1": lambda: er.simulate(force, FROM, TO, events=5, compliance=2),
        "simulate reversed range": lambda: er.simulate(force, TO, FROM, events=5),
        "duty_calendar reversed range": lambda: er.duty_calendar(force, TO, FROM),
        "build_calendar naive stamp": lambda: er.build_calendar(force, [], stamp=NAIVE),
        "calendar_stamp not a number": lambda: er.calendar_stamp(force, "soon"),
        "open_force unknown": lambda: er.open_force("no-such-force"),
        "find_force unknown": lambda: er.find_force("no-such-force"),
        "load_force missing directory": lambda: er.load_force(tmp / "nowhere"),
        "read_events missing file": lambda: er.read_events([missing], force),
        "read_events unknown format": lambda: er.read_events([tmp / "log.xml"], force),
        "parse_waivers not JSON": lambda: er.parse_waivers("{", "w.json", force),
        "parse_waivers wrong shape": lambda: er.parse_waivers("[1, 2]", "w.json", force),
        "Window naive": lambda: er.Window(NAIVE, NAIVE, force.zone),
        "Window ends before it starts": lambda: er.Window(AWARE, AWARE.replace(hour=8), UTC),
    }


@pytest.fixture
def bad_calls(mini: er.Force, tmp_path: Path) -> dict[str, Callable[[], Any]]:
    (tmp_path / "log.xml").write_text("<log/>", "utf-8")
    return _bad_calls(mini, tmp_path)


def test_public_functions_refuse_bad_values(bad_calls: dict[str, Callable[[], Any]]) -> None:
    """Every public function given a bad value raises an EngageRulesError, never another."""
    leaks = {}
    for name, call in bad_calls.items():
        try:
            call()
        except er.EngageRulesError:
            continue
        except Exception as exc:  # collecting what leaks is the test
            leaks[name] = f"{type(exc).__name__}: {exc}"
        else:
            leaks[name] = "accepted"
    assert leaks == {}


def test_usage_error_is_also_a_value_error() -> None:
    """Callers written against the ValueError convention still catch a bad value."""
    with pytest.raises(ValueError, match="ISO 8601"):
        er.parse_duration("weekly")


def test_problem_located_from_parts() -> None:
    """A problem built from file, line and JSON path says where in one readable prefix."""
    problem = Problem.at("required", file="w.json", path="$.waivers[0].expiry", hint="a date")
    assert str(problem) == "w.json: $.waivers[0].expiry: required (a date)"
    assert (problem.file, problem.line, problem.path) == ("w.json", None, "$.waivers[0].expiry")
    assert str(Problem.at("not JSON", file="log.jsonl", line=7)) == "log.jsonl:7: not JSON"


def test_waiver_file_reports_every_problem(mini: er.Force) -> None:
    """A waiver file with two bad entries reports both, each with its JSON path."""
    text = '{"waivers": [{"obligation": "x"}, 5]}'
    with pytest.raises(WaiverError) as caught:
        er.parse_waivers(text, "w.json", mini)
    paths = [p.path for p in caught.value.problems]
    assert paths == ["$.waivers[0].window", "$.waivers[1]"]
    assert all(p.file == "w.json" for p in caught.value.problems)


def _crash(args: Any) -> int:
    raise RuntimeError("boom\nsecond line")


@pytest.fixture
def crashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engagerules.cli, "_cmd_forces", _crash)


def test_internal_error_is_exit_3_in_one_line(
    crashing: None, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """An unexpected exception is a bug: exit 3, one line on stderr, no traceback."""
    monkeypatch.delenv("ENGAGERULES_DEBUG", raising=False)
    assert main(["forces"]) == 3
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "internal error" in err and "RuntimeError: boom\\nsecond line" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("how", ["flag-before", "flag-after", "environment"])
def test_debug_shows_the_traceback(
    how: str,
    crashing: None,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """--debug (anywhere on the line) or ENGAGERULES_DEBUG=1 prints the traceback too."""
    monkeypatch.delenv("ENGAGERULES_DEBUG", raising=False)
    argv = {"flag-before": ["--debug", "forces"], "flag-after": ["forces", "--debug"]}
    if how == "environment":
        monkeypatch.setenv("ENGAGERULES_DEBUG", "1")
    assert main(argv.get(how, ["forces"])) == 3
    err = capsys.readouterr().err
    assert "Traceback" in err and "RuntimeError" in err


def test_problems_print_one_line_each(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """An input with several problems prints each on its own line and exits 2."""

    def bad(args: Any) -> int:
        raise ProblemsError([Problem.at("one", file="a"), Problem.at("two\nlines", file="b")])

    monkeypatch.setattr(engagerules.cli, "_cmd_forces", bad)
    assert main(["forces"]) == 2
    assert capsys.readouterr().err.splitlines() == [
        "engagerules: error: a: one",
        "engagerules: error: b: two\\nlines",
    ]
