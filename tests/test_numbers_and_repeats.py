"""The audit of issue 25's two rules (docs/audit.md): strings are not numbers, and a record
exported twice counts once. Each test is a wrong answer the audit found, or the principle
that rules it out."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from conftest import BUNDLED, FIXTURES, bundled
from engagerules import (
    Force,
    Report,
    Status,
    evaluate,
    load_force,
    parse_events,
    read_events,
    simulate,
)
from engagerules.engine.index import _says_the_same, repeats
from engagerules.engine.verdicts import Outcome
from engagerules.model.conditions import number_text
from engagerules.model.event import Event
from engagerules.model.plan import AttrType
from strategies import verdict_logs

JUNE = (date(2023, 6, 1), date(2023, 6, 30))
SURREY = Path(__file__).resolve().parents[1] / "forces" / "surrey"


@pytest.fixture(scope="module")
def force() -> Force:
    return load_force(FIXTURES / "verdicts")


def _judge(force: Force, records: Sequence[dict[str, Any]]) -> Report:
    log = parse_events([("log", i + 1, r) for i, r in enumerate(records)], force)
    return evaluate(force, log, *JUNE, datetime(2023, 8, 1, 9, tzinfo=UTC))


def _results(report: Report) -> list[tuple[object, ...]]:
    return [
        (r.obligation, r.scope, r.window.start, r.status, r.found, r.evidence)
        for r in report.results
    ]


# -- a record exported twice ---------------------------------------------------------------


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    records=verdict_logs(max_size=15),
    pick=st.integers(0, 10**6),
    scope=st.sampled_from(["north", "south"]),
    day=st.integers(1, 29),
    gap=st.integers(1, 60),
)
def test_a_copy_of_any_record_changes_no_verdict_even_where_follow_ups_name_it(
    force: Force, records: list[dict[str, Any]], pick: int, scope: str, day: int, gap: int
) -> None:
    """One record exported again under another id is the same activity: every result is
    as it was (status, amount, evidence), the copy is never evidence, and it is accounted
    for as unmatched. Follow-ups that name the copy instead of the original follow up the
    original: they were follow-ups of nothing, and the trigger missed. (A record some
    follow-up names is copied where there is one.)"""
    warrant = datetime(2023, 6, day, 9, tzinfo=UTC)
    records = [
        *records,
        {"id": "lw", "type": "warrant", "at": warrant.isoformat(), "scope": scope, "role": "PS"},
        {
            "id": "lt",
            "type": "tweet",
            "at": (warrant + timedelta(hours=gap)).isoformat(),
            "scope": scope,
            "role": "PS",
            "refs": ["lw"],
        },
    ]
    named = {ref for record in records for ref in record.get("refs", ())}
    pool = [r for r in records if r["id"] in named]
    original = pool[pick % len(pool)]
    again = [{**r, "refs": ["copy"]} if original["id"] in r.get("refs", ()) else r for r in records]
    again.append({**original, "id": "copy"})
    before, after = _judge(force, records), _judge(force, again)
    assert _results(after) == _results(before)
    assert (after.events.read, after.events.matched) == (
        before.events.read + 1,
        before.events.matched,
    )
    assert after.events.unmatched == before.events.unmatched + 1


def test_a_number_and_true_are_not_the_same_detail(tmp_path: Path) -> None:
    """Records saying the same thing count once, but `1` and `true` do not say the same
    (Python holds them equal): a copy giving `true` where a threshold needs a number must
    not stand for the record giving 1, nor hide it."""
    folder = tmp_path / "f"
    folder.mkdir()
    text = (FIXTURES / "verdicts" / "force.json").read_text(encoding="utf-8")
    old = '"attributes": {"hours": {"type": "number"}}'
    assert old in text
    (folder / "force.json").write_text(text.replace(old, '"attrs": {"hours": "hours"}'), "utf-8")
    for extra in (FIXTURES / "verdicts").iterdir():
        if extra.name != "force.json" and extra.is_file():
            (folder / extra.name).write_bytes(extra.read_bytes())
    loose = load_force(folder)
    at = "2023-06-05T10:00:00+01:00"
    records = [
        {"id": "s1", "type": "session", "at": at, "role": "PS", "attrs": {"hours": True}},
        {"id": "s2", "type": "session", "at": at, "role": "PS", "attrs": {"hours": 1}},
    ]
    report = evaluate(
        loose,
        parse_events([("log", i + 1, r) for i, r in enumerate(records)], loose),
        *JUNE,
        datetime(2030, 1, 1, tzinfo=UTC),
        obligations=["v.hours"],
    )
    (result,) = report.results
    assert result.found == 1 and "s2" in result.evidence
    assert report.events.by_reason.get("duplicate", 0) == 0


# -- strings are not numbers ---------------------------------------------------------------


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_a_number_as_json_writes_it_reads_as_that_number(x: float) -> None:
    assert number_text(json.dumps(x)) == x
    assert number_text(f" {x!r} ") == x


@given(st.integers(-(10**12), 10**12))
def test_thousands_separators_read_only_where_grouped(n: int) -> None:
    """A spreadsheet's 1,600 is 1600 where commas are allowed (import profiles), and no
    number where they are not (a CSV cell, as JSON would not read it)."""
    assert number_text(f"{n:,}", grouped=True) == n
    assert number_text(f"{n:,}") == (n if abs(n) < 1000 else None)


@given(st.integers(0, 999), st.text("0123456789", min_size=1, max_size=6))
def test_a_decimal_comma_is_never_read_as_thousands(whole: int, part: str) -> None:
    """ "1,5" hours is not 15 (it met a month of 3 hours): a comma is a thousands separator
    only before exactly three digits."""
    text = f"{whole},{part}"
    expected = float(f"{whole}{part}") if len(part) == 3 else None
    assert number_text(text, grouped=True) == expected


@given(st.text(max_size=12))
def test_text_reads_as_a_number_only_in_plain_ascii_digits(text: str) -> None:
    """Python's float() reads "1_000", "٣" and "nan"; no export means them as numbers."""
    found = number_text(text)
    if found is not None:
        assert text.strip().isascii()
        assert "_" not in text
        assert float(text.strip()) == found


@pytest.mark.parametrize("cell", ["1,5", "1_000", "\u0663", "NaN", "Infinity", "true", "3h"])
def test_a_csv_cell_that_no_one_writes_as_a_number_is_rejected_on_its_line(
    tmp_path: Path, cell: str
) -> None:
    """A declared number's CSV cell reads as the number it writes, or the record is
    rejected naming its line: never a month of cadet hours met by "1_000"."""
    surrey = load_force(SURREY)
    path = tmp_path / "hours.csv"
    path.write_text(
        "id,type,at,scope,role,person,hours\n"
        f'h1,cadet_volunteering,2017-10-07,waverley,CADET,ca,"{cell}"\n',
        encoding="utf-8",
    )
    log = read_events([path], surrey)
    assert not log.events
    [rejection] = log.rejections
    # Located and worded, the typed cell withheld (its shape shown, never the text).
    assert rejection.line == 2
    assert rejection.reason.startswith("attrs.hours: ")
    assert rejection.reason.endswith(" is not a number")
    assert json.dumps(cell) not in rejection.reason


@pytest.mark.parametrize("hours", [25, 520, 1000, 1600])
def test_one_cadet_session_of_more_than_a_day_meets_no_month(hours: int) -> None:
    """Surrey's cadets volunteer 3 hours a month in sessions; a session is within its day,
    so 1600 hours in one (the issue's example) is refused on its line, not a month met."""
    surrey = load_force(SURREY)
    records = [
        {
            "id": "h1",
            "type": "cadet_volunteering",
            "at": "2017-10-07",
            "scope": "waverley",
            "role": "CADET",
            "person": "ca",
            "attrs": {"hours": hours},
        }
    ]
    log = parse_events([("log", 1, r) for r in records], surrey)
    # The words with the value in are kept for --show-values; the report's withhold it.
    assert [(r.line, r.quoting) for r in log.rejections] == [
        (1, f"attrs.hours: {hours} is above the most allowed, 24")
    ]
    assert log.rejections[0].reason.endswith(" is above the most allowed, 24")
    report = evaluate(
        surrey,
        log,
        date(2017, 10, 1),
        date(2017, 10, 31),
        datetime(2017, 11, 6, 9, tzinfo=UTC),
        obligations=["surrey.cadet-hours"],
    )
    assert all(r.status is not Status.MET for r in report.results)
    assert (report.events.read, report.events.rejected) == (1, 1)


@settings(max_examples=60, deadline=None)
@given(
    likes=st.lists(st.integers(0, 2000), min_size=1, max_size=5),
    ids=st.permutations(range(5)),
)
def test_readings_at_one_instant_that_disagree_count_as_the_lowest(
    force: Force, likes: list[int], ids: list[int]
) -> None:
    """Readings of one series at its latest instant that disagree are no evidence of the
    higher: the figure is the lowest whatever the ids or the order read (the later id's
    9,000 likes met Dorset's target where another reading said 1,500)."""
    at = "2022-12-30T09:00:00Z"
    records = [
        {"id": f"r{ids[i]}", "type": "reading", "at": at, "role": "PS", "attrs": {"likes": n}}
        for i, n in enumerate(likes)
    ]
    log = parse_events([("log", i + 1, r) for i, r in enumerate(records)], force)
    report = evaluate(
        force,
        log,
        date(2022, 12, 1),
        date(2022, 12, 31),
        datetime(2023, 1, 5, tzinfo=UTC),
        obligations=["v.likes"],
    )
    (result,) = report.results
    assert result.found == min(likes)
    assert result.status is (Status.MET if min(likes) >= 1000 else Status.MISSED)


def test_a_record_of_the_day_is_no_copy_of_one_timed_at_midnight(force: Force) -> None:
    """Both say 5 June, but one says "that day" and the other "at 00:00": two records."""
    records = [
        {"id": "s1", "type": "session", "at": "2023-06-05", "role": "PS", "attrs": {"hours": 2}},
        {
            "id": "s2",
            "type": "session",
            "at": "2023-06-05T00:00:00+01:00",
            "role": "PS",
            "attrs": {"hours": 2},
        },
    ]
    report = _judge(force, records)
    (hours,) = [r for r in report.results if r.obligation == "v.hours"]
    assert (hours.status, hours.found) == (Status.MET, 4)
    assert "duplicate" not in report.events.by_reason


def test_a_late_follow_up_naming_a_repeat_is_late_not_of_no_trigger(force: Force) -> None:
    """A follow-up naming a warrant's copy names the warrant: made after its deadline, it is
    `late`, as it would be naming the original (it was `no_trigger`)."""
    warrant = {"type": "warrant", "at": "2023-06-05T09:00:00Z", "scope": "north", "role": "PS"}
    records = [
        {"id": "w1", **warrant},
        {"id": "w2", **warrant},
        {
            "id": "t1",
            "type": "tweet",
            "at": "2023-06-20T09:00:00Z",
            "scope": "north",
            "role": "PS",
            "refs": ["w2"],
        },
    ]
    log = parse_events([("log", i + 1, r) for i, r in enumerate(records)], force)
    report = evaluate(
        force, log, *JUNE, datetime(2023, 8, 1, tzinfo=UTC), obligations=["v.warrant-linked"]
    )
    assert report.events.by_reason == {"duplicate": 1, "late": 1}


# -- a record typed twice, its text typed otherwise ---------------------------------------

QUARTER = (date(2022, 10, 1), date(2022, 12, 31))

#: Ways to type the same text again that no condition tells apart (`conditions.folded`).
_RETYPED = st.sampled_from(
    [str.upper, str.lower, str.swapcase, lambda t: f" {t}  ", lambda t: t.replace(" ", "  ")]
)


@pytest.mark.parametrize("name", BUNDLED)
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**16),
    pick=st.integers(0, 10**6),
    retyped=st.lists(_RETYPED, min_size=6, max_size=6),
)
def test_a_record_typed_again_with_its_text_recased_changes_no_verdict(
    name: str, seed: int, pick: int, retyped: list[Callable[[str], str]]
) -> None:
    """In every force, a record typed again under another id at the same instant, its text
    differing only in case and spaces (one session's project as "fraud" and "Fraud "),
    is the same activity: every result is as it was, the copy is never evidence and is
    accounted for as a `duplicate` (a cadet's month was met "3 of 3" on one 1.5 h session)."""
    force = bundled(name)
    records = simulate(force, *QUARTER, events=60, compliance=0.7, seed=seed)
    # Free text (declared text, or undeclared): a code or a date is read exactly.
    fixed = {
        (t.id, a.name)
        for t in force.event_types
        for a in t.attributes
        if a.type is not AttrType.TEXT
    }

    def free(record: dict[str, Any]) -> list[str]:
        return [
            k
            for k, v in record.get("attrs", {}).items()
            if isinstance(v, str) and (record["type"], k) not in fixed
        ]

    texted = [r for r in records if free(r)]
    original = (texted or records)[pick % len(texted or records)]
    attrs = dict(original.get("attrs", {}))
    for i, key in enumerate(free(original)):
        attrs[key] = retyped[i % len(retyped)](attrs[key])
    again = [*records, {**original, "id": "typed-again", "attrs": attrs}]
    as_of = datetime(2023, 2, 1, tzinfo=UTC)

    def judged(log: list[dict[str, Any]]) -> Report:
        events = parse_events([("log", i + 1, r) for i, r in enumerate(log)], force)
        assert not events.rejections
        return evaluate(force, events, *QUARTER, as_of)

    before, after = judged(records), judged(again)
    assert _results(after) == _results(before)
    assert after.events.matched == before.events.matched
    assert (
        after.events.by_reason.get("duplicate", 0)
        == before.events.by_reason.get("duplicate", 0) + 1
    )


def test_one_cadet_at_one_instant_saying_other_hours_is_two_records() -> None:
    """The repeat rule takes text as the rules read it, never more: the same cadet at the
    same instant with 1.5 and 2 hours says two different things (two projects begun
    together, or a correction), and dropping either would be a guess at which; both are
    read, and the month's sum is theirs."""
    surrey = load_force(SURREY)
    base = {"type": "cadet_volunteering", "at": "2018-01-10T10:00:00Z", "scope": "waverley"}
    records = [
        {"id": "k1", **base, "role": "CADET", "person": "p-cad1", "attrs": {"hours": 1.5}},
        {"id": "k2", **base, "role": "CADET", "person": "p-cad1", "attrs": {"hours": 2}},
    ]
    report = evaluate(
        surrey,
        parse_events([("log", i + 1, r) for i, r in enumerate(records)], surrey),
        date(2018, 1, 1),
        date(2018, 1, 31),
        datetime(2018, 2, 6, tzinfo=UTC),
        obligations=["surrey.cadet-hours"],
    )
    (result,) = report.results
    assert (result.found, sorted(result.evidence)) == (3.5, ["k1", "k2"])
    assert "duplicate" not in report.events.by_reason


def _plainly_repeated(events: Sequence[Event], force: Force) -> dict[str, str]:
    """The rule of `repeats` read plainly: each record, in read order, against every
    earlier one of its instant, type, unit, role and person that is kept."""
    many = {t.id for t in force.event_types if t.repeats}
    kept: list[Event] = []
    found: dict[str, str] = {}
    for event in events:
        if event.type in many:
            continue
        who = (event.at, event.type, event.scope, event.role, event.person)
        same = next(
            (
                k
                for k in kept
                if (k.at, k.type, k.scope, k.role, k.person) == who and _says_the_same(k, event)
            ),
            None,
        )
        if same is None:
            kept.append(event)
        elif same.id != event.id:
            found[event.id] = same.id
    return found


_NOON = datetime(2023, 6, 1, 12, tzinfo=UTC)


@settings(max_examples=150, deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            st.integers(0, 3),  # minutes after noon: few instants, so many are shared
            st.sampled_from(["session", "meeting", "tweet"]),
            st.sampled_from([None, "north", "south"]),
            st.sampled_from([None, "PCSO"]),
            st.sampled_from([None, "p1"]),
            st.sampled_from([{}, {"place": "Hall"}, {"place": "hall "}, {"place": "Park"}]),
            st.integers(0, 5),  # id: repeated ids stand for a record read twice
        ),
        max_size=40,
    )
)
# one id read twice, each time the repeat of another record (found by hypothesis): the one
# read last says which it repeats, as the plain rule reads them, whatever the groups' order
@example(
    rows=[
        (0, "session", None, None, None, {}, 0),
        (2, "tweet", "north", None, "p1", {"place": "Hall"}, 1),
        (2, "tweet", "north", None, "p1", {"place": "Hall"}, 2),
        (2, "tweet", "south", "PCSO", None, {"place": "Hall"}, 0),
        (2, "tweet", "south", "PCSO", None, {"place": "Hall"}, 2),
    ]
)
def test_repeats_are_found_as_the_plain_rule_finds_them(
    rows: list[tuple[int, str, str | None, str | None, str | None, dict[str, str], int]],
) -> None:
    force = load_force(FIXTURES / "verdicts")
    events = [
        Event(f"e{n}", kind, _NOON + timedelta(minutes=m), scope, role, person, attrs)
        for m, kind, scope, role, person, attrs, n in rows
    ]
    ordered = sorted(events, key=lambda e: e.id)
    ordered.sort(key=lambda e: e.at)
    assert repeats(ordered, events, force) == _plainly_repeated(events, force)


def test_a_copy_is_a_duplicate_whichever_engine_judged_every_duty(force: Force) -> None:
    """The reasons for records that counted for nothing do not depend on which engine
    judged the duties: where another engine judged them all (no index was built), a
    record exported twice is still accounted a duplicate, not a record owed nothing."""
    records = [
        {"id": "a", "type": "surgery", "at": "2023-06-05T10:00:00Z", "scope": "north"},
        {"id": "b", "type": "surgery", "at": "2023-06-05T10:00:00Z", "scope": "north"},
    ]
    log = parse_events([("log", i + 1, r) for i, r in enumerate(records)], force)
    as_of = datetime(2023, 8, 1, 9, tzinfo=UTC)
    plain = evaluate(force, log, *JUNE, as_of)
    elsewhere = evaluate(
        force, log, *JUNE, as_of, judge=lambda ob, span, at: Outcome((), frozenset())
    )
    assert plain.events.by_reason.get("duplicate") == 1
    assert dict(elsewhere.events.by_reason).get("duplicate") == 1
