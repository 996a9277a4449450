"""agenda: the unmet duties of the windows open now, soonest deadline first."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from conftest import FIXTURES
from engagerules import (
    AgendaItem,
    Force,
    Status,
    Waiver,
    agenda,
    evaluate,
    open_force,
    parse_events,
    render_agenda,
)
from engagerules.cli import main

MINI = str(FIXTURES / "mini")
#: Wednesday 5 October 2022, 10:00 BST: the morning briefing is over, the 13:00 one is not.
NOW = datetime.fromisoformat("2022-10-05T10:00:00+01:00")
RECORDS = [
    {"id": "t-north", "type": "tweet", "at": "2022-10-03T12:00:00+01:00", "scope": "north"},
    {"id": "w1", "type": "warrant_executed", "at": "2022-10-04T15:00:00+01:00", "scope": "south"},
    {"id": "b1", "type": "briefing", "at": "2022-10-04T08:05:00+01:00"},
    {"id": "u1", "type": "website_update", "at": "2022-09-20T09:00:00+01:00"},
]


def items(
    force: Force, records: Sequence[dict[str, Any]] = RECORDS, **filters: Any
) -> tuple[AgendaItem, ...]:
    log = parse_events([("test", i + 1, r) for i, r in enumerate(records)], force)
    return agenda(force, log, NOW, **filters)


def keys(found: Sequence[AgendaItem]) -> list[tuple[str, str | None]]:
    return [(i.result.obligation, i.result.scope) for i in found]


def test_lists_what_is_due_now_and_not_done(mini: Force) -> None:
    """Every unmet duty whose window is open on Wednesday morning, and nothing else."""
    found = items(mini)
    assert sorted(keys(found), key=str) == sorted(
        [
            ("mini.ward-poc", "n-ward"),  # nobody named: overdue now
            ("mini.ward-poc", "s-ward"),
            ("mini.briefings", None),  # the 13:00 slot; 08:00 has passed
            ("mini.warrant-followup", "south"),  # due Thursday 15:00
            ("mini.weekly-tweet", "south"),  # North has tweeted
            ("mini.weekly-tweet", "east"),
            ("mini.website-current", None),  # a month after 20 September
            ("mini.monthly-two-surgeries", "north"),
            ("mini.action-day-rota", "south"),  # the rota from September: North, then South
            ("mini.likes-target", None),
            ("mini.clerk-meetings", None),  # the October..March cycle
        ],
        key=str,
    )


def test_soonest_deadline_first_and_overdue_flagged(mini: Force) -> None:
    """Deadlines never go backwards; only the uncovered wards are overdue."""
    found = items(mini)
    deadlines = [i.deadline for i in found]
    assert deadlines == sorted(deadlines)
    assert {k for i, k in zip(found, keys(found), strict=True) if i.overdue} == {
        ("mini.ward-poc", "n-ward"),
        ("mini.ward-poc", "s-ward"),
    }
    briefing = next(i for i in found if i.result.obligation == "mini.briefings")
    assert briefing.deadline == datetime.fromisoformat("2022-10-05T14:00:00+01:00")
    website = next(i for i in found if i.result.obligation == "mini.website-current")
    assert website.deadline == datetime.fromisoformat("2022-10-20T09:00:00+01:00")
    tweet = next(i for i in found if i.result.obligation == "mini.weekly-tweet")
    assert tweet.deadline == datetime.fromisoformat("2022-10-10T00:00:00+01:00")


def test_items_are_the_pending_results_check_gives(mini: Force) -> None:
    """A recurring item is exactly check's pending result for the same window."""
    log = parse_events([("test", i + 1, r) for i, r in enumerate(RECORDS)], mini)
    report = evaluate(mini, log, date(2022, 10, 3), date(2022, 10, 9), NOW)
    for item in agenda(mini, log, NOW):
        if item.result.obligation != "mini.weekly-tweet":
            continue
        (same,) = [
            r
            for r in report.results
            if (r.obligation, r.scope, r.window) == (
                item.result.obligation, item.result.scope, item.result.window
            )
        ]  # fmt: skip
        assert same == item.result
        assert same.status is Status.PENDING


def test_role_filter_keeps_duties_the_role_owns(mini: Force) -> None:
    """CSO owns the weekly tweet only; INSP the surgeries, clerk meetings and contacts."""
    assert set(keys(items(mini, role="CSO"))) == {
        ("mini.weekly-tweet", "south"),
        ("mini.weekly-tweet", "east"),
    }
    assert {k[0] for k in keys(items(mini, role="INSP"))} == {
        "mini.monthly-two-surgeries",
        "mini.clerk-meetings",
        "mini.ward-poc",
    }


def test_role_filter_includes_steps_the_role_owns() -> None:
    """Gwent's warrant follow-up is owned by the social-media lead; PS owns a step of it."""
    force = open_force("gwent")
    records = [
        {"id": "w1", "type": "warrant_executed", "at": "2022-10-04T15:00:00+01:00",
         "scope": "bargoed"},
    ]  # fmt: skip
    found = items(force, records, role="PS")
    (warrant,) = [i for i in found if i.result.obligation == "gwent.cn.warrant-followup"]
    assert warrant.result.owner != "PS" and "PS" in warrant.steps
    assert warrant.deadline > NOW


def test_unit_filter_keeps_the_unit_its_wards_and_force_wide(mini: Force) -> None:
    """--scope north: North's tweet is done, so its ward, its surgeries and force-wide duties."""
    found = set(keys(items(mini, scope="north")))
    assert ("mini.ward-poc", "n-ward") in found
    assert ("mini.monthly-two-surgeries", "north") in found
    assert ("mini.briefings", None) in found
    assert not {k for k in found if k[1] in ("south", "east", "s-ward")}


def test_waived_windows_are_not_on_the_agenda(mini: Force) -> None:
    """A waiver for East's week takes it off; South's stays."""
    waiver = Waiver("mini.weekly-tweet", date(2022, 10, 5), date(2022, 10, 5), "vacancy",
                    date(2022, 12, 31), scope="east")  # fmt: skip
    found = set(keys(items(mini, waivers=[waiver])))
    assert ("mini.weekly-tweet", "east") not in found
    assert ("mini.weekly-tweet", "south") in found


def test_agenda_command_json_and_text(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`agenda --format json` lists items by deadline; the text leads with the overdue."""
    events = tmp_path / "log.jsonl"
    events.write_text("".join(json.dumps(r) + "\n" for r in RECORDS), encoding="utf-8")
    base = ["agenda", MINI, str(events), "--as-of", NOW.isoformat()]
    assert main([*base, "--format", "json", "--role", "CSO"]) == 0
    shape = json.loads(capsys.readouterr().out)
    assert [(i["obligation"], i["scope"]) for i in shape] == [
        ("mini.weekly-tweet", "south"),
        ("mini.weekly-tweet", "east"),
    ]
    assert all(i["status"] == "pending" and not i["overdue"] for i in shape)
    assert shape[0]["deadline"] == "2022-10-10T00:00:00+01:00"
    assert main(base) == 0
    text = capsys.readouterr().out
    assert text.index("OVERDUE (2)") < text.index("DUE NOW (")
    assert (
        "by Wed 5 Oct 2022 10:00 BST: A named PCSO point of contact for every ward, North" in text
    )
    assert "id: mini.ward-poc" in text


def test_days_adds_the_windows_opening_soon(mini: Force) -> None:
    """`days=7` keeps today's items and adds next week's tweets, marked upcoming."""
    now = set(keys(items(mini)))
    week = items(mini, days=7)
    assert now <= set(keys(week))
    upcoming = [i for i in week if i.upcoming]
    assert upcoming and all(i.result.window.start > NOW for i in upcoming)
    tweets = [i for i in upcoming if i.result.obligation == "mini.weekly-tweet"]
    assert {i.result.window.local_start.date() for i in tweets} == {date(2022, 10, 10)}
    assert {i.result.scope for i in tweets} == {"north", "south", "east"}
    assert all(i.result.window.start < NOW + timedelta(days=7) for i in upcoming)
    later = [i.result for i in items(mini) if i.upcoming]  # only today's later slots
    assert [(r.obligation, r.window.local_start.hour) for r in later] == [("mini.briefings", 13)]


def test_days_must_not_be_negative(mini: Force) -> None:
    """A negative look-ahead is refused, naming the value."""
    with pytest.raises(ValueError, match="-1"):
        items(mini, days=-1)


def test_role_includes_the_duties_of_its_teams() -> None:
    """A Gwent CSO's week includes the neighbourhood team's daily foot patrol, in words."""
    force = open_force("gwent")
    as_of = datetime.fromisoformat("2022-11-14T08:30:00+00:00")
    found = agenda(force, [], as_of, role="CSO", scope="bargoed", days=7)
    owners = {i.result.owner for i in found}
    assert owners == {"CSO", "NPT"}
    text = render_agenda(found, force, as_of, role="CSO", scope="bargoed", days=7)
    assert "as of Mon 14 Nov 2022 08:30 GMT" in text
    assert "with the duties of All neighbourhood team staff" in text
    assert (
        "by the end of Mon 14 Nov 2022: High-visibility foot patrol in each section, "
        "in line with demand and the patrol plan, Bargoed" in text
    )
    assert "COMING UP in the next 7 days" in text
    assert "NPT" not in {i.result.owner for i in agenda(force, [], as_of, role="ACC")}


def test_agenda_command_refuses_days_out_of_range(capsys: pytest.CaptureFixture[str]) -> None:
    """`--days 400` is a usage error in one line."""
    assert main(["agenda", MINI, "x.jsonl", "--days", "400"]) == 2
    assert "'400' is not a number of days from 0 to 366" in capsys.readouterr().err


def test_agenda_command_rejects_an_unknown_role(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An unknown role is a usage error in one line, listing the force's roles."""
    events = tmp_path / "log.jsonl"
    events.write_text("", encoding="utf-8")
    code = main(["agenda", MINI, str(events), "--as-of", NOW.isoformat(), "--role", "CHIEF"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "CHIEF" in err and "CSO" in err
