"""Local readings: an overrides file laid over a bundled force changes windows and verdicts,
every report names it, and a bad file lists every problem at its JSON path."""

from __future__ import annotations

import json
import shutil
from datetime import date, datetime
from pathlib import Path
from typing import Any

import junitparser
import pytest

from conftest import FIXTURES
from engagerules import (
    ConfigError,
    Status,
    evaluate,
    open_force,
    parse_events,
    render_html,
    render_junit,
    render_markdown,
    render_text,
    report_json,
    schedule,
)
from engagerules.cli import main
from engagerules.model.readings import Part
from engagerules.sources.overrides import (
    changed_parts,
    is_overrides_file,
    merge_patch,
    read_overrides,
)

FORTNIGHTLY = FIXTURES / "overrides" / "gwent-fortnightly.json"
BAD = FIXTURES / "overrides" / "bad.json"
TWEET = "gwent.cn.weekly-positive-tweet"
AS_OF = datetime.fromisoformat("2022-10-24T09:00:00+01:00")

#: One positive tweet in Bargoed, in the first week of a fortnight and none in the second.
TWEETS = [
    {
        "id": "t1",
        "type": "tweet",
        "at": "2022-10-04T10:00:00+01:00",
        "scope": "bargoed",
        "role": "ORLO_SPOC",
        "attrs": {"topic": "positive"},
    }
]


def _bargoed(overrides: list[Path]) -> list[tuple[date, Status]]:
    force = open_force("gwent", overrides)
    log = parse_events([("tweets.json", i + 1, r) for i, r in enumerate(TWEETS)], force)
    report = evaluate(force, log, date(2022, 10, 3), date(2022, 10, 16), AS_OF, obligations=[TWEET])
    return [(r.window.local_start.date(), r.status) for r in report.results if r.scope == "bargoed"]


def test_override_changes_windows_of_that_duty_only() -> None:
    """A fortnightly reading gives fortnightly windows for the tweet duty; others keep theirs."""
    plain = open_force("gwent")
    local = open_force("gwent", [FORTNIGHTLY])
    start, end = date(2022, 10, 3), date(2022, 10, 30)

    def starts(force: Any, ob: str) -> list[date]:
        return [
            d.window.local_start.date()
            for d in schedule(force, start, end, scope="bargoed")
            if d.obligation.id == ob
        ]

    assert starts(plain, TWEET) == [date(2022, 10, d) for d in (3, 10, 17, 24)]
    assert starts(local, TWEET) == [date(2022, 10, 3), date(2022, 10, 17)]
    other = "gwent.cn.weekly-community-group-contact"
    assert starts(local, other) == starts(plain, other)


def test_override_changes_the_verdict() -> None:
    """One tweet in the first week: weekly, the second week is missed; fortnightly, all met."""
    assert _bargoed([]) == [
        (date(2022, 10, 3), Status.MET),
        (date(2022, 10, 10), Status.MISSED),
    ]
    assert _bargoed([FORTNIGHTLY]) == [(date(2022, 10, 3), Status.MET)]


def test_every_report_names_the_override_and_the_departure(tmp_path: Path) -> None:
    """Text, JSON, Markdown, HTML and JUnit name the overrides and mark the departure."""
    force = open_force("gwent", [FORTNIGHTLY])
    log = parse_events([("tweets.json", i + 1, r) for i, r in enumerate(TWEETS)], force)
    report = evaluate(force, log, date(2022, 10, 3), date(2022, 10, 16), AS_OF, obligations=[TWEET])
    text = render_text(report)
    assert "local readings in force: gwent-fortnightly" in text
    assert "DEPARTS FROM THE PLAN" in text
    assert "checked fortnightly: local change (gwent-fortnightly)" in text
    shape = report_json(report)
    assert shape["overrides"][0]["name"] == "gwent-fortnightly"
    assert shape["overrides"][0]["changes"][0]["parts"] == ["cadence"]
    assert shape["overrides"][0]["changes"][0]["departure"] is True
    assert all(r["departure"] is True for r in shape["results"])
    assert shape["readings"][TWEET][0]["by"] == "gwent-fortnightly"
    assert "gwent-fortnightly" in render_markdown(report)
    assert "Departs from the plan" in render_markdown(report)
    assert 'id="overrides"' in render_html(report, force=force)
    assert "gwent-fortnightly" in render_html(report, force=force)
    path = tmp_path / "junit.xml"
    path.write_text(render_junit(report), encoding="utf-8")
    properties = {
        p.name: p.value
        for suite in junitparser.JUnitXml.fromfile(str(path))
        for p in suite.properties()
    }
    assert "gwent-fortnightly" in (properties["overrides"] or "")
    assert properties["departure"] == "cadence"
    assert "checked fortnightly" in (properties["reading.cadence"] or "")


def test_report_without_overrides_names_none() -> None:
    """The bundled force's report has no overrides and no departure."""
    force = open_force("gwent")
    report = evaluate(force, [], date(2022, 10, 3), date(2022, 10, 9), AS_OF, obligations=[TWEET])
    assert report_json(report)["overrides"] == []
    assert "local readings in force" not in render_text(report)
    assert "departure" not in report_json(report)["results"][0]


def test_bad_overrides_file_lists_every_problem_with_json_paths() -> None:
    """Shape problems and those found applying the file come together, each at its path."""
    with pytest.raises(ConfigError) as caught:
        open_force("gwent", [BAD])
    found = [str(p) for p in caught.value.problems]
    text = "\n".join(found)
    assert f"{BAD}: $: Additional properties" in text
    assert f"{BAD}: $.name:" in text
    assert f"{BAD}: $.overrides[1]: 'why' is required" in text
    assert f"{BAD}: $.overrides[1].set: 'id' cannot be changed" in text
    assert f"{BAD}: $.overrides[0].obligation: no obligation" in text
    assert "did you mean 'gwent.cn.weekly-positive-tweet'" in text
    assert f"{BAD}: $.overrides[2].set.cadence:" in text
    assert f"{BAD}: $.overrides[2].set.owner: unknown role 'SGT'" in text
    assert len(found) == 7


def test_bad_overrides_exit_2_from_check_and_1_from_validate(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`check --overrides BAD` is bad input (2); `validate BAD` lists problems and exits 1."""
    sample = str(Path("forces/gwent/sample/activity-2022q4.jsonl").resolve())
    code = main(["check", "gwent", sample, "--from", "2022-10-01", "--to", "2022-10-31",
                 "--overrides", str(BAD)])  # fmt: skip
    assert code == 2
    assert "$.overrides[2].set.owner" in capsys.readouterr().err
    assert main(["validate", str(BAD)]) == 1
    err = capsys.readouterr().err
    assert "7 problems found" in err
    assert main(["validate", str(FORTNIGHTLY)]) == 0


def test_overrides_for_another_force_are_refused() -> None:
    """An overrides file names the force it refines; laid over another it is a problem."""
    with pytest.raises(ConfigError, match=r"\$\.force: these readings refine 'gwent'"):
        open_force("dorset", [FORTNIGHTLY])


def test_changing_a_read_part_is_a_local_reading_not_a_departure(tmp_path: Path) -> None:
    """Where the configuration already reads a part, a local reading replaces it, quoting
    the plan's words, and is no departure."""
    doc = {
        "force": "gwent",
        "name": "council-monthly",
        "overrides": [
            {
                "obligation": "gwent.force.inspector-council-meetings",
                "set": {"cadence": "P1M"},
                "reading": "checked monthly",
                "why": "agreed with the community councils",
            }
        ],
    }
    path = tmp_path / "o.json"
    path.write_text(json.dumps(doc))
    force = open_force("gwent", [path])
    (ob,) = force.obligation("gwent.force.inspector-council-meetings")
    reading = ob.readings.of(Part.CADENCE)
    assert reading is not None
    assert reading.by == "council-monthly"
    assert not reading.departure
    assert reading.plan == "regular attendance at local council meetings as agreed"
    assert "local reading (council-monthly)" in reading.sentence()
    assert force.overrides[0].departures == ()


def test_refinement_directory_opens_as_a_force(tmp_path: Path) -> None:
    """A directory holding only overrides.json is a force: the base with its readings."""
    target = tmp_path / "gwent-board"
    target.mkdir()
    shutil.copy(FORTNIGHTLY, target / "overrides.json")
    force = open_force(str(target))
    assert force.id == "gwent"
    assert [s.name for s in force.overrides] == ["gwent-fortnightly"]
    (ob,) = force.obligation(TWEET)
    assert str(ob.cadence) == "P2W"


def test_refinement_plugin_is_listed_with_its_base(
    plugin_site: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A plugin shipping overrides.json is listed by `forces` as refining its base."""
    package = plugin_site / "gwent_board"
    package.mkdir()
    (package / "__init__.py").write_text('"""Gwent board readings."""\n')
    shutil.copy(FORTNIGHTLY, package / "overrides.json")
    info = plugin_site / "gwent_board-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: gwent-board\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[engagerules.forces]\ngwent-board = gwent_board\n")
    (info / "RECORD").write_text("")
    assert [s.name for s in open_force("gwent-board").overrides] == ["gwent-fortnightly"]
    assert main(["forces", "--format", "json"]) == 0
    rows = {r["id"]: r for r in json.loads(capsys.readouterr().out)}
    assert rows["gwent-board"]["refines"] == "gwent"
    assert rows["gwent-board"]["overrides"] == ["gwent-fortnightly"]


def test_merge_patch_follows_rfc_7386() -> None:
    """Objects merge key by key, null removes a key, anything else replaces."""
    before = {"a": 1, "b": {"c": 2, "d": 3}, "e": [1, 2]}
    after = merge_patch(before, {"b": {"c": None, "x": 9}, "e": [3], "a": None})
    assert after == {"b": {"d": 3, "x": 9}, "e": [3]}
    assert before["b"] == {"c": 2, "d": 3}


def test_parts_are_worked_out_from_the_keys_set() -> None:
    """A changed minimum is a threshold; a changed type is evidence; within is a deadline."""
    before: dict[str, Any] = {
        "evidence": [{"types": ["tweet"], "min": 1}],
        "trigger": {"types": ["warrant"], "within": "P2D"},
    }
    more = merge_patch(before, {"evidence": [{"types": ["tweet"], "min": 2}]})
    assert changed_parts(before, more, ["evidence"]) == (Part.THRESHOLD,)
    other = merge_patch(before, {"evidence": [{"types": ["leaflet_drop"], "min": 1}]})
    assert changed_parts(before, other, ["evidence"]) == (Part.EVIDENCE,)
    later = merge_patch(before, {"trigger": {"within": "P3D"}})
    assert changed_parts(before, later, ["trigger"]) == (Part.DEADLINE,)
    assert changed_parts(before, before, ["title", "owner", "scope"]) == (Part.UNITS, Part.OWNER)


def test_unreadable_overrides_file_is_one_located_problem(tmp_path: Path) -> None:
    """Broken JSON is reported with its line and column, not a traceback."""
    path = tmp_path / "o.json"
    path.write_text('{"force": "gwent",\n "name": }')
    with pytest.raises(ConfigError, match=r"o\.json:2:\d+: not valid JSON"):
        read_overrides(path)


def test_commands_taking_force_accept_overrides(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """obligations, schedule, docs and calendar all lay `--overrides` over the force."""
    local = ["--overrides", str(FORTNIGHTLY)]
    assert main(["obligations", "gwent", "--format", "json", *local]) == 0
    shapes = {o["id"]: o for o in json.loads(capsys.readouterr().out)}
    assert shapes[TWEET]["cadence"] == "P2W"
    assert shapes[TWEET]["readings"]["read"][0]["departure"] is True
    span = ["--from", "2022-10-03", "--to", "2022-10-16", "--scope", "bargoed"]
    assert main(["schedule", "gwent", *span, "--format", "json", *local]) == 0
    due = [d for d in json.loads(capsys.readouterr().out) if d["obligation"] == TWEET]
    assert [d["start"][:10] for d in due] == ["2022-10-03"]
    assert main(["docs", "gwent", *local]) == 0
    page = capsys.readouterr().out
    assert "## Local readings in force" in page
    assert "(departs from the plan)" in page
    ics = tmp_path / "duties.ics"
    assert main(["calendar", "gwent", *span, "-o", str(ics), *local]) == 0
    text = ics.read_bytes().decode("utf-8").replace("\r\n ", "")
    assert "checked fortnightly: local change (gwent-fortnightly)" in text


def test_departure_is_judged_entry_by_entry(tmp_path: Path) -> None:
    """Two entries on one duty: a change to a read part is no departure even after a change
    to a stated part of the same duty."""
    doc = {
        "force": "gwent",
        "name": "two-entries",
        "overrides": [
            {
                "obligation": "gwent.force.inspector-council-meetings",
                "set": {"owner": "PS"},
                "why": "sergeants attend",
            },
            {
                "obligation": "gwent.force.inspector-council-meetings",
                "set": {"cadence": "P1M"},
                "why": "agreed monthly",
            },
        ],
    }
    path = tmp_path / "o.json"
    path.write_text(json.dumps(doc))
    (local,) = open_force("gwent", [path]).overrides
    assert [(c.parts, c.departure) for c in local.changes] == [
        ((Part.OWNER,), True),
        ((Part.CADENCE,), False),
    ]
    (ob,) = open_force("gwent", [path]).obligation("gwent.force.inspector-council-meetings")
    assert ob.owner == "PS"
    assert [(r.part, r.departure) for r in ob.readings.read] == [
        (Part.CADENCE, False),
        (Part.OWNER, True),
        (Part.EFFECTIVE, False),
    ]
    assert ob.readings.of(Part.CADENCE).reading == 'cadence "P1M"'  # type: ignore[union-attr]


def test_problems_keep_file_and_json_path_apart() -> None:
    """Each problem of a bad overrides file carries its file and JSON path as fields too."""
    with pytest.raises(ConfigError) as caught:
        open_force("gwent", [BAD])
    by_path = {p.path: p for p in caught.value.problems}
    owner = by_path["$.overrides[2].set.owner"]
    assert owner.file == str(BAD)
    assert owner.line is None
    assert "$.overrides[0].obligation" in by_path
    assert all(p.file == str(BAD) for p in caught.value.problems)


@pytest.mark.parametrize(
    ("value", "said"),
    [
        ("NaN", "NaN is not a number JSON can carry: use a finite decimal"),
        ("-Infinity", "-Infinity is not a number JSON can carry: use a finite decimal"),
        ("1e400", "1e400 is not a number JSON can carry: use a finite decimal"),
        ("1" * 400, "a number of 400 digits (at most 300)"),
    ],
)
def test_overrides_numbers_json_cannot_mean_are_located(
    tmp_path: Path, value: str, said: str
) -> None:
    """NaN, infinities, overflowing and huge numbers are refused at their JSON path."""
    path = tmp_path / "o.json"
    path.write_text(
        '{"force": "gwent", "overrides": [{"obligation": "' + TWEET + '",\n'
        ' "set": {"require": {"value": ' + value + '}}, "why": "w"}]}'
    )
    with pytest.raises(ConfigError) as caught:
        read_overrides(path)
    assert [str(p) for p in caught.value.problems] == [
        f"{path}: $.overrides[0].set.require.value: {said}"
    ]


def test_overrides_nested_past_the_parser_name_file_and_line(tmp_path: Path) -> None:
    """Nesting the parser cannot follow is one problem naming the file and line, no traceback."""
    path = tmp_path / "o.json"
    path.write_text('{"force": "gwent",\n "why":\n' + "[" * 5000 + "]" * 5000 + "}")
    with pytest.raises(ConfigError) as caught:
        read_overrides(path)
    assert [str(p) for p in caught.value.problems] == [f"{path}:3: nested more than 64 levels deep"]
    assert caught.value.problems[0].line == 3


def test_overrides_lone_surrogate_names_its_line(tmp_path: Path) -> None:
    """A string that is not text (a lone surrogate escape) is refused at its line."""
    path = tmp_path / "o.json"
    path.write_text('{"force": "gwent",\n"title": "\\ud83d\\ude00 ok",\n"name": "x\\ud800"}')
    with pytest.raises(ConfigError, match=rf"^{path}:3: a string holds a lone surrogate"):
        read_overrides(path)


def test_overrides_sniffing_survives_hostile_json(tmp_path: Path) -> None:
    """Telling overrides from a force reads deep nesting as 'not overrides', no traceback."""
    path = tmp_path / "x.json"
    path.write_text("[" * 5000 + "]" * 5000)
    assert is_overrides_file(path) is False
