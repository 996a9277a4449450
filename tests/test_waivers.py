"""Waivers: a stated reason turns a window `waived`, counted apart, until it expires."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import FIXTURES
from engagerules import (
    Force,
    Report,
    Status,
    UsageError,
    Waiver,
    apply_waivers,
    evaluate,
    parse_events,
    parse_waivers,
    report_json,
)
from engagerules.cli import main

Check = Callable[..., Report]
MINI = str(FIXTURES / "mini")
EAST_MISSED = [
    {"id": "t1", "type": "tweet", "at": "2022-10-04T10:00:00+01:00", "scope": "north"},
    {"id": "t2", "type": "tweet", "at": "2022-10-05T10:00:00+01:00", "scope": "south"},
]


def waiver(**fields: Any) -> dict[str, Any]:
    entry = {
        "obligation": "mini.weekly-tweet",
        "scope": "east",
        "window": "2022-10-05",
        "justification": "major incident: east officers redeployed",
        "expiry": "2022-12-31",
    }
    entry.update(fields)
    return {k: v for k, v in entry.items() if v is not None}


def parsed(mini: Force, *entries: dict[str, Any]) -> tuple[Waiver, ...]:
    return parse_waivers(json.dumps({"waivers": list(entries)}), "w.json", mini)


def weekly(check: Check, as_of: str = "2022-10-20T09:00:00+01:00") -> Report:
    return check("mini.weekly-tweet", EAST_MISSED, "2022-10-03", "2022-10-09", as_of)


def test_waiver_turns_one_missed_window_into_waived(mini: Force, check: Check) -> None:
    """East's missed week becomes waived with the justification; counted apart from missed."""
    before = weekly(check)
    assert before.counts()[Status.MISSED] == 1
    after = apply_waivers(before, parsed(mini, waiver()), mini)
    assert after.counts() == {Status.MET: 2, Status.WAIVED: 1}
    (east,) = [r for r in after.results if r.scope == "east"]
    assert east.reason == "major incident: east officers redeployed"
    assert east.waived_from is not None and east.waived_from.status is Status.MISSED
    assert not after.failed()
    shape = report_json(after)
    assert shape["summary"] == {"met": 2, "waived": 1}
    (waived,) = [r for r in shape["results"] if r["status"] == "waived"]
    assert waived["waived_from"]["status"] == "missed"


def test_expired_waiver_no_longer_applies(mini: Force, check: Check) -> None:
    """Expiry before the day of as_of: the window is missed again; on the day it holds."""
    waivers = parsed(mini, waiver(expiry="2022-10-19"))
    late = apply_waivers(weekly(check, "2022-10-20T09:00:00+01:00"), waivers, mini)
    assert late.counts()[Status.MISSED] == 1 and late.counts()[Status.WAIVED] == 0
    same_day = apply_waivers(weekly(check, "2022-10-19T23:00:00+01:00"), waivers, mini)
    assert same_day.counts()[Status.WAIVED] == 1


def test_met_windows_are_never_waived(mini: Force, check: Check) -> None:
    """A waiver for every unit leaves the two met weeks met."""
    after = apply_waivers(weekly(check), parsed(mini, waiver(scope=None)), mini)
    assert sorted(r.status.value for r in after.results) == ["met", "met", "waived"]


def test_waiver_for_another_unit_or_week_does_not_apply(mini: Force, check: Check) -> None:
    """South's waiver and a waiver for the following week leave east missed."""
    waivers = parsed(mini, waiver(scope="south"), waiver(window="2022-10-10..2022-10-16"))
    after = apply_waivers(weekly(check), waivers, mini)
    assert after.counts()[Status.MISSED] == 1


def test_range_waives_every_window_it_touches(mini: Force, check: Check) -> None:
    """A range ending on Monday 10 October waives three weeks of east, touching each."""
    report = check("mini.weekly-tweet", [], "2022-09-26", "2022-10-23", "2022-11-01T00:00:00Z")
    waivers = parsed(mini, waiver(window="2022-09-30..2022-10-10"))
    east = [r for r in apply_waivers(report, waivers, mini).results if r.scope == "east"]
    assert [r.status.value for r in east] == ["waived", "waived", "waived", "missed"]


def test_enclosing_unit_covers_the_units_within_it(mini: Force, check: Check) -> None:
    """A waiver for North covers the point-of-contact duty of the ward inside it."""
    report = check("mini.ward-poc", [], "2022-10-01", "2022-10-31", "2022-11-01T00:00:00Z")
    waivers = parsed(
        mini,
        waiver(obligation="mini.ward-poc", scope="north", window="2022-10-31", expiry="2023-01-01"),
    )
    after = {r.scope: r.status for r in apply_waivers(report, waivers, mini).results}
    assert after == {"n-ward": Status.WAIVED, "s-ward": Status.MISSED}


def test_first_waiver_in_file_order_gives_the_reason(mini: Force, check: Check) -> None:
    """Two waivers cover the window: the first one's justification is the reason."""
    waivers = parsed(mini, waiver(justification="vacancy"), waiver(justification="incident"))
    (east,) = [r for r in apply_waivers(weekly(check), waivers, mini).results if r.scope == "east"]
    assert east.reason == "vacancy"


def test_bare_list_is_accepted(mini: Force) -> None:
    """A file holding just the list of waivers parses the same as the object form."""
    as_list = parse_waivers(json.dumps([waiver()]), "w.json", mini)
    assert [(w.obligation, w.scope, w.first, w.expiry) for w in as_list] == [
        ("mini.weekly-tweet", "east", date(2022, 10, 5), date(2022, 12, 31))
    ]


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ('{"waivers": [', "w.json:1: not valid JSON"),
        ('{"waivers": {}}', "w.json: $.waivers: must be a list"),
        ('{"waiver": []}', "w.json: $: expected"),
        ('{"waivers": [], "notes": 1}', "w.json: $.notes: not a field"),
        (json.dumps([waiver(justification=None)]), "w.json: $[0].justification: required"),
        (json.dumps([waiver(justification="  ")]), "w.json: $[0].justification: required"),
        (json.dumps([waiver(), waiver(expiry="2022-13-01")]), "w.json: $[1].expiry: "),
        (json.dumps([waiver(window="2022-10-09..2022-10-03")]), "$[0].window: "),
        (json.dumps([waiver(window="soon")]), "$[0].window: 'soon' is not a date"),
        (json.dumps([waiver(obligation="mini.weekly-tweets")]), "did you mean 'mini.weekly-tweet'"),
        (json.dumps([waiver(obligation="mini.consider-events")]), "$[0].obligation: "),
        (json.dumps([waiver(scope="west")]), "$[0].scope: 'west' is not a unit"),
        (json.dumps([waiver(unit="east")]), "$[0].unit: not a waiver field"),
        (json.dumps([waiver(expiry=20221231)]), "$[0].expiry: must be a string"),
        (json.dumps(["x"]), "$[0]: a waiver must be an object"),
    ],
)
def test_bad_waiver_file_names_the_file_and_json_path(mini: Force, text: str, where: str) -> None:
    """Every kind of bad waiver file is one line naming the file and where in it."""
    with pytest.raises(UsageError) as caught:
        parse_waivers(text, "w.json", mini)
    message = str(caught.value)
    assert where in message
    assert message.startswith("w.json") and "\n" not in message


def test_several_problems_are_counted(mini: Force) -> None:
    """Two bad entries: the first is named and the second counted."""
    text = json.dumps([waiver(expiry="x"), waiver(scope="west")])
    with pytest.raises(UsageError, match=r"\$\[0\]\.expiry.*\(and 1 more\)"):
        parse_waivers(text, "w.json", mini)


def test_per_person_duty_may_be_waived_for_one_person(mini: Force, check: Check) -> None:
    """A cadet's month is waived by their pseudonymous id; another cadet's is not."""
    report = check(
        "mini.cadet-hours",
        [
            {"id": "c1", "type": "cadet_volunteering", "at": "2022-10-03T10:00:00+01:00",
             "person": "cadet-1", "attrs": {"hours": 1}},
            {"id": "c2", "type": "cadet_volunteering", "at": "2022-10-04T10:00:00+01:00",
             "person": "cadet-2", "attrs": {"hours": 1}},
        ],
        "2022-10-01",
        "2022-10-31",
    )  # fmt: skip
    waivers = parsed(
        mini,
        waiver(obligation="mini.cadet-hours", scope="cadet-1", window="2022-10-15",
               expiry="2031-01-01"),
    )  # fmt: skip
    after = {r.scope: r.status for r in apply_waivers(report, waivers, mini).results}
    assert after == {"cadet-1": Status.WAIVED, "cadet-2": Status.PARTIAL}


# ---------------------------------------------------------------------------- command line


def write_events(tmp_path: Path) -> Path:
    path = tmp_path / "week.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in EAST_MISSED), encoding="utf-8")
    return path


def check_args(tmp_path: Path, *extra: str) -> list[str]:
    return [
        "check", MINI, str(write_events(tmp_path)), "--from", "2022-10-03", "--to",
        "2022-10-09", "--as-of", "2022-10-20T09:00:00+01:00", *extra,
    ]  # fmt: skip


def weekly_only(shape: dict[str, Any]) -> list[str]:
    return [r["status"] for r in shape["results"] if r["obligation"] == "mini.weekly-tweet"]


def test_check_with_waivers_reports_waived_and_exits_on_the_rest(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`check --waivers`: east's week is waived in the JSON, the justification its reason."""
    path = tmp_path / "waivers.json"
    path.write_text(json.dumps({"waivers": [waiver()]}), encoding="utf-8")
    main(check_args(tmp_path, "--format", "json"))
    without = json.loads(capsys.readouterr().out)
    main(check_args(tmp_path, "--format", "json", "--waivers", str(path)))
    shape = json.loads(capsys.readouterr().out)
    assert sorted(weekly_only(without)) == ["met", "met", "missed"]
    assert sorted(weekly_only(shape)) == ["met", "met", "waived"]
    assert shape["summary"]["waived"] == 1
    assert shape["summary"].get("missed", 0) == without["summary"]["missed"] - 1


def test_check_says_when_a_waiver_has_expired(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An expired waiver is not applied, and stderr says which one and since when."""
    path = tmp_path / "waivers.json"
    path.write_text(json.dumps([waiver(expiry="2022-10-10")]), encoding="utf-8")
    main(check_args(tmp_path, "--format", "json", "--waivers", str(path)))
    captured = capsys.readouterr()
    assert "missed" in weekly_only(json.loads(captured.out))
    assert f"{path}: $[0] expired on 2022-10-10" in captured.err


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, "no such waiver file"),
        ("[{]", ":1: not valid JSON"),
        (json.dumps([waiver(expiry="31/12/2022")]), ": $[0].expiry: '31/12/2022' is not a date"),
    ],
)
def test_bad_waiver_file_exits_2_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str | None, expected: str
) -> None:
    """Missing, unparsable or invalid: exit 2, one line naming the file, no traceback."""
    path = tmp_path / "waivers.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    code = main(check_args(tmp_path, "--waivers", str(path)))
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and "Traceback" not in err
    assert str(path) in err and expected in err


def test_expiry_is_judged_on_the_day_of_as_of_in_the_force_zone(mini: Force, check: Check) -> None:
    """Late evening BST on the expiry day is still that day: the waiver holds."""
    waivers = parsed(mini, waiver(expiry="2022-10-19"))
    as_of = datetime.fromisoformat("2022-10-19T23:30:00+01:00")
    assert not waivers[0].expired(as_of, mini)
    assert waivers[0].expired(datetime.fromisoformat("2022-10-19T23:30:00+00:00"), mini)


@settings(max_examples=60, deadline=None)
@given(
    first=st.dates(min_value=date(2022, 9, 20), max_value=date(2023, 1, 10)),
    length=st.integers(min_value=0, max_value=40),
    expiry=st.dates(min_value=date(2022, 12, 1), max_value=date(2023, 3, 1)),
    scope=st.sampled_from([None, "north", "south", "east", "n-ward"]),
)
def test_waivers_only_ever_relabel_results_not_met(
    mini: Force, first: date, length: int, expiry: date, scope: str | None
) -> None:
    """Whatever the waiver: the same results in the same order, met untouched, and every
    waived result keeping the verdict it replaced; an expired one changes nothing."""
    report = _quarter_of_tweets(mini)
    last = first + timedelta(days=length)
    waiver = Waiver("mini.weekly-tweet", first, last, "incident", expiry, scope)
    after = apply_waivers(report, [waiver], mini)
    assert len(after.results) == len(report.results)
    for old, new in zip(report.results, after.results, strict=True):
        if new.status is Status.WAIVED:
            assert new.waived_from == old and old.status is not Status.MET
            assert waiver.covers(old, mini)
        else:
            assert new == old
    if waiver.expired(report.as_of, mini):
        assert after == report


_TWEETS = [
    {"id": f"t{i}", "type": "tweet", "at": f"2022-10-{3 + 7 * i:02d}T10:00:00+01:00",
     "scope": unit}
    for i, unit in enumerate(["north", "south", "east", "north"])
]  # fmt: skip


def _quarter_of_tweets(mini: Force) -> Report:
    log = parse_events([("t", i + 1, r) for i, r in enumerate(_TWEETS)], mini)
    return evaluate(
        mini,
        log,
        date(2022, 10, 1),
        date(2022, 12, 31),
        datetime.fromisoformat("2023-01-09T09:00:00Z"),
    )
