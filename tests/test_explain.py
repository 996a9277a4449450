"""explain: the exact reason for a missed window in each kind, and agreement with check."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from conftest import FIXTURES
from engagerules import (
    EventLog,
    Explanation,
    Force,
    Status,
    UsageError,
    Waiver,
    WindowExplanation,
    apply_waivers,
    explain,
    explanation_json,
    load_force,
    open_force,
    parse_events,
    read_events,
    render_explanation,
)
from engagerules.cli import main
from engagerules.engine.explain import AFTER_AS_OF
from quarter import AS_OF, END, START, gwent_quarter

MINI = str(FIXTURES / "mini")
LATE = datetime.fromisoformat("2023-03-01T00:00:00+00:00")


def run(
    force: Force,
    obligation: str,
    records: Sequence[dict[str, Any]],
    start: str,
    end: str,
    *,
    as_of: datetime = LATE,
    scope: str | None = None,
) -> Explanation:
    log = parse_events([("test", i + 1, r) for i, r in enumerate(records)], force)
    assert not log.rejections, log.rejections
    return explain(
        force,
        obligation,
        log,
        date.fromisoformat(start),
        date.fromisoformat(end),
        as_of,
        scope=scope,
    )


def notes(window: WindowExplanation) -> dict[str, str]:
    """Event id -> code of everything considered and not counted."""
    return {n.event.id: n.code for n in window.considered}


def counted(window: WindowExplanation) -> dict[str, str]:
    return {n.event.id: n.code for n in window.counted}


def only(explanation: Explanation, scope: str | None) -> WindowExplanation:
    (window,) = [w for w in explanation.windows if w.result.scope == scope]
    return window


# ---------------------------------------------------------------------------- each kind


def test_recurring_missed_names_wrong_unit_wrong_type_and_outside(mini: Force) -> None:
    """East's missed week: a tweet in North, a surgery in East, a tweet the Monday after."""
    found = run(
        mini,
        "mini.weekly-tweet",
        [
            {"id": "north", "type": "tweet", "at": "2022-10-04T10:00:00+01:00", "scope": "north"},
            {"id": "kind", "type": "surgery", "at": "2022-10-05T10:00:00+01:00", "scope": "east"},
            {"id": "late", "type": "tweet", "at": "2022-10-10T00:30:00+01:00", "scope": "east"},
            {"id": "anon", "type": "tweet", "at": "2022-10-06T09:00:00+01:00"},
        ],
        "2022-10-03",
        "2022-10-09",
        scope="east",
    )
    east = only(found, "east")
    assert east.status is Status.MISSED
    assert "Tweet (0 of 1)" in east.result.reason  # the type's title, not its code
    assert "tweet (0 of 1)" not in east.result.reason
    assert counted(east) == {}
    assert notes(east) == {
        "north": "wrong-unit",
        "anon": "wrong-unit",
        "kind": "wrong-type",
        "late": "outside-window",
    }
    reasons = {n.event.id: n.reason for n in east.considered}
    assert "logged in North, not East" in reasons["north"]
    assert (
        "Mon 10 Oct 2022 00:30 BST is after it closed Mon 10 Oct 2022 00:00 BST"
        in (reasons["late"])
    )
    assert "wrong type: Surgery is not Tweet" in reasons["kind"]


def test_recurring_missing_attribute_and_wrong_role(tmp_path: Path) -> None:
    """A requirement with a role and a condition: each failing event says which test failed."""
    force = _force_with(
        tmp_path,
        {
            "id": "mini.positive-tweet", "title": "A positive tweet by a CSO each week",
            "kind": "recurring", "cadence": "P1W", "owner": "CSO",
            "evidence": [{"types": ["tweet"], "roles": ["CSO"],
                          "where": [{"attr": "topic", "equals": "positive"}]}],
            "source": {"document": "plan.txt", "section": "Weekly"},
        },
    )  # fmt: skip
    found = run(
        force,
        "mini.positive-tweet",
        [
            {"id": "ps", "type": "tweet", "at": "2022-10-04T10:00:00Z", "role": "PS",
             "attrs": {"topic": "positive"}},
            {"id": "bare", "type": "tweet", "at": "2022-10-05T10:00:00Z", "role": "CSO"},
            {"id": "sad", "type": "tweet", "at": "2022-10-06T10:00:00Z", "role": "CSO",
             "attrs": {"topic": "arrest"}},
        ],
        "2022-10-03",
        "2022-10-09",
    )  # fmt: skip
    week = only(found, None)
    assert week.status is Status.MISSED
    assert notes(week) == {
        "ps": "wrong-role",
        "bare": "missing-attribute",
        "sad": "failed-condition",
    }
    reasons = {n.event.id: n.reason for n in week.considered}
    assert "Sergeant (PS), needs Community Support Officer (CSO)" in reasons["ps"]
    assert "no topic recorded" in reasons["bare"]
    assert "'arrest'" in reasons["sad"]


def test_triggered_missed_names_each_near_miss(mini: Force) -> None:
    """A warrant's missed follow-up: leaflet drop in another unit, KIN after the deadline."""
    found = run(
        mini,
        "mini.warrant-followup",
        [
            {"id": "w0", "type": "warrant_executed", "at": "2022-10-01T06:00:00+01:00",
             "scope": "south"},
            {"id": "w1", "type": "warrant_executed", "at": "2022-10-05T06:00:00+01:00",
             "scope": "north"},
            {"id": "t1", "type": "tweet", "at": "2022-10-05T09:00:00+01:00", "refs": ["w1"]},
            {"id": "l-south", "type": "leaflet_drop", "at": "2022-10-05T12:00:00+01:00",
             "scope": "south"},
            {"id": "l-other", "type": "leaflet_drop", "at": "2022-10-06T12:00:00+01:00",
             "scope": "north", "refs": ["w0"]},
            {"id": "k-late", "type": "kin_update", "at": "2022-10-08T12:00:00+01:00",
             "refs": ["w1"]},
        ],
        "2022-10-03",
        "2022-10-09",
    )  # fmt: skip
    (window,) = [w for w in found.windows if w.result.evidence[0] == "w1"]
    assert window.status is Status.MISSED
    assert "leaflet drop (0 of 1)" in window.result.reason
    assert "KIN update (0 of 1)" in window.result.reason
    assert counted(window) == {"w1": "trigger", "t1": "counted"}
    assert notes(window) == {
        "l-south": "wrong-unit",
        "l-other": "follows-another-event",
        "k-late": "after-deadline",
    }


def test_constraint_breach_names_the_broken_condition(mini: Force) -> None:
    """Same surgery venue twice running: the second breaks the rule, naming the first."""
    found = run(
        mini,
        "mini.surgery-locations-vary",
        [
            {"id": "s1", "type": "surgery", "at": "2022-10-04T18:00:00+01:00", "scope": "north",
             "attrs": {"location": "library"}},
            {"id": "s2", "type": "surgery", "at": "2022-10-18T18:00:00+01:00", "scope": "north",
             "attrs": {"location": "Library"}},
            {"id": "s3", "type": "surgery", "at": "2022-10-20T18:00:00+01:00", "scope": "south",
             "attrs": {"location": "library"}},
        ],
        "2022-10-01",
        "2022-10-31",
        scope="north",
    )  # fmt: skip
    north = only(found, "north")
    assert north.status is Status.BREACH
    assert counted(north) == {"s1": "conforms", "s2": "breaks-rule"}
    (broken,) = [n for n in north.counted if n.code == "breaks-rule"]
    assert "location different from the previous event's" in broken.reason
    assert "s1" in broken.reason
    assert notes(north) == {"s3": "wrong-unit"}


def test_coverage_missed_names_wrong_role_and_clearance(mini: Force) -> None:
    """A ward's contact named by a CSO (needs a PCSO); another ward's contact left."""
    found = run(
        mini,
        "mini.ward-poc",
        [
            {"id": "cso", "type": "poc_named", "at": "2022-10-03T09:00:00+01:00",
             "scope": "n-ward", "role": "CSO"},
            {"id": "pcso", "type": "poc_named", "at": "2022-10-03T09:00:00+01:00",
             "scope": "s-ward", "role": "PCSO"},
            {"id": "left", "type": "poc_vacated", "at": "2022-10-20T09:00:00+01:00",
             "scope": "s-ward"},
        ],
        "2022-10-01",
        "2022-10-31",
    )  # fmt: skip
    north, south = only(found, "n-ward"), only(found, "s-ward")
    assert north.status is south.status is Status.MISSED
    assert notes(north) == {"cso": "wrong-role", "pcso": "wrong-unit"}
    assert counted(south) == {"left": "cleared", "pcso": "counted"}  # covered 3-20 October
    assert notes(south) == {"cso": "wrong-unit"}
    assert (
        "from Sat 1 Oct to Mon 3 Oct 2022 and from Thu 20 Oct to Mon 31 Oct 2022"
        in south.result.reason
    )
    assert "vacated by left" in south.result.reason


def test_standing_missed_names_the_lapse_and_late_updates(mini: Force) -> None:
    """Updates on 1 October and 20 November: the lapse's dates in the verdict."""
    found = run(
        mini,
        "mini.website-current",
        [
            {"id": "u1", "type": "website_update", "at": "2022-10-01T09:00:00+01:00"},
            {"id": "u2", "type": "website_update", "at": "2022-11-20T09:00:00Z"},
            {"id": "u3", "type": "website_update", "at": "2022-12-10T09:00:00Z"},
        ],
        "2022-10-01",
        "2022-12-31",
        as_of=datetime.fromisoformat("2022-12-01T00:00:00+00:00"),
    )  # fmt: skip
    (window,) = found.windows
    assert window.status is Status.MISSED
    assert "without an update: Tue 1 Nov to Sun 20 Nov 2022" in window.result.reason
    assert counted(window) == {"u1": "counted", "u2": "counted"}
    assert notes(window) == {"u3": "after-as-of"}


def test_target_missed_names_superseded_and_unreadable_readings(mini: Force) -> None:
    """Short of 8,200 likes: an older reading superseded, a non-number, a late reading."""
    found = run(
        mini,
        "mini.likes-target",
        [
            {"id": "r1", "type": "likes_reading", "at": "2022-10-01T09:00:00Z",
             "attrs": {"likes": 7000, "account": "fb"}},
            {"id": "r2", "type": "likes_reading", "at": "2022-11-01T09:00:00Z",
             "attrs": {"likes": 7500, "account": "fb"}},
            {"id": "r3", "type": "likes_reading", "at": "2022-12-01T09:00:00Z",
             "attrs": {"likes": "lots", "account": "fb"}},
            {"id": "r4", "type": "likes_reading", "at": "2023-01-02T09:00:00Z",
             "attrs": {"likes": 9000, "account": "fb"}},
        ],
        "2022-10-01",
        "2022-12-31",
    )  # fmt: skip
    (window,) = found.windows
    assert window.status is Status.MISSED
    assert "7,500 likes" in window.result.reason and "8,200" in window.result.reason
    assert counted(window) == {"r2": "counted"}
    assert notes(window) == {"r1": "superseded", "r3": "not-a-reading", "r4": "after-deadline"}


def test_per_person_duty_names_another_person(mini: Force) -> None:
    """A cadet's short month lists the other cadet's hours as another person's."""
    found = run(
        mini,
        "mini.cadet-hours",
        [
            {"id": "a", "type": "cadet_volunteering", "at": "2022-10-03T10:00:00+01:00",
             "person": "cadet-1", "attrs": {"hours": 1}},
            {"id": "b", "type": "cadet_volunteering", "at": "2022-10-04T10:00:00+01:00",
             "person": "cadet-2", "attrs": {"hours": 4}},
        ],
        "2022-10-01",
        "2022-10-31",
    )  # fmt: skip
    one = only(found, "cadet-1")
    assert one.status is Status.PARTIAL
    assert counted(one) == {"a": "counted"} and notes(one) == {"b": "wrong-person"}


# ---------------------------------------------------------------------------- agreement


def test_explain_verdicts_equal_check_statuses_on_a_gwent_quarter() -> None:
    """For every scored Gwent duty, explain's windows are check's results, one for one."""
    quarter = gwent_quarter()
    waiver = Waiver("gwent.cn.storm-log-review", START, END, "vacancy", date(2030, 1, 1))
    report = apply_waivers(quarter.report, [waiver], quarter.force)
    expected: dict[str, list[tuple[Any, ...]]] = {}
    for r in report.results:
        expected.setdefault(r.obligation, []).append(
            (r.scope, r.window, r.status, r.reason, r.evidence)
        )
    assert {s.value for r in report.results for s in [r.status]} >= {"met", "missed", "waived"}
    for obligation in quarter.force.obligation_ids:
        if not any(v.scored for v in quarter.force.obligation(obligation)):
            continue
        found = explain(quarter.force, obligation, quarter.log, START, END, AS_OF, waivers=[waiver])
        got = [
            (w.result.scope, w.result.window, w.status, w.result.reason, w.result.evidence)
            for w in found.windows
        ]
        assert got == expected.get(obligation, []), obligation


def test_counted_events_are_exactly_the_evidence_on_a_gwent_quarter() -> None:
    """What explain says counted is the result's evidence, event for event."""
    quarter = gwent_quarter()
    for obligation in ("gwent.cn.weekly-positive-tweet", "gwent.cn.warrant-followup"):
        for window in explain(quarter.force, obligation, quarter.log, START, END, AS_OF).windows:
            assert {n.event.id for n in window.counted} == set(window.result.evidence)
            assert not {n.event.id for n in window.considered} & set(window.result.evidence)


def test_scope_keeps_the_windows_that_concern_the_unit(mini: Force) -> None:
    """--scope north keeps North's windows and drops South's and East's."""
    found = run(mini, "mini.weekly-tweet", [], "2022-10-03", "2022-10-09", scope="north")
    assert [w.result.scope for w in found.windows] == ["north"]
    by_ward = run(mini, "mini.ward-poc", [], "2022-10-01", "2022-10-31", scope="north")
    assert [w.result.scope for w in by_ward.windows] == ["n-ward"]


def test_limit_bounds_each_reason_and_counts_the_rest(mini: Force) -> None:
    """Twelve tweets in North for East's week: ten listed, two counted as omitted."""
    records = [
        {"id": f"t{i}", "type": "tweet", "at": f"2022-10-04T{i:02d}:00:00Z", "scope": "north"}
        for i in range(12)
    ]
    east = only(run(mini, "mini.weekly-tweet", records, "2022-10-03", "2022-10-09"), "east")
    assert len(east.considered) == 10
    assert east.omitted == (("wrong-unit", 2),)


def test_unknown_and_advisory_obligations_are_usage_errors(mini: Force) -> None:
    """A misspelt id suggests the right one; an advisory duty has nothing to explain."""
    empty = EventLog((), ())
    with pytest.raises(UsageError, match=r"did you mean 'mini\.weekly-tweet'"):
        explain(mini, "mini.weekly-tweets", empty, date(2022, 10, 3), date(2022, 10, 9), LATE)
    with pytest.raises(UsageError, match="advisory"):
        explain(mini, "mini.consider-events", empty, date(2022, 10, 3), date(2022, 10, 9), LATE)


def test_text_and_json_renderings_carry_verdict_and_reasons(mini: Force) -> None:
    """The text names the verdict and each near miss; the JSON gives their codes."""
    found = run(
        mini,
        "mini.weekly-tweet",
        [{"id": "n1", "type": "tweet", "at": "2022-10-04T10:00:00+01:00", "scope": "north"}],
        "2022-10-03",
        "2022-10-09",
        scope="east",
    )
    text = render_explanation(found, mini)
    assert "[East] Mon 3 Oct to Sun 9 Oct 2022: MISSED" in text
    assert "n1 Tweet at Tue 4 Oct 2022 10:00 BST, in North: wrong unit" in text
    shape = json.loads(json.dumps(explanation_json(found)))
    (window,) = shape["windows"]
    assert window["status"] == "missed" and window["counted"] == []
    assert [(n["id"], n["code"]) for n in window["considered"]] == [("n1", "wrong-unit")]


# ---------------------------------------------------------------------------- command line


def test_explain_command_prints_each_window(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`engagerules explain` on a Gwent quarter: exit 0, every window with its verdict."""
    events = gwent_quarter().write(tmp_path / "q.jsonl")
    code = main(
        ["explain", "gwent", "gwent.cn.weekly-positive-tweet", str(events), "--from",
         str(START), "--to", str(END), "--as-of", AS_OF.isoformat(), "--scope", "bargoed",
         "--format", "json"]
    )  # fmt: skip
    shape = json.loads(capsys.readouterr().out)
    assert code == 0
    expected = [
        r
        for r in gwent_quarter().report.results
        if r.obligation == "gwent.cn.weekly-positive-tweet" and r.scope == "bargoed"
    ]
    assert [w["status"] for w in shape["windows"]] == [r.status.value for r in expected]


def test_explain_command_bad_obligation_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An unknown obligation: exit 2 and one line on stderr."""
    events = tmp_path / "none.jsonl"
    events.write_text("", encoding="utf-8")
    code = main(
        ["explain", MINI, "mini.nope", str(events), "--from", "2022-10-03", "--to", "2022-10-09"]
    )
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "mini.nope" in err


def _force_with(tmp_path: Path, obligation: dict[str, Any]) -> Force:
    """The mini force with one more obligation, written to a directory of its own."""
    config = json.loads((FIXTURES / "mini" / "force.json").read_text(encoding="utf-8"))
    config["obligations"].append(obligation)
    folder = tmp_path / "force"
    folder.mkdir()
    (folder / "force.json").write_text(json.dumps(config), encoding="utf-8")
    return load_force(folder)


def test_a_record_after_as_of_is_explained_as_not_yet_known(tmp_path: Path) -> None:
    """Judged on Wednesday, Thursday's tweet is listed as not yet known, not as counted."""
    force = open_force("gwent")
    events = tmp_path / "e.jsonl"
    events.write_text(
        '{"id": "t9", "type": "tweet", "at": "2022-10-06T10:00:00+01:00", "scope": "bargoed"}\n'
    )
    found = explain(
        force,
        "gwent.cn.weekly-positive-tweet",
        read_events([events], force),
        date(2022, 10, 3),
        date(2022, 10, 9),
        datetime(2022, 10, 5, 12, tzinfo=force.zone),
        scope="bargoed",
    )
    (window,) = found.windows
    assert window.result.status is Status.PENDING
    assert [(n.event.id, n.code) for n in window.considered] == [("t9", AFTER_AS_OF)]


def _cadets() -> tuple[Force, EventLog]:
    force = open_force("surrey")
    scenario = json.loads(
        (Path(__file__).resolve().parents[1] / "forces/surrey/tests/cadets.json").read_text()
    )["scenarios"][0]
    records = scenario["events"]
    return force, parse_events([("t", i + 1, r) for i, r in enumerate(records)], force)


def test_explain_selects_one_person_of_a_per_person_duty() -> None:
    """`person` keeps that person's windows only; a person not judged is refused with the
    nearest one judged."""
    force, log = _cadets()
    start, end = date(2017, 10, 1), date(2017, 10, 31)
    as_of = datetime.fromisoformat("2017-11-06T09:00:00+00:00")
    every = explain(force, "surrey.cadet-hours", log, start, end, as_of)
    people = {w.result.scope for w in every.windows}
    assert {"cadet-a", "cadet-b"} <= people
    one = explain(force, "surrey.cadet-hours", log, start, end, as_of, person="cadet-a")
    assert one.windows and {w.result.scope for w in one.windows} == {"cadet-a"}
    with pytest.raises(UsageError, match=r"no person 'cadet-z'.*did you mean 'cadet-"):
        explain(force, "surrey.cadet-hours", log, start, end, as_of, person="cadet-z")


def test_explain_names_a_repeat_beside_its_original() -> None:
    """A record exported twice: explain counts the first and names the second a repeat of
    it, so every record of the duty's types in the window is accounted for."""
    force = load_force(FIXTURES / "verdicts")
    records = [
        {
            "id": f"s{i}",
            "type": "session",
            "at": "2023-06-05T10:00:00+01:00",
            "role": "PS",
            "attrs": {"hours": 3},
        }
        for i in range(2)
    ]
    log = parse_events([("t", i + 1, r) for i, r in enumerate(records)], force)
    found = explain(
        force,
        "v.hours",
        log,
        date(2023, 6, 1),
        date(2023, 6, 30),
        datetime.fromisoformat("2023-07-01T00:00:00+00:00"),
    )
    (window,) = found.windows
    assert [n.event.id for n in window.counted] == ["s0"]
    assert [(n.event.id, n.code.value) for n in window.considered] == [("s1", "duplicate")]
    assert "repeats s0" in window.considered[0].reason
