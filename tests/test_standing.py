"""No `met` without evidence, and duties kept up to date (standing, and rolling gaps):
pending until a lapse is possible, then missed; the agenda shows a lapse as overdue."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import FIXTURES
from engagerules import (
    Force,
    Kind,
    ModelError,
    Report,
    Result,
    Status,
    Window,
    agenda,
    duty_calendar,
    evaluate,
    load_force,
    open_force,
    parse_events,
    render_agenda,
    schedule,
)

FORCES = ("gwent", "dorset", "notts", "surrey")
LONDON = ZoneInfo("Europe/London")
ROOT = Path(__file__).resolve().parents[1]


@cache
def bundled(name: str) -> Force:
    return open_force(name)


def _empty(force: Force, start: date, end: date, as_of: datetime) -> Report:
    return evaluate(force, parse_events([], force), start, end, as_of)


def _gap_judged(force: Force) -> list[str]:
    """The duties judged by gaps between records: standing ones and rolling recurring ones."""
    return [
        ob.id
        for ob in force.obligations
        if ob.kind is Kind.STANDING or getattr(ob.rule, "rolling", False)
    ]


# ---------------------------------------------------------------- no met without evidence


@st.composite
def empty_log_cases(draw: st.DrawFn) -> tuple[str, date, date, datetime]:
    """A bundled force and a range: often starting on an obligation's effective date and
    shorter than its cadence, otherwise anywhere from 2015 to 2027; and any as-of."""
    name = draw(st.sampled_from(FORCES))
    force = bundled(name)
    ob = draw(st.sampled_from(force.obligations))
    effective = ob.effective_from or force.effective_from or date(2020, 1, 1)
    start = draw(
        st.one_of(
            st.just(effective),
            st.dates(effective - timedelta(days=60), effective + timedelta(days=60)),
            st.dates(date(2015, 1, 1), date(2027, 12, 31)),
        )
    )
    cadence_days = 400
    if ob.cadence is not None:
        noon = datetime.combine(start, datetime.min.time(), LONDON)
        cadence_days = max(1, (ob.cadence.after(noon, LONDON) - noon).days)
    length = draw(st.one_of(st.integers(0, cadence_days - 1), st.integers(0, 400)))
    end = start + timedelta(days=length)
    as_of = datetime.combine(end, datetime.min.time(), UTC) + timedelta(
        hours=draw(st.integers(-24 * 60, 24 * 800))
    )
    return name, start, end, as_of


@given(empty_log_cases())
@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
def test_an_empty_log_is_never_met(case: tuple[str, date, date, datetime]) -> None:
    """For every bundled force, every obligation, any range (one starting on the effective
    date, one shorter than a cadence) and any as-of, an empty log gives no `met`."""
    name, start, end, as_of = case
    report = _empty(bundled(name), start, end, as_of)
    assert [r.obligation for r in report.results if r.status is Status.MET] == []


@pytest.mark.parametrize("name", FORCES)
def test_every_obligation_from_its_effective_date_for_less_than_a_cadence(name: str) -> None:
    """Each obligation alone, from the day it came into force for one day and for a day
    less than its cadence, judged long after: nothing met, and gap-judged duties pending
    (no lapse was possible inside the range) rather than met or missed."""
    force = bundled(name)
    gap_judged = set(_gap_judged(force))
    for ob in force.obligations:
        first = ob.effective_from
        assert first is not None  # every bundled plan has a date
        noon = datetime.combine(first, datetime.min.time(), LONDON)
        ends = {first}
        if ob.cadence is not None:
            ends.add(max(first, ob.cadence.after(noon, LONDON).date() - timedelta(days=1)))
        for end in sorted(ends):
            report = evaluate(
                force,
                parse_events([], force),
                first,
                end,
                datetime(2030, 1, 1, tzinfo=UTC),
                obligations=[ob.id],
            )
            assert not [r for r in report.results if r.status is Status.MET], (ob.id, end)
            if ob.id in gap_judged:
                assert {r.status for r in report.results} == {Status.PENDING}, (ob.id, end)


@cache
def _scenario_records(name: str) -> tuple[dict[str, Any], ...]:
    """Every record the force's own scenarios use, once per id: realistic evidence."""
    found: dict[str, dict[str, Any]] = {}
    for path in sorted((ROOT / "forces" / name / "tests").glob("*.json")):
        for scenario in json.loads(path.read_text(encoding="utf-8"))["scenarios"]:
            for record in scenario["events"]:
                found.setdefault(record["id"], record)
    return tuple(found.values())


@st.composite
def generated_logs(draw: st.DrawFn) -> tuple[str, list[dict[str, Any]], date, date, datetime]:
    """Records drawn from a force's scenarios, moved by whole days, judged over a range
    near one of them at any as-of."""
    name = draw(st.sampled_from(FORCES))
    pool = _scenario_records(name)
    chosen = draw(st.lists(st.sampled_from(pool), min_size=1, max_size=20, unique_by=id))
    records = []
    for record in chosen:
        moved = datetime.fromisoformat(record["at"]) + timedelta(days=draw(st.integers(-40, 40)))
        records.append({**record, "at": moved.isoformat()})
    centre = datetime.fromisoformat(draw(st.sampled_from(records))["at"]).date()
    start = centre - timedelta(days=draw(st.integers(0, 60)))
    end = start + timedelta(days=draw(st.integers(0, 120)))
    as_of = datetime.combine(end, datetime.min.time(), UTC) + timedelta(
        hours=draw(st.integers(-24 * 30, 24 * 60))
    )
    return name, records, start, end, as_of


@given(generated_logs())
@settings(max_examples=120, suppress_health_check=[HealthCheck.too_slow])
def test_no_met_result_has_empty_evidence(
    case: tuple[str, list[dict[str, Any]], date, date, datetime],
) -> None:
    """Whatever the log, a met result cites records of that log beyond its trigger."""
    name, records, start, end, as_of = case
    force = bundled(name)
    log = parse_events([("log", i + 1, r) for i, r in enumerate(records)], force)
    report = evaluate(force, log, start, end, as_of)
    ids = {e.id for e in log.events}
    for result in report.results:
        if result.status is Status.MET:
            cited = set(result.evidence) - {result.trigger}
            assert cited, result
            assert cited <= ids, result


def _result(status: Status, evidence: tuple[str, ...], trigger: str | None = None) -> Result:
    start = datetime(2023, 1, 1, tzinfo=UTC)
    return Result(
        obligation="x.duty",
        kind=Kind.STANDING if trigger is None else Kind.TRIGGERED,
        owner="PS",
        title="A duty",
        scope=None,
        window=Window(start, start + timedelta(days=1), LONDON),
        status=status,
        needed=1,
        found=len(evidence),
        evidence=evidence,
        reason="why",
        trigger=trigger,
    )


def test_a_met_result_with_records_is_built() -> None:
    """Met with evidence, and any other status without, are ordinary results."""
    assert _result(Status.MET, ("e1",)).evidence == ("e1",)
    assert _result(Status.MET, ("t1", "e1"), trigger="t1").status is Status.MET
    assert _result(Status.MISSED, ()).status is Status.MISSED
    assert _result(Status.PENDING, ()).status is Status.PENDING


@pytest.mark.parametrize(
    ("evidence", "trigger"),
    [((), None), (("t1",), "t1")],
)
def test_a_met_result_without_records_cannot_be_built(
    evidence: tuple[str, ...], trigger: str | None
) -> None:
    """No kind, plugin or waiver can make `met` from nothing: the value refuses it (a
    trigger alone is what was owed, not what was done)."""
    with pytest.raises(ModelError, match="met with no evidence"):
        _result(Status.MET, evidence, trigger)
    with pytest.raises(ModelError, match="met with no evidence"):
        attrs.evolve(_result(Status.MISSED, evidence, trigger), status=Status.MET)


# ---------------------------------------------------------------- standing: pending, then missed

WEBSITE = "gwent.cn.website-up-to-date"  # P3M, in force from 1 September 2022
FIRST_LAPSE = datetime(2022, 12, 1, tzinfo=LONDON)  # 1 September + 3 months, local midnight


def _website(as_of: datetime, records: list[dict[str, Any]] | None = None) -> Result:
    force = bundled("gwent")
    log = parse_events([("log", i + 1, r) for i, r in enumerate(records or [])], force)
    report = evaluate(
        force, log, date(2022, 9, 1), date(2022, 12, 31), as_of, obligations=[WEBSITE]
    )
    (result,) = report.results
    return result


def test_no_record_is_pending_until_a_lapse_is_possible() -> None:
    """With no update, the duty is pending up to the instant a cadence after it came into
    force, and the reason says when the first is owed."""
    result = _website(FIRST_LAPSE)
    assert result.status is Status.PENDING
    assert "the first is owed by the end of Wed 30 Nov 2022" in result.reason
    assert result.evidence == ()


def test_no_record_is_missed_from_the_first_lapse() -> None:
    """One second after that instant it is missed, from the day it lapsed."""
    result = _website(FIRST_LAPSE + timedelta(seconds=1))
    assert result.status is Status.MISSED
    assert "since the duty came into force on Thu 1 Sep 2022" in result.reason
    assert "Thu 1 Dec 2022" in result.reason


def test_a_record_in_time_is_met() -> None:
    """An update within the first cadence, and another within a cadence of it, each by the
    neighbourhood team that owns the duty: met on them. The same updates with no role
    recorded are nobody's the step accepts, so they meet nothing."""
    records = [
        {
            "id": "w1",
            "type": "website_update",
            "at": "2022-11-30T12:00:00Z",
            "scope": "caerphilly-north",
            "role": "NPT",
        },
        {
            "id": "w2",
            "type": "website_update",
            "at": "2022-12-30T12:00:00Z",
            "scope": "caerphilly-north",
            "role": "NPT",
        },
    ]
    as_of = datetime(2023, 2, 1, tzinfo=UTC)
    result = _website(as_of, records)
    assert result.status is Status.MET
    assert result.evidence == ("w1", "w2")
    unnamed = [{k: v for k, v in r.items() if k != "role"} for r in records]
    assert _website(as_of, unnamed).status is Status.MISSED


# ---------------------------------------------------------------- the agenda


def test_a_lapsed_standing_duty_is_overdue_from_its_lapse() -> None:
    """Nothing recorded by 10 January 2023: the website duty is OVERDUE since 30 November
    2022 (its own deadline), not DUE NOW with a deadline three months away."""
    force = bundled("gwent")
    now = datetime(2023, 1, 10, 9, tzinfo=UTC)
    items = [i for i in agenda(force, [], now) if i.result.obligation == WEBSITE]
    assert [(i.overdue, i.deadline) for i in items] == [(True, FIRST_LAPSE)]
    assert items[0].result.window.start == datetime(2022, 9, 1, tzinfo=LONDON)
    text = render_agenda(items, force, now)
    assert text.index("OVERDUE (1)") < text.index("by the end of Wed 30 Nov 2022")
    assert "DUE NOW" not in text


def test_a_standing_duty_not_yet_lapsed_is_due_by_its_own_deadline() -> None:
    """On 5 October 2022, with a week's look-ahead, the first update is due by 30 November
    (a cadence after the duty came into force), not by a date counted from the agenda."""
    force = bundled("gwent")
    now = datetime(2022, 10, 5, 9, tzinfo=UTC)
    items = [i for i in agenda(force, [], now, days=7) if i.result.obligation == WEBSITE]
    assert [(i.overdue, i.deadline) for i in items] == [(False, FIRST_LAPSE)]


@pytest.mark.parametrize("name", FORCES)
@pytest.mark.parametrize("days", [0, 7])
def test_agenda_deadlines_are_the_duties_own(name: str, days: int) -> None:
    """Every lapsed item is overdue, and a gap-judged duty's deadline is a cadence after
    its last update or its start, never the agenda's own horizon."""
    force = bundled(name)
    gap_judged = set(_gap_judged(force))
    for now in (datetime(2023, 1, 10, 9, tzinfo=UTC), datetime(2023, 7, 3, 8, tzinfo=UTC)):
        horizon = now + timedelta(days=days)
        for item in agenda(force, [], now, days=days):
            if item.result.status is Status.MISSED:
                assert item.overdue, item.result
            if item.result.obligation in gap_judged:
                ob = next(o for o in force.obligations if o.id == item.result.obligation)
                assert ob.cadence is not None
                assert ob.effective_from is not None
                start = datetime.combine(ob.effective_from, datetime.min.time(), LONDON)
                assert item.deadline == ob.cadence.after(start, LONDON)
                assert item.deadline.astimezone(LONDON).date() != horizon.date()


def test_a_rolling_duty_of_two_requirements_is_due_by_the_one_done_longest_ago() -> None:
    """Dorset's neighbouring forces, each within 6 weeks: Avon & Somerset met on 1 October,
    Devon & Cornwall last on 3 September, so the duty is due on 15 October (Devon &
    Cornwall's 6 weeks), not on 12 November."""
    force = bundled("dorset")
    records = [
        {"id": "dc", "type": "cross_border_meeting", "at": "2019-09-03T10:00:00+01:00",
         "role": "INSP", "attrs": {"partner_force": "devon-and-cornwall"}},
        {"id": "as", "type": "cross_border_meeting", "at": "2019-10-01T10:00:00+01:00",
         "role": "INSP", "attrs": {"partner_force": "avon-and-somerset"}},
    ]  # fmt: skip
    log = parse_events([("log", i + 1, r) for i, r in enumerate(records)], force)
    now = datetime(2019, 10, 10, 9, tzinfo=UTC)
    (item,) = [
        i for i in agenda(force, log, now) if i.result.obligation.endswith("neighbouring-forces")
    ]
    assert item.deadline == datetime(2019, 10, 15, 10, tzinfo=LONDON)
    assert not item.overdue
    (late,) = [
        i
        for i in agenda(force, log, datetime(2019, 10, 16, 9, tzinfo=UTC))
        if i.result.obligation.endswith("neighbouring-forces")
    ]
    assert late.overdue
    assert late.result.status is Status.MISSED
    assert "Devon & Cornwall" in late.result.reason


def _five_weeks(tmp_path: Path) -> Force:
    """The verdicts force with its standing duty kept up to date every 5 weeks, no anchor."""
    text = (FIXTURES / "verdicts" / "force.json").read_text(encoding="utf-8")
    old = '"kind": "standing", "cadence": "P3M"'
    assert old in text
    folder = tmp_path / "five"
    folder.mkdir()
    (folder / "force.json").write_text(
        text.replace(old, '"kind": "standing", "cadence": "P5W"'), encoding="utf-8"
    )
    for extra in (FIXTURES / "verdicts").iterdir():
        if extra.is_file() and extra.name != "force.json":
            (folder / extra.name).write_bytes(extra.read_bytes())
    return load_force(folder)


def _notice(ident: str, day: str) -> dict[str, Any]:
    """A notice updated by the duty's owner (PS): evidence with no roles is the owner's."""
    return {"id": ident, "type": "notice", "at": f"{day}T10:00:00+00:00", "role": "PS"}


def test_schedule_calendar_and_check_agree_on_a_standing_duty(tmp_path: Path) -> None:
    """A 5-week standing duty needs no anchor. Updates on 2 January and 9 March are 9 weeks
    apart: `check` misses it, `schedule` shows no fixed 5-week periods an update in each of
    which would look enough, only the first update due 5 weeks from the start, and the
    calendar given the records shows the next update due 5 weeks after the last."""
    force = _five_weeks(tmp_path)
    log = parse_events(
        [("log", 1, _notice("n1", "2023-01-02")), ("log", 2, _notice("n2", "2023-03-09"))],
        force,
    )
    start, end = date(2023, 1, 1), date(2023, 3, 31)
    as_of = datetime(2023, 4, 1, tzinfo=UTC)
    (result,) = evaluate(force, log, start, end, as_of, obligations=["v.notices"]).results
    assert result.status is Status.MISSED
    dues = [d for d in schedule(force, start, end) if d.obligation.id == "v.notices"]
    assert [(d.window.local_start.date(), d.window.local_end.date()) for d in dues] == [
        (date(2023, 1, 1), date(2023, 2, 5))
    ]
    cal = duty_calendar(force, start, end, events=log)
    starts = [
        item.decoded("dtstart")
        for item in cal.walk("VEVENT")
        if "notice" in str(item.get("summary", "")).lower()
    ]
    assert len(starts) == 1
    assert starts[0] in (date(2023, 3, 9), datetime(2023, 3, 9, 10, tzinfo=UTC))
