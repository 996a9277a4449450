"""Evaluation of every obligation kind: a case that is met and one that is not."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

import pytest

from engagerules import EngageRulesError, Force, Report, Status, evaluate

Check = Callable[..., Report]


def statuses(report: Report) -> dict[str | None, list[str]]:
    found: dict[str | None, list[str]] = {}
    for r in report.results:
        found.setdefault(r.scope, []).append(r.status.value)
    return found


# -- recurring ---------------------------------------------------------------------


def test_weekly_per_section_two_of_three(check: Check) -> None:
    """Evidence in two of three sections: met twice, missed once, naming the unit."""
    report = check(
        "mini.weekly-tweet",
        [
            {"id": "t1", "type": "tweet", "at": "2022-10-04T10:00:00+01:00", "scope": "north"},
            {"id": "t2", "type": "tweet", "at": "2022-10-09T23:30:00+01:00", "scope": "south"},
        ],
        "2022-10-03",
        "2022-10-09",
    )
    assert statuses(report) == {"north": ["met"], "south": ["met"], "east": ["missed"]}
    (missed,) = [r for r in report.results if r.status is Status.MISSED]
    assert "missing for East" in missed.reason
    assert report.events.matched == 2


def test_weekly_over_a_quarter_gives_one_window_per_week_per_section(check: Check) -> None:
    """Q4 2022 overlaps 14 weeks, so 14 windows for each of 3 sections."""
    report = check("mini.weekly-tweet", [], "2022-10-01", "2022-12-31")
    assert len(report.results) == 14 * 3
    assert {r.scope for r in report.results} == {"north", "south", "east"}


def test_event_in_a_ward_counts_for_its_section(check: Check) -> None:
    """A tweet logged against a ward inside North counts for North."""
    report = check(
        "mini.weekly-tweet",
        [{"id": "t1", "type": "tweet", "at": "2022-10-04T10:00:00Z", "scope": "n-ward"}],
        "2022-10-03",
        "2022-10-09",
    )
    assert statuses(report)["north"] == ["met"]


def test_event_just_after_midnight_local_belongs_to_the_next_week(check: Check) -> None:
    """Monday 00:30 BST is Sunday 23:30 UTC, yet it falls in the new local week."""
    report = check(
        "mini.weekly-tweet",
        [{"id": "t1", "type": "tweet", "at": "2022-10-09T23:30:00Z", "scope": "east"}],
        "2022-10-03",
        "2022-10-16",
    )
    east = [r for r in report.results if r.scope == "east"]
    assert [r.status for r in east] == [Status.MISSED, Status.MET]


def test_min_count_partial_and_any_of_alternatives(check: Check) -> None:
    """Two needed, one surgery is partial; a surgery and a written report (any of) is met."""
    one = check(
        "mini.monthly-two-surgeries",
        [{"id": "s1", "type": "surgery", "at": "2022-10-04", "scope": "north"}],
        "2022-10-01",
        "2022-10-31",
    )
    assert [(r.status, r.needed, r.found) for r in one.results] == [(Status.PARTIAL, 2, 1)]
    two = check(
        "mini.monthly-two-surgeries",
        [
            {"id": "s1", "type": "surgery", "at": "2022-10-04", "scope": "north"},
            {"id": "r1", "type": "report_sent", "at": "2022-10-20", "scope": "north"},
        ],
        "2022-10-01",
        "2022-10-31",
    )
    assert [r.status for r in two.results] == [Status.MET]
    assert two.results[0].evidence == ("s1", "r1")


def test_open_window_is_pending_until_it_closes(check: Check) -> None:
    """Judged mid-week with nothing yet, the week is pending, not missed."""
    report = check("mini.weekly-tweet", [], "2022-10-03", "2022-10-09", "2022-10-05T12:00:00+01:00")
    assert {r.status for r in report.results} == {Status.PENDING}


def test_timed_briefings_at_local_time_across_the_clock_change(check: Check) -> None:
    """08:00 and 13:00 slots on 30 Oct 2022 are local times; a 08:30 GMT briefing meets 08:00."""
    report = check(
        "mini.briefings",
        [{"id": "b1", "type": "briefing", "at": "2022-10-30T08:30:00Z"}],
        "2022-10-30",
        "2022-10-30",
    )
    assert [(r.window.local_start.hour, r.status) for r in report.results] == [
        (8, Status.MET),
        (13, Status.MISSED),
    ]


def test_rota_moves_through_units_one_period_at_a_time(check: Check) -> None:
    """Anchored September: north, then south in October, east in November, north again."""
    report = check("mini.action-day-rota", [], "2022-09-01", "2022-12-31")
    assert [(r.window.local_start.month, r.scope) for r in report.results] == [
        (9, "north"),
        (10, "south"),
        (11, "east"),
        (12, "north"),
    ]


def test_rota_turn_does_not_depend_on_the_range(check: Check) -> None:
    """Asking for November alone still gives east its turn."""
    report = check(
        "mini.action-day-rota",
        [{"id": "a1", "type": "action_day", "at": "2022-11-12", "scope": "east"}],
        "2022-11-01",
        "2022-11-30",
    )
    assert [(r.scope, r.status) for r in report.results] == [("east", Status.MET)]


def test_anchored_six_month_cycle(check: Check) -> None:
    """A P6M cycle anchored in April judges April-September and October-March."""
    report = check(
        "mini.clerk-meetings",
        [{"id": "c1", "type": "clerk_meeting", "at": "2016-05-10"}],
        "2016-04-01",
        "2017-03-31",
    )
    assert [(r.window.local_start.date(), r.status) for r in report.results] == [
        (date(2016, 4, 1), Status.MET),
        (date(2016, 10, 1), Status.MISSED),
    ]


def test_per_person_hours_are_summed(check: Check) -> None:
    """Cadet p1 logs 3.5 hours (met); p2 logs 2 (partial); hours from CSV text count too."""
    report = check(
        "mini.cadet-hours",
        [
            {
                "id": "h1",
                "type": "cadet_volunteering",
                "at": "2022-10-02",
                "person": "p1",
                "attrs": {"hours": 2},
            },
            {
                "id": "h2",
                "type": "cadet_volunteering",
                "at": "2022-10-20",
                "person": "p1",
                "attrs": {"hours": "1.5"},
            },
            {
                "id": "h3",
                "type": "cadet_volunteering",
                "at": "2022-10-21",
                "person": "p2",
                "attrs": {"hours": 2},
            },
        ],
        "2022-10-01",
        "2022-10-31",
    )
    assert {r.scope: (r.status, r.found) for r in report.results} == {
        "p1": (Status.MET, 3.5),
        "p2": (Status.PARTIAL, 2),
    }


# -- triggered ---------------------------------------------------------------------

WARRANT = {
    "id": "w1",
    "type": "warrant_executed",
    "at": "2022-10-03T06:00:00+01:00",
    "scope": "south",
}


def test_triggered_result_names_its_trigger_as_a_field(check: Check) -> None:
    """The trigger is `Result.trigger` (and first in the evidence); other kinds have none."""
    report = check(
        "mini.warrant-followup",
        [WARRANT, {"id": "f1", "type": "tweet", "at": "2022-10-03T09:00:00+01:00", "refs": ["w1"]}],
        "2022-10-01",
        "2022-10-31",
    )
    (result,) = report.results
    assert result.trigger == "w1"
    assert result.evidence[0] == "w1"
    weekly = check("mini.weekly-tweet", [], "2022-10-03", "2022-10-09")
    assert weekly.results and all(r.trigger is None for r in weekly.results)


def test_warrant_with_all_steps_is_met(check: Check) -> None:
    """Tweet (by refs), leaflet drop and KIN update (same unit, in time) inside two days."""
    report = check(
        "mini.warrant-followup",
        [
            WARRANT,
            {"id": "f1", "type": "tweet", "at": "2022-10-03T09:00:00+01:00", "refs": ["w1"]},
            {
                "id": "f2",
                "type": "leaflet_drop",
                "at": "2022-10-04T15:00:00+01:00",
                "scope": "s-ward",
            },
            {"id": "f3", "type": "kin_update", "at": "2022-10-04T16:00:00+01:00", "scope": "south"},
        ],
        "2022-10-01",
        "2022-10-31",
    )
    (result,) = report.results
    assert (result.status, result.scope) == (Status.MET, "south")
    assert set(result.evidence) == {"w1", "f1", "f2", "f3"}


def test_warrant_without_leaflet_drop_is_missed_naming_the_step(check: Check) -> None:
    """A tweet and a KIN update but no leaflet drop in time: missed, reason names it."""
    report = check(
        "mini.warrant-followup",
        [
            WARRANT,
            {"id": "f1", "type": "tweet", "at": "2022-10-03T09:00:00+01:00", "refs": ["w1"]},
            {"id": "f3", "type": "kin_update", "at": "2022-10-04T16:00:00+01:00", "scope": "south"},
            {
                "id": "late",
                "type": "leaflet_drop",
                "at": "2022-10-05T07:00:00+01:00",
                "scope": "south",
            },
        ],
        "2022-10-01",
        "2022-10-31",
    )
    (result,) = report.results
    assert result.status is Status.MISSED
    assert "leaflet drop" in result.reason
    assert "tweet" not in result.reason.split(":")[-1]
    assert "late" not in result.evidence


def test_follow_up_in_another_unit_does_not_count(check: Check) -> None:
    """A leaflet drop in North does not follow up a warrant in South."""
    report = check(
        "mini.warrant-followup",
        [
            WARRANT,
            {"id": "f1", "type": "tweet", "at": "2022-10-03T09:00:00+01:00", "scope": "south"},
            {
                "id": "f2",
                "type": "leaflet_drop",
                "at": "2022-10-03T10:00:00+01:00",
                "scope": "north",
            },
            {"id": "f3", "type": "kin_update", "at": "2022-10-03T11:00:00+01:00", "scope": "south"},
        ],
        "2022-10-01",
        "2022-10-31",
    )
    assert report.results[0].status is Status.MISSED


def test_warrant_deadline_still_open_is_pending(check: Check) -> None:
    """Judged the day after, with steps outstanding, the follow-up is pending."""
    report = check(
        "mini.warrant-followup", [WARRANT], "2022-10-01", "2022-10-31", "2022-10-04T06:00:00+01:00"
    )
    assert report.results[0].status is Status.PENDING


# -- constraint --------------------------------------------------------------------


def test_policing_purpose_constraint_met_and_breached(check: Check) -> None:
    """Every attendance must record a policing purpose; one without is a breach naming it."""
    ok = check(
        "mini.policing-purpose",
        [
            {
                "id": "m1",
                "type": "meeting_attended",
                "at": "2022-10-04",
                "attrs": {"policing_purpose": "ASB hotspot"},
            }
        ],
        "2022-10-01",
        "2022-10-31",
    )
    assert [r.status for r in ok.results] == [Status.MET]
    bad = check(
        "mini.policing-purpose",
        [
            {
                "id": "m1",
                "type": "meeting_attended",
                "at": "2022-10-04",
                "attrs": {"policing_purpose": "ASB"},
            },
            {
                "id": "m2",
                "type": "meeting_attended",
                "at": "2022-10-05",
                "attrs": {"policing_purpose": "false"},
            },
            {"id": "m3", "type": "meeting_attended", "at": "2022-10-06"},
        ],
        "2022-10-01",
        "2022-10-31",
    )
    (result,) = bad.results
    assert result.status is Status.BREACH
    assert result.evidence == ("m2", "m3")
    assert "policing purpose" in result.reason  # the attribute in words, not its code
    assert "policing_purpose" not in result.reason


def test_locations_must_vary_from_the_previous_surgery(check: Check) -> None:
    """The same venue twice running in one section is a breach; alternating is fine."""
    report = check(
        "mini.surgery-locations-vary",
        [
            {
                "id": "s1",
                "type": "surgery",
                "at": "2022-10-04",
                "scope": "north",
                "attrs": {"location": "Library"},
            },
            {
                "id": "s2",
                "type": "surgery",
                "at": "2022-10-11",
                "scope": "north",
                "attrs": {"location": "library "},
            },
            {
                "id": "s3",
                "type": "surgery",
                "at": "2022-10-04",
                "scope": "south",
                "attrs": {"location": "Hall"},
            },
            {
                "id": "s4",
                "type": "surgery",
                "at": "2022-10-11",
                "scope": "south",
                "attrs": {"location": "Church"},
            },
        ],
        "2022-10-01",
        "2022-10-31",
    )
    by_scope = {r.scope: r for r in report.results}
    assert by_scope["north"].status is Status.BREACH
    assert by_scope["north"].evidence == ("s2",)
    assert by_scope["south"].status is Status.MET


# -- coverage ----------------------------------------------------------------------


def test_every_ward_needs_a_named_point_of_contact(check: Check) -> None:
    """North ward has its PCSO; South ward's was cleared, so it is missed, naming the unit."""
    report = check(
        "mini.ward-poc",
        [
            {
                "id": "p1",
                "type": "poc_named",
                "at": "2022-01-10",
                "scope": "n-ward",
                "role": "PCSO",
            },
            {
                "id": "p2",
                "type": "poc_named",
                "at": "2022-01-10",
                "scope": "s-ward",
                "role": "PCSO",
            },
            {"id": "v2", "type": "poc_vacated", "at": "2022-09-01", "scope": "s-ward"},
        ],
        "2022-10-01",
        "2022-12-31",
    )
    by_scope = {r.scope: r for r in report.results}
    assert by_scope["n-ward"].status is Status.MET
    assert by_scope["s-ward"].status is Status.MISSED
    assert "South ward" in by_scope["s-ward"].reason and "v2" in by_scope["s-ward"].reason


def test_point_of_contact_by_wrong_role_does_not_cover(check: Check) -> None:
    """The contact must be a PCSO: a sergeant named does not count."""
    report = check(
        "mini.ward-poc",
        [{"id": "p1", "type": "poc_named", "at": "2022-01-10", "scope": "n-ward", "role": "PS"}],
        "2022-10-01",
        "2022-12-31",
    )
    assert {r.scope: r.status for r in report.results}["n-ward"] is Status.MISSED


# -- target ------------------------------------------------------------------------


def _likes(id_: str, at: str, account: str, likes: int) -> dict[str, object]:
    return {
        "id": id_,
        "type": "likes_reading",
        "at": at,
        "attrs": {"likes": likes, "account": account},
    }


def test_target_sums_latest_reading_per_account(check: Check) -> None:
    """Latest of each account summed: 3000 + 2800 + 2500 = 8300 >= 8200, met."""
    report = check(
        "mini.likes-target",
        [
            _likes("l1", "2022-06-01", "a", 2500),
            _likes("l2", "2022-12-01", "a", 3000),
            _likes("l3", "2022-12-01", "b", 2800),
            _likes("l4", "2022-12-20", "c", 2500),
        ],
        "2022-01-01",
        "2022-12-31",
    )
    (result,) = report.results
    assert (result.status, result.found) == (Status.MET, 8300)
    assert set(result.evidence) == {"l2", "l3", "l4"}


def test_target_short_at_deadline_is_missed_and_pending_before(check: Check) -> None:
    """8000 by the deadline is missed; judged in June it is pending."""
    events = [_likes("l1", "2022-06-01", "a", 8000)]
    after = check("mini.likes-target", events, "2022-01-01", "2022-12-31", "2023-01-05T00:00:00Z")
    assert after.results[0].status is Status.MISSED
    before = check("mini.likes-target", events, "2022-01-01", "2022-12-31", "2022-06-15T00:00:00Z")
    assert before.results[0].status is Status.PENDING


# -- standing ----------------------------------------------------------------------


def test_standing_met_when_never_more_than_a_month_between_updates(check: Check) -> None:
    """Updates on 20 Sep, 15 Oct, 10 Nov, 5 Dec keep a monthly page current for Q4."""
    days = ["2022-09-20", "2022-10-15", "2022-11-10", "2022-12-05"]
    report = check(
        "mini.website-current",
        [{"id": f"u{i}", "type": "website_update", "at": d} for i, d in enumerate(days)],
        "2022-10-01",
        "2022-12-31",
    )
    assert report.results[0].status is Status.MET


def test_standing_lapse_is_missed_with_its_dates(check: Check) -> None:
    """No update between 15 Oct and 30 Dec: missed, and the reason dates the lapse."""
    report = check(
        "mini.website-current",
        [
            {"id": "u1", "type": "website_update", "at": "2022-10-15"},
            {"id": "u2", "type": "website_update", "at": "2022-12-30"},
        ],
        "2022-10-01",
        "2022-12-31",
    )
    (result,) = report.results
    assert result.status is Status.MISSED
    assert "without an update: Tue 15 Nov to Fri 30 Dec 2022" in result.reason


# -- accounting, advisory, versions ------------------------------------------------


def test_advisory_is_never_scored(mini: Force) -> None:
    """Advisory obligations produce no results."""
    report = evaluate(
        mini, [], date(2022, 1, 1), date(2022, 12, 31), datetime(2023, 1, 1, tzinfo=mini.zone)
    )
    assert "mini.consider-events" not in {r.obligation for r in report.results}


def test_every_record_is_accounted_for(mini: Force, log_of: Callable[..., object]) -> None:
    """read = matched + unmatched + rejected, with a bad record and an unused one."""
    log = log_of(
        [
            {"id": "t1", "type": "tweet", "at": "2022-10-04T10:00:00Z", "scope": "north"},
            {"id": "x1", "type": "clerk_meeting", "at": "2019-01-01"},
            {"id": "bad", "type": "tweet", "at": "yesterday"},
        ]
    )
    report = evaluate(
        mini, log, date(2022, 10, 3), date(2022, 10, 9), datetime(2023, 1, 1, tzinfo=mini.zone)
    )
    assert (
        report.events.read,
        report.events.matched,
        report.events.unmatched,
        report.events.rejected,
    ) == (3, 1, 1, 1)


def test_as_of_must_be_aware(mini: Force) -> None:
    """The engine never guesses a zone: a naive as_of is refused at the call, saying how."""
    with pytest.raises(EngageRulesError, match="has no time zone: pass an aware datetime"):
        evaluate(mini, [], date(2022, 1, 1), date(2022, 1, 2), datetime(2022, 1, 3))
    with pytest.raises(ValueError, match=r"as_of 2022-01-03T00:00:00 has no time zone"):
        evaluate(mini, [], date(2022, 1, 1), date(2022, 1, 2), datetime(2022, 1, 3))


def test_unknown_obligation_ids_are_refused_with_a_hint(mini: Force) -> None:
    """A mistyped id in `obligations` is an error naming the nearest id, not an empty report."""
    as_of = datetime(2022, 1, 3, tzinfo=mini.zone)
    with pytest.raises(EngageRulesError, match=r"did you mean 'mini\.weekly-tweet'"):
        evaluate(
            mini, [], date(2022, 1, 1), date(2022, 1, 2), as_of, obligations=["mini.weekly-twet"]
        )
    report = evaluate(
        mini, [], date(2022, 1, 1), date(2022, 1, 2), as_of, obligations=iter(["mini.weekly-tweet"])
    )
    assert {r.obligation for r in report.results} == {"mini.weekly-tweet"}


def test_standing_with_no_update_in_a_whole_cadence_is_missed(check: Check) -> None:
    """Nothing before or during a month-long range of a monthly duty: a lapse, missed."""
    report = check("mini.website-current", [], "2022-10-01", "2022-10-31")
    assert report.results[0].status is Status.MISSED


def test_rostered_cadet_who_logs_nothing_is_missed(check: Check) -> None:
    """Enrolled cadets owe the hours even with no activity; leavers stop owing them from
    the month they leave in (in post for part of it only: issue 19)."""
    report = check(
        "mini.cadet-hours",
        [
            {"id": "j1", "type": "cadet_enrolled", "at": "2022-01-05", "person": "p1"},
            {"id": "j2", "type": "cadet_enrolled", "at": "2022-01-05", "person": "p2"},
            {"id": "x2", "type": "cadet_left", "at": "2022-10-15", "person": "p2"},
            {
                "id": "h1",
                "type": "cadet_volunteering",
                "at": "2022-11-02",
                "person": "p3",
                "attrs": {"hours": 4},
            },
        ],
        "2022-10-01",
        "2022-11-30",
    )
    got = {(r.scope, r.window.local_start.month): r.status for r in report.results}
    assert got == {
        ("p1", 10): Status.MISSED,
        ("p1", 11): Status.MISSED,
        ("p3", 11): Status.MET,
    }


def test_force_wide_trigger_is_owed_by_every_unit(check: Check) -> None:
    """Census data for the whole force: each section must refresh its own profile."""
    report = check(
        "mini.profile-refresh",
        [
            {"id": "c", "type": "census_released", "at": "2022-06-01T09:00:00+01:00"},
            {"id": "n", "type": "profile_review", "at": "2022-07-01", "scope": "n-ward"},
            {
                "id": "s",
                "type": "profile_review",
                "at": "2022-08-01",
                "scope": "south",
                "refs": ["c"],
            },
            {
                "id": "e",
                "type": "profile_review",
                "at": "2022-08-01",
                "scope": "north",
                "refs": ["c"],
            },
        ],
        "2022-06-01",
        "2022-06-30",
    )
    assert {r.scope: r.status for r in report.results} == {
        "north": Status.MET,
        "south": Status.MET,
        "east": Status.MISSED,
    }


def test_deadline_named_by_the_trigger(check: Check) -> None:
    """An invitation's meeting date is its deadline: attending after that day is missed."""
    invite = {
        "id": "i1",
        "type": "invitation",
        "at": "2022-10-03",
        "attrs": {"meeting_date": "2022-10-12"},
    }
    on_the_day = {"id": "m1", "type": "meeting_attended", "at": "2022-10-12T19:00:00+01:00"}
    late = {"id": "m2", "type": "meeting_attended", "at": "2022-10-20T19:00:00+01:00"}
    met = check("mini.invited-meetings", [invite, on_the_day], "2022-10-01", "2022-10-31")
    assert met.results[0].status is Status.MET
    assert met.results[0].window.local_end.date().isoformat() == "2022-10-13"
    missed = check("mini.invited-meetings", [invite, late], "2022-10-01", "2022-10-31")
    assert missed.results[0].status is Status.MISSED
    undated = check(
        "mini.invited-meetings", [dict(invite, attrs={}), late], "2022-10-01", "2022-10-31"
    )
    assert undated.results[0].status is Status.MET, "without a date, 'within' (P1M) applies"


def test_events_after_as_of_are_not_yet_known(check: Check) -> None:
    """Judged as of Wednesday, Thursday's tweet has not happened: pending, not met."""
    tweet = {"id": "t1", "type": "tweet", "at": "2022-10-06T10:00:00+01:00", "scope": "north"}
    report = check(
        "mini.weekly-tweet", [tweet], "2022-10-03", "2022-10-09", "2022-10-05T12:00:00+01:00"
    )
    north = next(r for r in report.results if r.scope == "north")
    assert north.status is Status.PENDING
    assert report.events.unmatched == 1
