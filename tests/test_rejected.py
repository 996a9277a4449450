"""A record the reader rejects never lets a rule read met that the record could have broken.

A rejected record counts for nothing; for a constraint (kept when nothing breaks it) and a
triggered duty (nothing owed when nothing sets it off) that would be a comfort, so every
window it may fall in is `unchecked`, naming its file and line, and `--fail-on breach`
fails on it. The readers keep the record's type, instant and unit, never a typed value.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from conftest import BUNDLED, bundled
from engagerules import evaluate, load_force, open_force, parse_events, simulate
from engagerules.cli import main
from engagerules.model.event import UNDECLARED
from engagerules.model.plan import Force, Kind
from engagerules.model.results import Status
from strategies import RANGE_START, event_records, force_configs

_AS_OF = datetime(2022, 12, 1, tzinfo=UTC)
_END = RANGE_START + timedelta(days=34)

#: Ways to make the reader reject a record while its type stays readable.
_CORRUPTIONS = st.sampled_from(
    [
        {"refs": {"booking": 1}},  # refs not a list
        {"role": ["PCSO"]},  # a role that is not text
        {"at": "2022-10-20T10:00:00+25:00"},  # an offset no clock has: instant unreadable
    ]
)


def _read(force: Force, records: list[dict[str, Any]]) -> Any:
    return parse_events([("log.jsonl", i + 1, r) for i, r in enumerate(records)], force)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(config=force_configs(), records=event_records(), data=st.data())
def test_a_rejected_record_never_turns_a_constraint_window_met(
    tmp_path_factory: pytest.TempPathFactory,
    config: dict[str, Any],
    records: list[dict[str, Any]],
    data: st.DataObject,
) -> None:
    """Whatever the force and log, corrupting one record of a type a constraint covers
    leaves no window met that was not met with the record read, and the window it falls
    in (in its unit) is never met."""
    path = tmp_path_factory.mktemp("force") / "force.json"
    path.write_text(json.dumps(config))
    force = load_force(path)
    covered = {t for ob in force.obligations if ob.kind is Kind.CONSTRAINT for t in ob.event_types}
    candidates = [i for i, r in enumerate(records) if r["type"] in covered]
    if not candidates:
        return
    chosen = data.draw(st.sampled_from(candidates))
    corrupted = [dict(r) for r in records]
    corrupted[chosen].update(data.draw(_CORRUPTIONS))
    whole = evaluate(force, _read(force, records), RANGE_START, _END, _AS_OF)
    log = _read(force, corrupted)
    rejected = [r for r in log.rejections if r.line == chosen + 1]
    assert rejected, "the corruption is rejected"
    assert rejected[0].type == records[chosen]["type"]
    broken = evaluate(force, log, RANGE_START, _END, _AS_OF)
    before = {(r.obligation, r.scope, r.window): r.status for r in whole.results}
    for result in broken.results:
        if result.kind is not Kind.CONSTRAINT or result.status is not Status.MET:
            continue
        assert before.get((result.obligation, result.scope, result.window)) is Status.MET
        types = {
            t for ob in force.obligations if ob.id == result.obligation for t in ob.event_types
        }
        if records[chosen]["type"] not in types:
            continue
        scope = records[chosen].get("scope")
        if result.scope is None or scope is None or result.scope == scope:
            at = rejected[0].at
            assert at is not None, "a record of unreadable instant leaves no window met"
            assert at > _AS_OF or not result.window.contains(at), result.reason


def test_rejection_keeps_what_could_be_read_and_no_typed_value(tmp_path: Path) -> None:
    """A rejected record keeps its type, instant and unit as the force names them; a type
    or unit the force does not have is never kept as typed, and nothing typed reaches the
    reason."""
    force = open_force("gwent")
    log = _read(
        force,
        [
            {"id": "a", "type": "police_surgery", "at": "2022-10-06T10:00:00+01:00",
             "scope": "bargoed", "refs": {"note": "Jones"}},
            {"id": "b", "type": "Smith's visit", "at": "2022-10-06T10:00:00+01:00",
             "scope": "Jones Street"},
            {"id": "c", "at": "not a time", "scope": "Jones Street", "type": 5},
        ],
    )  # fmt: skip
    first, second, third = log.rejections
    assert (first.type, first.unit) == ("police_surgery", "bargoed")
    assert first.at == datetime(2022, 10, 6, 9, tzinfo=UTC)
    assert (second.type, second.unit) == (UNDECLARED, None)
    assert (third.type, third.at, third.unit) == (None, None, None)
    assert all("Jones" not in r.reason and "Smith" not in r.reason for r in log.rejections)


def _surgeries(tmp_path: Path, bad: dict[str, Any] | None) -> Path:
    """Three surgeries that vary across the sections, and (unless `bad` is None) a fourth
    in Rhymney again, breaking the rule, changed by `bad`."""
    records = [
        {"id": "ps1", "type": "police_surgery", "at": "2022-10-06T10:00:00+01:00",
         "scope": "bargoed", "role": "CSO", "attrs": {"location": "Bargoed library"}},
        {"id": "ps2", "type": "police_surgery", "at": "2022-11-03T10:00:00+00:00",
         "scope": "rhymney", "role": "CSO", "attrs": {"location": "Rhymney leisure centre"}},
        {"id": "ps3", "type": "police_surgery", "at": "2022-12-01T10:00:00+00:00",
         "scope": "bargoed", "role": "CSO", "attrs": {"location": "Bargoed library"}},
        {"id": "ps4", "type": "police_surgery", "at": "2022-11-17T10:00:00+00:00",
         "scope": "rhymney", "role": "CSO", "attrs": {"location": "Rhymney leisure centre"},
         **(bad or {})},
    ]  # fmt: skip
    if bad is None:
        records.pop()
    path = tmp_path / "log.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


_CHECK = [
    "--from", "2022-10-01", "--to", "2022-12-31", "--as-of", "2023-01-09T09:00:00+00:00",
    "--format", "json",
]  # fmt: skip
_RULE = "gwent.cn.police-surgery-locations-vary"


def test_a_hidden_breach_fails_the_breach_gate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A second Rhymney surgery breaks 'vary across the sections' (exit 1); rejected (its
    refs unreadable) it left the rule met and the gate passed. Now the quarter is
    unchecked, naming its line, and the gate fails (exit 1), never 0 nor 3."""
    kept = _surgeries(tmp_path, None)
    assert main(["check", "gwent", str(kept), *_CHECK, "--fail-on", "breach"]) == 0
    read = _surgeries(tmp_path, {})
    assert main(["check", "gwent", str(read), *_CHECK, "--fail-on", "breach"]) == 1
    capsys.readouterr()
    hidden = _surgeries(tmp_path, {"refs": {"booking": 1}})
    assert main(["check", "gwent", str(hidden), *_CHECK, "--fail-on", "breach"]) == 1
    out = json.loads(capsys.readouterr().out)["results"]
    results = [r for r in out if r["obligation"] == _RULE]
    assert [r["status"] for r in results] == ["unchecked"]
    assert results[0]["unjudged"] == [f"{hidden}:4"]
    assert f"{hidden}:4" in results[0]["reason"]
    gate = ["--fail-on", "waived"]  # a gate that is not on breaches ignores it
    assert main(["check", "gwent", str(hidden), *_CHECK, *gate]) == 0


def test_a_rejected_record_outside_the_window_or_unit_changes_nothing(tmp_path: Path) -> None:
    """A rejected record dated outside the range, or of a type the rule does not cover,
    leaves the rule met: only a record that may have broken it makes it unchecked."""
    force = open_force("gwent")
    for bad in ({"at": "2023-03-01T10:00:00+00:00", "refs": 1}, {"type": "tweet", "refs": 1}):
        path = _surgeries(tmp_path, bad)
        lines = path.read_text().splitlines()
        log = parse_events([(str(path), i + 1, json.loads(t)) for i, t in enumerate(lines)], force)
        assert len(log.rejections) == 1
        report = evaluate(
            force, log, datetime(2022, 10, 1).date(), datetime(2022, 12, 31).date(),
            datetime(2023, 1, 9, 9, tzinfo=UTC),
            obligations=[_RULE],
        )  # fmt: skip
        assert [r.status for r in report.results] == [Status.MET]


def test_ingest_keeps_what_was_read_and_the_compiled_engine_agrees(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`ingest` keeps a rejection's read type, instant and unit in the Parquet metadata,
    so `check --engine ibis` over the file reads the hidden breach as `check` does:
    unchecked, naming the line, and `--fail-on breach` exits 1."""
    pytest.importorskip("ibis")
    hidden = _surgeries(tmp_path, {"refs": {"booking": 1}})
    source = tmp_path / "log.parquet"
    assert main(["ingest", "gwent", str(hidden), "-o", str(source)]) == 0
    force = open_force("gwent")
    from engagerules.sources.parquet import parquet_records

    _, (rejection,), _ = parquet_records(str(source), force)
    assert (rejection.type, rejection.unit) == ("police_surgery", "rhymney")
    assert rejection.at == datetime(2022, 11, 17, 10, tzinfo=UTC)
    _both_engines_doubt_the_quarter(hidden, source, capsys)


def test_explain_says_why_a_window_is_unchecked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`explain` follows the engine: the window a rejected record may fall in is
    UNCHECKED with the rejection's line, and a rejected trigger's result is explained too."""
    hidden = _surgeries(tmp_path, {"refs": {"booking": 1}})
    with hidden.open("a") as stream:
        trigger = {"id": "pa2", "type": "positive_action", "at": "2022-10-20T02:00:00+01:00",
                   "scope": "bargoed", "role": "WARD_MANAGER", "refs": 7}  # fmt: skip
        stream.write(json.dumps(trigger) + "\n")
    dates = _CHECK[:-2]
    assert main(["explain", "gwent", _RULE, str(hidden), *dates]) == 0
    out = capsys.readouterr().out
    assert "UNCHECKED" in out and f"{hidden}:4" in out
    assert main(["explain", "gwent", "gwent.cn.positive-action-tweet", str(hidden), *dates]) == 0
    out = capsys.readouterr().out
    assert "[Bargoed]" in out and "UNCHECKED" in out and f"{hidden}:5" in out


@pytest.mark.parametrize(
    ("fired", "owed"),
    [
        ("2022-09-30T12:00:00+01:00", True),  # its two days run into the range
        ("2022-09-29T00:00:00+01:00", False),  # due as the range starts: nothing owed in it
        ("2022-09-29T00:00:01+01:00", True),  # due a second into the range
        ("2022-12-31T23:59:59+00:00", True),  # the range's last second
        ("2023-01-01T00:00:00+00:00", False),  # after the range
    ],
)
def test_a_rejected_trigger_owed_in_the_range_is_unchecked_from_it_to_its_deadline(
    fired: str, owed: bool
) -> None:
    """A read trigger fired before the range with its deadline inside is judged; so a
    rejected one that may have been such a trigger is unchecked (never silently nothing
    owed), in the window it would have opened, from the record to its deadline."""
    force = open_force("gwent")
    record = {"id": "pa1", "type": "positive_action", "at": fired, "scope": "bargoed",
              "role": "WARD_MANAGER", "refs": 7}  # fmt: skip
    log = _read(force, [record])
    (rejection,) = log.rejections
    report = evaluate(
        force, log, datetime(2022, 10, 1).date(), datetime(2022, 12, 31).date(),
        datetime(2023, 1, 9, 9, tzinfo=UTC), obligations=["gwent.cn.positive-action-tweet"],
    )  # fmt: skip
    results = [r for r in report.results if r.unjudged]
    assert len(results) == int(owed)
    if owed:
        (result,) = results
        assert result.status is Status.UNCHECKED
        assert result.unjudged == ("log.jsonl:1",)
        assert result.window.start == rejection.at
        assert result.window.end == rejection.at + timedelta(days=2)
        assert result.scope == "bargoed"


def test_a_rejected_record_just_before_the_range_may_be_the_previous_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """'Vary across the sections' compares each surgery with the one before it, across the
    range's start: a Rhymney surgery on 29 September read makes the next Rhymney one a
    breach. Rejected, it leaves no previous, so the quarter is unchecked, naming its line,
    never met; a read surgery between them in another section lifts the doubt."""
    first = {
        "id": "ps0",
        "type": "police_surgery",
        "at": "2022-09-29T10:00:00+01:00",
        "scope": "rhymney",
        "role": "CSO",
        "attrs": {"location": "Rhymney leisure centre"},
    }
    later = [
        {"id": "ps1", "type": "police_surgery", "at": "2022-10-06T10:00:00+01:00",
         "scope": "rhymney", "role": "CSO", "attrs": {"location": "Rhymney library"}},
        {"id": "ps2", "type": "police_surgery", "at": "2022-11-03T10:00:00+00:00",
         "scope": "bargoed", "role": "CSO", "attrs": {"location": "Bargoed library"}},
    ]  # fmt: skip
    between = {"id": "psb", "type": "police_surgery", "at": "2022-09-30T10:00:00+01:00",
               "scope": "bargoed", "role": "CSO", "attrs": {"location": "Hall"}}  # fmt: skip

    def statuses(records: list[dict[str, Any]]) -> list[str]:
        path = tmp_path / "log.jsonl"
        path.write_text("".join(json.dumps(r) + "\n" for r in records))
        main(["check", "gwent", str(path), *_CHECK])
        out = json.loads(capsys.readouterr().out)["results"]
        return [r["status"] for r in out if r["obligation"] == _RULE]

    assert statuses([first, *later]) == ["breach"]
    assert statuses([{**first, "refs": {"booking": 1}}, *later]) == ["unchecked"]
    assert statuses([{**first, "refs": {"booking": 1}}, between, *later]) == ["met"]


# -- a misspelt type ------------------------------------------------------------------------

_QUARTER = (date(2022, 10, 1), date(2022, 12, 31))
_LETTERS = "abcdefghijklmnopqrstuvwxyz"


_CASES = (str.upper, str.title, str.swapcase, str.capitalize)
_SEPARATORS = ("-", " ", "", ".", "__")
#: A misspelling: how, where (an index, taken modulo the name's length) and what letter.
_MISSPELLINGS = st.tuples(
    st.sampled_from(["case", "separators", "drop", "add", "change", "swap"]),
    st.integers(0, 10**4),
    st.sampled_from(_LETTERS),
)


def misspelt(name: str, how: str, at: int, letter: str) -> str:
    """`name` in other case or separators ("Community_Meeting_Attended", "public event
    notified"), or with one letter dropped, added, changed or two swapped."""
    i = at % len(name)
    if how == "case":
        return _CASES[at % len(_CASES)](name)
    if how == "separators":
        return name.replace("_", _SEPARATORS[at % len(_SEPARATORS)])
    if how == "drop":
        return name[:i] + name[i + 1 :]
    if how == "add":
        return name[:i] + letter + name[i:]
    if how == "change":
        return name[:i] + letter + name[i + 1 :]
    return name[:i] + name[i + 1 : i + 2] + name[i] + name[i + 2 :]


@pytest.mark.parametrize("force", BUNDLED)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pick=st.integers(0, 10**4), how=_MISSPELLINGS)
def test_a_misspelt_declared_type_may_be_the_type_it_resembles(
    force: str, pick: int, how: tuple[str, int, str]
) -> None:
    """For any declared type of any bundled force, a record naming it misspelt (case,
    separators, one letter) and not itself declared is rejected as a record that may be
    of that type (a duty reading it never reads it kept), keeping no typed text."""
    chosen = bundled(force)
    declared = {t.id for t in chosen.event_types}
    name = sorted(declared)[pick % len(declared)]
    typed = misspelt(name, *how)
    assume(typed.strip() not in declared and typed.strip())
    record = {"id": "x", "type": typed, "at": "2022-10-20T10:00:00Z", "role": "PS"}
    (rejection,) = _read(chosen, [record]).rejections
    assert rejection.type == UNDECLARED
    assert rejection.may_be({name})
    assert set(rejection.alike) <= declared


@pytest.mark.parametrize("name", BUNDLED)
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**16), pick=st.integers(0, 10**6), how=_MISSPELLINGS)
def test_a_misspelt_type_never_leaves_met_a_window_its_record_may_break(
    name: str, seed: int, pick: int, how: tuple[str, int, str]
) -> None:
    """In every force, a record of a type a constraint covers, its type misspelt (case,
    separators or one letter, into no declared type), leaves no window met that was not
    met with the record read, and the window it falls in (in its unit) is never met: a
    statistics-only meeting typed "Community_Meeting_Attended" left Surrey's rule met."""
    force = bundled(name)
    records = simulate(force, *_QUARTER, events=60, compliance=0.5, seed=seed)
    covered = {t for ob in force.obligations if ob.kind is Kind.CONSTRAINT for t in ob.event_types}
    candidates = [i for i, r in enumerate(records) if r["type"] in covered]
    assume(candidates)
    chosen = candidates[pick % len(candidates)]
    kind = records[chosen]["type"]
    typed = misspelt(kind, *how)
    assume(typed.strip() not in {t.id for t in force.event_types} and typed.strip())
    corrupted = [dict(r) for r in records]
    corrupted[chosen]["type"] = typed
    as_of = datetime(2023, 2, 1, tzinfo=UTC)
    whole = evaluate(force, _read(force, records), *_QUARTER, as_of)
    log = _read(force, corrupted)
    assert [r.line for r in log.rejections] == [chosen + 1]
    at = datetime.fromisoformat(records[chosen]["at"])
    scope = records[chosen].get("scope")
    before = {(r.obligation, r.scope, r.window): r.status for r in whole.results}
    for result in evaluate(force, log, *_QUARTER, as_of).results:
        if result.kind is not Kind.CONSTRAINT or result.status is not Status.MET:
            continue
        assert before.get((result.obligation, result.scope, result.window)) is Status.MET
        ob = next(o for o in force.obligations if o.id == result.obligation)
        if kind not in ob.event_types or not result.window.contains(at):
            continue
        unit = result.scope if result.scope_kind == "unit" else None
        assert unit is not None and scope is not None, result.reason
        assert unit not in force.ancestry(scope) and scope not in force.ancestry(unit)


def test_ingest_keeps_the_types_a_misspelt_type_resembles(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A surgery typed "Police_Surgery" is kept in the Parquet metadata as possibly a
    surgery (declared names, never the typed one; here a few alike), so `check --engine
    ibis` over the file reads the quarter unchecked as `check` does, and the gate fails."""
    pytest.importorskip("ibis")
    hidden = _surgeries(tmp_path, {"type": "Police_Surgery"})
    source = tmp_path / "log.parquet"
    assert main(["ingest", "gwent", str(hidden), "-o", str(source)]) == 0
    from engagerules.sources.parquet import parquet_records

    _, (rejection,), _ = parquet_records(str(source), open_force("gwent"))
    assert rejection.type == UNDECLARED
    assert "police_surgery" in rejection.alike
    assert set(rejection.alike) <= {t.id for t in open_force("gwent").event_types}
    _both_engines_doubt_the_quarter(hidden, source, capsys)


def _both_engines_doubt_the_quarter(
    hidden: Path, source: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`check` over the log and `check --engine ibis` over its Parquet file give the same
    report (but for `engines`): the surgeries' quarter unchecked, the breach gate failed."""
    capsys.readouterr()
    gate = ["--fail-on", "breach"]
    assert main(["check", "gwent", str(hidden), *_CHECK, *gate]) == 1
    ours = json.loads(capsys.readouterr().out)
    assert main(["check", "gwent", str(source), *_CHECK, *gate, "--engine", "ibis"]) == 1
    theirs = json.loads(capsys.readouterr().out)
    theirs.pop("engines")
    assert theirs == ours
    assert [r["status"] for r in ours["results"] if r["obligation"] == _RULE] == ["unchecked"]
