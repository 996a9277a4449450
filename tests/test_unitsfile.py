"""Real unit lists from data files: CSV or JSON, given by the force or by local readings."""

from __future__ import annotations

import csv
import json
import shutil
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from conftest import FIXTURES
from engagerules import ConfigError, Part, Status, evaluate, load_force, open_force, parse_events
from engagerules.authoring.forcedocs import render_force_docs
from engagerules.sources.unitsfile import read_units

WARDS = FIXTURES / "units" / "surrey-wards.csv"
REAL_WARDS = FIXTURES / "units" / "surrey-real-wards.json"
COVERAGE = "surrey.ward-pcso-contact"


def _rows() -> list[dict[str, str]]:
    with WARDS.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _named(scope: str, event_id: str, role: str = "PCSO") -> dict[str, Any]:
    return {
        "id": event_id,
        "type": "ward_contact_named",
        "at": "2017-09-01",
        "scope": scope,
        "role": role,
        "person": f"p-{event_id}",
        "attrs": {"contact": f"p-{event_id}"},
    }


def test_surrey_ward_coverage_runs_on_every_ward_of_two_boroughs() -> None:
    """With the units file, every ward of Waverley and Guildford is judged, and only those."""
    force = open_force("surrey", [REAL_WARDS])
    wards = {u.id for u in force.units_of("ward")}
    assert wards == {row["id"] for row in _rows()}
    assert {force.unit(w).within for w in wards} == {"waverley", "guildford"}  # type: ignore[union-attr]
    assert "canalside" not in wards  # the illustrative Woking ward is replaced
    records = [
        _named("farnham-castle", "w1"),
        _named("stoke", "w2"),
        _named("ash-vale", "w3", "PC"),
    ]
    log = parse_events([("log.json", i + 1, r) for i, r in enumerate(records)], force)
    as_of = datetime.fromisoformat("2017-11-06T09:00:00+00:00")
    report = evaluate(
        force, log, date(2017, 10, 1), date(2017, 10, 31), as_of, obligations=[COVERAGE]
    )
    status = {r.scope: r.status for r in report.results}
    assert set(status) == wards
    assert status["farnham-castle"] is Status.MET
    assert status["stoke"] is Status.MET
    assert status["ash-vale"] is Status.MISSED  # a PC is not a PCSO
    assert sum(s is Status.MISSED for s in status.values()) == len(wards) - 2
    assert report.overrides[0].units_file == "surrey-wards.csv"


def test_units_keep_their_official_codes_and_are_not_illustrative() -> None:
    """Each unit from the file carries its ONS-style code; the bundled ones are illustrative."""
    bundled = open_force("surrey")
    assert {u.id for u in bundled.units_of("ward") if u.illustrative} == {
        u.id for u in bundled.units_of("ward")
    }
    assert not any(u.illustrative for u in bundled.units_of("borough"))
    force = open_force("surrey", [REAL_WARDS])
    codes = {u.id: u.code for u in force.units_of("ward")}
    assert codes == {row["id"]: row["code"] for row in _rows()}
    assert all(code and len(code) == 9 and code.startswith("E05") for code in codes.values())
    assert not any(u.illustrative for u in force.units_of("ward"))


def test_docs_mark_illustrative_units() -> None:
    """The reviewer's page marks Surrey's bundled wards illustrative, and says so up front."""
    page = render_force_docs(open_force("surrey"))
    assert "Units marked _(illustrative)_ are made up" in page
    assert "- Illustrative units: 8 of 19 units" in page


def test_force_json_units_file_adds_units(tmp_path: Path) -> None:
    """`units_file` in force.json adds the file's units, which duties per ward then cover."""
    target = tmp_path / "mini"
    shutil.copytree(FIXTURES / "mini", target)
    raw = json.loads((target / "force.json").read_text())
    raw["units_file"] = "wards.json"
    (target / "force.json").write_text(json.dumps(raw))
    (target / "wards.json").write_text(
        json.dumps(
            [
                {
                    "id": "e-ward",
                    "title": "East ward",
                    "kind": "ward",
                    "parent": "east",
                    "code": "E05000001",
                }
            ]
        )
    )
    force = load_force(target)
    unit = force.unit("e-ward")
    assert unit is not None
    assert (unit.name, unit.within, unit.code) == ("East ward", "east", "E05000001")
    assert {u.id for u in force.units_of("ward")} == {"n-ward", "s-ward", "e-ward"}
    (ob,) = force.obligation("mini.ward-poc")
    assert "e-ward" in ob.scope.units


def test_bad_units_file_lists_every_problem_by_line(tmp_path: Path) -> None:
    """Each bad row is reported with its line and column; nothing stops at the first."""
    target = tmp_path / "mini"
    shutil.copytree(FIXTURES / "mini", target)
    raw = json.loads((target / "force.json").read_text())
    raw["units_file"] = "wards.csv"
    (target / "force.json").write_text(json.dumps(raw))
    (target / "wards.csv").write_text(
        "id,title,kind,parent,code\n"
        "ok-ward,OK ward,ward,north,\n"
        "Bad Id,Bad,ward,north,\n"
        "no-title,,ward,north,\n"
        "orphan,Orphan,ward,nowhere,\n"
        "north,Duplicate,section,,\n"
    )
    with pytest.raises(ConfigError) as caught:
        load_force(target)
    found = [str(p) for p in caught.value.problems]
    wards = target / "wards.csv"
    assert any(p.startswith(f"{wards}:3: id: 'Bad Id' is not an id") for p in found)
    assert any(p.startswith(f"{wards}:4: title: is required") for p in found)
    assert any(p.startswith(f"{wards}:5: parent: unknown unit 'nowhere'") for p in found)
    assert any(p.startswith(f"{wards}:6: id: duplicate id 'north'") for p in found)
    assert len(found) == 4


def test_units_file_header_problems(tmp_path: Path) -> None:
    """An unknown column and a missing required one are both named, at line 1."""
    path = tmp_path / "u.csv"
    path.write_text("id,name,kind\nx,X,ward\n")
    units, _, problems = read_units(path)
    assert units == []
    assert [str(p) for p in problems] == [
        f"{path}:1: unknown column 'name' (columns: id, title, kind, parent, code)",
        f"{path}:1: the column 'title' is required",
    ]


def test_json_units_file_rows_are_located_by_json_path(tmp_path: Path) -> None:
    """A JSON units file's bad rows are named by their path, `$[1].kind`."""
    path = tmp_path / "u.json"
    path.write_text(
        json.dumps([{"id": "a", "title": "A", "kind": "ward"}, {"id": "b", "title": "B"}])
    )
    units, places, problems = read_units(path)
    assert [u["id"] for u in units] == ["a"]
    assert places == [f"{path}: $[0]"]
    assert [str(p) for p in problems] == [f"{path}: $[1].kind: is required"]


def test_json_units_file_numbers_json_cannot_mean_are_located(tmp_path: Path) -> None:
    """NaN, overflow and huge integers are refused at their JSON path; good rows are kept."""
    path = tmp_path / "u.json"
    path.write_text(
        '[{"id": "a", "title": "A", "kind": "ward"},\n'
        ' {"id": "b", "title": NaN, "kind": "ward"},\n'
        ' {"id": "c", "title": "C", "kind": "ward", "code": 1e400},\n'
        ' {"id": "d", "title": "D", "kind": ' + "9" * 400 + "}]"
    )
    units, _, problems = read_units(path)
    assert [u["id"] for u in units] == ["a"]
    assert [str(p) for p in problems] == [
        f"{path}: $[1].title: NaN is not a number JSON can carry: use a finite decimal",
        f"{path}: $[2].code: 1e400 is beyond the largest number supported (about 1e308)",
        f"{path}: $[3].kind: a number of 400 digits (at most 300)",
    ]


def test_json_units_file_hostile_text_names_file_and_line(tmp_path: Path) -> None:
    """Nesting the parser cannot follow, or a lone surrogate, is one problem at its line."""
    deep = tmp_path / "deep.json"
    deep.write_text('[{"id": "a",\n "title":\n' + "[" * 5000 + "]" * 5000 + "}]")
    assert [str(p) for p in read_units(deep)[2]] == [f"{deep}:3: nested more than 64 levels deep"]
    odd = tmp_path / "odd.json"
    odd.write_text('[{"id": "a", "title": "A", "kind": "ward"},\n {"id": "b", "title": "\\udc00"}]')
    problems = read_units(odd)[2]
    assert [str(p) for p in problems] == [
        f"{odd}:2: a string holds a lone surrogate (\\ud800 to \\udfff), which is not text"
    ]


def test_force_json_units_file_replaces_illustrative_units_and_readings_follow(
    tmp_path: Path,
) -> None:
    """Surrey's real wards in force.json's `units_file` replace its illustrative wards (same
    ids are not duplicates), and the ward duty's reading describes the wards as loaded."""
    target = tmp_path / "surrey"
    shutil.copytree(open_force("surrey").root, target)
    shutil.copy(WARDS, target / "wards.csv")
    raw = json.loads((target / "force.json").read_text())
    raw["units_file"] = "wards.csv"
    (target / "force.json").write_text(json.dumps(raw))
    force = load_force(target)
    assert not any(u.illustrative for u in force.units_of("ward"))
    (ob,) = force.obligation("surrey.ward-pcso-contact")
    reading = ob.readings.of(Part.UNITS)
    assert reading is not None
    assert f"{len(ob.scope.units)} wards in Waverley and Guildford" in reading.reading
    assert "illustrative" not in reading.reading
    bundled = open_force("surrey").obligation("surrey.ward-pcso-contact")[0].readings
    assert "8 wards (8 illustrative)" in (bundled.of(Part.UNITS) or reading).reading
