"""Issue 24's twenty cases, each built here from its case: the surfaces added since the
first hardening pass (imports, profiles, units files, alarms, Markdown, the terminal, the
Python API) give one located line and exit 2 (or a listed problem and exit 1 from
`validate`), never exit 3; the API raises only `EngageRulesError`s."""

from __future__ import annotations

import json
import re
import sqlite3
import zipfile
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import cmarkgfm
import icalendar
import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from conftest import FIXTURES
from engagerules import (
    EngageRulesError,
    EventLog,
    UnknownForceError,
    UsageError,
    agenda,
    duty_calendar,
    evaluate,
    explain,
    follow_ups,
    open_force,
    range_bounds,
    schedule,
    simulate,
)
from engagerules.cli import main
from engagerules.model.event import Event

MINI = FIXTURES / "mini"
KEY_ENV = "TEST_PSEUDONYM_KEY"
RANGE = ("--from", "2022-10-01", "--to", "2022-12-31", "--as-of", "2023-01-09T09:00:00Z")
HEADER = ["Post ID", "Published", "Account", "Author", "Tag"]
ROW = {
    "Post ID": "1",
    "Published": "03/10/2022 10:15",
    "Account": "Bargoed Police",
    "Author": "Alex Example",
    "Tag": "positive",
}
NAME = "Alex Example"  # the person column's cell: never in any output


@pytest.fixture(autouse=True)
def key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(KEY_ENV, "a-test-key-of-enough-length")


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert code in (0, 1, 2), err
    assert NAME not in out + err
    return code, out, err


def one_error(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    """Exit 2 and exactly one line on stderr; that line."""
    code, _, err = cli(capsys, *argv)
    assert code == 2, err
    assert len(err.splitlines()) == 1, err
    return err


def listed(capsys: pytest.CaptureFixture[str], path: str, where: str) -> str:
    """`validate` exits 1 and lists a problem at `where`; that problem's line."""
    code, _, err = cli(capsys, "validate", path)
    assert code == 1, err
    found = [line for line in err.splitlines() if f": {where}: " in line]
    assert found, err
    return found[0]


def profile(tmp_path: Path, edit: Callable[[dict[str, Any]], None] | None = None) -> str:
    """A Gwent post-export profile (CSV) changed by `edit`, in a folder of its own."""
    raw: dict[str, Any] = {
        "profile": "test.posts",
        "force": "gwent",
        "source": {"format": "csv"},
        "fields": {
            "id": {"column": "Post ID", "prefix": "post-"},
            "type": {"value": "tweet"},
            "at": {"column": "Published", "format": ["excel", "%d/%m/%Y %H:%M"]},
            "scope": {"column": "Account", "map": "accounts"},
            "person": {"column": "Author"},
        },
        "attrs": {"topic": {"column": "Tag"}},
        "maps": {"accounts": {"values": {"Bargoed Police": "bargoed"}}},
        "pseudonymise": {"key_env": KEY_ENV},
    }
    if edit is not None:
        edit(raw)
    folder = tmp_path / "profile"
    folder.mkdir(exist_ok=True)
    path = folder / "p.json"
    path.write_text(json.dumps(raw), "utf-8")
    return str(path)


def source(fmt: str, **more: Any) -> Callable[[dict[str, Any]], None]:
    def edit(raw: dict[str, Any]) -> None:
        raw["source"] = {"format": fmt, **more}

    return edit


def data(tmp_path: Path, name: str, content: str | bytes) -> str:
    folder = tmp_path / "data"
    folder.mkdir(exist_ok=True)
    path = folder / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, "utf-8")
    return str(path)


def imported(capsys: pytest.CaptureFixture[str], prof: str, export: str) -> dict[str, Any]:
    """`import --format json` exits 0; its summary, with read = imported + filtered +
    rejected held."""
    code, _, err = cli(capsys, "import", prof, export, "--format", "json")
    assert code == 0, err
    summary: dict[str, Any] = json.loads(err)
    rows = summary["rows"]
    assert rows["read"] == rows["imported"] + rows["filtered"] + rows["rejected"]
    return summary


def workbook(tmp_path: Path, name: str, rows: list[list[Any]]) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    path = tmp_path / "data" / name
    path.parent.mkdir(exist_ok=True)
    book.save(path)
    return path


def rewrite_sheet(book: Path, target: Path, change: Callable[[bytes], bytes]) -> str:
    """A copy of `book` with its first sheet's XML changed by `change`."""
    with zipfile.ZipFile(book) as src, zipfile.ZipFile(target, "w") as out:
        for item in src.infolist():
            content = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                content = change(content)
            out.writestr(item, content)
    return str(target)


def jsonl_row(**cells: Any) -> str:
    return json.dumps({**ROW, **cells}, ensure_ascii=False)


# ---------------------------------------------------------------------------- 1-3: JSON Lines


def test_1_a_5000_digit_integer_or_5000_deep_nesting_in_a_jsonl_export_is_a_row_rejected(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Item 1: the strict reader reads JSON Lines exports: each is one rejected row."""
    prof = profile(tmp_path, source("jsonl"))
    text = jsonl_row()[:-1] + ', "Tag": ' + "9" * 5000 + "}\n" + "[" * 5000 + "]" * 5000 + "\n"
    summary = imported(capsys, prof, data(tmp_path, "a.jsonl", text))
    reasons = [r["reason"] for r in summary["rejections"]]
    assert summary["rows"]["rejected"] == 2
    assert "a number of 5000 digits (at most 300)" in reasons[0]
    assert "nested more than 64 levels deep" in reasons[1]


def test_2_a_lone_surrogate_in_jsonl_or_a_csv_read_with_unicode_escape_is_rejected(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Item 2: a lone surrogate, in an id or any cell read, is a rejected row; `-o`
    writes the events and no 'cannot write'."""
    prof = profile(tmp_path, source("jsonl"))
    text = jsonl_row()[:-1] + ', "Post ID": "\\ud800"}\n'
    summary = imported(capsys, prof, data(tmp_path, "b.jsonl", text))
    assert summary["rows"]["rejected"] == 1
    assert "lone surrogate" in summary["rejections"][0]["reason"]
    prof = profile(tmp_path, source("csv", encoding="unicode_escape"))
    export = data(
        tmp_path,
        "c.csv",
        ",".join(HEADER) + "\n\\ud800,03/10/2022 10:15,Bargoed Police,x,\\udfff\n",
    )
    code, out, err = cli(capsys, "import", prof, export, "-o", str(tmp_path / "o.jsonl"))
    assert code == 0, err
    assert "column 'Post ID': holds a lone surrogate" in out
    assert (tmp_path / "o.jsonl").read_text("utf-8") == ""


def test_3_a_raw_u2028_in_a_jsonl_export_is_one_row(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Item 3: JSON Lines exports split on LF only, as events files do."""
    prof = profile(tmp_path, source("jsonl"))
    export = data(tmp_path, "d.jsonl", jsonl_row(Author="a\u2028b\u0085c") + "\r\n")
    summary = imported(capsys, prof, export)
    assert summary["rows"]["read"] == 1 and summary["rows"]["imported"] == 1


# ---------------------------------------------------------------------------- 4-7: cells


@pytest.mark.parametrize("column", ["Published", "Tag"])
def test_4_an_xlsx_cell_of_400_digits_is_a_row_rejected(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], column: str
) -> None:
    """Item 4: a 400-digit integer read as an Excel date or a number: a rejected row."""
    prof = profile(
        tmp_path, lambda r: (source("xlsx")(r), r["attrs"]["topic"].update({"as": "number"}))
    )
    base = workbook(tmp_path, "base.xlsx", [["1", 44837.5, "Bargoed Police", NAME, 7]])
    old = b"<v>44837.5</v>" if column == "Published" else b"<v>7</v>"
    book = rewrite_sheet(
        base, tmp_path / "data" / "f.xlsx", lambda x: x.replace(old, b"<v>" + b"9" * 400 + b"</v>")
    )
    summary = imported(capsys, prof, book)
    assert summary["rows"]["rejected"] == 1
    assert summary["rejections"][0]["reason"].startswith(f"column {column!r}: a number")


def test_5_an_excel_serial_rounding_past_9999_12_31_is_not_a_date(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Item 5: serial 2958465.9999999 rounds past the last day: a rejected row, which gives
    the cell's shape and fingerprint, never the cell (issue 21)."""
    prof = profile(tmp_path, source("xlsx"))
    book = workbook(tmp_path, "g.xlsx", [["1", 2958465.9999999, "Bargoed Police", NAME, "x"]])
    summary = imported(capsys, prof, str(book))
    reason = summary["rejections"][0]["reason"]
    assert reason.startswith("column 'Published': 15 characters like 9999999.9999999 [#")
    assert reason.endswith("], not an Excel date serial")
    assert "2958465" not in reason


@pytest.mark.parametrize(
    "change",
    [
        lambda x: x.replace(b"<v>7</v>", b"<v>notanumber</v>"),
        lambda x: x[: len(x) * 2 // 3],
    ],
    ids=["bad-number", "truncated"],
)
def test_6_a_sheet_that_breaks_while_its_rows_are_read_is_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], change: Callable[[bytes], bytes]
) -> None:
    """Item 6: openpyxl parses the sheet lazily; a bad number or a cut sheet is one line
    naming the file, and quotes no cell."""
    prof = profile(tmp_path, source("xlsx"))
    base = workbook(tmp_path, "base.xlsx", [["1", 44837.5, "Bargoed Police", NAME, 7]])
    book = rewrite_sheet(base, tmp_path / "data" / "h.xlsx", change)
    err = one_error(capsys, "import", prof, book)
    assert book in err and "not readable as an Excel workbook" in err


def test_7_a_blob_or_a_duration_cell_is_a_row_rejected_everywhere(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Item 7: a value that is no JSON value is rejected in `import`, `import --row` and
    `check --profile`, naming its column."""
    prof = profile(tmp_path, source("sql", query="select * from t"))
    db = tmp_path / "data" / "k.sqlite"
    db.parent.mkdir(exist_ok=True)
    with sqlite3.connect(db) as connection:
        connection.execute('create table t ("Post ID", "Published", "Account", "Author", "Tag")')
        connection.execute(
            "insert into t values (1, '03/10/2022 10:15', 'Bargoed Police', 'x', x'00ff')"
        )
    connection.close()
    summary = imported(capsys, prof, str(db))
    assert summary["rejections"][0]["reason"] == (
        "column 'Tag': holds binary data (a BLOB), not text, a number or a date"
    )
    code, out, _ = cli(capsys, "import", prof, str(db), "--row", "1")
    assert code == 0 and "outcome: rejected: column 'Tag': holds binary data" in out
    # its one row rejected, `check` stops (issue 21: a run importing no row is no report)
    # with a located line naming the column, as for any profile rejecting every row
    code, _, err = cli(capsys, "check", "gwent", str(db), "--profile", prof, *RANGE)
    assert code == 2 and "1 rejected" in err
    assert "no row was imported" in err and "column 'Tag': holds binary data" in err
    prof = profile(tmp_path, source("xlsx"))
    book = workbook(
        tmp_path,
        "l.xlsx",
        [["1", datetime(2022, 10, 3, 10), "Bargoed Police", NAME, timedelta(hours=3)]],
    )
    summary = imported(capsys, prof, str(book))
    assert "column 'Tag': holds a duration" in summary["rejections"][0]["reason"]


# ---------------------------------------------------------------------------- 8-13: profiles


def test_8_an_encoding_that_decodes_nothing_is_listed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Item 8: 'undefined' is a codec that always raises: listed by validate, exit 2."""
    prof = profile(tmp_path, source("csv", encoding="undefined"))
    assert "decodes no text" in listed(capsys, prof, "$.source.encoding")
    export = data(tmp_path, "x.csv", ",".join(HEADER) + "\n")
    assert "$.source.encoding" in one_error(capsys, "import", prof, export)


def test_9_a_zone_that_is_a_tz_directory_is_listed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Item 9: `times.zone: "Europe"` is listed, and `import` and `check` stop at it."""
    prof = profile(tmp_path, lambda r: r.update(times={"zone": "Europe"}))
    assert "'Europe' is not an IANA time zone" in listed(capsys, prof, "$.times.zone")
    export = data(tmp_path, "x.csv", ",".join(HEADER) + "\n")
    assert "$.times.zone" in one_error(capsys, "import", prof, export)
    assert "$.times.zone" in one_error(capsys, "check", "gwent", export, "--profile", prof, *RANGE)


def test_10_a_format_strptime_cannot_compile_is_listed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Item 10: `%Y%Y` makes strptime raise re.error: a listed problem."""
    prof = profile(tmp_path, lambda r: r["fields"]["at"].update(format="%Y%Y"))
    assert "cannot read back what it writes" in listed(capsys, prof, "$.fields.at.format")


@pytest.mark.parametrize(
    ("key_file", "said"),
    [
        ("~nosuchuser-engagerules/key", "no such user's home folder"),
        ("keys/a\x00b", "a path cannot hold a NUL character"),
        ("keys/" + "k" * 300, "longer than 255 bytes"),
    ],
)
def test_11_13_a_key_file_no_system_can_open_is_listed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], key_file: str, said: str
) -> None:
    """Items 11 and 13: an unknown ~user, a NUL or an over-long name in `key_file`."""
    prof = profile(tmp_path, lambda r: r.update(pseudonymise={"key_file": key_file}))
    monkey = pytest.MonkeyPatch()
    monkey.delenv(KEY_ENV)
    try:
        assert said in listed(capsys, prof, "$.pseudonymise.key_file")
        export = data(tmp_path, "x.csv", ",".join(HEADER) + "\n")
        assert said in one_error(capsys, "import", prof, export)
    finally:
        monkey.undo()


@pytest.mark.parametrize(
    ("where", "edit"),
    [
        ("$.fields.id.column", lambda r: r["fields"].update(id={"column": "Author"})),
        ("$.attrs.who", lambda r: r["attrs"].update(who={"column": "Author"})),
        ("$.filters[0].column", lambda r: r.update(filters=[{"column": "Author", "in": ["x"]}])),
        ("$.fields.role", lambda r: r["fields"].update(role={"columns": ["Tag", "Author"]})),
    ],
    ids=["id", "attribute", "filter", "joined"],
)
def test_12_a_person_column_read_any_way_but_pseudonymised_is_listed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], where: str, edit: Callable[..., None]
) -> None:
    """Item 12: the person column as the id, an attribute, a filter or part of a field
    is refused by validate and by import, so no name is ever written in clear."""
    prof = profile(tmp_path, edit)
    assert "reads the person column 'Author'" in listed(capsys, prof, where)
    export = data(tmp_path, "x.csv", ",".join(HEADER) + "\n" + ",".join(ROW.values()) + "\n")
    assert where in one_error(capsys, "import", prof, export)


def test_12_the_person_column_still_hashes_into_an_id(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The id's `hash` columns may include a person: it is hashed after its pseudonym."""
    prof = profile(tmp_path, lambda r: r["fields"].update(id={"hash": ["Author"]}))
    code, _, err = cli(capsys, "validate", prof)
    assert code == 0, err
    export = data(tmp_path, "x.csv", ",".join(HEADER) + "\n" + ",".join(ROW.values()) + "\n")
    code, out, _ = cli(capsys, "import", prof, export, "--row", "2")
    assert code == 0 and "Author=(a person: not shown)" in out


# ---------------------------------------------------------------------------- 13-15: paths


def overrides(tmp_path: Path, units_file: str, units: str | None = None) -> Path:
    folder = tmp_path / "local"
    folder.mkdir(exist_ok=True)
    if units is not None:
        (folder / "units.csv").write_text(units, "utf-8")
    (folder / "overrides.json").write_text(
        json.dumps({"force": "gwent", "name": "local", "units_file": units_file}), "utf-8"
    )
    return folder


def test_13_a_nul_in_a_units_file_path_is_listed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Item 13: `units_file` holding a NUL is a listed problem, shown escaped."""
    folder = overrides(tmp_path, "a\x00b.csv")
    code, _, err = cli(capsys, "validate", str(folder / "overrides.json"))
    assert code == 1 and "a path cannot hold a NUL character" in err
    assert "\x00" not in err
    assert "NUL" in one_error(
        capsys, "schedule", str(folder), "--from", "2022-10-01", "--to", "2022-10-02"
    )


def test_14_a_units_csv_field_over_the_csv_limit_is_listed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Item 14: a field of 140,000 characters is a problem at its line, stating the limit."""
    folder = overrides(
        tmp_path, "units.csv", "id,title,kind\na,b,ward\nc," + "x" * 140_000 + ",ward\n"
    )
    code, _, err = cli(capsys, "validate", str(folder / "overrides.json"))
    assert code == 1
    assert "units.csv:3: not valid CSV: field larger than field limit" in err
    assert "(a field may hold at most 131,072 characters)" in err


def test_15_a_force_or_overrides_name_over_255_bytes_is_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Item 15: a FORCE, an --overrides path or `open_force` given a 300-byte name."""
    long = str(tmp_path / ("x" * 300))
    err = one_error(capsys, "schedule", long, "--from", "2022-10-01", "--to", "2022-10-02")
    assert "longer than 255 bytes" in err
    events = data(tmp_path, "e.jsonl", "")
    err = one_error(capsys, "check", "gwent", events, "--overrides", long, *RANGE)
    assert "longer than 255 bytes" in err
    assert "longer than 255 bytes" in one_error(capsys, "validate", long)
    with pytest.raises(UnknownForceError, match="longer than 255 bytes"):
        open_force(long)
    with pytest.raises(UnknownForceError, match="NUL"):
        open_force("gw\x00ent")


# ---------------------------------------------------------------------------- 16-18: output

HOSTILE = "C:\\Network\x00\x1b[2J\x0b\x85\u2028 evil@evil.example"


def hostile_force(tmp_path: Path) -> Path:
    raw = json.loads((MINI / "force.json").read_text("utf-8"))
    for ob in raw["obligations"]:
        ob["title"] = HOSTILE
    folder = tmp_path / "force"
    folder.mkdir(exist_ok=True)
    (folder / "force.json").write_text(json.dumps(raw, ensure_ascii=False), "utf-8")
    return folder


def test_16_a_reminder_is_escaped_as_every_calendar_text_is(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Item 16: the alarm's DESCRIPTION holds no control character, and `C:\\Network`
    reads back as written, not as a line break."""
    ics = tmp_path / "c.ics"
    code, _, err = cli(
        capsys,
        "calendar",
        str(hostile_force(tmp_path)),
        "--from",
        "2022-10-01",
        "--to",
        "2022-10-31",
        "--remind",
        "P1D",
        "-o",
        str(ics),
    )
    assert code == 0, err
    raw = ics.read_bytes().decode("utf-8")
    for bad in ("\x00", "\x1b", "\x0b", "\x85", "\u2028"):
        assert bad not in raw
    alarms = icalendar.Calendar.from_ical(ics.read_bytes()).walk("VALARM")
    assert alarms
    for alarm in alarms:
        assert str(alarm["DESCRIPTION"]).startswith("C:\\Network")


def test_17_markdown_makes_no_link_of_an_address_as_github_renders_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Item 17: cmark-gfm (GitHub's renderer) makes no mailto, xmpp or web link of a
    rejection's id or reason (a reason quotes an id only, used twice: any other value the
    record gave is withheld)."""
    records = [
        {"id": ident, "type": "tweet", "at": "2022-10-03"}
        for ident in (
            "evil@evil.example",
            "mailto:a@b.example",
            "xmpp:a@b.example/x",
            "https://evil.example",
            "www.evil.example",
        )
        for _ in range(2)
    ]
    events = data(tmp_path, "e.jsonl", "".join(json.dumps(r) + "\n" for r in records))
    code, out, _ = cli(capsys, "check", str(MINI), events, *RANGE, "--format", "markdown")
    assert code in (0, 1)
    html = cmarkgfm.github_flavored_markdown_to_html(out)
    assert "evil" in html and "<a " not in html, html


def test_18_explain_schedule_and_obligations_print_no_control_character(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Item 18: an event id holding ESC and CR, and titles holding ESC, are shown escaped
    by explain, schedule, obligations, agenda and docs."""
    force = str(hostile_force(tmp_path))
    events = data(
        tmp_path,
        "e.jsonl",
        json.dumps(
            {
                "id": "t1\x1b[2J\rforged",
                "type": "tweet",
                "at": "2022-10-03T10:00:00Z",
                "scope": "north",
            }
        )
        + "\n",
    )
    outputs = [
        cli(capsys, "explain", force, "mini.weekly-tweet", events, *RANGE, "--scope", "north")[1],
        cli(capsys, "schedule", force, "--from", "2022-10-01", "--to", "2022-10-09")[1],
        cli(capsys, "obligations", force)[1],
        cli(capsys, "agenda", force, events, "--as-of", "2022-10-05T09:00:00Z")[1],
        cli(capsys, "docs", force)[1],
    ]
    for out in outputs:
        assert out
        assert not any(c in out for c in "\x00\x1b\r\x0b\x85\u2028"), out
    assert "t1\\x1b[2J\\rforged" in outputs[0]


# ---------------------------------------------------------------------------- 20: the API

GWENT = open_force("gwent")
AS_OF = datetime(2023, 1, 9, tzinfo=UTC)
EMPTY = EventLog((), ())


def dated(at: datetime) -> EventLog:
    return EventLog((Event(id="a", type="warrant_executed", at=at, scope="bargoed"),), ())


@pytest.mark.parametrize(
    "call",
    [
        lambda: evaluate(GWENT, EMPTY, date.max - timedelta(days=3), date.max, AS_OF),
        lambda: evaluate(
            GWENT, EMPTY, date(2022, 1, 1), date(2022, 1, 3), datetime.min.replace(tzinfo=UTC)
        ),
        lambda: evaluate(
            GWENT,
            dated(datetime(1, 1, 1, tzinfo=UTC)),
            date(2022, 10, 1),
            date(2022, 12, 31),
            AS_OF,
        ),
        lambda: schedule(GWENT, date.min, date.min + timedelta(days=3)),
        lambda: agenda(GWENT, EMPTY, datetime.max.replace(tzinfo=UTC)),
        lambda: agenda(GWENT, dated(datetime(1, 1, 1, tzinfo=UTC)), AS_OF),
        lambda: agenda(GWENT, EMPTY, AS_OF, days=100_000),
        lambda: duty_calendar(GWENT, date.max - timedelta(days=3), date.max),
        lambda: duty_calendar(
            GWENT,
            date(2022, 10, 1),
            date(2022, 12, 31),
            events=dated(datetime.max.replace(tzinfo=UTC)),
        ),
        lambda: simulate(GWENT, date.max - timedelta(days=3), date.max, events=3),
        lambda: simulate(GWENT, date(1900, 1, 1), date(2899, 1, 1), events=3),
        lambda: explain(
            GWENT,
            "gwent.cn.weekly-positive-tweet",
            dated(datetime(1, 1, 1, tzinfo=UTC)),
            date(2022, 10, 1),
            date(2022, 10, 31),
            AS_OF,
        ),
        lambda: follow_ups(
            GWENT,
            dated(datetime(9999, 12, 31, 23, tzinfo=UTC)),
            date(2022, 10, 1),
            date(2022, 12, 31),
        ),
        lambda: follow_ups(GWENT, EMPTY, date(1900, 1, 1), date(2899, 1, 1)),
        lambda: range_bounds(date.max, date.max, GWENT.zone),
    ],
)
def test_20_the_api_holds_the_limits_the_command_line_does(call: Callable[[], Any]) -> None:
    """Item 20: past the supported years, or over the 10-year range (a thousand-year
    simulate, a 100,000-day agenda): a UsageError saying the limit, at once."""
    with pytest.raises(UsageError, match=r"outside the years supported|10 years") as caught:
        call()
    assert isinstance(caught.value, EngageRulesError)


# ---------------------------------------------------------------------------- one reader

SOURCE = Path(__file__).resolve().parents[1] / "src" / "engagerules"


def test_every_json_the_project_reads_goes_through_the_strict_reader() -> None:
    """No module but strictjson decodes JSON a user gives; fastread's msgspec decoding is
    the one accelerator, and it hands every line it doubts to the strict reader. The
    server reads back its own store (and replays its own answers): text it wrote itself
    after the strict reader had read the request body."""
    decoding = re.compile(r"(?<!strict)json\.(?:loads?|JSONDecoder|Decoder)\(")
    readers = {
        path.relative_to(SOURCE).as_posix()
        for path in SOURCE.rglob("*.py")
        if decoding.search(path.read_text("utf-8"))
    }
    own_store = {"serve/store.py", "serve/app.py"}
    assert readers - own_store == {"sources/strictjson.py", "sources/fastread.py"}


def test_a_scenario_file_with_a_5000_digit_number_is_a_located_problem(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Scenario files are read by the strict reader too: exit 2 at the number's path."""
    force = tmp_path / "mini"
    force.mkdir()
    (force / "force.json").write_text((MINI / "force.json").read_text("utf-8"), "utf-8")
    (force / "tests").mkdir()
    (force / "tests" / "x.json").write_text('{"scenarios": [{"n": ' + "9" * 5000 + "}]}")
    err = one_error(capsys, "test", str(force))
    assert "$.scenarios[0].n: a number of 5000 digits (at most 300)" in err


# ---------------------------------------------------------------------------- Parquet


@pytest.mark.parametrize(
    ("column", "array", "said"),
    [
        ("attrs", '{"n": ' + "9" * 5000 + "}", "an attrs cell is not a JSON object"),
        ("attrs", "[1]", "an attrs cell is not a JSON object"),
        ("type", None, "column 'type' is bool (with nulls), not string"),
    ],
)
def test_an_ingested_file_changed_by_another_tool_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], column: str, array: Any, said: str
) -> None:
    """Parquet files join the suite (issue 24): an attrs cell past the limits or of the
    wrong shape, or a column retyped, is exit 2 naming the file, never exit 3 or an
    unrepresentable number reaching the engine."""
    record = {"id": "g1", "type": "tweet", "at": "2022-10-03T10:15:00+01:00", "scope": "north"}
    events = data(tmp_path, "e.jsonl", json.dumps(record) + "\n")
    good, odd = tmp_path / "good.parquet", tmp_path / "odd.parquet"
    assert cli(capsys, "ingest", str(MINI), events, "-o", str(good))[0] == 0
    table = pq.read_table(good)
    index = table.column_names.index(column)
    if column == "attrs":
        field = pa.field("attrs", pa.string(), nullable=False)
        table = table.set_column(index, field, pa.array([array], pa.string()))
    else:
        table = table.set_column(index, column, pa.array([None], pa.bool_()))
    pq.write_table(table, odd)
    err = one_error(capsys, "check", str(MINI), str(odd), *RANGE)
    assert str(odd) in err and said in err
