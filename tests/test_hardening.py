"""Issue 11's reproducers, each built here as its own file: bad input gets exit 2 (or a
rejection, or a listed configuration problem), never a traceback or a silent drop."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import icalendar
import pytest
from markdown_it import MarkdownIt

from conftest import FIXTURES
from engagerules import UsageError, evaluate, load_force, schedule
from engagerules.cli import main
from engagerules.outputs.calendar import escape_text

MINI = FIXTURES / "mini"
RANGE = ("--from", "2022-10-01", "--to", "2022-12-31")
GOOD = {"id": "g1", "type": "tweet", "at": "2022-10-03T10:15:00+01:00", "scope": "north"}


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Run the real entry point in-process; a traceback would fail the test by itself."""
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert code in (0, 1, 2), err
    return code, out, err


def usage_error(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    """Exit 2 with exactly one line on stderr; that line."""
    code, _, err = cli(capsys, *argv)
    assert code == 2, err
    lines = err.splitlines()
    assert len(lines) == 1, err
    return lines[0]


def checked(capsys: pytest.CaptureFixture[str], events: Path, *extra: str) -> dict[str, Any]:
    """`check mini EVENTS --format json`, read back, with the tally checked."""
    code, out, err = cli(
        capsys, "check", str(MINI), str(events), *RANGE, "--format", "json", *extra
    )
    assert code in (0, 1), err
    report: dict[str, Any] = json.loads(out)
    ev = report["events"]
    assert ev["read"] == ev["matched"] + ev["unmatched"] + ev["rejected"]
    return report


def force_with(tmp_path: Path, edit: Callable[[dict[str, Any]], None]) -> str:
    """A copy of the mini force, changed by `edit`, as a directory path."""
    raw = json.loads((MINI / "force.json").read_text("utf-8"))
    edit(raw)
    folder = tmp_path / "force"
    folder.mkdir(exist_ok=True)
    (folder / "force.json").write_text(json.dumps(raw, ensure_ascii=False), "utf-8")
    return str(folder)


def force_text(tmp_path: Path, text: str) -> str:
    folder = tmp_path / "force"
    folder.mkdir(exist_ok=True)
    (folder / "force.json").write_text(text, "utf-8")
    return str(folder)


def invalid(capsys: pytest.CaptureFixture[str], folder: str, where: str) -> str:
    """`validate` exits 1 and lists a problem at the JSON path `where`; that problem."""
    code, _, err = cli(capsys, "validate", folder)
    assert code == 1, err
    found = [line for line in err.splitlines() if f": {where}" in line]
    assert found, err
    return found[0]


def ob(raw: dict[str, Any], ident: str) -> dict[str, Any]:
    return next(o for o in raw["obligations"] if o["id"] == ident)


# ---------------------------------------------------------------------------- events


def test_an_integer_of_5000_digits_is_rejected_in_json_lines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A 5,000-digit integer in JSON Lines is one rejection stating the digit limit."""
    events = tmp_path / "e.jsonl"
    events.write_text(
        '{"id": "a", "type": "tweet", "at": "2022-10-03", "attrs": {"n": '
        + "9" * 5000
        + "}}\n"
        + json.dumps(GOOD)
        + "\n"
    )
    report = checked(capsys, events)
    assert report["events"]["read"] == 2 and report["events"]["rejected"] == 1
    assert "attrs.n: a number of 5000 digits (at most 300)" in report["rejections"][0]["reason"]


def test_an_integer_of_5000_digits_is_rejected_in_a_json_array(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """In a JSON array the record is rejected and the records after it still read."""
    events = tmp_path / "e.json"
    events.write_text(
        '[{"id": "a", "type": "tweet", "at": "2022-10-03", "attrs": {"n": -'
        + "9" * 5000
        + "}},\n"
        + json.dumps(GOOD)
        + "]"
    )
    report = checked(capsys, events)
    assert report["events"]["read"] == 2 and report["events"]["rejected"] == 1
    assert report["rejections"][0]["line"] == 1


def test_an_integer_of_5000_digits_in_a_force_is_a_listed_problem(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """force.json with a 5,000-digit `min` gets a problem at its JSON path, exit 1."""
    text = (MINI / "force.json").read_text("utf-8").replace('"min": 2', '"min": ' + "7" * 5000)
    problem = invalid(capsys, force_text(tmp_path, text), "$.obligations[1].evidence[0].min")
    assert "at most 300" in problem


def test_an_integer_of_5000_digits_in_a_waiver_file_is_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A waiver file with a huge integer is one line naming the file and JSON path."""
    events = tmp_path / "e.jsonl"
    events.write_text(json.dumps(GOOD) + "\n")
    waivers = tmp_path / "w.json"
    waivers.write_text('{"waivers": [{"obligation": ' + "1" * 5000 + "}]}")
    line = usage_error(capsys, "check", str(MINI), str(events), *RANGE, "--waivers", str(waivers))
    assert str(waivers) in line and "$.waivers[0].obligation" in line


@pytest.mark.parametrize("suffix", [".jsonl", ".json"])
def test_nesting_1000_deep_is_rejected_or_named(
    suffix: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Nesting 1,000 deep is a rejection (JSON Lines) or a one-line error naming the line
    (a JSON array, which cannot be read past it), never a RecursionError."""
    deep = '{"id": "d", "type": "tweet", "at": "2022-10-03", "attrs": {"x": ' + "[" * 1000
    deep += "]" * 1000 + "}}"
    events = tmp_path / f"e{suffix}"
    if suffix == ".jsonl":
        events.write_text(deep + "\n" + json.dumps(GOOD) + "\n")
        report = checked(capsys, events)
        assert report["events"]["read"] == 2 and report["events"]["rejected"] == 1
        assert "nested more than 64 levels deep" in report["rejections"][0]["reason"]
    else:
        events.write_text("[\n" + json.dumps(GOOD) + ",\n" + deep + "]")
        line = usage_error(capsys, "check", str(MINI), str(events), *RANGE)
        assert f"{events}:3: nested more than 64 levels deep" in line


def test_nesting_70_deep_is_rejected_at_its_path(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Nesting past the stated limit but within the parser's is rejected at its path."""
    events = tmp_path / "e.jsonl"
    record = dict(GOOD, attrs={"x": json.loads("[" * 70 + "]" * 70)})
    events.write_text(json.dumps(record) + "\n")
    report = checked(capsys, events)
    assert report["events"]["rejected"] == 1
    assert report["rejections"][0]["reason"].startswith("attrs.x" + "[0]" * 62)


def test_nesting_1000_deep_in_a_force_and_a_waiver_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """force.json and waivers nested 1,000 deep: a listed problem, and exit 2."""
    deep = "[" * 1000 + "]" * 1000
    folder = force_text(tmp_path, '{"id": "x", "tags": ' + deep + "}")
    code, _, err = cli(capsys, "validate", folder)
    assert code == 1 and "nested more than 64 levels deep" in err
    events = tmp_path / "e.jsonl"
    events.write_text(json.dumps(GOOD) + "\n")
    waivers = tmp_path / "w.json"
    waivers.write_text(deep)
    line = usage_error(capsys, "check", str(MINI), str(events), *RANGE, "--waivers", str(waivers))
    assert str(waivers) in line and "nested" in line


@pytest.mark.parametrize(
    "at",
    [
        "0001-01-01T00:00:00+01:00",
        "9999-12-31T23:00:00-05:00",
        "0001-01-01",
        "9999-12-31",
        "1899-12-31T23:59:59Z",
    ],
)
def test_a_timestamp_outside_the_supported_years_is_rejected(
    at: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Timestamps whose offset pushes them past year 1 or 9999 (and any outside the
    supported years) are rejected, saying which years are supported."""
    events = tmp_path / "e.jsonl"
    events.write_text(json.dumps(dict(GOOD, at=at)) + "\n")
    report = checked(capsys, events)
    assert report["events"]["rejected"] == 1
    assert "years supported (1900 to 2999)" in report["rejections"][0]["reason"]


@pytest.mark.parametrize("attr", ["topic", "location"])
def test_a_huge_integer_in_a_tested_attribute_is_rejected(
    attr: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A 400-digit integer in an attribute a rule tests is a rejection, not an
    OverflowError converting it to float."""
    events = tmp_path / "e.jsonl"
    kind = "tweet" if attr == "topic" else "surgery"
    events.write_text(json.dumps(dict(GOOD, type=kind, attrs={attr: 10**400})) + "\n")
    report = checked(capsys, events)
    assert report["events"]["rejected"] == 1
    assert report["rejections"][0]["reason"].startswith(f"attrs.{attr}: a number of")


def test_a_csv_field_over_the_field_limit_is_one_line_naming_the_limit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A CSV field of 131,073 characters: exit 2, the file, the line and the limit."""
    events = tmp_path / "e.csv"
    events.write_text(
        "id,type,at,note\ng1,tweet,2022-10-03,ok\ng2,tweet,2022-10-03," + "x" * 131_073 + "\n"
    )
    line = usage_error(capsys, "check", str(MINI), str(events), *RANGE)
    assert f"{events}:3:" in line and "at most 131,072 characters" in line


def test_sums_past_the_largest_float_stay_numbers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Two `hours` of 1e308 for one person: the duty is met, not an OverflowError."""
    events = tmp_path / "e.jsonl"
    rows = [
        {
            "id": f"h{i}",
            "type": "cadet_volunteering",
            "at": f"2022-10-0{i}T10:00:00Z",
            "person": "p1",
            "attrs": {"hours": 1e308},
        }
        for i in (3, 4)
    ]
    rows.append({"id": "en", "type": "cadet_enrolled", "at": "2022-09-01", "person": "p1"})
    events.write_text("".join(json.dumps(r) + "\n" for r in rows))
    report = checked(capsys, events)
    hours = [
        r
        for r in report["results"]
        if r["obligation"] == "mini.cadet-hours" and r["start"].startswith("2022-10")
    ]
    assert [r["status"] for r in hours] == ["met"]


@pytest.mark.parametrize(
    "char", ["\u2028", "\u2029", "\u0085", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\r"]
)
def test_a_raw_separator_inside_a_json_string_is_one_record(
    char: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """One record written with a raw separator inside a string is read as one record
    (accepted, or one rejection where JSON forbids the raw character)."""
    events = tmp_path / "e.jsonl"
    record = json.dumps(dict(GOOD, attrs={"topic": "a"}), ensure_ascii=False)
    events.write_bytes(record.replace('"a"', f'"a{char}b"').encode("utf-8") + b"\n")
    report = checked(capsys, events)
    assert report["events"]["read"] == 1
    if char in "\u2028\u2029\u0085":
        assert report["events"]["rejected"] == 0


@pytest.mark.parametrize("line", ["\u00a0", "\u2028", "\u3000", "\x1c"])
def test_a_line_of_only_a_non_json_space_is_rejected_not_skipped(
    line: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A line holding only U+00A0 or a separator is counted and rejected."""
    events = tmp_path / "e.jsonl"
    events.write_text(json.dumps(GOOD) + "\n" + line + "\n", encoding="utf-8")
    report = checked(capsys, events)
    assert report["events"]["read"] == 2 and report["events"]["rejected"] == 1
    assert report["rejections"][0]["line"] == 2


def test_a_csv_row_of_empty_cells_is_rejected_not_skipped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`,,,` is a record with nothing in it: counted and rejected, with its line."""
    events = tmp_path / "e.csv"
    events.write_text("id,type,at,scope\ng1,tweet,2022-10-03,north\n,,,\n")
    report = checked(capsys, events)
    assert report["events"]["read"] == 2
    assert report["rejections"] == [
        {"file": str(events), "line": 3, "reason": "every cell of the row is empty"}
    ]


def test_a_duplicated_csv_column_is_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`scope,scope`: one line naming the file, the header line and the column."""
    events = tmp_path / "e.csv"
    events.write_text("id,type,at,scope,scope\ng1,tweet,2022-10-03,north,south\n")
    line = usage_error(capsys, "check", str(MINI), str(events), *RANGE)
    assert f"{events}:1: column 5 repeats 'scope' (column 4)" in line


def test_a_lone_surrogate_is_rejected(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`\\ud800` in an id can be encoded by no output: the record is rejected."""
    events = tmp_path / "e.jsonl"
    events.write_text(json.dumps(GOOD).replace('"g1"', '"g\\ud800"') + "\n")
    report = checked(capsys, events)
    assert report["events"]["rejected"] == 1
    assert "lone surrogate" in report["rejections"][0]["reason"]


@pytest.mark.parametrize("deadline", ["9999-12-31", "9999-12-31T23:00:00-05:00", "0001-01-01"])
def test_a_deadline_attribute_past_the_supported_years_falls_back(
    deadline: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An invitation whose meeting date is 9999-12-31 takes the duty's own deadline
    (`within`), as any unreadable date does, instead of overflowing a day later."""
    events = tmp_path / "e.jsonl"
    record = {"id": "i1", "type": "invitation", "at": "2022-10-03T10:00:00Z",
              "attrs": {"meeting_date": deadline}}  # fmt: skip
    events.write_text(json.dumps(record) + "\n")
    report = checked(capsys, events)
    invited = [r for r in report["results"] if r["obligation"] == "mini.invited-meetings"]
    assert [r["end"] for r in invited] == ["2022-11-03T11:00:00+00:00"]


# ---------------------------------------------------------------------------- configurations


WRONG_TYPES: list[tuple[str, Callable[[dict[str, Any]], None]]] = [
    ("$.units[3].within", lambda r: r["units"][3].update(within=["x"])),
    (
        "$.obligations[0].scope.per",
        lambda r: ob(r, "mini.weekly-tweet")["scope"].update(per=["section"]),
    ),
    ("$.obligations[0].scope.units", lambda r: ob(r, "mini.weekly-tweet")["scope"].update(units=5)),
    (
        "$.obligations[0].scope.units[0]",
        lambda r: ob(r, "mini.weekly-tweet")["scope"].update(units=[{"a": 1}]),
    ),
    (
        "$.obligations[0].evidence[0].roles",
        lambda r: ob(r, "mini.weekly-tweet")["evidence"][0].update(roles=5),
    ),
    (
        "$.obligations[0].evidence[0].roles[0]",
        lambda r: ob(r, "mini.weekly-tweet")["evidence"][0].update(roles=[["CSO"]]),
    ),
    ("$.obligations[0].kind", lambda r: ob(r, "mini.weekly-tweet").update(kind={})),
    ("$.obligations[0].owner", lambda r: ob(r, "mini.weekly-tweet").update(owner=["CSO"])),
    ("$.obligations[0].cadence", lambda r: ob(r, "mini.weekly-tweet").update(cadence=7)),
    ("$.obligations[0].anchor", lambda r: ob(r, "mini.weekly-tweet").update(anchor=[1])),
    (
        "$.obligations[0].source.document",
        lambda r: ob(r, "mini.weekly-tweet")["source"].update(document={}),
    ),
    (
        "$.obligations[0].source.section",
        lambda r: ob(r, "mini.weekly-tweet")["source"].update(section=[1]),
    ),
    ("$.documents[0].sections[0]", lambda r: r["documents"][0].update(sections=[[1]])),
    (
        "$.obligations[6].trigger.within",
        lambda r: ob(r, "mini.warrant-followup")["trigger"].update(within=["P1D"]),
    ),
    (
        "$.obligations[10].target.by",
        lambda r: ob(r, "mini.likes-target")["target"].update(by=20221231),
    ),
    ("$.obligations[0].effective", lambda r: ob(r, "mini.weekly-tweet").update(effective=[1])),
    (
        "$.obligations[0].effective.from",
        lambda r: ob(r, "mini.weekly-tweet").update(effective={"from": 1}),
    ),
    ("$.obligations[0].id", lambda r: ob(r, "mini.weekly-tweet").update(id=["x"])),
    ("$.units[0].id", lambda r: r["units"][0].update(id=5)),
    (
        "$.obligations[0].scope.roster",
        lambda r: ob(r, "mini.weekly-tweet")["scope"].update(roster=[1]),
    ),
    ("$.demo", lambda r: r.update(demo=[1])),
    ("$.timezone", lambda r: r.update(timezone=["Europe/London"])),
]


@pytest.mark.parametrize(("where", "edit"), WRONG_TYPES, ids=[w for w, _ in WRONG_TYPES])
def test_a_wrong_typed_value_is_listed_not_crashed_on(
    where: str,
    edit: Callable[[dict[str, Any]], None],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Wrong-typed values in force.json are listed at their JSON path by `validate`."""
    invalid(capsys, force_with(tmp_path, edit), where)


@pytest.mark.parametrize(
    "zone",
    [
        "Europe",
        "Europe/" + "x" * 300,
        "../../etc/passwd",
        "",
        "Europe/London\x00",
        "/usr/share/zoneinfo/UTC",
    ],
)
def test_a_time_zone_not_in_zoneinfo_is_a_listed_problem(
    zone: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A directory, a path or a 300-character name is no zone: validate lists it and every
    other command stops with exit 2."""
    folder = force_with(tmp_path, lambda r: r.update(timezone=zone))
    invalid(capsys, folder, "$.timezone")
    code, _, err = cli(capsys, "obligations", folder)
    assert code == 2 and "$.timezone" in err


@pytest.mark.parametrize(
    ("where", "edit", "says"),
    [
        (
            "$.obligations[6].trigger.within",
            lambda r: ob(r, "mini.warrant-followup")["trigger"].update(within="P10000Y"),
            "longer than the 100 years supported",
        ),
        (
            "$.obligations[6].trigger.within",
            lambda r: ob(r, "mini.warrant-followup")["trigger"].update(within="PT999999999H"),
            "longer than the 100 years supported",
        ),
        (
            "$.obligations[0].cadence",
            lambda r: ob(r, "mini.weekly-tweet").update(cadence="P" + "9" * 400 + "W"),
            "longer than the 100 years supported",
        ),
        (
            "$.obligations[2].slot",
            lambda r: ob(r, "mini.briefings").update(slot="PT0M"),
            "no length",
        ),
        (
            "$.obligations[1].evidence[0].min",
            lambda r: ob(r, "mini.monthly-two-surgeries")["evidence"][0].update(min=float("inf")),
            "Infinity",
        ),
        (
            "$.obligations[10].target.value",
            lambda r: ob(r, "mini.likes-target")["target"].update(value=float("nan")),
            "NaN",
        ),
        (
            "$.obligations[10].target.baseline",
            lambda r: ob(r, "mini.likes-target")["target"].update(baseline=10**400),
            "401 digits",
        ),
        (
            "$.obligations[0].effective.until",
            lambda r: ob(r, "mini.weekly-tweet").update(effective={"until": "9999-12-31"}),
            "1900 to 2999",
        ),
        (
            "$.obligations[10].target.by",
            lambda r: ob(r, "mini.likes-target")["target"].update(by="9999-12-31"),
            "1900 to 2999",
        ),
        (
            "$.obligations[0].anchor",
            lambda r: ob(r, "mini.weekly-tweet").update(anchor="0001-01-01"),
            "1900 to 2999",
        ),
        ("$.published", lambda r: r.update(published="9999-12-31T23:00:00-05:00"), "1900 to 2999"),
    ],
)
def test_values_that_crashed_later_are_listed_by_validate(
    where: str,
    edit: Callable[[dict[str, Any]], None],
    says: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Durations, numbers and dates past the stated limits are listed, with the limit."""
    problem = invalid(capsys, force_with(tmp_path, edit), where)
    assert says in problem


def test_a_day_the_zone_skipped_is_no_window(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Pacific/Apia skipped 30 December 2011: a daily duty across it is judged and
    scheduled without an empty window; the calendar says why it cannot export it."""
    folder = force_with(tmp_path, lambda r: r.update(timezone="Pacific/Apia"))
    dates = ("--from", "2011-12-28", "--to", "2012-01-02")
    events = tmp_path / "e.jsonl"
    events.write_text(json.dumps(dict(GOOD, at="2011-12-29T10:00:00-10:00")) + "\n")
    code, out, err = cli(capsys, "schedule", folder, *dates, "--format", "json")
    assert code == 0, err
    days = {w["start"][:10] for w in json.loads(out) if w["obligation"] == "mini.briefings"}
    assert "2011-12-30" not in days and {"2011-12-29", "2011-12-31"} <= days
    code, out, err = cli(
        capsys,
        "check",
        folder,
        str(events),
        *dates,
        "--format",
        "json",
        "--as-of",
        "2012-02-01T00:00:00Z",
    )
    assert code in (0, 1), err
    # One yearly VTIMEZONE rule cannot say a year with a skipped day: a stated refusal.
    line = usage_error(capsys, "calendar", folder, *dates, "-o", str(tmp_path / "c.ics"))
    assert "$.timezone: time zone Pacific/Apia changes its clock rules" in line


def test_a_calendar_of_1440_times_a_day_takes_linear_time(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A daily duty with a time for every minute exports in time linear in series x times:
    1,440 times take no more than about ten times what 144 take (quadratic would be 100)."""

    def timed(count: int) -> float:
        times = [f"{m // 60:02d}:{m % 60:02d}" for m in range(0, 1440, 1440 // count)]
        folder = force_with(
            tmp_path, lambda r: ob(r, "mini.briefings").update(times=times, slot="PT1M")
        )
        began = time.perf_counter()
        code, _, err = cli(
            capsys,
            "calendar",
            folder,
            "--from",
            "2022-10-03",
            "--to",
            "2022-10-04",
            "-o",
            str(tmp_path / "c.ics"),
        )
        assert code == 0, err
        return time.perf_counter() - began

    small, large = timed(144), timed(1440)
    cal = icalendar.Calendar.from_ical((tmp_path / "c.ics").read_bytes())
    briefings = [
        c for c in cal.walk("VEVENT") if str(c["X-ENGAGERULES-OBLIGATION"]) == "mini.briefings"
    ]
    assert len(briefings) == 1440
    assert large < 25 * max(small, 0.05)


# ---------------------------------------------------------------------------- calendar text


def control_free(data: bytes) -> None:
    """Nothing but CRLF line ends: no other control character anywhere."""
    text = data.decode("utf-8")
    assert "\r\n" in text
    bare = text.replace("\r\n", "")
    assert not [c for c in bare if ord(c) < 32 or 0x7F <= ord(c) <= 0x9F], repr(bare[:200])


def test_line_feeds_in_a_force_name_and_a_trigger_id_are_escaped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A LF in the force name or a trigger event id, and a lone CR, are escaped: the file
    parses, holds the components written and no injected one."""
    folder = force_with(tmp_path, lambda r: r.update(name="Mini\nEND:VCALENDAR"))
    events = tmp_path / "e.jsonl"
    trigger = {
        "id": "t1\rEND:VEVENT\rBEGIN:VEVENT\nX",
        "type": "warrant_executed",
        "at": "2022-10-03T10:00:00+01:00",
        "scope": "north",
    }
    events.write_text(json.dumps(trigger) + "\n")
    out = tmp_path / "c.ics"
    code, _, err = cli(capsys, "calendar", folder, *RANGE, "--events", str(events), "-o", str(out))
    assert code == 0, err
    control_free(out.read_bytes())
    cal = icalendar.Calendar.from_ical(out.read_bytes())
    follow = [c for c in cal.walk("VEVENT") if "X-ENGAGERULES-TRIGGER" in c]
    assert len(follow) == 1
    assert str(follow[0]["X-ENGAGERULES-TRIGGER"]) == "t1\\nEND:VEVENT\\nBEGIN:VEVENT\\nX"
    assert b"\rEND:VEVENT\r" not in out.read_bytes()


def test_control_characters_and_a_backslash_in_titles(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """NUL and ESC are dropped from SUMMARY and DESCRIPTION; `C:\\Network` reads back as
    written, not as "C:" and a line break."""

    def edit(raw: dict[str, Any]) -> None:
        duty = ob(raw, "mini.weekly-tweet")
        duty.update(title="C:\\Network\x00 \x1b[31m red")
        # the item's description quotes the plan (the configuration's own description is a
        # note for reviewers, left out of calendar items)
        duty["source"]["quote"] = "tab\there\x7f\x9b"

    out = tmp_path / "c.ics"
    code, _, err = cli(capsys, "calendar", force_with(tmp_path, edit), *RANGE, "-o", str(out))
    assert code == 0, err
    control_free(out.read_bytes())
    cal = icalendar.Calendar.from_ical(out.read_bytes())
    tweet = next(
        c for c in cal.walk("VEVENT") if str(c["X-ENGAGERULES-OBLIGATION"]) == "mini.weekly-tweet"
    )
    assert str(tweet["SUMMARY"]).startswith("C:\\Network [31m red")
    assert "tab here" in str(tweet["DESCRIPTION"])


def test_escape_text_escapes_every_separator_and_drops_controls() -> None:
    """The one escaping function: backslash first, then separators, breaks and controls."""
    assert escape_text("a\\N;b,c\r\nd\re\nf\u2028g\x00h\ti") == "a\\\\N\\;b\\,c\\nd\\ne\\nf\\ngh i"
    assert escape_text("a;b,c", separators=False) == "a;b,c"


# ---------------------------------------------------------------------------- arguments, waivers


@pytest.mark.parametrize(
    "argv",
    [
        ("check", str(MINI), "EVENTS", "--from", "2022-10-01", "--to", "9999-12-31"),
        ("check", str(MINI), "EVENTS", "--from", "0001-01-01", "--to", "2022-12-31"),
        ("calendar", str(MINI), "--from", "9999-01-01", "--to", "9999-12-31"),
        ("check", str(MINI), "EVENTS", *RANGE, "--as-of", "0001-01-01T00:00:00Z"),
        ("agenda", str(MINI), "EVENTS", "--as-of", "9999-12-31"),
        ("schedule", str(MINI), "--from", "1899-12-31", "--to", "1900-01-02"),
    ],
)
def test_dates_outside_the_supported_years_are_exit_2(
    argv: tuple[str, ...], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Arguments past the supported years: one line, naming them, exit 2."""
    events = tmp_path / "e.jsonl"
    events.write_text(json.dumps(GOOD) + "\n")
    line = usage_error(capsys, *(str(events) if a == "EVENTS" else a for a in argv))
    assert "years supported (1900 to 2999)" in line


def test_a_waiver_window_past_the_supported_years_is_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A waiver to 9999-12-31 names the file and the JSON path of the window."""
    events = tmp_path / "e.jsonl"
    events.write_text(json.dumps(GOOD) + "\n")
    waivers = tmp_path / "w.json"
    waivers.write_text(
        json.dumps(
            [
                {
                    "obligation": "mini.weekly-tweet",
                    "window": "2022-10-01..9999-12-31",
                    "justification": "x",
                    "expiry": "2023-01-01",
                }
            ]
        )
    )
    line = usage_error(capsys, "check", str(MINI), str(events), *RANGE, "--waivers", str(waivers))
    assert f"{waivers}: $[0].window" in line and "1900 to 2999" in line


@pytest.mark.parametrize("epoch", ["9" * 30, "99999999999", "١٢", "-5"])
def test_a_bad_source_date_epoch_names_the_variable(
    epoch: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A 30-digit (or otherwise unusable) SOURCE_DATE_EPOCH: exit 2 naming the variable."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch)
    line = usage_error(capsys, "calendar", str(MINI), *RANGE)
    assert "SOURCE_DATE_EPOCH" in line


# ---------------------------------------------------------------------------- reports


HOSTILE_ID = "[x](https://evil.example/)![i](https://evil.example/p.png)"


def test_markdown_shows_a_hostile_id_as_text(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An event id that is a link and an image stays text in the rendered Markdown."""
    events = tmp_path / "e.jsonl"
    records = [
        dict(GOOD, id=HOSTILE_ID),
        dict(GOOD, id=HOSTILE_ID, scope="south"),
        dict(GOOD, id=HOSTILE_ID + " www.evil.example https://evil.example/x"),
    ]
    events.write_text("".join(json.dumps(r) + "\n" for r in records))
    code, out, err = cli(capsys, "check", str(MINI), str(events), *RANGE, "--format", "markdown")
    assert code in (0, 1), err
    html = MarkdownIt("gfm-like", {"linkify": False}).enable("table").render(out)
    assert "<a " not in html and "<img" not in html
    assert "https://evil.example/p.png" in html  # shown, as text


def test_the_text_report_shows_control_characters_as_escapes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """ESC and NUL in an event id are printed as `\\x1b` and `\\x00`, never raw."""
    events = tmp_path / "e.jsonl"
    records = [dict(GOOD, id="e\x1b[2J\x00"), dict(GOOD, id="e\x1b[2J\x00", scope="south")]
    events.write_text("".join(json.dumps(r) + "\n" for r in records))
    code, out, err = cli(capsys, "check", str(MINI), str(events), *RANGE)
    assert code in (0, 1), err
    assert "\x1b" not in out and "\x00" not in out
    assert "e\\x1b[2J\\x00" in out


# ---------------------------------------------------------------------------- range length


@pytest.mark.parametrize("command", ["check", "schedule", "calendar", "simulate"])
def test_a_range_longer_than_ten_years_is_exit_2_naming_the_limit(
    command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A century of windows is refused in one line: the limit, and the first part to judge."""
    events = tmp_path / "e.jsonl"
    events.write_text(json.dumps(GOOD) + "\n")
    argv = [command, str(MINI), *([str(events)] if command == "check" else [])]
    if command == "simulate":
        argv += ["--events", "10"]
    line = usage_error(capsys, *argv, "--from", "2000-01-01", "--to", "2099-12-31")
    assert line.endswith(
        "--from 2000-01-01 --to 2099-12-31 is 36,525 days, more than the 3,660 days (10 years)"
        " one run judges: narrow the range, or judge it in parts"
        " (--from 2000-01-01 --to 2009-12-31 first)"
    )


def test_ten_years_are_judged_and_one_day_more_is_not(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """3,660 days (10 years, leap days and to spare) run; 3,661 do not, from the CLI or API."""
    code, out, _ = cli(capsys, "schedule", str(MINI), "--from", "2012-01-01", "--to", "2022-01-07")
    assert code == 0 and "Fri 7 Jan 2022 13:00" in out
    usage_error(capsys, "schedule", str(MINI), "--from", "2012-01-01", "--to", "2022-01-08")
    force = load_force(MINI)
    assert schedule(force, date(2012, 1, 1), date(2022, 1, 7))
    with pytest.raises(UsageError, match=r"^2012-01-01 to 2022-01-08 is 3,661 days"):
        schedule(force, date(2012, 1, 1), date(2022, 1, 8))
    with pytest.raises(UsageError, match=r"judge it in parts \(2012-01-01 to 2021-12-31 first\)"):
        evaluate(force, [], date(2012, 1, 1), date(2022, 1, 8), datetime(2023, 1, 1, tzinfo=UTC))
