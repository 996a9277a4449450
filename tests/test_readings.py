"""Readings as data: each part of a duty is the plan's word or a stated reading of it, and
every output says which, in plain words."""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from conftest import FIXTURES
from engagerules import (
    evaluate,
    open_force,
    render_force_docs,
    render_html,
    render_markdown,
    render_text,
    report_json,
    validate_file,
)
from engagerules.cli import main
from engagerules.model.readings import Part, Reading, Readings
from engagerules.outputs.calendar import duty_calendar
from engagerules.sources.config import build_readings
from engagerules.sources.registry import available_forces

COUNCILS = "gwent.force.inspector-council-meetings"
AS_OF = datetime.fromisoformat("2023-01-09T09:00:00+00:00")


def test_reading_sentence_says_whose_words() -> None:
    """A reading says what is checked, that it is ours, and quotes the plan."""
    reading = Reading(Part.CADENCE, plan="regular", reading="checked monthly")
    assert reading.sentence() == "checked monthly: our reading; the plan says 'regular'"
    local = Reading(Part.CADENCE, "weekly", "checked fortnightly", by="board", departure=True)
    assert local.sentence() == (
        "checked fortnightly: local change (board), a departure from the plan, which says 'weekly'"
    )


def test_a_part_is_stated_only_with_the_plans_words() -> None:
    """A recurring duty per unit has cadence, units, threshold, owner and evidence: those
    its readings list are read, those `stated` gives words for are the plan's, and any
    other is read too, described from the configuration, since nobody showed the plan's
    words for it; an advisory duty has only an owner, a dated duty an effective date."""
    ob: dict[str, Any] = {
        "kind": "recurring",
        "cadence": "P1M",
        "owner": "PS",
        "scope": {"per": "area"},
        "evidence": [{"types": ["blog"], "min": 2}],
        "stated": {"units": "in each area", "owner": "the Sergeant"},
        "readings": {"cadence": {"plan": "regular", "reading": "monthly"}},
        "source": {"quote": "the Sergeant posts regular blogs in each area"},
    }
    readings = build_readings(ob)
    assert readings.stated == (Part.UNITS, Part.OWNER)
    assert readings.words == ((Part.UNITS, "in each area"), (Part.OWNER, "the Sergeant"))
    assert readings.words_of(Part.OWNER) == "the Sergeant"
    assert [r.part for r in readings.read] == [Part.CADENCE, Part.THRESHOLD, Part.EVIDENCE]
    threshold = readings.of(Part.THRESHOLD)
    assert threshold is not None
    assert threshold.reading == "at least 2 blog"
    assert threshold.plan == "the Sergeant posts regular blogs in each area"
    assert threshold.why.startswith("No words of the plan are given for how much is enough")
    advisory = build_readings({"kind": "advisory", "owner": "PS", "stated": {"owner": "PS"}})
    assert advisory.parts == (Part.OWNER,)
    assert advisory.stated == (Part.OWNER,)
    triggered = build_readings(
        {
            "kind": "triggered",
            "owner": "PS",
            "trigger": {"within": "P2D"},
            "effective": {"from": "2022-01-01"},
        }
    )
    assert Part.CADENCE not in triggered.parts
    assert triggered.stated == ()
    assert (triggered.of(Part.DEADLINE) or threshold).reading == "within 2 days of the trigger"
    assert (triggered.of(Part.EFFECTIVE) or threshold).reading == "in force from 1 Jan 2022"


def test_a_duty_in_force_from_the_plans_date_reads_it_with_the_forces_why() -> None:
    """Dorset's duties have no dates of their own: each is in force from the force's date,
    a reading that quotes the document's date line and gives the force's why."""
    ob = open_force("dorset").obligations[0]
    reading = ob.readings.of(Part.EFFECTIVE)
    assert reading is not None
    assert reading.plan == "Date of completion 02/08/2019"
    assert reading.reading == (
        "in force from 2 Aug 2019 (the period under way that day owed from it, as a part window)"
    )
    assert reading.why.startswith("The plan gives no start date")


def test_words_must_match_the_stated_parts() -> None:
    """A stated part with no words, or words for a part not stated, cannot be built."""
    with pytest.raises(ValueError, match=r"Readings\.words"):
        Readings(stated=(Part.OWNER,))
    with pytest.raises(ValueError, match=r"Readings\.words"):
        Readings(words=((Part.OWNER, "the Sergeant"),))
    with pytest.raises(ValueError, match=r"Readings\.words"):
        Readings(stated=(Part.OWNER,), words=((Part.OWNER, "  "),))


def test_stated_words_for_a_part_read_or_absent_are_located(tmp_path: Path) -> None:
    """`stated` may not repeat a reading's part, nor state a part the duty does not have."""
    raw = json.loads((FIXTURES / "mini" / "force.json").read_text())
    ob = raw["obligations"][0]
    ob["readings"] = {"owner": {"plan": "regular", "reading": "the Sergeant"}}
    ob["stated"] = {"owner": "the Sergeant", "deadline": "within a day"}
    path = tmp_path / "force.json"
    path.write_text(json.dumps(raw))
    problems = [str(p) for p in validate_file(path)]
    assert any("$.obligations[0].stated.owner: is also a reading" in p for p in problems)
    assert any("$.obligations[0].stated.deadline: the duty has no such part" in p for p in problems)


def test_obligations_json_carries_stated_and_read_parts(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`obligations --format json` adds `readings`: stated parts and each reading."""
    assert main(["obligations", "gwent", "--format", "json"]) == 0
    shapes = {o["id"]: o for o in json.loads(capsys.readouterr().out)}
    councils = shapes[COUNCILS]["readings"]
    assert councils["stated"] == ["units", "threshold", "owner", "evidence"]
    assert councils["words"]["owner"] == "each geographical Inspector"
    (read,) = [r for r in councils["read"] if r["part"] == "cadence"]
    assert read["plan"] == "regular attendance at local council meetings as agreed"
    assert read["reading"] == "at least once a calendar quarter"
    assert read["by"] is None
    assert read["departure"] is False
    assert read["text"].startswith("at least once a calendar quarter: our reading; the plan says")
    assert all("readings" in shape for shape in shapes.values())


def test_forces_counts_stated_and_read_parts(capsys: pytest.CaptureFixture[str]) -> None:
    """`forces` shows each force's stated and read parts, matching its obligations."""
    assert main(["forces", "--format", "json"]) == 0
    rows = {r["id"]: r for r in json.loads(capsys.readouterr().out)}
    for name in ("gwent", "dorset", "surrey", "notts"):
        force = open_force(name)
        assert rows[name]["parts"] == {
            "stated": sum(len(o.readings.stated) for o in force.obligations),
            "read": sum(len(o.readings.read) for o in force.obligations),
        }
        assert rows[name]["parts"]["read"] > 0
    assert main(["forces"]) == 0
    text = capsys.readouterr().out
    assert re.search(r"gwent .*parts: \d+ stated by the plan, \d+ read", text)


def test_bundled_descriptions_no_longer_carry_readings_in_prose() -> None:
    """The prose 'this configuration's reading' moved out of descriptions into readings."""
    for source in available_forces():
        if source.origin != "bundled":
            continue
        for ob in open_force(source.name).obligations:
            assert "configuration's reading" not in ob.description, ob.id
            assert "configuration's floor" not in ob.description, ob.id
            for reading in ob.readings.read:
                assert reading.plan.strip() and reading.reading.strip(), ob.id


def test_docs_mark_each_part_stated_or_read() -> None:
    """The reviewer's page lists stated and read parts per duty, with the plan's words."""
    page = render_force_docs(open_force("gwent"))
    assert (
        "- **Parts:** stated by the plan: units, threshold, owner, evidence; _read_: cadence, "
        "effective" in page
    )
    assert "  - owner, in the plan's words: 'each geographical Inspector'" in page
    assert "at least once a calendar quarter: our reading; the plan says" in page
    assert re.search(r"- Parts of duties .*: \d+ stated by the plan, each with .*, \d+ read", page)
    assert "Kept, because" in page


def test_calendar_description_shows_the_reading() -> None:
    """A duty's calendar item says which of its parts are our reading."""
    force = open_force("gwent")
    cal = duty_calendar(force, date(2022, 10, 1), date(2022, 12, 31), scope="newport")
    text = cal.to_ical().decode("utf-8").replace("\r\n ", "")
    assert "Reading (cadence): at least once a calendar quarter: our reading" in text


def test_reports_show_the_readings_of_duties_judged() -> None:
    """Text, Markdown, HTML and JSON list the readings of the duties in the report."""
    force = open_force("gwent")
    report = evaluate(
        force, [], date(2022, 10, 1), date(2022, 12, 31), AS_OF, obligations=[COUNCILS]
    )
    text = render_text(report)
    assert "READINGS: parts judged on a reading, not the plan's words (3)" in text
    assert f"{COUNCILS} effective: in force from 20 July 2016: our reading" in text
    # The step lists the Inspector, but no words of the plan are given for who may do it.
    assert f"{COUNCILS} roles: done by INSP: our reading" in text
    assert f"{COUNCILS} cadence: at least once a calendar quarter: our reading" in text
    assert "at least once a calendar quarter: our reading" in render_markdown(report)
    assert 'id="readings"' in render_html(report, force=force)
    shape = report_json(report)
    assert [r["part"] for r in shape["readings"][COUNCILS]] == ["cadence", "roles", "effective"]
    assert "departure" not in shape["results"][0]


def test_reading_of_an_unknown_part_is_located(tmp_path: Path) -> None:
    """A reading must name one of the six parts and give the plan's words and the reading."""
    raw = json.loads((FIXTURES / "mini" / "force.json").read_text())
    raw["obligations"][0]["readings"] = {
        "frequency": {"plan": "regular", "reading": "monthly"},
        "cadence": {"plan": "regular"},
    }
    path = tmp_path / "force.json"
    path.write_text(json.dumps(raw))
    problems = [str(p) for p in validate_file(path)]
    assert any("$.obligations[0].readings:" in p and "frequency" in p for p in problems)
    assert any("$.obligations[0].readings.cadence: 'reading' is required" in p for p in problems)


def test_obligations_text_lists_each_reading(capsys: pytest.CaptureFixture[str]) -> None:
    """The plain `obligations` listing says each read part under its duty."""
    assert main(["obligations", "gwent"]) == 0
    text = capsys.readouterr().out
    block = text.split(f"{COUNCILS}\n", 1)[1].split("\ngwent.", 1)[0]
    assert "  cadence: at least once a calendar quarter: our reading; the plan says" in block


def test_validate_finds_the_stated_words_in_the_document(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A new force states its parts in its plan's words, which validate finds beside
    force.json; words the plan does not hold are a located problem, exit 1."""
    assert main(["new", "northshire", "--dir", str(tmp_path)]) == 0
    home = tmp_path / "northshire"
    capsys.readouterr()
    assert main(["validate", str(home)]) == 0
    raw = json.loads((home / "force.json").read_text(encoding="utf-8"))
    assert raw["obligations"][0]["stated"]["owner"] == "by the neighbourhood team"
    raw["obligations"][0]["stated"]["owner"] = "by the Inspector"
    (home / "force.json").write_text(json.dumps(raw), encoding="utf-8")
    assert main(["validate", str(home)]) == 1
    err = capsys.readouterr().err
    assert (
        "$.obligations[0].stated.owner: the plan's words for owner are not in "
        "example-plan.txt: 'by the Inspector'" in err
    )
