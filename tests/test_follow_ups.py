"""One record, one obligation instance: which follow-up counts for which trigger.

Within a duty a record counts for at most one trigger (linked records for the trigger they
name, unlinked ones one to one, earliest deadline first); across duties an unlinked record
counts once unless the configuration says `shared_with`; a duty may leave out what another
claims (`not_claimed_by`); and the work is near-linear in triggers plus records.
"""

from __future__ import annotations

import copy
import json
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import FIXTURES
from engagerules import evaluate, load_force, open_force, parse_events, validate_file
from engagerules.engine.kinds import triggered
from engagerules.model.plan import Force, Kind
from strategies import RANGE_START, event_records, force_configs


def _mini_raw() -> dict[str, Any]:
    raw: dict[str, Any] = json.loads((FIXTURES / "mini" / "force.json").read_text())
    return raw


def _write(tmp_path: Path, raw: dict[str, Any]) -> Path:
    path = tmp_path / "force.json"
    path.write_text(json.dumps(raw, indent=2))
    return path


def _log(force: Force, records: list[dict[str, Any]]) -> Any:
    """The records as read; one that names no role is made by the duty's owner (the tests
    here are about matching, not about who may do it)."""
    owners = {t: ob.owner for ob in force.obligations for r in ob.evidence for t in r.types}
    made = [{"role": owners.get(r["type"], "PS"), **r} for r in records]
    return parse_events([("t", i + 1, r) for i, r in enumerate(made)], force)


# ------------------------------------------------------------------ one record, one trigger


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(config=force_configs(), records=event_records())
def test_no_record_is_evidence_of_two_triggers_of_one_duty(
    tmp_path_factory: pytest.TempPathFactory, config: dict[str, Any], records: Any
) -> None:
    """Whatever the duty and the log, a follow-up is cited by one trigger of a duty at most."""
    path = tmp_path_factory.mktemp("force") / "force.json"
    path.write_text(json.dumps(config))
    force = load_force(path)
    log = _log(force, records)
    end = RANGE_START + timedelta(days=34)
    report = evaluate(force, log, RANGE_START, end, datetime(2022, 12, 1, tzinfo=UTC))
    for ob in force.obligations:
        if ob.kind is not Kind.TRIGGERED:
            continue
        cited = Counter(e for r in report.results if r.obligation == ob.id for e in r.evidence[1:])
        assert [e for e, n in cited.items() if n > 1] == [], ob.id


def _maximum_matching(candidates: list[list[str]]) -> int:
    """The most triggers that can each have a follow-up of their own (augmenting paths)."""
    owner: dict[str, int] = {}

    def place(trigger: int, seen: set[str]) -> bool:
        for record in candidates[trigger]:
            if record in seen:
                continue
            seen.add(record)
            if record not in owner or place(owner[record], seen):
                owner[record] = trigger
                return True
        return False

    return sum(place(t, set()) for t in range(len(candidates)))


_MOMENTS = st.integers(min_value=0, max_value=4 * 24 * 60)


@settings(max_examples=80, deadline=None)
@given(
    fired=st.lists(st.tuples(_MOMENTS, st.sampled_from(["north", "south"])), max_size=8),
    calls=st.lists(st.tuples(_MOMENTS, st.sampled_from(["north", "south"])), max_size=8),
)
def test_earliest_deadline_first_meets_as_many_triggers_as_any_assignment(
    fired: list[tuple[int, str]], calls: list[tuple[int, str]]
) -> None:
    """Unlinked follow-ups meet as many triggers as the best one-to-one assignment would."""
    force = load_force(FIXTURES / "mini" / "force.json")
    start = datetime(2022, 10, 3, tzinfo=UTC)
    records = [
        {"id": f"w{i}", "type": "warrant_executed", "at": _at(start, m, i), "scope": s}
        for i, (m, s) in enumerate(fired)
    ] + [
        {"id": f"t{i}", "type": "tweet", "at": _at(start, m, 30 + i), "scope": s}
        for i, (m, s) in enumerate(calls)
    ]
    report = evaluate(
        force,
        _log(force, records),
        date(2022, 10, 3),
        date(2022, 10, 9),
        datetime(2022, 11, 1, tzinfo=UTC),
        obligations=["mini.warrant-followup"],
    )
    tweets = [(f"t{i}", m, s) for i, (m, s) in enumerate(calls)]
    # the tweet step of each warrant: a tweet in its section from it to two days after
    candidates = [
        [t for t, tm, ts in tweets if ts == s and m <= tm < m + 2 * 24 * 60] for m, s in fired
    ]
    with_tweet = [r for r in report.results if len(set(r.evidence) & {t for t, _, _ in tweets})]
    assert len(with_tweet) == _maximum_matching(candidates)


def _at(start: datetime, minutes: int, seconds: int = 0) -> str:
    """`minutes` after `start`, and `seconds` more: each record its own instant (a second
    warrant or tweet at the very same instant would be a repeat, counted once), the
    tweets' seconds after the warrants' so the minutes alone decide what is in time."""
    return (start + timedelta(minutes=minutes, seconds=seconds)).isoformat()


def test_work_is_linear_in_triggers_and_follow_ups(monkeypatch: pytest.MonkeyPatch) -> None:
    """6,000 ASB incidents and 6,000 unlinked calls in one section on one day: each call
    counts once, and the tests made grow with the records, not with their product."""
    force = open_force("gwent")
    n = 6000
    start = datetime(2022, 10, 3, 8, tzinfo=UTC)
    records = []
    for i in range(n):
        at = (start + timedelta(seconds=i)).isoformat()
        later = (start + timedelta(hours=1, seconds=i)).isoformat()
        records.append({"id": f"a{i}", "type": "asb_incident_closed", "at": at, "scope": "bargoed"})
        records.append(
            {
                "id": f"f{i}",
                "type": "asb_caller_followup",
                "role": "CSO",
                "at": later,
                "scope": "rhymney" if i % 2 else "bargoed",
            }
        )
    tests = Counter[str]()
    qualifies = triggered.qualifies

    def counted(req: Any, event: Any) -> bool:
        tests["qualifies"] += 1
        return qualifies(req, event)

    monkeypatch.setattr(triggered, "qualifies", counted)
    report = evaluate(
        force,
        _log(force, records),
        date(2022, 10, 3),
        date(2022, 10, 3),
        datetime(2022, 10, 10, tzinfo=UTC),
        obligations=["gwent.cn.asb-caller-followup"],
    )
    results = [r for r in report.results if r.scope == "bargoed"]
    assert len(results) == n
    assert max(len(r.evidence) for r in results) == 2  # the trigger and one call at most
    assert sum(len(r.evidence) - 1 for r in results) == n // 2  # bargoed's calls, once each
    assert sum(r.status.value == "met" for r in results) == n // 2
    assert tests["qualifies"] <= 4 * 2 * n  # a few tests per record, never one per pair


# ------------------------------------------------------------------ across duties


def _two_duties(shared: bool) -> dict[str, Any]:
    """The mini force with a second duty after warrants whose step is also a tweet."""
    raw = _mini_raw()
    warrant = next(o for o in raw["obligations"] if o["id"] == "mini.warrant-followup")
    second = copy.deepcopy(warrant)
    second["id"] = "mini.warrant-tweet"
    second["evidence"] = [{"types": ["tweet"], "title": "tweet"}]
    warrant["evidence"] = [{"types": ["tweet"], "title": "tweet"}]
    if shared:
        second["trigger"]["shared_with"] = ["mini.warrant-followup"]
    raw["obligations"].append(second)
    return raw


@pytest.mark.parametrize("shared", [False, True])
def test_an_unlinked_record_counts_for_two_duties_only_when_shared(
    tmp_path: Path, shared: bool
) -> None:
    """One tweet near a warrant meets one of two duties owed after it, or both if shared."""
    force = load_force(_write(tmp_path, _two_duties(shared)))
    records = [
        {"id": "w1", "type": "warrant_executed", "at": "2022-10-04T10:00:00Z", "scope": "north"},
        {"id": "t1", "type": "tweet", "at": "2022-10-04T12:00:00Z", "scope": "north"},
    ]
    report = evaluate(
        force,
        _log(force, records),
        date(2022, 10, 3),
        date(2022, 10, 9),
        datetime(2022, 11, 1, tzinfo=UTC),
        obligations=["mini.warrant-followup", "mini.warrant-tweet"],
    )
    met = sorted(r.obligation for r in report.results if r.status.value == "met")
    assert met == (["mini.warrant-followup", "mini.warrant-tweet"] if shared else met[:1])
    assert len(met) == (2 if shared else 1)


def test_not_claimed_by_leaves_out_another_duty_s_follow_ups(tmp_path: Path) -> None:
    """The weekly tweet does not count a tweet that follows up a warrant, but counts others."""
    raw = _mini_raw()
    weekly = next(o for o in raw["obligations"] if o["id"] == "mini.weekly-tweet")
    weekly["not_claimed_by"] = ["mini.warrant-followup"]
    force = load_force(_write(tmp_path, raw))
    records = [
        {"id": "w1", "type": "warrant_executed", "at": "2022-10-04T10:00:00Z", "scope": "north"},
        {"id": "t1", "type": "tweet", "at": "2022-10-04T12:00:00Z", "scope": "north"},
        {"id": "t2", "type": "tweet", "at": "2022-10-04T12:00:00Z", "scope": "south"},
    ]
    report = evaluate(
        force,
        _log(force, records),
        date(2022, 10, 3),
        date(2022, 10, 9),
        datetime(2022, 11, 1, tzinfo=UTC),
        obligations=["mini.weekly-tweet"],
    )
    weekly_results = {r.scope: r for r in report.results}
    assert "t1" not in weekly_results["north"].evidence
    assert weekly_results["south"].evidence == ("t2",)


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("not_claimed_by", "mini.warant-followup", "unknown obligation 'mini.warant-followup'"),
        ("not_claimed_by", "mini.briefings", "'mini.briefings' is recurring, not triggered"),
        ("trigger.shared_with", "mini.nothing", "unknown obligation 'mini.nothing'"),
        ("trigger.shared_with", "mini.warrant-followup", "is this duty itself"),
    ],
)
def test_claims_name_triggered_duties_of_the_force(
    tmp_path: Path, key: str, value: str, message: str
) -> None:
    """`not_claimed_by` and `shared_with` naming no triggered duty: a located problem."""
    raw = _mini_raw()
    index = next(i for i, o in enumerate(raw["obligations"]) if o["kind"] == "triggered")
    ob = raw["obligations"][index]
    if key == "not_claimed_by":
        ob["not_claimed_by"] = [value]
    else:
        ob["trigger"]["shared_with"] = [value]
    problems = [str(p) for p in validate_file(_write(tmp_path, raw))]
    assert len(problems) == 1, problems
    assert f"$.obligations[{index}].{key}[0]: " in problems[0]
    assert message in problems[0]


# ------------------------------------------------------------------ reasons exact


def test_unmatched_follow_ups_say_late_before_outside_units_or_range(tmp_path: Path) -> None:
    """A follow-up naming a judged trigger that did not count says why: late, before it,
    in a unit not owing it; naming a trigger outside the range, or nothing judged, says so."""
    raw = _mini_raw()
    refresh = next(o for o in raw["obligations"] if o["id"] == "mini.profile-refresh")
    refresh["scope"]["units"] = ["north", "south"]
    force = load_force(_write(tmp_path, raw))
    north = {"scope": "north", "role": "PS"}
    records = [
        {"id": "w1", "type": "warrant_executed", "at": "2022-10-04T10:00:00Z", **north},
        {"id": "t-late", "type": "tweet", "at": "2022-10-07T10:00:00Z", "refs": ["w1"], **north},
        {"id": "t-early", "type": "tweet", "at": "2022-10-04T09:00:00Z", "refs": ["w1"], **north},
        {"id": "w0", "type": "warrant_executed", "at": "2022-09-01T10:00:00Z", **north},
        {"id": "t-range", "type": "tweet", "at": "2022-10-04T11:00:00Z", "refs": ["w0"], **north},
        {"id": "c1", "type": "census_released", "at": "2022-10-04T10:00:00Z"},
        {"id": "p-unit", "type": "profile_review", "at": "2022-10-05T10:00:00Z", "refs": ["c1"]}
        | {"scope": "east", "role": "PS"},
        {"id": "t-none", "type": "tweet", "at": "2022-10-04T12:00:00Z", "refs": ["x"], **north},
    ]
    report = evaluate(
        force,
        _log(force, records),
        date(2022, 10, 3),
        date(2022, 10, 9),
        datetime(2022, 12, 1, tzinfo=UTC),
        obligations=["mini.warrant-followup", "mini.profile-refresh"],
    )
    by_reason = dict(report.events.by_reason)
    assert by_reason.get("late") == 1
    assert by_reason.get("before_trigger") == 1
    assert by_reason.get("outside_range") == 2  # t-range, and w0 itself
    assert by_reason.get("outside_units") == 1
    assert by_reason.get("no_trigger") == 1


# ------------------------------------------------------------------ parts of one item


def _parts_force(tmp_path: Path, one_item: dict[str, Any] | None) -> Force:
    """The mini force with a monthly duty of two steps: a meeting attended, a report sent."""
    raw = _mini_raw()
    duty: dict[str, Any] = {
        "id": "mini.meeting-and-report",
        "title": "A meeting attended and its report sent, every month",
        "kind": "recurring",
        "cadence": "P1M",
        "owner": "PS",
        "evidence": [
            {"types": ["meeting_attended"], "title": "meeting attended"},
            {"types": ["report_sent"], "title": "report sent"},
        ],
        "source": {"document": "plan.txt", "section": "Rules"},
    }
    if one_item is not None:
        duty["one_item"] = one_item
    raw["obligations"].append(duty)
    return load_force(_write(tmp_path, raw))


@pytest.mark.parametrize(
    ("one_item", "report_attrs", "report_refs", "status"),
    [
        (None, {"meeting": "m2"}, [], "met"),  # undeclared: any two steps pair
        ({"key": "meeting"}, {"meeting": "m2"}, [], "missed"),  # another meeting's report
        ({"key": "meeting"}, {"meeting": "m1"}, [], "met"),
        ({}, {}, ["m0"], "missed"),  # the report of a meeting in another month
        ({}, {}, ["a1"], "met"),
        ({}, {}, [], "met"),  # the same month's two steps, naming nothing
    ],
)
def test_steps_of_one_item_pair_only_when_tied(
    tmp_path: Path,
    one_item: dict[str, Any] | None,
    report_attrs: dict[str, Any],
    report_refs: list[str],
    status: str,
) -> None:
    """With `one_item`, a step pairs with another only when tied: by refs, the same key
    value, or counting for the same period; never with another item's step."""
    force = _parts_force(tmp_path, one_item)
    report: dict[str, Any] = {"id": "r1", "type": "report_sent", "at": "2022-10-20T10:00:00Z"}
    report |= {"attrs": report_attrs} if report_attrs else {}
    report |= {"refs": report_refs} if report_refs else {}
    records = [
        {"id": "m0", "type": "meeting_attended", "at": "2022-09-12T19:00:00Z"},
        {"id": "a1", "type": "meeting_attended", "at": "2022-10-10T19:00:00Z"}
        | {"attrs": {"meeting": "m1"}},
        report,
    ]
    result = evaluate(
        force,
        _log(force, records),
        date(2022, 10, 1),
        date(2022, 10, 31),
        datetime(2022, 12, 1, tzinfo=UTC),
        obligations=["mini.meeting-and-report"],
    ).results[0]
    assert result.status.value == status
    assert ("a1" in result.evidence and "r1" in result.evidence) == (status == "met")


def test_one_item_needs_two_counted_steps(tmp_path: Path) -> None:
    """`one_item` on a duty of one step, or of summed steps, is a located problem."""
    raw = _mini_raw()
    index = next(i for i, o in enumerate(raw["obligations"]) if o["id"] == "mini.weekly-tweet")
    raw["obligations"][index]["one_item"] = {}
    problems = [str(p) for p in validate_file(_write(tmp_path, raw))]
    assert len(problems) == 1
    assert f"$.obligations[{index}].one_item: parts of one item need two steps" in problems[0]


def test_a_follow_up_its_trigger_did_not_need_says_so() -> None:
    """A second unlinked call for a caller already called back counts for nothing, and its
    reason says the trigger had its follow-up already."""
    force = open_force("gwent")
    records = [
        {"id": "a1", "type": "asb_incident_closed", "at": "2022-10-04T10:00:00Z"}
        | {"scope": "bargoed"},
        {"id": "f1", "type": "asb_caller_followup", "at": "2022-10-04T11:00:00Z"}
        | {"scope": "bargoed", "role": "CSO"},
        {"id": "f2", "type": "asb_caller_followup", "at": "2022-10-04T12:00:00Z"}
        | {"scope": "bargoed", "role": "CSO"},
        {"id": "f3", "type": "asb_caller_followup", "at": "2022-10-06T12:00:00Z"}
        | {"scope": "bargoed", "role": "CSO"},
    ]
    report = evaluate(
        force,
        _log(force, records),
        date(2022, 10, 3),
        date(2022, 10, 9),
        datetime(2022, 11, 1, tzinfo=UTC),
        obligations=["gwent.cn.asb-caller-followup"],
    )
    assert [r.evidence for r in report.results] == [("a1", "f1")]
    assert dict(report.events.by_reason) == {"not_needed": 1, "nothing_owed": 1}  # f2, f3


# ------------------------------------------------------------------ entered ahead of the trigger


@pytest.mark.parametrize("ahead", [False, True])
def test_a_step_naming_its_trigger_counts_before_it_only_where_the_duty_says(
    tmp_path: Path, ahead: bool
) -> None:
    """`linked_before`: a step naming the trigger in refs, made before it, counts (and the
    deadline still bounds it); a step naming nothing made before it never does; without the
    declaration neither counts and the linked one is unmatched as `before_trigger`."""
    raw = _mini_raw()
    duty = next(o for o in raw["obligations"] if o["id"] == "mini.warrant-followup")
    duty["evidence"] = duty["evidence"][:1]
    duty["trigger"]["linked_before"] = ahead
    force = load_force(_write(tmp_path, raw))
    rule = force.obligation("mini.warrant-followup")[0].rule
    assert isinstance(rule, triggered.Triggered)
    assert rule.trigger.linked_before is ahead
    rows = [
        ("t1", "tweet", "2022-10-03T09:00:00", "north", ["w1"]),
        ("w1", "warrant_executed", "2022-10-04T09:00:00", "north", []),
        ("t2", "tweet", "2022-10-05T09:00:00", "south", []),
        ("w2", "warrant_executed", "2022-10-05T09:00:01", "south", []),
        ("t3", "tweet", "2022-10-09T09:00:00", "south", ["w2"]),
    ]
    records = [
        {"id": i, "type": t, "at": f"{at}+01:00", "scope": s, **({"refs": r} if r else {})}
        for i, t, at, s, r in rows
    ]
    report = evaluate(
        force,
        _log(force, records),
        date(2022, 10, 3),
        date(2022, 10, 9),
        datetime(2022, 11, 1, tzinfo=UTC),
        obligations=["mini.warrant-followup"],
    )
    by_trigger = {r.trigger: r for r in report.results}
    assert by_trigger["w1"].status.value == ("met" if ahead else "missed")
    assert ("t1" in by_trigger["w1"].evidence) is ahead
    assert by_trigger["w2"].status.value == "missed"  # t2 names nothing; t3 is late
    # t2, naming nothing, was made before w2 in its unit: before_trigger either way (audit
    # auds: it was `nothing_owed`); t1, naming w1, only where it may not be made ahead.
    assert report.events.by_reason.get("before_trigger", 0) == (1 if ahead else 2)
    lines = triggered.doc_lines(force, force.obligation("mini.warrant-followup")[0], rule)
    assert ("even if recorded before it" in lines[0]) is ahead
    assert ("linked_before" in triggered.json_fields(rule)["trigger"]) is ahead


# ------------------------------------------------------------- answering every open trigger

_DAYS = st.integers(min_value=0, max_value=200)


def _census_force(tmp_path: Path, all_open: bool) -> Force:
    """The mini force's census duty (force-wide releases owed in each section, P3M, one
    review step), answering every open release where `all_open`."""
    raw = _mini_raw()
    duty = next(o for o in raw["obligations"] if o["id"] == "mini.profile-refresh")
    if all_open:
        duty["trigger"]["answers"] = "all_open"
        duty["readings"]["evidence"] = {
            "plan": "(a test fixture)",
            "reading": "one review answers every release still awaiting one",
            "why": "The data comes out in several releases.",
        }
    return load_force(_write(tmp_path, raw))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    releases=st.lists(_DAYS, min_size=1, max_size=5),
    reviews=st.lists(_DAYS, max_size=5),
    all_open=st.booleans(),
)
def test_a_follow_up_answers_every_open_trigger_only_where_the_duty_says(
    tmp_path_factory: pytest.TempPathFactory,
    releases: list[int],
    reviews: list[int],
    all_open: bool,
) -> None:
    """Without `answers`, n releases need n reviews (as many met as the best one-to-one
    assignment, each review cited once); with `all_open`, a release is met exactly when a
    review falls between it and its deadline, citing the first such review. Either way a
    review never answers a release after it."""
    force = _census_force(tmp_path_factory.mktemp("force"), all_open)
    start = datetime(2022, 10, 3, tzinfo=UTC)
    records = [
        {"id": f"c{i}", "type": "census_released", "at": _at(start, d * 1440, i)}
        for i, d in enumerate(releases)
    ] + [
        {
            "id": f"r{i}",
            "type": "profile_review",
            "at": _at(start, d * 1440 + 60, i),
            "scope": "north",
        }
        for i, d in enumerate(reviews)
    ]
    report = evaluate(
        force,
        _log(force, records),
        date(2022, 10, 3),
        date(2023, 4, 30),
        datetime(2024, 1, 1, tzinfo=UTC),
        obligations=["mini.profile-refresh"],
    )
    at = {r["id"]: datetime.fromisoformat(r["at"]) for r in records}
    north = [r for r in report.results if r.scope == "north"]
    assert len(north) == len(releases)
    in_time = {
        r.trigger: sorted(
            (e for e in at if e.startswith("r") and r.window.start <= at[e] < r.window.end),
            key=at.__getitem__,
        )
        for r in north
    }
    for result in north:
        assert result.window.start == at[result.trigger or ""]
        cited = result.evidence[1:]
        assert all(at[e] >= at[result.trigger or ""] for e in cited)  # never one after it
        if all_open:
            assert result.status.value == ("met" if in_time[result.trigger] else "missed")
            assert list(cited) == in_time[result.trigger][:1]
    if not all_open:
        cited = Counter(e for r in north for e in r.evidence[1:])
        assert all(n == 1 for n in cited.values())
        met = sum(r.status.value == "met" for r in north)
        assert met <= len(reviews)
        assert met == _maximum_matching([in_time[r.trigger] for r in north])


def test_answers_is_validated_by_schema_model_and_readings(tmp_path: Path) -> None:
    """`answers` takes `one` or `all_open` (the schema and the rule refuse anything else,
    located), `all_open` only with an evidence reading; the rule, the contract's JSON and
    the documentation's notes say it."""
    raw = _mini_raw()
    duty = next(o for o in raw["obligations"] if o["id"] == "mini.profile-refresh")
    at = f"$.obligations[{raw['obligations'].index(duty)}].trigger.answers"
    duty["trigger"]["answers"] = "every"
    assert any(p.where.endswith(at) for p in validate_file(_write(tmp_path, raw)))
    duty["trigger"]["answers"] = "all_open"
    refused = [p for p in validate_file(_write(tmp_path, raw)) if p.where.endswith(at)]
    assert refused and "readings.evidence" in refused[0].message
    with pytest.raises(ValueError, match="answers"):
        triggered.Trigger(types=("x",), within=triggered.parse_duration("P1D"), answers="every")
    force = _census_force(tmp_path, all_open=True)
    ob = force.obligation("mini.profile-refresh")[0]
    assert isinstance(ob.rule, triggered.Triggered)
    assert ob.rule.trigger.answers == "all_open"
    assert triggered.json_fields(ob.rule)["trigger"]["answers"] == "all_open"
    assert any("never one fired after it" in n for n in triggered.judged_notes(ob, ob.rule))
    plain = _census_force(tmp_path, all_open=False).obligation("mini.profile-refresh")[0]
    assert isinstance(plain.rule, triggered.Triggered)
    assert "answers" not in triggered.json_fields(plain.rule)["trigger"]
    assert not any(
        "never one fired after it" in n for n in triggered.judged_notes(plain, plain.rule)
    )
