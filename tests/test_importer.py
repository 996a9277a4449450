"""Importing exports through profiles: encodings, dates, clock changes, maps, accounting."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import attrs
import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engagerules import EventError, UsageError, open_force
from engagerules.sources.importer import (
    ImportLog,
    _Mapper,
    _Problem,
    explain_row,
    import_events,
    open_profile,
)
from engagerules.sources.profiles import Times, load_profile

KEY = "a-test-key-of-enough-length"
ENV = {"TEST_PSEUDONYM_KEY": KEY}
GWENT = open_force("gwent")
ROOT = Path(__file__).resolve().parents[1]
PROFILE_FOR_PROPERTIES = ROOT / "forces" / "gwent" / "profiles" / "social-posts.json"


def profile(tmp_path: Path, **changes: Any) -> Path:
    """A Gwent post-export profile, with top-level keys replaced by `changes`."""
    raw: dict[str, Any] = {
        "profile": "test.posts",
        "force": "gwent",
        "source": {"format": "csv"},
        "filters": [{"name": "Twitter only", "column": "Network", "in": ["Twitter"]}],
        "fields": {
            "id": {"column": "Post ID", "prefix": "post-"},
            "type": {"value": "tweet"},
            "at": {"column": "Published", "format": "%d/%m/%Y %H:%M"},
            "scope": {"column": "Account", "map": "accounts"},
            "person": {"column": "Author"},
        },
        "attrs": {"topic": {"column": "Tag", "map": "tags"}},
        "maps": {
            "accounts": {
                "values": {"Bargoed Police": "bargoed", "Rhymney Police": "rhymney"},
            },
            "tags": {"values": {"#PositivePolicing": "positive", "#YourVoice": "your_voice"}},
        },
        "pseudonymise": {"key_env": "TEST_PSEUDONYM_KEY"},
    }
    raw.update(changes)
    path = tmp_path / "profile" / "posts.json"
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps(raw), encoding="utf-8")
    return path


HEADER = "Post ID,Network,Account,Published,Author,Tag\r\n"


def export(
    tmp_path: Path, rows: list[str], *, encoding: str = "utf-8", name: str = "x.csv"
) -> Path:
    folder = tmp_path / "data"
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_bytes((HEADER + "".join(r + "\r\n" for r in rows)).encode(encoding))
    return path


def run(profile_path: Path, *files: Path, env: dict[str, str] = ENV) -> ImportLog:
    names = [str(f) for f in files]
    loaded, key = open_profile(profile_path, GWENT, names, env)
    return import_events(loaded, GWENT, names, key=key)


def accounted(result: ImportLog) -> bool:
    return result.read == result.imported + result.filtered_total + result.rejected


# ---------------------------------------------------------------------------- encodings


def test_windows_1252_csv_is_read_with_its_encoding(tmp_path: Path) -> None:
    """A Windows-1252 export (curly quotes, en dash, pound sign) reads when the profile says so."""
    rows = [
        "1,Twitter,Bargoed Police,03/10/2022 10:15,Jo \u2019Example\u2013\u00a3,#PositivePolicing"
    ]
    data = export(tmp_path, rows, encoding="windows-1252")
    assert b"\x92" in data.read_bytes()
    path = profile(tmp_path, source={"format": "csv", "encoding": "windows-1252"})
    result = run(path, data)
    assert [e.id for e in result.log.events] == ["post-1"]
    assert result.log.events[0].person is not None
    assert result.log.events[0].person.startswith("p-")


def test_windows_1252_read_as_utf8_is_a_located_error(tmp_path: Path) -> None:
    """Read as UTF-8, a Windows-1252 byte stops the import with its line and a hint."""
    rows = [
        "1,Twitter,Bargoed Police,03/10/2022 10:15,Jo Example,#PositivePolicing",
        "2,Twitter,Bargoed Police,03/10/2022 10:15,Jo \u2019Example,#PositivePolicing",
    ]
    data = export(tmp_path, rows, encoding="windows-1252")
    with pytest.raises(EventError, match=r"x\.csv:3: byte 0x92 is not utf-8 text.*windows-1252"):
        run(profile(tmp_path), data)


def test_utf8_with_a_byte_order_mark_keeps_the_first_column_name(tmp_path: Path) -> None:
    """A BOM does not become part of the first header name ('Post ID' is still found)."""
    rows = ["7,Twitter,Rhymney Police,04/10/2022 18:00,Sam Sample,#YourVoice"]
    data = export(tmp_path, rows, encoding="utf-8-sig")
    assert data.read_bytes().startswith(b"\xef\xbb\xbf")
    result = run(profile(tmp_path), data)
    assert [(e.id, e.scope, e.attrs["topic"]) for e in result.log.events] == [
        ("post-7", "rhymney", "your_voice")
    ]


def test_delimiter_and_quoting_are_the_profiles(tmp_path: Path) -> None:
    """Semicolons and a quoted cell holding the delimiter are read as the profile states."""
    folder = tmp_path / "data"
    folder.mkdir()
    data = folder / "x.csv"
    data.write_text(
        "Post ID;Network;Account;Published;Author;Tag\n"
        "9;Twitter;'Bargoed; Police';03/10/2022 10:15;A;#YourVoice\n",
        encoding="utf-8",
    )
    maps = {
        "accounts": {"values": {"Bargoed; Police": "bargoed"}},
        "tags": {"values": {"#YourVoice": "your_voice"}},
    }
    source = {"format": "csv", "delimiter": ";", "quotechar": "'"}
    result = run(profile(tmp_path, source=source, maps=maps), data)
    assert [e.scope for e in result.log.events] == ["bargoed"]


# ---------------------------------------------------------------------------- accounting


def test_every_row_is_imported_filtered_or_rejected(tmp_path: Path) -> None:
    """read = imported + filtered (per filter) + rejected, and rejections name row and column."""
    rows = [
        "1,Twitter,Bargoed Police,03/10/2022 10:15,A,#PositivePolicing",
        "2,Facebook,Bargoed Police,03/10/2022 10:16,A,#PositivePolicing",
        "3,Twitter,Bargoed Polise,03/10/2022 10:17,A,#PositivePolicing",
        "4,Twitter,Rhymney Police,32/10/2022 10:18,A,#PositivePolicing",
        "",
        "1,Twitter,Rhymney Police,03/10/2022 10:19,A,#PositivePolicing",
        "6,Instagram,Rhymney Police,03/10/2022 10:20,A,",
    ]
    data = export(tmp_path, rows)
    result = run(profile(tmp_path), data)
    assert (result.read, result.imported, result.filtered_total, result.rejected) == (6, 1, 2, 3)
    assert accounted(result)
    assert result.filtered == (("Twitter only", 2),)
    reasons = {r.line: r.reason for r in result.log.rejections}
    assert re.fullmatch(
        r"column 'Account': 14 characters \(letters and a space\) \[#[0-9a-f]{6}\], "
        r"not in map 'accounts' \(did you mean 'Bargoed Police'\?\)",
        reasons[4],
    )
    assert reasons[5].startswith(
        "column 'Published': 16 characters like 99/99/9999 99:99 [#"
    ) and reasons[5].endswith(", not a date in the profile's format (%d/%m/%Y %H:%M)")
    shown = {r.line: r.reason for r in result.shown}
    assert shown[4].startswith("column 'Account': 'Bargoed Polise', not in map 'accounts'")
    assert "Polise" not in " ".join(reasons.values())
    assert reasons[7].startswith("column 'Post ID': id: 'post-1' is used twice")
    assert all(r.file == str(data) for r in result.log.rejections)
    assert "6 rows read: 1 imported, 2 filtered (Twitter only: 2), 3 rejected" in result.summary()


def test_a_missing_column_stops_the_import_with_a_suggestion(tmp_path: Path) -> None:
    """A header without a column the profile uses is one error, naming the nearest column."""
    folder = tmp_path / "data"
    folder.mkdir()
    data = folder / "x.csv"
    data.write_text("Post ID,Network,Acount,Published,Author,Tag\n", encoding="utf-8")
    with pytest.raises(EventError, match=r"no column 'Account' in the header \(did you mean"):
        run(profile(tmp_path), data)


def test_a_blank_required_cell_and_a_long_row_are_rejected(tmp_path: Path) -> None:
    """A blank id cell and a row with more cells than the header are rejections, not drops."""
    rows = [
        ",Twitter,Bargoed Police,03/10/2022 10:15,A,#PositivePolicing",
        "2,Twitter,Bargoed Police,03/10/2022 10:15,A,#PositivePolicing,surplus",
    ]
    result = run(profile(tmp_path), export(tmp_path, rows))
    assert [(r.line, r.reason) for r in result.log.rejections] == [
        (2, "column 'Post ID': blank, but id is required"),
        (3, "has 7 cells but the header has 6"),
    ]


def test_a_map_may_say_a_value_means_nothing(tmp_path: Path) -> None:
    """A value mapped to null leaves the field empty (a force-wide account has no unit)."""
    maps = {
        "accounts": {"values": {"Gwent Police": None}},
        "tags": {"values": {"#PositivePolicing": "positive"}},
    }
    rows = ["1,Twitter,  gwent   POLICE ,03/10/2022 10:15,A,#PositivePolicing"]
    result = run(profile(tmp_path, maps=maps), export(tmp_path, rows))
    assert [(e.id, e.scope) for e in result.log.events] == [("post-1", None)]


def test_case_sensitive_maps_reject_other_spellings(tmp_path: Path) -> None:
    """A map that states case-sensitive, exact matching does not take 'bargoed police'."""
    maps = {
        "accounts": {
            "case": "sensitive",
            "whitespace": "exact",
            "values": {"Bargoed Police": "bargoed"},
        },
        "tags": {"values": {"#PositivePolicing": "positive"}},
    }
    rows = [
        "1,Twitter,bargoed police,03/10/2022 10:15,A,#PositivePolicing",
        "2,Twitter,Bargoed Police ,03/10/2022 10:15,A,#PositivePolicing",
        "3,Twitter,Bargoed Police,03/10/2022 10:15,A,#PositivePolicing",
    ]
    result = run(profile(tmp_path, maps=maps), export(tmp_path, rows))
    assert [e.id for e in result.log.events] == ["post-3"]
    assert [r.line for r in result.log.rejections] == [2, 3]


def test_hashed_ids_are_the_same_on_every_import(tmp_path: Path) -> None:
    """Without an id column, ids hash the mapped row: importing twice gives identical ids."""
    fields = {
        "id": {"hash": [], "prefix": "h-"},
        "type": {"value": "tweet"},
        "at": {"column": "Published", "format": "%d/%m/%Y %H:%M"},
        "scope": {"column": "Account", "map": "accounts"},
        "person": {"column": "Author"},
    }
    rows = [
        "1,Twitter,Bargoed Police,03/10/2022 10:15,Alex Example,#PositivePolicing",
        "2,Twitter,Rhymney Police,03/10/2022 10:15,Alex Example,#PositivePolicing",
        "3,Twitter,Rhymney Police,03/10/2022 10:15,Sam Sample,#PositivePolicing",
    ]
    data = export(tmp_path, rows)
    path = profile(tmp_path, fields=fields)
    first = [e.id for e in run(path, data).log.events]
    second = [e.id for e in run(path, data).log.events]
    assert first == second
    assert len(set(first)) == 3
    assert all(i.startswith("h-") and len(i) == 18 for i in first)


# ---------------------------------------------------------------------------- times


def at_profile(tmp_path: Path, **times: str) -> Path:
    return profile(tmp_path, times={"zone": "Europe/London", **times})


def test_an_ambiguous_local_time_is_rejected_by_default(tmp_path: Path) -> None:
    """01:30 on the last Sunday of October happens twice: rejected with its row and why."""
    rows = ["1,Twitter,Bargoed Police,30/10/2022 01:30,A,#PositivePolicing"]
    result = run(at_profile(tmp_path), export(tmp_path, rows))
    assert result.imported == 0
    (rejection,) = result.log.rejections
    assert rejection.line == 2
    assert rejection.reason.startswith(
        "column 'Published': 2022-10-30 01:30 happens twice in Europe/London"
    )


@pytest.mark.parametrize(
    ("policy", "utc"),
    [("earlier", datetime(2022, 10, 30, 0, 30)), ("later", datetime(2022, 10, 30, 1, 30))],
)
def test_an_ambiguous_time_is_taken_as_the_profile_says(
    tmp_path: Path, policy: str, utc: datetime
) -> None:
    """With `ambiguous: earlier` 01:30 is BST (00:30 UTC); with `later` it is GMT (01:30 UTC)."""
    rows = ["1,Twitter,Bargoed Police,30/10/2022 01:30,A,#PositivePolicing"]
    result = run(at_profile(tmp_path, ambiguous=policy), export(tmp_path, rows))
    assert [e.at for e in result.log.events] == [utc.replace(tzinfo=UTC)]


@pytest.mark.parametrize(
    ("policy", "utc"),
    [
        ("reject", None),
        ("shift_forward", datetime(2022, 3, 27, 1, 30)),
        ("shift_backward", datetime(2022, 3, 27, 0, 30)),
    ],
)
def test_a_time_the_clocks_skip_follows_the_policy(
    tmp_path: Path, policy: str, utc: datetime | None
) -> None:
    """01:30 on the last Sunday of March does not exist: rejected, or moved by the gap."""
    rows = ["1,Twitter,Bargoed Police,27/03/2022 01:30,A,#PositivePolicing"]
    result = run(at_profile(tmp_path, nonexistent=policy), export(tmp_path, rows))
    if utc is None:
        assert "does not exist in Europe/London" in result.log.rejections[0].reason
    else:
        assert [e.at for e in result.log.events] == [utc.replace(tzinfo=UTC)]


def test_several_formats_and_offsets(tmp_path: Path) -> None:
    """Formats are tried in order; a time with an offset keeps it; a bare date is all day."""
    fields = {
        "id": {"column": "Post ID"},
        "type": {"value": "tweet"},
        "at": {"column": "Published", "format": ["%d/%m/%Y %H:%M", "iso", "%d %b %Y"]},
    }
    rows = [
        "1,Twitter,x,03/10/2022 10:15,A,",
        "2,Twitter,x,2022-10-03T10:15:00+00:00,A,",
        "3,Twitter,x,3 Oct 2022,A,",
    ]
    result = run(profile(tmp_path, fields=fields, attrs={}), export(tmp_path, rows))
    events = {e.id: e for e in result.log.events}
    assert events["1"].at == datetime(2022, 10, 3, 9, 15, tzinfo=UTC)
    assert events["2"].at == datetime(2022, 10, 3, 10, 15, tzinfo=UTC)
    assert events["3"].all_day
    assert events["3"].at == datetime(2022, 10, 2, 23, 0, tzinfo=UTC)


# ---------------------------------------------------------------------------- Excel


def workbook(tmp_path: Path, rows: list[list[Any]]) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Log"
    sheet.append(["Report of the month"])
    sheet.append(["Post ID", "Network", "Account", "Published", "Author", "Tag"])
    for row in rows:
        sheet.append(row)
    folder = tmp_path / "data"
    folder.mkdir(exist_ok=True)
    path = folder / "log.xlsx"
    book.save(path)
    return path


def test_excel_dates_typed_serial_and_text(tmp_path: Path) -> None:
    """Date cells, serial numbers (44837.5 is 3 Oct 2022 noon) and text dates all read."""
    rows = [
        [1, "Twitter", "Bargoed Police", datetime(2022, 10, 3, 10, 15), "A", None],
        [2, "Twitter", "Bargoed Police", 44837.5, "A", None],
        [3, "Twitter", "Bargoed Police", 44837, "A", None],
        [4, "Twitter", "Bargoed Police", "03/10/2022 18:00", "A", None],
        [5, "Twitter", "Bargoed Police", "not a date", "A", None],
    ]
    fields = {
        "id": {"column": "Post ID", "prefix": "x"},
        "type": {"value": "tweet"},
        "at": {"column": "Published", "format": ["excel", "%d/%m/%Y %H:%M"]},
    }
    source = {"format": "xlsx", "sheet": "Log", "header_row": 2}
    path = profile(tmp_path, source=source, fields=fields, attrs={})
    result = run(path, workbook(tmp_path, rows))
    at = {e.id: (e.at, e.all_day) for e in result.log.events}
    assert at == {
        "x1": (datetime(2022, 10, 3, 9, 15, tzinfo=UTC), False),
        "x2": (datetime(2022, 10, 3, 11, 0, tzinfo=UTC), False),
        "x3": (datetime(2022, 10, 2, 23, 0, tzinfo=UTC), True),
        "x4": (datetime(2022, 10, 3, 17, 0, tzinfo=UTC), False),
    }
    (rejection,) = result.log.rejections
    assert (rejection.line, rejection.reason.split(":")[0]) == (7, "column 'Published'")


def test_an_unknown_sheet_is_named_with_a_suggestion(tmp_path: Path) -> None:
    """A sheet matches without case, as in Excel; one the workbook lacks is named, with
    the nearest sheet name."""
    book = workbook(tmp_path, [])
    source = {"format": "xlsx", "sheet": "LOG", "header_row": 2}
    assert run(profile(tmp_path, source=source), book).read == 0
    path = profile(tmp_path, source={"format": "xlsx", "sheet": "Logs"})
    with pytest.raises(EventError, match=r"no sheet 'Logs' \(did you mean 'Log'\?\)"):
        run(path, book)


# ---------------------------------------------------------------------------- JSON Lines


def test_json_lines_rows_keep_their_types(tmp_path: Path) -> None:
    """JSON Lines rows are objects; numbers stay numbers and a non-object is rejected."""
    folder = tmp_path / "data"
    folder.mkdir()
    data = folder / "x.jsonl"
    data.write_text(
        '{"Post ID": 5, "Network": "Twitter", "Account": "Bargoed Police", '
        '"Published": "03/10/2022 10:15", "Author": "A", "Tag": "#YourVoice"}\n'
        "[1, 2]\n",
        encoding="utf-8",
    )
    result = run(profile(tmp_path, source={"format": "jsonl"}), data)
    assert [e.id for e in result.log.events] == ["post-5"]
    assert [(r.line, r.reason) for r in result.log.rejections] == [
        (2, "a row must be a JSON object, not list")
    ]


# ---------------------------------------------------------------------------- --row


def test_explain_row_tells_each_step_and_the_suggestion(tmp_path: Path) -> None:
    """`--row` shows the filter, each mapping and the outcome, never the person's name."""
    rows = [
        "1,Twitter,Bargoed Police,03/10/2022 10:15,Alex Example,#PositivePolicing",
        "2,Twitter,Bargoed Polise,03/10/2022 10:15,Alex Example,#PositivePolicing",
    ]
    data = export(tmp_path, rows)
    loaded, key = open_profile(profile(tmp_path), GWENT, [str(data)], ENV)
    good = explain_row(loaded, GWENT, str(data), 2, key=key)
    assert good[0] == f"{data} row 2"
    assert "filter 'Twitter only': kept" in good
    assert any(
        s.startswith("scope: column 'Account' 'Bargoed Police' -> map 'accounts'") for s in good
    )
    assert good[-1] == "outcome: imported as event 'post-1'"
    bad = explain_row(loaded, GWENT, str(data), 3, key=key)
    assert bad[-1].startswith("outcome: rejected: column 'Account': 14 characters (letters")
    assert "did you mean 'Bargoed Police'?" in bad[-1]
    assert not any("Polise" in step for step in bad)
    shown = explain_row(loaded, GWENT, str(data), 3, key=key, show_values=True)
    assert shown[-1].startswith("outcome: rejected: column 'Account': 'Bargoed Polise'")
    assert not any("Alex" in step for step in good + bad)
    with pytest.raises(UsageError, match="no row 9"):
        explain_row(loaded, GWENT, str(data), 9, key=key)


# ---------------------------------------------------------------------------- the profile


def test_profile_values_the_force_does_not_know_are_located(tmp_path: Path) -> None:
    """A map target that is not a unit of the force is a problem at its JSON path."""
    maps = {
        "accounts": {"values": {"Bargoed Police": "bargod"}},
        "tags": {"values": {"#YourVoice": "your_voice"}},
    }
    from engagerules import ConfigError

    with pytest.raises(ConfigError) as caught:
        open_profile(profile(tmp_path, maps=maps), GWENT, [], ENV)
    (problem,) = caught.value.problems
    assert problem.where.endswith('$.maps.accounts.values["Bargoed Police"]')
    assert "'bargod' is not a unit of gwent (did you mean 'bargoed'?)" in problem.message


def test_load_profile_builds_the_stated_rules(tmp_path: Path) -> None:
    """Defaults are stated: maps compare without case and with runs of space collapsed."""
    loaded = load_profile(profile(tmp_path))
    accounts = loaded.fields["scope"].map
    assert accounts is not None
    assert accounts.rule("  Bargoed   POLICE ") == "bargoed police"
    assert loaded.needs_key
    assert loaded.person_columns() == {"Author"}
    assert loaded.columns()[:2] == ("Network", "Post ID")


# ---------------------------------------------------------------------------- properties

LONDON = ZoneInfo("Europe/London")


@settings(max_examples=300, deadline=None)
@given(
    naive=st.datetimes(min_value=datetime(2019, 1, 1), max_value=datetime(2026, 12, 31)),
    ambiguous=st.sampled_from(["reject", "earlier", "later"]),
    nonexistent=st.sampled_from(["reject", "shift_forward", "shift_backward"]),
)
def test_local_times_keep_their_reading_or_follow_the_policy(
    naive: datetime, ambiguous: str, nonexistent: str
) -> None:
    """Any wall-clock time reads back as itself; only clock-change times follow the policy."""
    times = Times(zone=LONDON, ambiguous=ambiguous, nonexistent=nonexistent)
    mapper = _Mapper(attrs.evolve(load_profile(PROFILE_FOR_PROPERTIES), times=times), LONDON, None)
    first, second = naive.replace(tzinfo=LONDON, fold=0), naive.replace(tzinfo=LONDON, fold=1)
    exists = first.astimezone(UTC).astimezone(LONDON).replace(tzinfo=None) == naive
    twice = exists and first.utcoffset() != second.utcoffset()
    policy = ambiguous if twice else nonexistent if not exists else None
    if policy == "reject":
        with pytest.raises(_Problem):
            mapper._localize(naive, "column 'x'")
        return
    moment = mapper._localize(naive, "column 'x'")
    assert moment.tzinfo is LONDON
    if exists:
        assert moment.replace(tzinfo=None) == naive
        if twice:
            assert moment.utcoffset() == (first if ambiguous == "earlier" else second).utcoffset()
    else:
        shift = (moment.replace(tzinfo=None) - naive).total_seconds()
        assert shift == (3600 if nonexistent == "shift_forward" else -3600)


def test_joined_columns_split_refs_typed_attrs_and_a_present_filter(tmp_path: Path) -> None:
    """Columns join, refs split, `as` types attributes (or rejects), `present` filters blanks."""
    folder = tmp_path / "data"
    folder.mkdir()
    data = folder / "log.csv"
    data.write_text(
        "Engagement log, exported\n"
        "Ref,When,Venue,Town,Follows,Hours,Signed,Cancelled\n"
        "a1,03/10/2022 10:00,Library,Bargoed,w1; w2,1.5,yes,\n"
        "a2,03/10/2022 11:00,Hall,,,2,no,\n"
        "a3,03/10/2022 12:00,Hall,Rhymney,,two,Y,\n"
        "a4,03/10/2022 13:00,Hall,Rhymney,,1,n,yes\n",
        encoding="utf-8",
    )
    raw = {
        "profile": "t.joined",
        "force": "gwent",
        "source": {"format": "csv", "header_row": 2},
        "filters": [{"name": "not cancelled", "column": "Cancelled", "present": False}],
        "fields": {
            "id": {"column": "Ref"},
            "type": {"value": "leaflet_drop"},
            "at": {"column": "When", "format": "%d/%m/%Y %H:%M"},
            "refs": {"column": "Follows", "split": ";"},
        },
        "attrs": {
            "streets": {"columns": ["Venue", "Town"], "join": ", "},
            "hours": {"column": "Hours", "as": "number"},
            "signed": {"column": "Signed", "as": "boolean"},
        },
    }
    path = tmp_path / "joined.json"
    path.write_text(json.dumps(raw), encoding="utf-8")
    result = run(path, data)
    assert accounted(result)
    assert result.filtered == (("not cancelled", 1),)
    events = {e.id: e for e in result.log.events}
    assert events["a1"].refs == ("w1", "w2")
    assert dict(events["a1"].attrs) == {"streets": "Library, Bargoed", "hours": 1.5, "signed": True}
    assert dict(events["a2"].attrs) == {"streets": "Hall", "hours": 2, "signed": False}
    assert [(r.line, r.reason[:41]) for r in result.log.rejections] == [
        (5, "column 'Hours': 3 characters (letters) [#")
    ]
    assert result.log.rejections[0].reason.endswith("], not a number")
