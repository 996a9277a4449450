"""The analyst's and the sergeant's day, end to end, from an export as a team really has one.

A Caerphilly North activity log exported from Excel: windows-1252, dd/mm/yyyy, officers'
full names, blank rows, a blank time, a total row, rows at the hour the clocks skip and
the hour they repeat, and names typed where no name belongs (the Ward, Role, Activity and
Notes columns). Every name here is invented. The path a newcomer takes (import, check
with --profile and --scope, HTML, Markdown, JUnit, JSON, calendar, agenda, explain,
`import --row`) runs on it, and no output quotes a name.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from engagerules import open_force
from engagerules.cli import main

KEY_ENV = "ENGAGERULES_PSEUDONYM_KEY"
GWENT = open_force("gwent")

#: Invented names, and the parts of them a search must not find in any output.
NAMES = ("Zebedee Fictionalname", "Zoë Pretendperson", "Quillon Imaginary", "Orvald Madeupson")
PARTS = tuple(part for name in NAMES for part in name.split())

HEADER = "Ref,Date,Time,Activity,Ward,Role,Officer,Notes,Status"
ROWS = [
    # row 2: a patrol, the officer named in the person column (pseudonymised)
    "R1,01/12/2026,10:00,Foot Patrol,Bargoed,PCSO,Zebedee Fictionalname,High street,Done",
    # row 3: no time: an all-day event (times.blank_time defaults to all_day)
    "R2,02/12/2026,,Community Group Visit,Rhymney,PCSO,Zoë Pretendperson,Bowls club,Done",
    # row 4: blank: not a row of data
    ",,,,,,,,",
    # row 5: a name typed into the Ward column
    "R3,03/12/2026,14:30,Foot Patrol,Quillon Imaginary,PCSO,Zebedee Fictionalname,-,Done",
    # row 6: 01:30 on the day the clocks go forward (shifted forward by the profile)
    "R4,29/03/2026,01:30,Foot Patrol,Bargoed,PCSO,Zebedee Fictionalname,Met Orvald Madeupson,Done",
    # row 7: 01:30 on the day the clocks go back (the earlier, by the profile)
    "R5,25/10/2026,01:30,Foot Patrol,Ystrad Mynach,PCSO,Zoë Pretendperson,Car park,Done",
    # row 8: a name typed into the Role column
    "R6,04/12/2026,09:00,Foot Patrol,Rhymney,Orvald Madeupson,Zoë Pretendperson,Square,Done",
    # row 9: cancelled: filtered
    "R7,04/12/2026,11:00,Foot Patrol,Rhymney,PCSO,Zoë Pretendperson,Square,Cancelled",
    # row 10: a name typed into the Activity column
    "R8,05/12/2026,11:00,Zoë Pretendperson,Bargoed,PCSO,Zebedee Fictionalname,Park,Done",
    # row 11: a two-digit year: rejected, its shape said
    "R9,05/12/26,12:00,Foot Patrol,Bargoed,PCSO,Zebedee Fictionalname,Park,Done",
    # row 12: the spreadsheet's total row: filtered (no reference)
    ",Total,,,,,,9,",
]

PROFILE = {
    "profile": "caerphilly-north.activity-log",
    "title": "Caerphilly North activity log (Excel export)",
    "force": "gwent",
    "source": {"format": "csv", "encoding": "windows-1252"},
    "times": {"ambiguous": "earlier", "nonexistent": "shift_forward"},
    "filters": [
        {"name": "rows with a reference", "column": "Ref", "present": True},
        {"name": "not cancelled", "column": "Status", "not_in": ["Cancelled"]},
    ],
    "fields": {
        "id": {"column": "Ref", "prefix": "cn-"},
        "type": {"column": "Activity", "map": "activities"},
        "at": {
            "column": "Date",
            "format": "%d/%m/%Y",
            "time_column": "Time",
            "time_format": "%H:%M",
        },
        "scope": {"column": "Ward", "map": "wards"},
        "role": {"column": "Role", "map": "roles"},
        "person": {"column": "Officer"},
    },
    "attrs": {"location": {"column": "Notes"}},
    "maps": {
        "activities": {
            "values": {
                "Foot Patrol": "foot_patrol",
                "Community Group Visit": "community_group_visit",
            }
        },
        "wards": {
            "values": {"Bargoed": "bargoed", "Rhymney": "rhymney", "Ystrad Mynach": "ystrad-mynach"}
        },
        "roles": {"values": {"PCSO": "CSO", "Sergeant": "PS"}},
    },
    "pseudonymise": {"key_env": KEY_ENV},
}


@pytest.fixture(autouse=True)
def key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(KEY_ENV, "an-invented-key-for-the-newcomer-test")


@pytest.fixture
def export(tmp_path: Path) -> tuple[Path, Path]:
    """The export (windows-1252 bytes, CRLF as Excel writes them) and its profile."""
    data = tmp_path / "activity.csv"
    data.write_bytes("\r\n".join([HEADER, *ROWS, ""]).encode("cp1252"))
    profile = tmp_path / "activity-profile.json"
    profile.write_text(json.dumps(PROFILE), encoding="utf-8")
    return data, profile


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def named(text: str) -> list[str]:
    """Every invented name part found in `text`."""
    return [part for part in PARTS if part.casefold() in text.casefold()]


RANGE = ("--from", "2026-03-01", "--to", "2026-12-31", "--as-of", "2026-12-06T12:00:00+00:00")


def outputs(
    capsys: pytest.CaptureFixture[str], data: Path, profile: Path, tmp_path: Path
) -> Iterator[tuple[str, str]]:
    """(what, its text) for every output of the newcomer's path."""
    events = tmp_path / "events.jsonl"
    code, out, err = run(capsys, "import", str(profile), str(data), "-o", str(events))
    assert code == 0, err
    yield "import summary", out + err
    code, out, err = run(
        capsys, "import", str(profile), str(data), "--format", "json", "-o", str(events)
    )  # the events file itself carries what the profile maps, Notes included: data, no report
    yield "import json", out + err
    for row in range(2, 14):
        code, out, err = run(capsys, "import", str(profile), str(data), "--row", str(row))
        yield f"import --row {row}", out + err
    files = {
        fmt: tmp_path / f"report.{fmt}" for fmt in ("text", "json", "html", "markdown", "junit")
    }
    also = [arg for fmt, path in files.items() for arg in (f"--{fmt}", str(path))]
    code, out, err = run(
        capsys, "check", "gwent", str(data), "--profile", str(profile), *RANGE,
        "--scope", "caerphilly-north", *also,
    )  # fmt: skip
    assert code in (0, 1), err
    yield "check stdout", out + err
    for fmt, path in files.items():
        yield f"check {fmt}", path.read_text(encoding="utf-8")
    for fmt in ("text", "json"):
        code, out, err = run(
            capsys, "agenda", "gwent", str(data), "--profile", str(profile),
            "--as-of", "2026-12-06T12:00:00+00:00", "--scope", "bargoed", "--days", "7",
            "--format", fmt,
        )  # fmt: skip
        assert code == 0, err
        yield f"agenda {fmt}", out + err
        code, out, err = run(
            capsys, "explain", "gwent", "gwent.cn.daily-foot-patrol", str(data),
            "--profile", str(profile), *RANGE, "--scope", "bargoed", "--format", fmt,
        )  # fmt: skip
        assert code == 0, err
        yield f"explain {fmt}", out + err
    ics = tmp_path / "duties.ics"
    code, out, err = run(
        capsys, "calendar", "gwent", "--from", "2026-12-01", "--to", "2026-12-31",
        "--scope", "caerphilly-north", "--events", str(events), "-o", str(ics),
    )  # fmt: skip
    assert code == 0, err
    yield "calendar", ics.read_text(encoding="utf-8") + out + err


def test_no_output_of_the_newcomers_path_quotes_a_name(
    capsys: pytest.CaptureFixture[str], export: tuple[Path, Path], tmp_path: Path
) -> None:
    """Names typed into the Ward, Role, Activity and person columns reach no output."""
    data, profile = export
    seen = 0
    for what, text in outputs(capsys, data, profile, tmp_path):
        assert named(text) == [], what
        seen += 1
    assert seen == 25


def test_show_values_reaches_the_terminal_only(
    capsys: pytest.CaptureFixture[str], export: tuple[Path, Path], tmp_path: Path
) -> None:
    """`--show-values` prints the rejected cells on stderr; the report file has none."""
    data, profile = export
    report = tmp_path / "report.md"
    code, out, err = run(
        capsys, "check", "gwent", str(data), "--profile", str(profile), *RANGE,
        "--format", "markdown", "-o", str(report), "--show-values",
    )  # fmt: skip
    assert code in (0, 1)
    assert "Quillon Imaginary" in err
    assert named(report.read_text(encoding="utf-8")) == []
    code, out, err = run(
        capsys, "import", str(profile), str(data), "--row", "5", "--show-values"
    )  # fmt: skip
    assert "Quillon Imaginary" in out


def test_rows_are_accounted_in_every_report(
    capsys: pytest.CaptureFixture[str], export: tuple[Path, Path], tmp_path: Path
) -> None:
    """read = imported + filtered + rejected, the export's own counts, in every report."""
    data, profile = export
    path = tmp_path / "report.json"
    html, md = tmp_path / "r.html", tmp_path / "r.md"
    code, out, err = run(
        capsys, "check", "gwent", str(data), "--profile", str(profile), *RANGE,
        "--format", "json", "-o", str(path), "--html", str(html), "--markdown", str(md),
        "--max-rejected", "60%",
    )  # fmt: skip
    assert code in (0, 1), err
    rows = json.loads(path.read_text(encoding="utf-8"))["rows"]
    # 10 rows of data (the blank one is none): 4 imported, 2 filtered, 4 rejected
    assert (rows["read"], rows["imported"], rows["filtered"], rows["rejected"]) == (10, 4, 2, 4)
    assert rows["read"] == rows["imported"] + rows["filtered"] + rows["rejected"]
    assert {f["filter"]: f["rows"] for f in rows["filtered_by"]} == {
        "rows with a reference": 1,
        "not cancelled": 1,
    }
    reasons = {r["reason"]: r["rows"] for r in rows["rejected_by"]}
    assert reasons["column 'Ward': not in map 'wards'"] == 1
    assert sum(reasons.values()) == 4
    line = "10 rows read: 4 imported, 2 filtered, 4 rejected (40%)"
    code, out, err = run(
        capsys, "check", "gwent", str(data), "--profile", str(profile), *RANGE,
    )  # fmt: skip
    markdown = md.read_text(encoding="utf-8").replace("\\", "")  # unescaped, as read
    for text in (out, html.read_text(encoding="utf-8"), markdown):
        assert line in text
        assert "not cancelled" in text


def test_blank_time_is_all_day_unless_the_profile_rejects_it(
    capsys: pytest.CaptureFixture[str], export: tuple[Path, Path], tmp_path: Path
) -> None:
    """A date without a time is an all-day event by default; `blank_time: reject` refuses it."""
    data, profile = export
    code, out, err = run(capsys, "import", str(profile), str(data))
    events = {json.loads(line)["id"]: json.loads(line) for line in out.splitlines()}
    assert events["cn-R2"]["at"] == "2026-12-02"
    assert events["cn-R4"]["at"] == "2026-03-29T02:30:00+01:00"  # shifted past the gap
    assert events["cn-R5"]["at"] == "2026-10-25T01:30:00+01:00"  # the earlier 01:30
    strict = tmp_path / "strict.json"
    strict.write_text(
        json.dumps({**PROFILE, "times": {**PROFILE["times"], "blank_time": "reject"}}),  # type: ignore[dict-item]
        encoding="utf-8",
    )
    code, out, err = run(capsys, "import", str(strict), str(data), "--format", "json")
    assert code == 0
    assert "cn-R2" not in out
    assert "column 'Time': blank, and the profile rejects a date without a time" in err


def test_a_profile_rejecting_every_row_stops_with_one_line(
    capsys: pytest.CaptureFixture[str], export: tuple[Path, Path], tmp_path: Path
) -> None:
    """A wrong date format rejects every row: exit 2 and one line, not a report of misses."""
    data, profile = export
    wrong = tmp_path / "wrong.json"
    fields = {**PROFILE["fields"], "at": {"column": "Date", "format": "%Y-%m-%d"}}  # type: ignore[dict-item]
    wrong.write_text(json.dumps({**PROFILE, "fields": fields}), encoding="utf-8")
    code, out, err = run(capsys, "check", "gwent", str(data), "--profile", str(wrong), *RANGE)
    assert code == 2
    assert out == ""
    errors = [line for line in err.splitlines() if "error" in line]
    assert len(errors) == 1
    assert (
        "no row was imported: 8 of the 10 rows read were rejected, the other 2 filtered out"
        in errors[0]
    )
    assert named(err) == []
    code, out, err = run(
        capsys, "check", "gwent", str(data), "--profile", str(profile), *RANGE,
        "--max-rejected", "10%",
    )  # fmt: skip
    assert code == 2
    assert "4 of the 10 rows read were rejected (40%, more than --max-rejected 10%" in err


def test_check_scope_shows_only_the_unit_and_its_sections(
    capsys: pytest.CaptureFixture[str], export: tuple[Path, Path], tmp_path: Path
) -> None:
    """`check --scope caerphilly-north`: only Caerphilly North and its sections, and it says so."""
    data, profile = export
    path, html, junit = (tmp_path / f"report.{ext}" for ext in ("json", "html", "xml"))
    code, out, err = run(
        capsys, "check", "gwent", str(data), "--profile", str(profile), *RANGE,
        "--scope", "caerphilly-north", "--format", "json", "-o", str(path), "--html", str(html),
        "--junit", str(junit),
    )  # fmt: skip
    assert 'name="selection" value="Caerphilly North' in junit.read_text(encoding="utf-8")
    report = json.loads(path.read_text(encoding="utf-8"))
    scopes = {r["scope"] for r in report["results"]}
    assert scopes <= {"caerphilly-north", "bargoed", "rhymney", "ystrad-mynach"}
    assert {"caerphilly-north", "bargoed"} <= scopes
    assert report["selection"].startswith("Caerphilly North Neighbourhood Policing Team")
    page = html.read_text(encoding="utf-8")
    assert "covers only Caerphilly North" in page
    for other in ("Newport", "Torfaen", "Monmouthshire", "Blaenau Gwent"):
        assert other not in page
    code, out, err = run(
        capsys, "check", "gwent", str(data), "--profile", str(profile), *RANGE,
        "--scope", "caerphilly-north", "--with-enclosing", "--format", "json",
    )  # fmt: skip
    assert code == 1, err
    wider = {r["scope"] for r in json.loads(out)["results"]}
    assert scopes < wider <= scopes | {"caerphilly", None}


def test_check_role_keeps_that_roles_duties(
    capsys: pytest.CaptureFixture[str], export: tuple[Path, Path]
) -> None:
    """`check --role CSO` keeps only duties a CSO (or a team it belongs to) owns."""
    data, profile = export
    code, out, err = run(
        capsys, "check", "gwent", str(data), "--profile", str(profile), *RANGE,
        "--role", "CSO", "--format", "json",
    )  # fmt: skip
    assert code == 1, err
    results = json.loads(out)["results"]
    assert results
    assert {r["owner"] for r in results} <= {"CSO", "NPT"} | {
        ob.owner for ob in GWENT.obligations if any(s.owner in ("CSO", "NPT") for s in ob.evidence)
    }
    assert re.search(r"duties of Community Support Officer", json.loads(out)["selection"])
