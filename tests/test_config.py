"""Loading and validating force configurations: every problem, each located."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from conftest import FIXTURES
from engagerules import ConfigError, Status, evaluate, load_force, validate_file
from engagerules.sources.registry import available_forces


def mini_raw() -> dict[str, Any]:
    raw: dict[str, Any] = json.loads((FIXTURES / "mini" / "force.json").read_text())
    return raw


def write(tmp_path: Path, raw: dict[str, Any]) -> Path:
    path = tmp_path / "force.json"
    path.write_text(json.dumps(raw, indent=2))
    return path


def test_bundled_forces_are_valid() -> None:
    """Every bundled force validates with no problem."""
    sources = [s for s in available_forces() if s.origin == "bundled"]
    assert sources
    for source in sources:
        assert validate_file(source.path) == [], source.name


def test_all_problems_are_reported_with_json_paths(tmp_path: Path) -> None:
    """Schema and semantic problems together, not only the first, each with its path."""
    raw = mini_raw()
    raw["obligations"][0]["cadence"] = "P1X"
    raw["obligations"][1]["evidence"][0]["types"] = ["tweeet"]
    raw["obligations"][2]["owner"] = "SGT"
    raw["obligations"][3]["scope"]["units"] = ["north", "west"]
    raw["obligations"][4]["source"]["section"] = "Yearly"
    raw["obligations"][5]["id"] = raw["obligations"][6]["id"]
    raw["obligations"][7]["kind"] = "sometimes"
    problems = [str(p) for p in validate_file(write(tmp_path, raw))]
    text = "\n".join(problems)
    assert "$.obligations[0].cadence" in text
    assert (
        "$.obligations[1].evidence[0].types[0]: unknown event type 'tweeet' (did you mean 'tweet'?)"
        in text
    )
    assert "$.obligations[2].owner: unknown role 'SGT'" in text
    assert "$.obligations[3].scope.units[1]: unknown unit 'west'" in text
    assert "$.obligations[4].source.section: 'Yearly' is not a section" in text
    assert "$.obligations[6].id: duplicate id" in text
    assert "$.obligations[7].kind" in text
    assert all(p.startswith(str(tmp_path / "force.json")) for p in problems)
    assert len(problems) >= 7


def test_cycle_problems(tmp_path: Path) -> None:
    """A mixed cadence, a 6-weekly cycle without anchor and a 31st monthly anchor are refused."""
    raw = mini_raw()
    raw["obligations"][0]["cadence"] = "P1M2D"
    raw["obligations"][1]["cadence"] = "P6W"
    raw["obligations"][4]["anchor"] = "2015-01-31"
    text = "\n".join(str(p) for p in validate_file(write(tmp_path, raw)))
    assert "$.obligations[0].cadence: P1M2D is not a cycle" in text
    assert "$.obligations[1].anchor: a P6W cycle needs an anchor" in text
    assert "$.obligations[4].anchor: 2015-01-31 cannot start a monthly cycle" in text


def test_invalid_json_names_line_and_column(tmp_path: Path) -> None:
    """A syntax error is located by line and column."""
    path = tmp_path / "force.json"
    path.write_text('{\n  "id": "x",\n  "name": oops\n}')
    (problem,) = validate_file(path)
    assert problem.where == f"{path}:3:11"
    assert "not valid JSON" in problem.message


def test_load_raises_config_error_with_every_problem(tmp_path: Path) -> None:
    """load_force refuses an invalid force and carries all problems."""
    raw = mini_raw()
    raw["timezone"] = "Europe/Londn"
    raw["units"][3]["within"] = "nowhere"
    with pytest.raises(ConfigError) as caught:
        load_force(write(tmp_path, raw))
    wheres = [p.where.split(": ", 1)[1] for p in caught.value.problems]
    assert "$.timezone" in wheres
    assert "$.units[3].within" in wheres


def test_keys_of_another_kind_are_refused(tmp_path: Path) -> None:
    """A trigger on a recurring duty is a mistake, not something to ignore."""
    raw = mini_raw()
    raw["obligations"][0]["trigger"] = {"types": ["tweet"], "within": "P1D"}
    text = "\n".join(str(p) for p in validate_file(write(tmp_path, raw)))
    assert "$.obligations[0].trigger: 'trigger' belongs to triggered obligations" in text


def test_versions_with_overlapping_dates_are_refused(tmp_path: Path) -> None:
    """The same id twice is allowed only as versions with disjoint effective dates."""
    raw = mini_raw()
    first = dict(raw["obligations"][0], effective={"until": "2022-10-31"})
    second = dict(raw["obligations"][0], effective={"from": "2022-10-15"})
    raw["obligations"][0:1] = [first, second]
    text = "\n".join(str(p) for p in validate_file(write(tmp_path, raw)))
    assert "$.obligations[1].id: duplicate id 'mini.weekly-tweet': versions" in text


def test_revised_plan_is_judged_by_the_version_in_force(tmp_path: Path) -> None:
    """Weekly until October, monthly from November: each period judged by its version."""
    raw = mini_raw()
    weekly = dict(
        raw["obligations"][0],
        effective={"until": "2022-10-31"},
        scope={"per": "section", "units": ["north"]},
    )
    monthly = dict(
        raw["obligations"][0],
        cadence="P1M",
        effective={"from": "2022-11-01"},
        scope={"per": "section", "units": ["north"]},
    )
    raw["obligations"][0:1] = [weekly, monthly]
    force = load_force(write(tmp_path, raw))
    report = evaluate(
        force,
        [],
        date(2022, 10, 1),
        date(2022, 11, 30),
        datetime(2023, 1, 1, tzinfo=force.zone),
        obligations=["mini.weekly-tweet"],
    )
    starts = [r.window.local_start.date() for r in report.results]
    # The week starting Monday 31 October began under the weekly version, so it is judged
    # whole; from November the monthly version owns the periods.
    assert starts == [
        date(2022, 9, 26),
        date(2022, 10, 3),
        date(2022, 10, 10),
        date(2022, 10, 17),
        date(2022, 10, 24),
        date(2022, 10, 31),
        date(2022, 11, 1),
    ]
    assert all(r.status is Status.MISSED for r in report.results)


def test_demo_sample_must_exist(tmp_path: Path) -> None:
    """A demo block naming a missing sample log is a located problem."""
    raw = mini_raw()
    raw["demo"] = {
        "events": "nope.jsonl",
        "from": "2022-01-01",
        "to": "2022-01-31",
        "as_of": "2022-02-01T00:00:00Z",
    }
    text = "\n".join(str(p) for p in validate_file(write(tmp_path, raw)))
    assert "$.demo.events: sample log 'nope.jsonl' not found" in text


def test_member_of_names_teams_that_are_roles(tmp_path: Path) -> None:
    """A team a role belongs to must be a role of the force, and not the role itself."""
    raw = mini_raw()
    raw["roles"][0]["member_of"] = ["PS", "PSS"]
    raw["roles"][1]["member_of"] = ["PS"]
    problems = [str(p) for p in validate_file(write(tmp_path, raw))]
    assert any(
        "$.roles[0].member_of[1]" in p and "'PSS'" in p and "did you mean 'PS'" in p
        for p in problems
    )
    assert any("$.roles[1].member_of[0]" in p and "itself" in p for p in problems)
    assert len(problems) == 2


def test_teams_of_follows_membership(tmp_path: Path) -> None:
    """A role's teams include teams of its teams, once each, itself first."""
    raw = mini_raw()
    raw["roles"][0]["member_of"] = ["PS"]  # CSO in PS's team, PS in INSP's
    raw["roles"][1]["member_of"] = ["INSP", "CSO"]
    force = load_force(write(tmp_path, raw))
    assert force.teams_of("CSO") == ("CSO", "PS", "INSP")
    assert force.teams_of("CADET") == ("CADET",)


def test_an_unknown_role_lists_the_roles(tmp_path: Path) -> None:
    """`unknown role 'SGT'` says which roles the force has, so the fix is at hand."""
    raw = mini_raw()
    raw["obligations"][2]["owner"] = "SGT"
    roles = sorted(r["id"] for r in raw["roles"])
    text = "\n".join(str(p) for p in validate_file(write(tmp_path, raw)))
    assert "unknown role 'SGT'" in text
    assert f"(roles: {', '.join(roles)})" in text


def test_a_bad_cadence_is_offered_cycles_not_hours(tmp_path: Path) -> None:
    """A cadence's message offers cycles (P1W, P1M ...), never PT1H or P2D; a deadline's
    offers short durations."""
    raw = mini_raw()
    raw["obligations"][0]["cadence"] = "weekly"
    text = "\n".join(str(p) for p in validate_file(write(tmp_path, raw)))
    (line,) = [t for t in text.splitlines() if "$.obligations[0].cadence" in t]
    assert "P1W" in line and "PT1H" not in line and "P2D" not in line and "PT2H" not in line


def test_a_standing_duty_needs_no_anchor(tmp_path: Path) -> None:
    """A 5-week standing duty is a maximum gap: no anchor is asked for (a recurring one is)."""
    raw = mini_raw()
    standing = next(ob for ob in raw["obligations"] if ob["kind"] == "standing")
    standing["cadence"] = "P5W"
    standing.pop("anchor", None)
    assert validate_file(write(tmp_path, raw)) == []
