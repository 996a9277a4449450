"""Verdicts a force can trust (issue 15): each mechanism with a case met and one not met."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from conftest import FIXTURES
from engagerules import (
    Force,
    Report,
    Status,
    evaluate,
    load_force,
    parse_events,
    read_events,
    report_json,
    schedule,
    validate_file,
)
from engagerules.cli import main
from engagerules.model.results import UNMATCHED_REASONS
from strategies import verdict_logs

Run = Callable[..., Report]


@pytest.fixture(scope="module")
def force() -> Force:
    return load_force(FIXTURES / "verdicts")


@pytest.fixture
def run(force: Force) -> Run:
    """Evaluate records for one obligation of the verdicts test force."""

    def go(
        obligation: str | None,
        records: Sequence[dict[str, Any]],
        start: str,
        end: str,
        as_of: str = "2030-01-01T00:00:00+00:00",
    ) -> Report:
        log = parse_events([("log", i + 1, r) for i, r in enumerate(records)], force)
        assert not log.rejections, log.rejections
        return evaluate(
            force,
            log,
            date.fromisoformat(start),
            date.fromisoformat(end),
            datetime.fromisoformat(as_of),
            obligations=None if obligation is None else [obligation],
        )

    return go


def ev(ident: str, kind: str, at: str, **extra: Any) -> dict[str, Any]:
    """A record by the fixture's owner (PS) unless `role` says otherwise (None: no role)."""
    record = {"id": ident, "type": kind, "at": at, "role": "PS", **extra}
    return {key: value for key, value in record.items() if value is not None}


# -- 1. no verdict without evidence ---------------------------------------------------


def test_standing_duty_with_no_update_is_missed_not_met(run: Run) -> None:
    """An empty month of a P3M 'kept up to date' duty: the look-back from its in-force
    date finds no update, so it is missed, never met with found 0."""
    report = run("v.notices", [], "2023-06-01", "2023-06-30")
    (result,) = report.results
    assert result.status is Status.MISSED
    assert "without an update: Fri 1 Apr 2022" in result.reason  # P3M after the plan began


def test_standing_duty_updated_within_the_cadence_before_the_range_is_met(run: Run) -> None:
    """An update in April carries a June range: met, citing the update before the range."""
    report = run("v.notices", [ev("n1", "notice", "2023-04-20")], "2023-06-01", "2023-06-30")
    (result,) = report.results
    assert (result.status, result.evidence) == (Status.MET, ("n1",))


def test_constraint_with_nothing_to_check_is_unchecked(run: Run) -> None:
    """A closed window with no surgery to check is `unchecked`, not met; one checked is met."""
    report = run(
        "v.surgery-locations",
        [ev("s1", "surgery", "2023-06-05T18:00:00Z", scope="north", attrs={"location": "Hall"})],
        "2023-06-01",
        "2023-06-30",
    )
    by_unit = {r.scope: r.status for r in report.results}
    assert by_unit == {"north": Status.MET, "south": Status.UNCHECKED}
    assert report_json(report)["results"][1]["status"] == "unchecked"


# -- 12. partial fails by default -----------------------------------------------------


def test_partial_fails_by_default(run: Run) -> None:
    """2.5 of 3 hours is partial, and the default gate fails it; 3 hours passes."""
    short = run("v.hours", [ev("h1", "session", "2023-06-05", attrs={"hours": 2.5})], *JUNE)
    assert [r.status for r in short.results] == [Status.PARTIAL]
    assert short.failed()
    enough = run("v.hours", [ev("h1", "session", "2023-06-05", attrs={"hours": 3})], *JUNE)
    assert [r.status for r in enough.results] == [Status.MET]
    assert not enough.failed()


JUNE = ("2023-06-01", "2023-06-30")


# -- 2. linked or circumstantial evidence ---------------------------------------------


def test_follow_up_must_name_its_trigger_by_default(run: Run) -> None:
    """With the default `match: refs`, a tweet in the unit that names nothing does not
    count; one naming the warrant does, and the result is linked."""
    warrant = ev("w1", "warrant", "2023-06-05T07:00:00Z", scope="north")
    loose = run(
        "v.warrant-linked",
        [warrant, ev("t1", "tweet", "2023-06-05T09:00:00Z", scope="north")],
        *JUNE,
    )
    assert [r.status for r in loose.results] == [Status.MISSED]
    tied = run(
        "v.warrant-linked",
        [warrant, ev("t1", "tweet", "2023-06-05T09:00:00Z", scope="north", refs=["w1"])],
        *JUNE,
    )
    (result,) = tied.results
    assert (result.status, result.linked, result.evidence) == (Status.MET, True, ("w1", "t1"))


def test_circumstantial_follow_up_says_it_is_not_linked(run: Run) -> None:
    """With `refs_or_scope`, a nearby tweet meets the duty but the result says linked false,
    in JSON and in the reason."""
    report = run(
        "v.warrant-nearby",
        [
            ev("w1", "warrant", "2023-06-05T07:00:00Z", scope="north"),
            ev("t1", "tweet", "2023-06-05T09:00:00Z", scope="north"),
        ],
        *JUNE,
    )
    (result,) = report.results
    assert (result.status, result.linked) == (Status.MET, False)
    assert "not linked: t1" in result.reason
    assert report_json(report)["results"][0]["linked"] is False


def test_follow_up_dated_before_its_trigger_never_counts(run: Run) -> None:
    """A tweet naming the warrant but dated an hour before it does not meet the duty."""
    report = run(
        "v.warrant-linked",
        [
            ev("w1", "warrant", "2023-06-05T07:00:00Z", scope="north"),
            ev("t1", "tweet", "2023-06-05T06:00:00Z", scope="north", refs=["w1"]),
        ],
        *JUNE,
    )
    assert [(r.status, r.evidence) for r in report.results] == [(Status.MISSED, ("w1",))]


# -- 3. a trigger is owed where it happened -------------------------------------------


def test_trigger_at_an_enclosing_unit_is_owed_once_there(run: Run) -> None:
    """A warrant at team level gives one result, at the team, met by a tweet in a section
    within it; a force-wide warrant gives one force-wide result, not one per section."""
    report = run(
        "v.warrant-nearby",
        [
            ev("w1", "warrant", "2023-06-05T07:00:00Z", scope="town"),
            ev("t1", "tweet", "2023-06-05T09:00:00Z", scope="south"),
            ev("w2", "warrant", "2023-06-12T07:00:00Z"),
        ],
        *JUNE,
    )
    assert [(r.scope, r.status) for r in report.results] == [
        ("town", Status.MET),
        (None, Status.MISSED),
    ]


# -- 4. missing or unreadable is never a pass -----------------------------------------


def test_condition_on_a_missing_attribute_fails_and_says_so(run: Run) -> None:
    """A surgery with no location breaks 'locations vary', with 'no location recorded'."""
    report = run(
        "v.surgery-locations",
        [
            ev("s1", "surgery", "2023-06-05T18:00:00Z", scope="north", attrs={"location": "Hall"}),
            ev("s2", "surgery", "2023-06-19T18:00:00Z", scope="north"),
        ],
        *JUNE,
    )
    north = next(r for r in report.results if r.scope == "north")
    assert north.status is Status.BREACH
    assert "s2 (no location recorded)" in north.reason


@pytest.mark.parametrize(
    ("attrs", "message"),
    [
        ({"format": "Open to the public"}, "did you mean 'open'?"),
        ({"format": "opne"}, "is not one of open, closed"),
        ({"on": "20/10/2022"}, "is not a date (YYYY-MM-DD)"),
        ({"at_time": "2022-10-20T18:00:00"}, "is not an ISO 8601 timestamp with offset"),
        ({"size": 2.5}, "is not a whole number"),
        ({"size": "many"}, "is text, not an integer"),
        ({"public": "perhaps"}, "is not true or false"),
    ],
)
def test_record_breaking_its_attribute_declaration_is_rejected(
    force: Force, attrs: dict[str, Any], message: str
) -> None:
    """A value its type's declaration forbids is rejected when read, with line and reason,
    where no constraint judges the attribute (`purpose` is judged: tests/test_constraints.py)."""
    log = parse_events([("log.jsonl", 7, ev("m1", "meeting", "2022-10-20", attrs=attrs))], force)
    (rejection,) = log.rejections
    assert (rejection.file, rejection.line) == ("log.jsonl", 7)
    assert message in rejection.reason
    assert rejection.reason.startswith(f"attrs.{next(iter(attrs))}:")


def test_hours_that_are_not_a_number_are_rejected_not_counted_as_nothing(force: Force) -> None:
    """`"hours": "3h"` is a rejection, and so is the JSON string `"3"` (strings are not
    numbers); 2.5 is a number and reads fine."""
    log = parse_events(
        [
            ("log", 1, ev("h1", "session", "2023-06-05", attrs={"hours": "3h"})),
            ("log", 2, ev("h2", "session", "2023-06-06", attrs={"hours": "3"})),
            ("log", 3, ev("h3", "session", "2023-06-07", attrs={"hours": 2.5})),
        ],
        force,
    )
    assert [r.line for r in log.rejections] == [1, 2]
    assert "is text, not a number" in log.rejections[1].reason
    assert [e.id for e in log.events] == ["h3"]


def test_a_csv_cell_of_a_declared_number_is_read_as_that_number(
    force: Force, tmp_path: Path
) -> None:
    """CSV cells are text by nature: `3` in an hours column arrives as the number 3, and
    `3h` is rejected with its line."""
    path = tmp_path / "log.csv"
    path.write_text(
        "id,type,at,hours\nh1,session,2023-06-05,3\nh2,session,2023-06-06,2.5\n"
        "h3,session,2023-06-07,3h\n",
        encoding="utf-8",
    )
    log = read_events([path], force)
    assert [(e.id, e.attrs["hours"]) for e in log.events] == [("h1", 3), ("h2", 2.5)]
    assert type(log.events[0].attrs["hours"]) is int
    assert [(r.line, "is not a number" in r.reason) for r in log.rejections] == [(4, True)]


@pytest.mark.parametrize("hours", [-10, -0.5])
def test_a_summed_number_may_not_be_negative_unless_declared(force: Force, hours: float) -> None:
    """`hours` is summed by v.hours, so it defaults to `min: 0`: -10 hours is rejected
    rather than lowering the month's total."""
    log = parse_events(
        [("log", 1, ev("h1", "session", "2023-06-05", attrs={"hours": hours}))], force
    )
    (rejection,) = log.rejections
    assert "below the least allowed, 0" in rejection.reason


def test_records_that_keep_their_declarations_are_read(force: Force) -> None:
    """Well-typed values of every kind pass, including a list of codes and CSV text."""
    attrs = {
        "purpose": ["priority_crime", "chronic_issue"],
        "on": "2022-10-20",
        "at_time": "2022-10-20T18:00:00+01:00",
        "size": 12,
        "public": "yes",
    }
    log = parse_events([("log", 1, ev("m1", "meeting", "2022-10-20", attrs=attrs))], force)
    assert not log.rejections and len(log.events) == 1


@pytest.mark.parametrize(
    "literal", ["NaN", "Infinity", "-Infinity", "1e999", "0.10000000000000000001"]
)
def test_validate_rejects_numbers_json_cannot_carry(tmp_path: Path, literal: str) -> None:
    """`"min": NaN` (and infinities, overflow, excess digits) is a located problem."""
    text = (FIXTURES / "verdicts" / "force.json").read_text(encoding="utf-8")
    bad = text.replace('"sum": "hours", "min": 3', f'"sum": "hours", "min": {literal}')
    assert bad != text
    folder = tmp_path / "bad"
    folder.mkdir()
    (folder / "force.json").write_text(bad, encoding="utf-8")
    problems = validate_file(folder)
    assert [p.where.split(": ")[-1] for p in problems] == ["$.obligations[4].evidence[0].min"]
    assert "not a number JSON can carry" in problems[0].message


# -- 5. every unmatched record has a reason -------------------------------------------


def test_unmatched_records_are_counted_by_reason_and_data_quality_listed(run: Run) -> None:
    """Each valid record that counts for nothing has one reason; the reasons add up to
    unmatched; a report that would count but for a missing unit or role is listed."""
    records = [
        ev("u1", "unused", "2023-06-02"),
        ev("r0", "report", "2023-03-02", scope="north", role="PS"),
        ev("r1", "report", "2023-06-02", role="PS"),
        ev("r2", "report", "2023-06-03", scope="north", role=None),
        ev("r3", "report", "2023-06-04", scope="south", role="PCSO"),
        ev("r4", "report", "2023-06-05", scope="south", role="PS"),
        ev("r5", "report", "2023-07-20", scope="south", role="PS"),
    ]
    report = run("v.report", records, "2023-06-01", "2023-06-30", "2023-07-10T00:00:00Z")
    tally = report.events
    assert (tally.read, tally.matched, tally.unmatched) == (7, 1, 6)
    assert tally.by_reason == {
        "type_unused": 1,
        "outside_range": 1,
        "no_unit": 1,
        "role_not_allowed": 2,
        "not_known_at_as_of": 1,
    }
    assert [(d.id, d.problem) for d in report.data_quality] == [
        ("r1", "no unit recorded"),
        ("r2", "no role recorded"),
    ]
    shape = report_json(report)
    assert shape["events"]["unmatched_by_reason"]["role_not_allowed"] == 2
    assert [d["id"] for d in shape["data_quality"]] == ["r1", "r2"]


# -- 6. windows live inside the plan --------------------------------------------------


def test_nothing_before_the_plan_or_the_obligation_took_effect_is_judged(
    run: Run, force: Force
) -> None:
    """The weekly duty in force from 7 March 2022 has no window before it, in check and in
    schedule alike; the plan's own date (1 January 2022) bounds the rest."""
    report = run("v.late-start", [], "2022-02-01", "2022-03-13")
    assert [r.window.local_start.date() for r in report.results] == [date(2022, 3, 7)]
    dues = [
        d
        for d in schedule(force, date(2022, 2, 1), date(2022, 3, 13))
        if d.obligation.id == "v.late-start"
    ]
    assert [d.window.local_start.date() for d in dues] == [date(2022, 3, 7)]
    before = run("v.hours", [], "2021-06-01", "2021-12-31")
    assert before.results == ()


def test_trigger_before_the_range_with_its_deadline_inside_is_judged(run: Run) -> None:
    """A warrant at 23:00 on 31 May is owed by 2 June: judged in a June range, once; one
    whose deadline passed before June is not."""
    report = run(
        "v.warrant-linked",
        [
            ev("w1", "warrant", "2023-05-31T22:00:00Z", scope="north"),
            ev("w0", "warrant", "2023-05-20T22:00:00Z", scope="north"),
        ],
        *JUNE,
    )
    assert [(r.evidence, r.status) for r in report.results] == [(("w1",), Status.MISSED)]


# -- 7. rolling intervals -------------------------------------------------------------


def test_rolling_gap_catches_what_fixed_thirds_would_pass(run: Run) -> None:
    """Surgeries on 3 January and 30 August are in different thirds of the year but almost
    8 months apart: missed; every 3 months is met."""
    sparse = run(
        "v.surgery-gap",
        [
            ev("s0", "surgery", "2022-10-01"),
            ev("s1", "surgery", "2023-01-03"),
            ev("s2", "surgery", "2023-08-30"),
            ev("s3", "surgery", "2023-12-01"),
        ],
        "2023-01-01",
        "2023-12-31",
    )
    (result,) = sparse.results
    assert result.status is Status.MISSED and "Wed 3 May to Wed 30 Aug 2023" in result.reason
    steady = run(
        "v.surgery-gap",
        [ev(f"s{m}", "surgery", f"2023-{m:02d}-10") for m in (1, 4, 7, 10)]
        + [ev("s0", "surgery", "2022-11-01")],
        "2023-01-01",
        "2023-12-31",
    )
    assert [r.status for r in steady.results] == [Status.MET]


# -- 8. coverage over time ------------------------------------------------------------


def test_coverage_needs_an_assignment_throughout_the_window(run: Run) -> None:
    """A contact named on 29 January leaves North uncovered for 28 days: missed with the
    days; South, named in December, is met."""
    report = run(
        "v.contact",
        [
            ev("c1", "contact_named", "2023-01-29", scope="north", role="PCSO"),
            ev("c2", "contact_named", "2022-12-01", scope="south", role="PCSO"),
        ],
        "2023-01-01",
        "2023-01-31",
    )
    by_unit = {r.scope: r for r in report.results}
    assert by_unit["north"].status is Status.MISSED
    assert "from Sun 1 Jan to Sat 28 Jan 2023" in by_unit["north"].reason
    assert by_unit["south"].status is Status.MET


def test_a_vacancy_ends_only_the_assignment_it_names_and_wrong_roles_do_not_cover(
    run: Run,
) -> None:
    """Two contacts in North, one vacated by name: still covered. In South the only
    assignment is a sergeant, whom the duty does not accept: missed."""
    report = run(
        "v.contact",
        [
            ev("c1", "contact_named", "2022-12-01", scope="north", role="PCSO"),
            ev("c2", "contact_named", "2022-12-02", scope="north", role="PCSO"),
            ev("x1", "contact_vacated", "2023-01-10", scope="north", refs=["c1"]),
            ev("c3", "contact_named", "2022-12-01", scope="south", role="PS"),
        ],
        "2023-01-01",
        "2023-01-31",
    )
    by_unit = {r.scope: r.status for r in report.results}
    assert by_unit == {"north": Status.MET, "south": Status.MISSED}


# -- 9. evidence that names its period ------------------------------------------------


def test_report_filed_after_its_period_meets_that_period_once(run: Run) -> None:
    """A December report filed on 2 January names December: December met, January not;
    one filed too late (after the 7-day grace) meets nothing."""
    report = run(
        "v.report",
        [
            ev(
                "r1",
                "report",
                "2023-01-02",
                scope="north",
                role="PS",
                attrs={"for_period": "2022-12"},
            ),
            ev(
                "r2",
                "report",
                "2023-01-20",
                scope="south",
                role="PS",
                attrs={"for_period": "2022-12"},
            ),
        ],
        "2022-12-01",
        "2023-01-31",
    )
    found = {(r.scope, r.window.local_start.month): r.status for r in report.results}
    assert found == {
        ("north", 12): Status.MET,
        ("north", 1): Status.MISSED,
        ("south", 12): Status.MISSED,
        ("south", 1): Status.MISSED,
    }


# -- 10. targets ----------------------------------------------------------------------


def test_target_is_pending_before_its_deadline_then_judged_on_the_latest_reading(
    run: Run,
) -> None:
    """1,200 in November is pending with progress; at the deadline the latest reading (900)
    decides, and the reason names it."""
    readings = [
        ev("l1", "reading", "2022-11-15", attrs={"likes": 1200}),
        ev("l2", "reading", "2022-12-20", attrs={"likes": 900}),
    ]
    early = run("v.likes", readings[:1], "2022-06-01", "2022-12-31", "2022-11-30T00:00:00Z")
    (pending,) = early.results
    assert pending.status is Status.PENDING
    assert (
        "1,200 likes so far" in pending.reason
        and "target 1,000 by Sat 31 Dec 2022" in pending.reason
    )
    late = run("v.likes", readings, "2022-06-01", "2022-12-31", "2023-01-05T00:00:00Z")
    (missed,) = late.results
    assert (missed.status, missed.evidence) == (Status.MISSED, ("l2",))
    assert "l2 on Tue 20 Dec 2022" in missed.reason
    met = run("v.likes", readings[:1], "2022-06-01", "2022-12-31", "2023-01-05T00:00:00Z")
    assert [r.status for r in met.results] == [Status.MET]


# -- 11. times of day on longer cadences ----------------------------------------------


def test_monthly_duty_at_a_time_is_once_a_month_not_daily(run: Run, force: Force) -> None:
    """ "P1M at 18:00" anchored on 4 January is one slot a month, on the 4th at 18:00, in
    schedule and check alike."""
    dues = [
        d
        for d in schedule(force, date(2023, 1, 1), date(2023, 3, 31))
        if d.obligation.id == "v.monthly-meeting"
    ]
    assert [d.window.local_start.strftime("%m-%d %H:%M") for d in dues] == [
        "01-04 18:00",
        "02-04 18:00",
        "03-04 18:00",
    ]
    report = run(
        "v.monthly-meeting",
        [ev("m1", "meeting", "2023-02-04T18:30:00Z")],
        "2023-01-01",
        "2023-03-31",
    )
    assert [r.status for r in report.results] == [Status.MISSED, Status.MET, Status.MISSED]


# -- the empty-log check of every bundled force ---------------------------------------


@pytest.mark.parametrize("name", ["gwent", "dorset", "surrey", "notts"])
def test_no_bundled_duty_is_met_on_an_empty_log(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An empty June 2023, judged in August: nothing is met, and every result says why."""
    empty = tmp_path / "EMPTY.jsonl"
    empty.write_text("", encoding="utf-8")
    args = ["check", name, str(empty), "--from", "2023-06-01", "--to", "2023-06-30"]
    code = main([*args, "--as-of", "2023-08-01T09:00:00Z", "--format", "json"])
    shape = json.loads(capsys.readouterr().out)
    assert code == 1
    assert shape["results"]
    assert not [r["obligation"] for r in shape["results"] if r["status"] == "met"]


# -- properties on generated logs -----------------------------------------------------

_MONOTONE = (
    "v.notices",
    "v.warrant-linked",
    "v.warrant-nearby",
    "v.hours",
    "v.report",
    "v.late-start",
)


def _verdicts(report: Report) -> dict[tuple[str, str | None, datetime], Status]:
    return {(r.obligation, r.scope, r.window.start): r.status for r in report.results}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records=verdict_logs(), pick=st.integers(0, 1000))
def test_removing_evidence_never_turns_not_met_into_met(
    force: Force, records: list[dict[str, Any]], pick: int
) -> None:
    """For recurring, triggered and standing duties, dropping one record that counted as
    evidence never makes a window met that was not met before."""
    as_of = datetime(2023, 8, 1, 9, tzinfo=UTC)

    def judge(rs: Sequence[dict[str, Any]]) -> Report:
        log = parse_events([("log", i + 1, r) for i, r in enumerate(rs)], force)
        return evaluate(
            force, log, date(2023, 6, 1), date(2023, 6, 30), as_of, obligations=_MONOTONE
        )

    before = judge(records)
    cited = sorted({e for r in before.results for e in r.evidence})
    assume(cited)
    dropped = cited[pick % len(cited)]
    after = judge([r for r in records if r["id"] != dropped])
    old, new = _verdicts(before), _verdicts(after)
    for key, status in new.items():
        if status is Status.MET and key in old:
            assert old[key] is Status.MET, (key, dropped, old[key])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records=verdict_logs(), as_of_day=st.integers(1, 60))
def test_every_record_read_is_accounted_for_with_a_reason(
    force: Force, records: list[dict[str, Any]], as_of_day: int
) -> None:
    """read = matched + unmatched + rejected, and the unmatched reasons add up to unmatched."""
    log = parse_events([("log", i + 1, r) for i, r in enumerate(records)], force)
    as_of = datetime(2023, 6, 1, tzinfo=UTC) + timedelta(days=as_of_day)
    report = evaluate(force, log, date(2023, 6, 1), date(2023, 6, 30), as_of)
    tally = report.events
    assert tally.read == len(records) == tally.matched + tally.unmatched + tally.rejected
    assert sum(tally.by_reason.values()) == tally.unmatched
    assert set(tally.by_reason) <= set(UNMATCHED_REASONS)


def test_schedule_and_calendar_start_where_the_plan_does(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Dorset's contract took effect on 2 August 2019: nothing is scheduled or exported for
    January to July (not even the part of a period under way on 2 August), and the first
    calendar item starts on 2 August, the periods under way that day owed from it."""
    assert (
        main(
            ["schedule", "dorset", "--from", "2019-01-01", "--to", "2019-07-31", "--format", "json"]
        )
        == 0
    )
    assert json.loads(capsys.readouterr().out) == []
    out = tmp_path / "d.ics"
    assert (
        main(["calendar", "dorset", "--from", "2019-01-01", "--to", "2019-12-31", "-o", str(out)])
        == 0
    )
    starts = sorted(
        line.rsplit(":", 1)[1]
        for line in out.read_text(encoding="utf-8").splitlines()
        if line.startswith("DTSTART;VALUE=DATE:")
    )
    assert starts[0] == "20190802"


def test_record_with_no_unit_for_a_per_unit_rule_is_judged_force_wide(run: Run) -> None:
    """A surgery with no unit escapes no rule: a per-section constraint judges it where it
    can be placed, force-wide, so its breach is reported (it was unmatched, `no_unit`)."""
    report = run("v.surgery-locations", [ev("s1", "surgery", "2023-06-05T18:00:00Z")], *JUNE)
    assert report.events.by_reason == {}
    (placed,) = [r for r in report.results if r.scope is None]
    assert placed.status is Status.BREACH and placed.evidence == ("s1",)
    assert "s1 (no location recorded)" in placed.reason


def _bounded_force(tmp_path: Path, declaration: str) -> Path:
    text = (FIXTURES / "verdicts" / "force.json").read_text(encoding="utf-8")
    old = '"attributes": {"hours": {"type": "number"}}'
    assert old in text
    folder = tmp_path / "bounded"
    folder.mkdir()
    (folder / "force.json").write_text(text.replace(old, declaration), encoding="utf-8")
    for extra in (FIXTURES / "verdicts").iterdir():
        if extra.name != "force.json" and extra.is_file():
            (folder / extra.name).write_bytes(extra.read_bytes())
    return folder


def test_declared_bounds_reject_a_record_outside_them(tmp_path: Path) -> None:
    """`max: 24`: 1600 hours in one session is rejected, not a month met; `min: null`
    lifts the summed number's default so a correction of -1 hour reads."""
    folder = _bounded_force(
        tmp_path, '"attributes": {"hours": {"type": "number", "min": null, "max": 24}}'
    )
    bounded = load_force(folder)
    records = [
        ev("h1", "session", "2023-06-05", attrs={"hours": 1600}),
        ev("h2", "session", "2023-06-06", attrs={"hours": -1}),
        ev("h3", "session", "2023-06-07", attrs={"hours": 24}),
    ]
    log = parse_events([("log", i + 1, r) for i, r in enumerate(records)], bounded)
    assert [(r.line, r.revealed().reason) for r in log.rejections] == [
        (1, "attrs.hours: 1600 is above the most allowed, 24")
    ]
    assert log.rejections[0].reason.startswith("attrs.hours: 4 characters like 9999 [#")
    assert [e.id for e in log.events] == ["h2", "h3"]


@pytest.mark.parametrize(
    ("declaration", "where", "words"),
    [
        ('"attributes": {"hours": {"type": "text", "min": 0}}', "hours.min", "has bounds"),
        ('"attributes": {"hours": {"type": "number", "min": 5, "max": 1}}', "hours.min", "above"),
    ],
)
def test_validate_refuses_bounds_that_cannot_hold(
    tmp_path: Path, declaration: str, where: str, words: str
) -> None:
    """Bounds belong to numbers, and the least may not be above the most."""
    problems = validate_file(_bounded_force(tmp_path, declaration))
    assert any(where in p.where and words in p.message for p in problems), problems


def _sessions(count: int) -> list[dict[str, Any]]:
    """`count` copies of one session under different ids: one activity exported again."""
    return [
        ev(f"s{i}", "session", "2023-06-05T10:00:00+01:00", role="PS", attrs={"hours": 1})
        for i in range(count)
    ]


def test_records_repeating_another_count_once_and_are_listed(run: Run) -> None:
    """Three copies of a one-hour session make one hour (partial), not three (met); the two
    copies are unmatched as `duplicate`, listed in data quality, and read still adds up."""
    report = run("v.hours", _sessions(3), *JUNE)
    (result,) = report.results
    assert (result.status, result.found, result.evidence) == (Status.PARTIAL, 1, ("s0",))
    assert report.events.by_reason == {"duplicate": 2}
    assert (report.events.read, report.events.matched, report.events.unmatched) == (3, 1, 2)
    assert [(d.id, d.problem) for d in report.data_quality] == [
        (f"s{i}", "repeats s0 (same type, unit, role, person, instant and details): counted once")
        for i in (1, 2)
    ]
    assert "duplicate" in UNMATCHED_REASONS


def test_records_at_one_instant_that_say_different_things_both_count(run: Run) -> None:
    """Two sessions at one instant with different hours are two records: 1 + 2 = 3, met."""
    records = _sessions(2)
    records[1]["attrs"] = {"hours": 2}
    report = run("v.hours", records, *JUNE)
    assert [(r.status, r.found) for r in report.results] == [(Status.MET, 3)]
    assert not report.data_quality


def test_a_type_that_may_repeat_keeps_every_record(tmp_path: Path) -> None:
    """`"repeats": true`: three identical sessions are three hours."""
    folder = _bounded_force(
        tmp_path, '"repeats": true, "attributes": {"hours": {"type": "number"}}'
    )
    force = load_force(folder)
    log = parse_events([("log", i + 1, r) for i, r in enumerate(_sessions(3))], force)
    report = evaluate(
        force,
        log,
        date(2023, 6, 1),
        date(2023, 6, 30),
        datetime(2030, 1, 1, tzinfo=UTC),
        obligations=["v.hours"],
    )
    assert [(r.status, r.found) for r in report.results] == [(Status.MET, 3)]
    assert report.events.by_reason == {}
