"""Reasons in words (issue 13): every reason a report shows names activities by their
titles, units by their names, and days and times as people read them, in the force's zone
with its abbreviation; in the hour the clocks go back (which happens twice) the offset too.

The codes stay in the machine fields (`evidence`, `scope`, `obligation`), untouched."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import pytest

from engagerules import Force, Report, Status, evaluate, explain, parse_events
from engagerules.engine.explain import render_explanation
from quarter import gwent_quarter

LATE = datetime.fromisoformat("2023-06-01T00:00:00+00:00")
ISO_DAY = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")


def check(
    force: Force,
    obligation: str,
    records: Sequence[dict[str, Any]],
    start: str,
    end: str,
    as_of: datetime = LATE,
) -> Report:
    log = parse_events([("test", i + 1, r) for i, r in enumerate(records)], force)
    assert not log.rejections, log.rejections
    first, last = date.fromisoformat(start), date.fromisoformat(end)
    return evaluate(force, log, first, last, as_of, obligations=[obligation])


def reason_of(report: Report, scope: str | None) -> str:
    (result,) = [r for r in report.results if r.scope == scope]
    return result.reason


def test_a_missed_week_names_the_activity_by_its_title_and_the_unit_by_its_name(
    mini: Force,
) -> None:
    """`tweet` in North's empty week: the reason says `Tweet` (the type's title) and
    `North`, and the week in words; the machine fields keep the codes."""
    report = check(mini, "mini.weekly-tweet", [], "2022-10-03", "2022-10-09")
    (result,) = [r for r in report.results if r.scope == "north"]
    assert result.status is Status.MISSED
    assert result.reason == "missing for North from Mon 3 Oct to Sun 9 Oct 2022: Tweet (0 of 1)"
    assert result.scope == "north" and result.obligation == "mini.weekly-tweet"


def test_timed_slots_say_their_day_and_local_times(mini: Force) -> None:
    """Briefings at 08:00 and 13:00: the 08:00 one held is met, the 13:00 one missed
    (force-wide), each slot said as a local time with the zone."""
    report = check(
        mini,
        "mini.briefings",
        [{"id": "b1", "type": "briefing", "at": "2022-10-04T08:10:00+01:00"}],
        "2022-10-04",
        "2022-10-04",
    )
    morning, afternoon = report.results
    assert morning.status is Status.MET and morning.evidence == ("b1",)
    assert morning.reason == "1 Briefing from Tue 4 Oct 2022 08:00 to 09:00 BST"
    assert afternoon.status is Status.MISSED
    assert afternoon.reason == (
        "missing force-wide from Tue 4 Oct 2022 13:00 to 14:00 BST: Briefing (0 of 1)"
    )


def test_a_follow_up_names_its_trigger_by_title_and_id_at_local_time_with_the_zone(
    mini: Force,
) -> None:
    """A warrant at 06:00 BST with no leaflet drop: the trigger by its type's title and
    its id (a reviewer looks the id up), the times in BST, never `warrant_executed`."""
    records = [
        {"id": "w1", "type": "warrant_executed", "at": "2022-10-05T06:00:00+01:00",
         "scope": "north"},
        {"id": "t1", "type": "tweet", "at": "2022-10-05T09:00:00+01:00", "refs": ["w1"]},
        {"id": "k1", "type": "kin_update", "at": "2022-10-05T10:00:00+01:00", "refs": ["w1"]},
    ]  # fmt: skip
    report = check(mini, "mini.warrant-followup", records, "2022-10-01", "2022-10-31")
    reason = reason_of(report, "north")
    assert reason == (
        "missing for North after Warrant executed w1 at Wed 5 Oct 2022 06:00 BST, "
        "due by Fri 7 Oct 2022 06:00 BST: leaflet drop (0 of 1)"
    )
    assert "warrant_executed" not in reason


def test_a_trigger_in_the_hour_the_clocks_go_back_carries_its_offset(mini: Force) -> None:
    """30 Oct 2022, 01:30 happens twice in London: first in BST (+01:00), an hour later
    in GMT (+00:00). The two warrants read alike on a wall clock; their reasons, and
    explain's lines, tell them apart by the offset."""
    records = [
        {"id": "first", "type": "warrant_executed", "at": "2022-10-30T01:30:00+01:00",
         "scope": "north"},
        {"id": "second", "type": "warrant_executed", "at": "2022-10-30T01:30:00+00:00",
         "scope": "south"},
    ]  # fmt: skip
    report = check(mini, "mini.warrant-followup", records, "2022-10-29", "2022-11-05")
    first, second = reason_of(report, "north"), reason_of(report, "south")
    assert "after Warrant executed first at Sun 30 Oct 2022 01:30 BST, +01:00, " in first
    assert "after Warrant executed second at Sun 30 Oct 2022 01:30 GMT, +00:00, " in second
    # The deadline two days on is an ordinary hour: no offset.
    assert "due by Tue 1 Nov 2022 01:30 GMT: " in first
    assert "due by Tue 1 Nov 2022 01:30 GMT, +" not in first

    found = explain(
        mini,
        "mini.warrant-followup",
        parse_events([("test", i + 1, r) for i, r in enumerate(records)], mini).events,
        date(2022, 10, 29),
        date(2022, 11, 5),
        LATE,
        scope="south",
    )
    text = render_explanation(found, mini)
    assert "[South] Sun 30 Oct 2022 01:30 GMT, +00:00 to Tue 1 Nov 2022 01:30 GMT: MISSED" in text
    assert (
        "second Warrant executed at Sun 30 Oct 2022 01:30 GMT, +00:00, in South: "
        "trigger: Warrant executed in South at Sun 30 Oct 2022 01:30 GMT, +00:00" in text
    )


def test_a_standing_lapse_says_the_cadence_and_the_days_in_words(mini: Force) -> None:
    """A monthly update on 1 October and then 20 November: more than `1 month` (not
    `P1M`) without one, from the day it fell overdue to the day of the next."""
    records = [
        {"id": "u1", "type": "website_update", "at": "2022-10-01T09:00:00+01:00"},
        {"id": "u2", "type": "website_update", "at": "2022-11-20T09:00:00+00:00"},
    ]
    report = check(mini, "mini.website-current", records, "2022-10-01", "2022-11-30")
    (result,) = report.results
    assert result.status is Status.MISSED
    assert result.reason == (
        "Website updated went more than 1 month without an update: Tue 1 Nov to Sun 20 Nov 2022"
    )


def test_a_coverage_gap_names_the_ward_and_the_uncovered_days(mini: Force) -> None:
    """Named at 09:00 on 4 October: uncovered from the 1st, through part of the 4th."""
    records = [
        {"id": "p1", "type": "poc_named", "at": "2022-10-04T09:00:00+01:00",
         "scope": "s-ward", "role": "PCSO"},
    ]  # fmt: skip
    report = check(mini, "mini.ward-poc", records, "2022-10-01", "2022-10-31")
    assert reason_of(report, "s-ward") == (
        "no Point of contact named for South ward from Sat 1 Oct to Tue 4 Oct 2022"
    )


@pytest.fixture(scope="module")
def quarter_reasons() -> list[str]:
    return [r.reason for r in gwent_quarter().report.results]


def test_no_reason_of_a_simulated_quarter_shows_an_iso_date(quarter_reasons: list[str]) -> None:
    dated = [r for r in quarter_reasons if ISO_DAY.search(r)]
    assert not dated, dated[:5]


def test_no_reason_of_a_simulated_quarter_names_a_type_or_unit_by_its_code(
    quarter_reasons: list[str],
) -> None:
    """Codes such as `foot_patrol` and `ystrad-mynach` never reach a reason (the gwent
    plan's type ids all have an underscore and its unit ids a hyphen, unlike its words)."""
    force = gwent_quarter().force
    codes = [t.id for t in force.event_types if "_" in t.id]
    codes += [u.id for u in force.units if "-" in u.id]
    assert len(codes) > 20
    pattern = re.compile(r"\b(" + "|".join(map(re.escape, codes)) + r")\b")
    coded = [r for r in quarter_reasons if pattern.search(r)]
    assert not coded, coded[:5]
    # ... and the titles are there instead.
    assert any("High-visibility foot patrol" in r for r in quarter_reasons)
    assert any(" BST" in r for r in quarter_reasons) and any(" GMT" in r for r in quarter_reasons)
