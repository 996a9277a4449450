"""No value a rejected record gave reaches a report, whatever the events format
(`sources/withheld.py`): a name typed into `scope`, `role`, a code attribute or an unknown
column is said by its shape and fingerprint; only `--show-values` quotes it, on stderr."""

from __future__ import annotations

import csv
import html
import io
import json
import re
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from engagerules import evaluate, read_events
from engagerules.model.event import EventLog, Rejection
from engagerules.outputs.html import render_html
from engagerules.outputs.junit import render_junit
from engagerules.outputs.markdown import render_markdown
from engagerules.outputs.shapes import report_json
from engagerules.outputs.text import render_text
from engagerules.sources.parquet import parquet_records, write_parquet
from engagerules.sources.registry import open_force
from engagerules.sources.withheld import legacy_withheld, shape, withheld

GWENT = open_force("gwent")
AT = "2022-10-04T10:00:00+01:00"
#: Fields a typed value goes into: (field, where in the record, what else breaks the record
#: so that it is rejected even where the value itself is accepted).
PLACES = (
    "type",
    "scope",
    "at",
    "role",
    "role-list",
    "person",
    "id-list",
    "attrs.topic",
    "attrs.hours",
    "unknown-column",
)
DECLARED = frozenset(
    {t.id for t in GWENT.event_types}
    | {u.id for u in GWENT.units}
    | {r.id for r in GWENT.roles}
    | {s.name for t in GWENT.event_types for s in t.attributes}
    | {code for t in GWENT.event_types for s in t.attributes for code in s.code_ids}
)


def record(place: str, value: str) -> dict[str, Any]:
    """A record holding `value` at `place`, rejected (by it, or by a bad `at` where the
    reader would accept the value itself)."""
    found: dict[str, Any] = {"id": "r1", "type": "tweet", "at": AT, "scope": "bargoed"}
    broken = "not a time"
    if place == "type":
        found["type"] = value
    elif place == "scope":
        found["scope"] = value
    elif place == "at":
        found["at"] = value
    elif place in ("role", "person"):
        found[place], found["at"] = value, broken
    elif place == "role-list":
        found["role"] = [value]
    elif place == "id-list":
        found["id"] = [value]
    elif place == "attrs.topic":
        found["attrs"] = {"topic": value}
    elif place == "attrs.hours":
        found["type"], found["attrs"] = "foot_patrol", {"hours": value}
    else:
        found["nickname"], found["at"] = value, broken
    return found


def write(path: Path, records: list[dict[str, Any]]) -> Path:
    """The records as events in the format `path`'s suffix names (CSV: flat records only)."""
    if path.suffix == ".csv":
        rows = [{k: v for k, v in r.items() if k != "attrs"} | r.get("attrs", {}) for r in records]
        out = io.StringIO(newline="")
        writer = csv.DictWriter(out, sorted({key for r in rows for key in r}), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        path.write_text(out.getvalue(), encoding="utf-8")
    elif path.suffix == ".json":
        path.write_text(json.dumps(records, indent=1), encoding="utf-8")
    else:
        path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def reports(log: EventLog) -> str:
    """Every report of `log` as one text, as a reader of each sees it: JSON decoded, HTML
    and JUnit entities unescaped, Markdown's backslash escapes taken out; fingerprints
    blanked, which are made of hex digits a value could happen to share."""
    report = evaluate(
        GWENT, log, date(2022, 10, 3), date(2022, 10, 9), datetime(2022, 10, 20, tzinfo=UTC)
    )
    parts = [
        json.dumps(report_json(report), ensure_ascii=False),
        html.unescape(render_html(report, force=GWENT, events=log)),
        html.unescape(render_junit(report)),
        re.sub(r"\\(.)", r"\1", render_markdown(report, force=GWENT)),
        render_text(report, force=GWENT),
    ]
    return re.sub(r"\[#[0-9a-f]{6}\]", "[#]", "\n".join(parts))


def alike(text: str) -> str:
    """A value of the same shape as `text` that says nothing: each letter an x, each digit
    a 9, each space a space, each other sign a dash."""
    return "".join(
        "x" if c.isalpha() else "9" if c.isdigit() else c if c.isspace() else "-" for c in text
    )


#: What a person might type: any printable text holding a letter (a name has letters; a
#: value without any is said by its pattern, every digit a 9, which shows no digit).
TYPED = st.text(
    st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")), min_size=4, max_size=30
).filter(lambda t: len(t.strip()) > 3 and any(c.isalpha() for c in t))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TYPED, st.sampled_from(PLACES), st.sampled_from([".jsonl", ".json", ".csv"]))
def test_no_value_of_a_rejected_record_reaches_any_report(
    tmp_path_factory: pytest.TempPathFactory, typed: str, place: str, suffix: str
) -> None:
    """A string typed into any field of a rejected record, not a name the force declares,
    appears in none of the JSON, HTML, JUnit, Markdown and text reports; `--show-values`'
    version of the rejection quotes it."""
    if suffix == ".csv" and place in ("role-list", "id-list"):
        place = "role"  # a CSV cell holds text only
    value = typed.strip()
    assume(not any(value in name for name in DECLARED))
    folder = tmp_path_factory.mktemp("typed")
    log = read_events([write(folder / f"e{suffix}", [record(place, typed)])], GWENT)
    assume(not log.events)  # a value the reader accepts is the report's to show
    baseline = read_events([write(folder / f"b{suffix}", [record(place, alike(typed))])], GWENT)
    assume(value not in reports(baseline))  # the report's own words, whatever was typed
    (rejection,) = log.rejections
    assert value not in reports(log), rejection.reason
    if place in ("role", "person", "unknown-column"):
        return  # the bad `at` is the reason: the value was never said
    shown = rejection.revealed().reason
    assert shown != rejection.reason, "--show-values quotes what it withholds"
    if value.isprintable() and "\\" not in value and not {"'", '"'} <= set(value):
        assert value in shown


def test_show_values_prints_them_on_stderr_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`check --show-values` on an events file (no profile) prints the typed values on
    stderr; the report it writes holds none."""
    from engagerules.cli import main

    name = "Quillon Imaginary"
    events = write(
        tmp_path / "e.jsonl",
        [record("scope", name) | {"id": "a"}, record("role-list", name) | {"id": "b"}],
    )
    out = tmp_path / "r.md"
    argv = ["check", "gwent", str(events), "--from", "2022-10-03", "--to", "2022-10-09"]
    assert main([*argv, "--format", "markdown", "-o", str(out), "--show-values"]) == 1
    err = capsys.readouterr().err
    assert f"e.jsonl:1: scope: {name!r} is not a unit of this force" in err
    assert f'e.jsonl:2: role: ["{name}"] is a list, not a string' in err
    assert name not in out.read_text(encoding="utf-8")
    assert main([*argv, "--format", "markdown", "-o", str(out)]) == 1
    assert name not in capsys.readouterr().err, "without --show-values, stderr withholds it too"


def test_equal_values_share_a_fingerprint_and_others_do_not(tmp_path: Path) -> None:
    """The same misspelt unit twice is seen to be one problem; another value is not."""
    typed = ["Jo Example", "Jo Example", "Jo Exampel"]
    events = [record("scope", t) | {"id": f"e{i}"} for i, t in enumerate(typed)]
    log = read_events([write(tmp_path / "e.csv", events)], GWENT)
    marks = [re.findall(r"\[#[0-9a-f]{6}\]", r.reason) for r in log.rejections]
    assert marks[0] == marks[1] != marks[2]
    assert all(
        r.reason.startswith("scope: 10 characters (letters and a space) [#") for r in log.rejections
    )


def test_the_fingerprint_is_keyed() -> None:
    """Under another key the same value has another fingerprint: no list of names can be
    hashed to find it without the key; with the same key it is stable."""
    one, two = withheld("Jo Example", b"k" * 16), withheld("Jo Example", b"j" * 16)
    assert one != two and one == withheld("Jo Example", b"k" * 16)
    assert one.startswith(shape("Jo Example"))


def test_a_parquet_file_from_before_has_its_reasons_withheld(tmp_path: Path) -> None:
    """Rejections kept as `[file, line, reason]` quoting the value (an older ingest) are
    withheld as they are read; an id used twice, which reports cite, stays."""
    pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    path = tmp_path / "e.parquet"
    write_parquet(EventLog((), ()), GWENT, path)
    table = pq.read_table(path)
    meta = json.loads(table.schema.metadata[b"engagerules"])
    old = [
        ["x.jsonl", 1, "scope: 'Jo Example' is not a unit of this force"],
        ["x.jsonl", 2, 'attrs.hours: "three" is text, not a number (write it without quotes)'],
        ["x.jsonl", 3, 'role: must be a string, not ["Jo Example"]'],
        ["x.jsonl", 4, "id: 'a' is used twice (first at x.jsonl:1)"],
    ]
    meta.update(rejections=old, read=len(old))
    pq.write_table(table.replace_schema_metadata({b"engagerules": json.dumps(meta)}), path)
    _, rejections, _ = parquet_records(path, GWENT)
    reasons = [r.reason for r in rejections]
    assert not any("Example" in r or "three" in r for r in reasons[:3]), reasons
    assert reasons[0].startswith("scope: 10 characters (letters and a space) [#")
    assert reasons[1].startswith("attrs.hours: 5 characters (letters) [#")
    assert reasons[2].startswith("role: must be a string, not 14 characters")
    assert reasons[3] == old[3][2]
    assert [r.revealed().reason for r in rejections] == [r[2] for r in old]


def test_a_rejection_quotes_its_values_only_when_revealed() -> None:
    """`quoting` takes no part in equality or repr, so no log, diff or report shows it."""
    said = Rejection("f", 1, "scope: 4 characters (letters) [#abcdef] is not a unit")
    quoting = Rejection("f", 1, said.reason, quoting="scope: 'Jone' is not a unit")
    assert said == quoting and "Jone" not in repr(quoting) and "Jone" not in str(quoting)
    assert quoting.revealed().reason == "scope: 'Jone' is not a unit"
    assert said.revealed() == said
    assert legacy_withheld(quoting.quoting or "", b"k" * 16).startswith("scope: 4 characters")


def test_explain_never_repeats_a_role_the_force_does_not_declare(tmp_path: Path) -> None:
    """The reader keeps a record with an undeclared role (it counts for no duty needing a
    role): `explain`, in text and JSON, says so without repeating what was typed there."""
    from engagerules.cli import main

    path = tmp_path / "log.jsonl"
    record = {"id": "p1", "type": "foot_patrol", "at": "2022-10-03T10:00:00+01:00"}
    record |= {"scope": "bargoed", "role": "Jo Bloggs"}
    path.write_text(json.dumps(record) + "\n", encoding="utf-8")
    for form in ("text", "json"):
        out = tmp_path / f"explained.{form}"
        args = ["explain", "gwent", "gwent.cn.daily-foot-patrol", str(path), "--from"]
        args += ["2022-10-03", "--to", "2022-10-03", "--as-of", "2022-10-05T00:00:00Z"]
        main([*args, "--format", form, "-o", str(out)])
        written = out.read_text(encoding="utf-8")
        assert "p1" in written and "wrong role" in written
        assert "Jo Bloggs" not in written


@pytest.mark.parametrize("typed", ["Jane Doe", "jane.doe@example.org", "J\tDoe"])
def test_a_name_or_address_in_person_is_rejected_not_reported(tmp_path: Path, typed: str) -> None:
    """`person` holds a pseudonymous id (the contract): a name or an address typed there
    is rejected on its line, withheld, in both readers, never the scope of a result."""
    gwent = open_force("gwent")
    record = {"id": "i1", "type": "inspector_blog", "at": "2023-01-10T10:00:00Z"}
    record |= {"scope": "newport", "role": "INSP", "person": typed}
    path = tmp_path / "log.jsonl"
    path.write_text(json.dumps(record) + "\n", encoding="utf-8")
    log = read_events([path], gwent)
    assert not log.events
    [rejection] = log.rejections
    assert rejection.line == 1 and rejection.reason.startswith("person: ")
    assert typed not in rejection.reason
    report = evaluate(
        gwent, log, date(2023, 1, 1), date(2023, 1, 31), datetime(2023, 2, 5, tzinfo=UTC)
    )
    assert typed not in json.dumps(report_json(report))
