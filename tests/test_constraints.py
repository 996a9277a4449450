"""Constraints never hide a breach (issue 19): a value outside a code list a constraint
judges is read and judged a breach, and a record with no unit is judged where it can be
placed, so `check --fail-on breach` fails on either."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import FIXTURES
from engagerules import (
    Force,
    Status,
    evaluate,
    load_force,
    open_force,
    parse_events,
    validate_file,
)
from engagerules.cli import main
from engagerules.sources.events import read_events
from engagerules.sources.fastread import fast_jsonl

CODES = ("priority_crime", "chronic_issue")


@pytest.fixture(scope="module")
def force() -> Force:
    return load_force(FIXTURES / "verdicts")


def meeting(ident: str, purpose: object, **extra: Any) -> dict[str, Any]:
    return {
        "id": ident,
        "type": "meeting",
        "at": "2023-06-05T18:00:00+01:00",
        "attrs": {"purpose": purpose},
        **extra,
    }


def judge(
    force: Force, records: list[dict[str, Any]], obligation: str, month: int = 6
) -> list[Any]:
    """The results of `obligation` over one month of 2023 (June unless said), judged two
    days after it."""
    log = parse_events([("log.jsonl", i + 1, r) for i, r in enumerate(records)], force)
    assert not log.rejections, log.rejections
    start = date(2023, month, 1)
    after = date(2023, month + 1, 1)
    as_of = datetime(after.year, after.month, 2, tzinfo=UTC)
    report = evaluate(force, log, start, after - timedelta(days=1), as_of, obligations=[obligation])
    return list(report.results)


def test_a_listed_code_is_met(force: Force) -> None:
    """A meeting whose purpose is one of the codes keeps the rule: met."""
    (result,) = judge(force, [meeting("m1", "priority_crime")], "v.purpose")
    assert result.status is Status.MET and result.evidence == ("m1",)


def test_a_value_outside_the_codes_is_read_and_a_breach(force: Force) -> None:
    """'Priority crime' (a title, not the code) was rejected when read, leaving the rule
    `unchecked`; it is now read and the constraint's breach, named by attribute and line,
    never by what was typed."""
    records = [meeting("m1", "priority_crime"), meeting("m2", "Priority crime")]
    (result,) = judge(force, records, "v.purpose")
    assert result.status is Status.BREACH and result.evidence == ("m2",)
    assert "m2 (line 2: purpose is not one of the listed codes)" in result.reason
    assert "Priority crime" not in result.reason


def test_a_value_outside_the_codes_no_constraint_judges_is_still_rejected(force: Force) -> None:
    """`format` has codes but no constraint: a bad value is a located rejection as before."""
    record = meeting("m1", "priority_crime")
    record["attrs"]["format"] = "opne"
    log = parse_events([("log.jsonl", 3, record)], force)
    (rejection,) = log.rejections
    assert rejection.line == 3 and rejection.reason.startswith("attrs.format:")


def test_the_fast_and_careful_readers_agree_on_a_value_outside_the_codes(
    force: Force, tmp_path: Path
) -> None:
    """Both readers keep the record and read the value alike (the fast reader goes through
    the careful reader's attribute check)."""
    path = tmp_path / "log.jsonl"
    records = [meeting("m1", "Priority crime"), meeting("m2", "nope")]
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    blocks = fast_jsonl(path, force)
    assert blocks is not None
    ready, fast = next(iter(blocks))
    assert ready  # the fast reader built them itself
    careful = parse_events([("log.jsonl", i + 1, r) for i, r in enumerate(records)], force)
    assert [dict(e.attrs) for e in fast] == [dict(e.attrs) for e in careful.events]
    assert [repr(e.attrs["purpose"]) for e in fast] == ["<not one of the listed codes>"] * 2
    assert len(read_events([path], force).events) == 2


def test_a_breaking_record_with_no_unit_is_judged_force_wide(force: Force) -> None:
    """A per-section rule judges a surgery with no unit force-wide (it used to be
    unmatched, and the breach went unreported)."""
    records = [{"id": "s1", "type": "surgery", "at": "2023-06-05T18:00:00Z"}]
    results = judge(force, records, "v.surgery-locations")
    placed = [r for r in results if r.scope is None]
    assert [(r.status, r.evidence) for r in placed] == [(Status.BREACH, ("s1",))]


def test_a_record_at_an_enclosing_unit_is_judged_there(force: Force) -> None:
    """A surgery recorded for the team above the sections is judged at the team (met when
    it keeps the rule), never in each section nor dropped."""
    records = [
        {
            "id": "s1",
            "type": "surgery",
            "at": "2023-06-05T18:00:00Z",
            "scope": "town",
            "attrs": {"location": "Hall"},
        },
    ]
    results = judge(force, records, "v.surgery-locations")
    assert [(r.scope, r.status) for r in results if r.evidence] == [("town", Status.MET)]
    assert {r.status for r in results if r.scope in ("north", "south")} == {Status.UNCHECKED}


def _check(tmp_path: Path, force: str, records: list[dict[str, Any]], *span: str) -> int:
    path = tmp_path / "log.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    args = ["check", force, str(path), "--from", span[0], "--to", span[1]]
    return main([*args, "--as-of", span[2], "--fail-on", "breach", "--format", "json"])


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    value=st.text(min_size=1, max_size=20).filter(
        lambda v: v.strip() and v.strip().lower() not in CODES
    )
)
def test_any_value_outside_the_list_fails_check_on_breach(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], value: str
) -> None:
    """Whatever is typed outside a constraint's code list, `check --fail-on breach` exits 1
    and the report does not repeat it."""
    records = [meeting("m1", value, scope="north")]
    code = _check(
        tmp_path,
        str(FIXTURES / "verdicts"),
        records,
        "2023-06-01",
        "2023-06-30",
        "2023-07-02T00:00:00+00:00",
    )
    out = json.loads(capsys.readouterr().out)
    assert code == 1
    assert out["events"]["rejected"] == 0
    (breach,) = [r for r in out["results"] if r["status"] == "breach"]
    assert breach["evidence"] == ["m1"]
    # the same words whatever was typed: the value itself is never repeated
    assert breach["reason"] == (
        "1 of 1 events break the rule: m1 (line 1: purpose is not one of the listed codes)"
    )


def test_surrey_meeting_with_a_title_for_a_code_is_a_breach(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Surrey: a meeting whose policing purpose is typed as words breaches the 'policing
    purpose' rule in its borough, and `check --fail-on breach` exits 1 (it exited 0)."""
    surrey = open_force("surrey")
    assert "policing_purpose" in surrey.judged_attributes()["community_meeting_attended"]
    records = [
        {
            "id": "c1",
            "type": "community_meeting_attended",
            "at": "2017-10-05T19:00:00+01:00",
            "scope": "woking",
            "role": "PCSO",
            "attrs": {"policing_purpose": "Priority crime", "delivered": "two_way"},
        },
    ]
    code = _check(
        tmp_path, "surrey", records, "2017-10-01", "2017-10-31", "2017-11-06T09:00:00+00:00"
    )
    out = json.loads(capsys.readouterr().out)
    assert code == 1
    breaches = [r["obligation"] for r in out["results"] if r["status"] == "breach"]
    assert "surrey.meeting-policing-purpose" in breaches


# -- coverage is judged as declared ------------------------------------------------------


def _force_with(tmp_path: Path, change: dict[str, dict[str, Any]]) -> Path:
    """A copy of the verdicts force with some obligations' keys changed (None removes)."""
    config = json.loads((FIXTURES / "verdicts" / "force.json").read_text(encoding="utf-8"))
    for ob in config["obligations"]:
        for key, value in change.get(ob["id"], {}).items():
            if value is None:
                ob.pop(key, None)
            else:
                ob[key] = value
    folder = tmp_path / "force"
    shutil.copytree(FIXTURES / "verdicts", folder, dirs_exist_ok=True)
    (folder / "force.json").write_text(json.dumps(config), encoding="utf-8")
    return folder


def _contact(force: Force, named: str, vacated: str | None = None) -> Any:
    records = [{"id": "c1", "type": "contact_named", "at": named, "scope": "north", "role": "PCSO"}]
    if vacated is not None:
        records.append(
            {"id": "x1", "type": "contact_vacated", "at": vacated, "scope": "north", "refs": ["c1"]}
        )
    return next(r for r in judge(force, records, "v.contact", month=1) if r.scope == "north")


@pytest.fixture(scope="module")
def at_end(tmp_path_factory: pytest.TempPathFactory) -> Force:
    return load_force(
        _force_with(tmp_path_factory.mktemp("end"), {"v.contact": {"judged": "at_end"}})
    )


def test_coverage_judged_at_end_is_met_by_an_assignment_in_place_when_the_window_closes(
    at_end: Force,
) -> None:
    """Declared `at_end`: a contact named on 29 January covers January, and the reason
    says it was judged at the window's end, not 'throughout'."""
    result = _contact(at_end, "2023-01-29")
    assert result.status is Status.MET
    assert "at the window's end" in result.reason and "throughout" not in result.reason


def test_coverage_judged_at_end_is_missed_when_vacated_before_the_end(at_end: Force) -> None:
    """Declared `at_end`: a contact named then vacated before the month closes leaves
    nobody in place at its end: missed, and the reason says when it was judged."""
    result = _contact(at_end, "2022-12-01", vacated="2023-01-30")
    assert result.status is Status.MISSED
    assert "in place for North at" in result.reason


def test_coverage_judged_throughout_names_the_gap(force: Force) -> None:
    """Declared `throughout` (the default): the same 29 January contact leaves 28 days
    uncovered, missed with its days; one named in December is met 'throughout'."""
    late = _contact(force, "2023-01-29")
    assert late.status is Status.MISSED and "Sat 28 Jan 2023" in late.reason
    early = _contact(force, "2022-12-01")
    assert early.status is Status.MET and "throughout" in early.reason


@settings(max_examples=40, deadline=None)
@given(named=st.integers(min_value=-40, max_value=40), kept=st.integers(min_value=1, max_value=80))
def test_coverage_verdict_follows_the_declaration(at_end: Force, named: int, kept: int) -> None:
    """For any assignment (named `named` days from 1 January, vacated `kept` days later),
    `at_end` is met exactly when it is in place at 1 February, `throughout` exactly when
    it also was from 1 January; the reason never says one while judging the other."""
    base = datetime(2023, 1, 1, 12, tzinfo=UTC)
    start, end = base + timedelta(days=named), base + timedelta(days=named + kept)
    result = _contact(at_end, start.isoformat(), vacated=end.isoformat())
    closes = datetime(2023, 2, 1, tzinfo=UTC)
    assert (result.status is Status.MET) == (start < closes <= end)
    assert "throughout" not in result.reason


def test_force_docs_and_calendar_say_how_coverage_is_judged(at_end: Force) -> None:
    """The force documentation's 'Judged' note and the calendar's 'When' line follow the
    declaration (they said 'end of each month' while the engine judged throughout)."""
    from engagerules.authoring.forcedocs import render_force_docs
    from engagerules.engine.kinds import kind_module

    (ob,) = at_end.obligation("v.contact")
    assert "covered when in place at the end of each window" in render_force_docs(at_end)
    assert kind_module(ob.kind).when_suffix(ob, ob.rule) == " (judged at the end of each period)"


def test_validate_refuses_judged_and_in_place_that_disagree(tmp_path: Path) -> None:
    """`in_place` is the older spelling (`by_end` is `at_end`); both, disagreeing, are a
    located problem rather than one silently winning."""
    folder = _force_with(tmp_path, {"v.contact": {"judged": "throughout", "in_place": "by_end"}})
    problems = validate_file(folder)
    assert any("judged" in str(p) and "obligations" in str(p) for p in problems), problems
    older = _force_with(tmp_path / "b", {"v.contact": {"in_place": "by_end"}})
    (ob,) = load_force(older).obligation("v.contact")
    assert ob.rule.judged == "at_end"  # type: ignore[attr-defined]


# -- distinct over codes ---------------------------------------------------------------


def test_validate_refuses_distinct_over_free_text(tmp_path: Path) -> None:
    """`distinct` over a text attribute ("elderly", "Elderly", "older people" would be three
    groups) is a located problem naming the attribute and the type."""
    folder = _force_with(
        tmp_path,
        {"v.contact": {"evidence": [{"types": ["surgery"], "distinct": "location", "min": 2}]}},
    )
    problems = [str(p) for p in validate_file(folder)]
    assert any(".evidence[0].distinct" in p and "'location'" in p for p in problems), problems


def test_validate_accepts_distinct_over_declared_codes(tmp_path: Path) -> None:
    """`distinct` over a code attribute is valid, and counts codes: two meetings with the
    same purpose are one purpose."""
    folder = _force_with(
        tmp_path,
        {"v.contact": {"evidence": [{"types": ["meeting"], "distinct": "purpose", "min": 2}]}},
    )
    assert not [p for p in validate_file(folder) if "distinct" in str(p)]


def test_dorset_groups_are_codes() -> None:
    """Dorset's hard-to-reach groups are counted by the plan's codes, not typed words."""
    dorset = open_force("dorset")
    (spec,) = [
        a
        for t in dorset.event_types
        if t.id == "diverse_group_engagement"
        for a in t.attributes
        if a.name == "group"
    ]
    assert "elderly" in spec.code_ids and spec.type.value == "code"


def _surgeries(force: Force, places: list[tuple[str, str]]) -> Any:
    records = [
        {
            "id": f"s{i}",
            "type": "surgery",
            "at": f"2023-06-{i + 1:02d}T18:00:00Z",
            "scope": scope,
            "attrs": {"location": place},
        }
        for i, (scope, place) in enumerate(places)
    ]
    return judge(force, records, "v.surgery-locations")


def test_vary_compares_unit_and_venue_pairs(force: Force) -> None:
    """'Library' then 'library' in North is the same place (breach); in a ward-less force
    'Library' in the team and then in North are two places (met in each unit)."""
    results = _surgeries(force, [("north", "Library"), ("north", "library")])
    (north,) = [r for r in results if r.scope == "north"]
    assert north.status is Status.BREACH and north.evidence == ("s1",)
    results = _surgeries(force, [("town", "Library"), ("north", "Library")])
    assert {r.scope: r.status for r in results if r.evidence} == {
        "north": Status.MET,
        "town": Status.MET,
    }


@pytest.fixture(scope="module")
def across(tmp_path_factory: pytest.TempPathFactory) -> Force:
    folder = _force_with(
        tmp_path_factory.mktemp("across"),
        {
            "v.surgery-locations": {
                "scope": {"per": "team"},
                "require": [{"attr": "location", "differs_from_previous": "section"}],
            }
        },
    )
    return load_force(folder)


def test_vary_across_sections_is_met_when_the_section_changes(across: Force) -> None:
    """'Vary across the sections': the same venue name in North then South is met."""
    (result,) = _surgeries(across, [("north", "Library"), ("south", "Library")])
    assert result.status is Status.MET


@settings(max_examples=30, deadline=None)
@given(st.lists(st.sampled_from(["Library", "Hall", "Chapel", "Square"]), min_size=2, max_size=6))
def test_surgeries_all_in_one_section_never_vary_across_sections(
    across: Force, venues: list[str]
) -> None:
    """However many venues, surgeries all in North breach 'vary across the sections'."""
    (result,) = _surgeries(across, [("north", v) for v in venues])
    assert result.status is Status.BREACH
    assert "different section" in result.reason


def test_validate_refuses_vary_across_an_unknown_kind_of_unit(tmp_path: Path) -> None:
    """`differs_from_previous` naming a kind of unit the force lacks is a located problem."""
    folder = _force_with(
        tmp_path,
        {
            "v.surgery-locations": {
                "require": [{"attr": "location", "differs_from_previous": "secton"}]
            }
        },
    )
    problems = [str(p) for p in validate_file(folder)]
    assert any("require[0].differs_from_previous" in p for p in problems), problems


def test_a_breach_by_a_role_outside_the_owners_team_is_still_a_breach(force: Force) -> None:
    """A constraint binds every record of its types, whoever made it: a breaking meeting
    by a role the owner's team does not include (or by no role) is a breach, not set aside
    as 'role not allowed' to leave the window with nothing to check."""
    for role in ("PCSO", None):
        extra = {} if role is None else {"role": role}
        (result,) = judge(force, [meeting("m1", None, **extra)], "v.purpose")
        assert result.status is Status.BREACH, role
        (kept,) = judge(force, [meeting("m1", "chronic_issue", **extra)], "v.purpose")
        assert kept.status is Status.MET, role
