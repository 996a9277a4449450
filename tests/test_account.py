"""Why unmatched records did not count: the remembering account against a plain reference.

`evaluate.account` works out what depends on a record's type, day, unit and role once per
distinct value, and answers a record's day from its UTC day when the days either side agree.
Here it is compared, record for record, with the plain per-record reasoning it replaced, on
a simulated year of every bundled force with records added just before and after local
midnight at each duty's first and last day (where UTC and local days differ), an as-of
inside the year and a range that leaves part of it out.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest

from engagerules import available_forces, evaluate, open_force, parse_events, simulate
from engagerules.engine.evaluate import account
from engagerules.engine.explain import explain, render_explanation
from engagerules.engine.index import repeats
from engagerules.engine.kinds import triggered
from engagerules.model.conditions import denied, failed_condition, missing_attr, number
from engagerules.model.event import Event
from engagerules.model.periods import Window, localize, range_bounds
from engagerules.model.plan import Force, Kind, Obligation
from engagerules.model.words import duplicate_words


def reference(
    force: Force,
    readers: list[Obligation],
    event: Event,
    span: Window,
    as_of: datetime,
    by_id: dict[str, Event] | None = None,
    spare: frozenset[str] = frozenset(),
    repeated: Mapping[str, str] | None = None,
) -> tuple[str, str | None]:
    """The first reason that applies, worked out afresh for each record."""
    if event.at > as_of:
        return "not_known_at_as_of", None
    if not readers:
        return "type_unused", None
    if repeated and event.id in repeated:
        return "duplicate", duplicate_words(repeated[event.id])
    day = event.at.astimezone(force.zone).date()
    lasting = (Kind.COVERAGE, Kind.STANDING)  # an assignment or update made earlier counts
    live = [
        ob
        for ob in readers
        if ob.in_force_on(day)
        or (ob.kind in lasting and (ob.effective_until is None or day <= ob.effective_until))
    ]
    if not live:
        return "not_in_force", None
    early = event.at < span.start and any(
        ob.kind in lasting or _looks_back(ob, event.type) for ob in live
    )
    follows = any(ob.kind is Kind.TRIGGERED for ob in live)
    if not span.contains(event.at) and not early and not follows:
        return "outside_range", None
    if all(ob.scope.per is not None and not ob.scope.per_person for ob in live):
        if event.scope is None:
            return "no_unit", "no unit recorded"
        ancestry = set(force.ancestry(event.scope))
        enclosing = [
            {a for u in ob.scope.units for a in force.ancestry(u)}
            if ob.kind is Kind.TRIGGERED or any(r.reaches == "within" for r in ob.evidence)
            else set()
            for ob in live
        ]
        if not any(
            ancestry & set(ob.scope.units) or event.scope in around
            for ob, around in zip(live, enclosing, strict=True)
        ):
            return "outside_units", None
    reqs = [r for ob in live for r in ob.evidence if event.type in r.types]
    if reqs and all(r.roles and event.role not in r.roles for r in reqs):
        return "role_not_allowed", "no role recorded" if event.role is None else None
    failed = [failed_condition(r.where, event) for r in reqs]
    if reqs and all(c is not None for c in failed):
        absent = [c for c in failed if c is not None and missing_attr(c, event)]
        denial = [c for c in failed if c is not None and denied(c, event)]
        if absent:
            return "conditions_not_met", f"no {absent[0].attr.replace('_', ' ')} recorded"
        if denial:
            return "conditions_not_met", f"{denial[0].attr.replace('_', ' ')} recorded as none"
        return "conditions_not_met", None
    if any(ob.scope.per_person for ob in live) and event.person is None:
        return "no_person", "no person recorded"
    if any(ob.kind is Kind.TARGET for ob in live):
        return "superseded_reading", None
    if event.refs and any(ob.kind is Kind.TRIGGERED for ob in live):
        return _follow_up(force, live, event, span, as_of, by_id or {}), None
    if not event.refs and _before_a_trigger(force, live, event, span, as_of, by_id or {}):
        return "before_trigger", None
    if not span.contains(event.at):
        return "outside_range", None
    if event.id in spare:
        return "not_needed", None
    return "nothing_owed", None


def _looks_back(ob: Obligation, kind: str) -> bool:
    """Whether a record of `kind` before the range can decide a verdict of `ob` in it."""
    roster = ob.scope.roster
    rolling = getattr(ob.rule, "rolling", False)
    return (
        ob.kind in (Kind.COVERAGE, Kind.STANDING)
        or (ob.kind is Kind.RECURRING and rolling)
        or (roster is not None and kind in (*roster.types, *roster.clears))
    )


def _before_a_trigger(
    force: Force,
    live: list[Obligation],
    event: Event,
    span: Window,
    as_of: datetime,
    by_id: dict[str, Event],
) -> bool:
    """A record naming no trigger, made before a trigger judged in the range, in its unit,
    of a duty matching follow-ups by unit and time."""
    if event.scope is None:
        return False
    for named in by_id.values():
        if not event.at < named.at <= as_of:
            continue
        for ob in live:
            rule = ob.rule
            if not isinstance(rule, triggered.Triggered) or rule.trigger.match != "refs_or_scope":
                continue
            trigger = rule.trigger
            if named.type not in trigger.types or failed_condition(trigger.where, named):
                continue
            if not any(event.type in r.types for r in ob.evidence):
                continue
            if not ob.in_force_on(named.at.astimezone(force.zone).date()):
                continue
            deadline = triggered._deadline(force, trigger, named)
            if not (named.at < span.end and (named.at >= span.start or deadline > span.start)):
                continue
            units = triggered._trigger_units(force, ob, trigger, named)
            if any(u is None or u in force.ancestry(event.scope) for u in units):
                return True
    return False


def _follow_up(
    force: Force,
    live: list[Obligation],
    event: Event,
    span: Window,
    as_of: datetime,
    by_id: dict[str, Event],
) -> str:
    """A follow-up naming a trigger: outside the unit owing it, late, before it, or its
    trigger not judged in the range (nearest to counting first); else no trigger."""
    found = set()
    for ref in event.refs:
        named = by_id.get(ref)
        if named is None or named.at > as_of:
            continue
        for ob in live:
            rule = ob.rule
            if not isinstance(rule, triggered.Triggered):
                continue
            trigger = rule.trigger
            if named.type not in trigger.types or failed_condition(trigger.where, named):
                continue
            if not any(event.type in r.types for r in ob.evidence):
                continue
            if not ob.in_force_on(named.at.astimezone(force.zone).date()):
                continue
            deadline = triggered._deadline(force, trigger, named)
            if not (named.at < span.end and (named.at >= span.start or deadline > span.start)):
                found.add("outside_range")
            elif event.at < named.at:
                found.add("before_trigger")
            elif event.at >= deadline:
                found.add("late")
            else:
                units = triggered._trigger_units(force, ob, trigger, named)
                fanned = all(
                    u is not None and (named.scope is None or u not in force.ancestry(named.scope))
                    for u in units
                )
                inside = any(
                    event.scope is not None and u in force.ancestry(event.scope) for u in units
                )
                if fanned and not inside:
                    found.add("outside_units")
    order = ("outside_units", "late", "before_trigger", "outside_range")
    return next((r for r in order if r in found), "no_trigger")


def _edges(force: Force) -> list[dict[str, Any]]:
    """Records of each duty's types just either side of local midnight on its first day
    and after its last, with and without a unit."""
    records: list[dict[str, Any]] = []
    unit = force.units[-1].id if force.units else None
    for ob in force.obligations:
        days = [d for d in (ob.effective_from, ob.effective_until) if d is not None]
        if ob.effective_until is not None:
            days.append(ob.effective_until + timedelta(days=1))
        for day in days:
            if not date(2022, 1, 2) <= day <= date(2022, 12, 30):
                continue
            midnight = localize(datetime.combine(day, time(0)), force.zone)
            for shift in (-90, -30, -1, 0, 1, 30, 90):
                at = (midnight + timedelta(minutes=shift)).astimezone(UTC).isoformat()
                for kind in sorted(ob.event_types):
                    for scope in (None, unit):
                        n = len(records)
                        records.append({"id": f"edge{n}", "type": kind, "at": at, "scope": scope})
    return records


@pytest.mark.parametrize("source", available_forces(), ids=lambda s: s.name)
def test_account_gives_the_reasons_the_plain_reasoning_gives(source: Any) -> None:
    force = open_force(source.name)
    records = simulate(force, date(2022, 1, 1), date(2022, 12, 31), events=3000, seed=7)
    records += _edges(force)
    log = parse_events([("sim", i + 1, r) for i, r in enumerate(records)], force)
    span = range_bounds(date(2022, 2, 1), date(2022, 11, 30), force.zone)
    as_of = datetime(2022, 12, 15, 12, tzinfo=UTC)
    judged = [ob for ob in force.obligations if ob.scored]
    used = {e.id for i, e in enumerate(log.events) if i % 3 == 0}
    spare = frozenset(e.id for i, e in enumerate(log.events) if i % 7 == 0) - used
    by_reason, quality = account(force, judged, log.events, used, span, as_of, spare=spare)

    readers: dict[str, list[Obligation]] = {}
    for ob in judged:
        for kind in ob.event_types:
            readers.setdefault(kind, []).append(ob)
    expected: Counter[str] = Counter()
    problems = []
    by_id = {e.id: e for e in log.events}
    sums = {
        kind: (r.sum, r.roles)
        for ob in judged
        for r in ob.evidence
        if r.sum is not None
        for kind in r.types
    }
    ordered = sorted(log.events, key=lambda e: (e.at, e.id))
    repeated = repeats(ordered, log.events, force)  # (property-tested on its own)
    for event in log.events:
        if event.id in used:
            key, roles = sums.get(event.type, (None, ()))
            if key and (not roles or event.role in roles) and number(event.attrs.get(key)) is None:
                problems.append((event.id, event.file, event.line, f"no {key} recorded"))
            continue
        reason, problem = reference(
            force, readers.get(event.type, []), event, span, as_of, by_id, spare, repeated
        )
        expected[reason] += 1
        if problem is not None:
            problems.append((event.id, event.file, event.line, problem))
    assert by_reason == dict(expected)
    assert [(q.id, q.file, q.line, q.problem) for q in quality] == problems
    assert len(expected) >= 4  # the log does reach several reasons


@pytest.mark.parametrize("person", [None, "  ", "ca"])
def test_a_record_naming_no_one_for_a_per_person_duty_is_data_quality(person: str | None) -> None:
    """Surrey's cadet hours are owed per cadet: a session naming no cadet counts for no one,
    and says so where a team can fix it (data quality, `no_person`), never `nothing_owed`."""
    surrey = open_force("surrey")
    record: dict[str, Any] = {
        "id": "c1",
        "type": "cadet_volunteering",
        "at": "2017-10-07T10:00:00+01:00",
        "scope": "waverley",
        "role": "CADET",
        "attrs": {"hours": 3},
    }
    if person is not None:
        record["person"] = person
    log = parse_events([("log", 1, record)], surrey)
    report = evaluate(
        surrey, log, date(2017, 10, 1), date(2017, 10, 31), datetime(2017, 11, 5, tzinfo=UTC)
    )
    if person is None or not person.strip():  # blank is no one
        assert report.events.by_reason == {"no_person": 1}
        assert [(q.id, q.problem) for q in report.data_quality] == [("c1", "no person recorded")]
    else:
        assert report.events.matched == 1
        assert report.data_quality == ()


def test_a_spoc_named_before_the_duty_is_refused_for_what_is_wrong_with_it() -> None:
    """Gwent's council SPOC is owed from 1 October 2022, and one named in September counts
    from then: a September record by the wrong role is `role_not_allowed`, one for the
    whole team `outside_units`, one with no unit `no_unit`, never `not_in_force`; explain
    shows the refusal and says when the duty starts."""
    force = open_force("gwent")
    named = {"type": "council_spoc_named", "at": "2022-09-15T10:00:00+01:00", "role": "CSO"}
    records = [
        {**named, "id": "ok", "scope": "rhymney"},
        {**named, "id": "role", "scope": "bargoed", "role": "ORLO_SPOC"},
        {**named, "id": "team", "scope": "caerphilly-north"},
        {**named, "id": "none"},
    ]
    log = parse_events([("spoc.jsonl", n, r) for n, r in enumerate(records, 1)], force)
    as_of = datetime(2023, 1, 9, tzinfo=UTC)
    for first in (date(2022, 9, 1), date(2022, 10, 1)):
        report = evaluate(
            force, log, first, date(2022, 12, 31), as_of, obligations=["gwent.cn.council-spoc"]
        )
        assert report.events.matched == 1
        assert dict(report.events.by_reason) == {
            "role_not_allowed": 1,
            "outside_units": 1,
            "no_unit": 1,
        }
    shown = render_explanation(
        explain(force, "gwent.cn.council-spoc", log, date(2022, 9, 1), date(2022, 12, 31), as_of),
        force,
    )
    assert "in force from Sat 1 Oct 2022: a SPOC owed in place from 1 October 2022" in shown
    refused = next(line for line in shown.splitlines() if line.strip().startswith("role "))
    assert "in Bargoed" in refused
    assert refused.endswith("needs Community Support Officer (CSO)")


def _surrey_q1(records: list[dict[str, Any]]) -> Any:
    """Surrey judged over the first quarter of 2018, as the audit (auds) judged it."""
    surrey = open_force("surrey")
    log = parse_events([("log", i + 1, r) for i, r in enumerate(records)], surrey)
    return evaluate(
        surrey, log, date(2018, 1, 1), date(2018, 3, 31), datetime(2018, 6, 1, tzinfo=UTC)
    )


@pytest.mark.parametrize(
    ("role", "scope", "reason", "problem"),
    [
        (None, "farnham-castle", "role_not_allowed", "no role recorded"),
        ("PS", "farnham-castle", "role_not_allowed", None),
        ("PCSO", None, "no_unit", "no unit recorded"),
    ],
)
def test_a_record_before_the_range_that_could_decide_it_says_what_kept_it_out(
    role: str | None, scope: str | None, reason: str, problem: str | None
) -> None:
    """A ward's contact named before the range covers the range's months, so one named by
    the wrong role, no role or in no unit is unmatched for that (with a data-quality line
    where the team can fix it), as it is inside the range, never as `outside_range`."""
    record: dict[str, Any] = {
        "id": "c3",
        "type": "ward_contact_named",
        "at": "2017-12-15T10:00:00Z",
        "attrs": {"contact": "p-1"},
        **({"role": role} if role else {}),
        **({"scope": scope} if scope else {}),
    }
    report = _surrey_q1([record])
    assert report.events.by_reason == {reason: 1}
    assert [q.problem for q in report.data_quality] == ([problem] if problem else [])


def test_an_enrolment_before_the_range_is_matched_and_a_session_without_hours_is_flagged() -> None:
    """The enrolment that makes a cadet owe February and March decides those verdicts, so it
    is matched wherever it falls; a session with no hours is cited (it happened) but adds
    nothing, and the report says so as data quality rather than letting it pass silently."""
    records = [
        {"id": "e1", "type": "cadet_enrolled", "at": "2017-12-01", "scope": "waverley",
         "role": "CADET", "person": "p-cad1"},
        {"id": "e2", "type": "cadet_enrolled", "at": "2018-01-10", "scope": "waverley",
         "role": "CADET", "person": "p-cad2"},
        {"id": "e3", "type": "cadet_enrolled", "at": "2017-10-10", "scope": "waverley",
         "role": "CADET", "person": "p-cad3"},
        {"id": "x3", "type": "cadet_left", "at": "2017-11-10", "scope": "waverley",
         "role": "CADET", "person": "p-cad3"},
        {"id": "s1", "type": "cadet_volunteering", "at": "2018-02-10T10:00:00Z",
         "scope": "waverley", "role": "CADET", "person": "p-cad1", "attrs": {"hours": 3}},
        {"id": "s2", "type": "cadet_volunteering", "at": "2018-03-10T10:00:00Z",
         "scope": "waverley", "role": "CADET", "person": "p-cad1"},
    ]  # fmt: skip
    report = _surrey_q1(records)
    hours = {
        (r.scope, r.window.local_start.month): (r.status.value, r.evidence)
        for r in report.results
        if r.obligation == "surrey.cadet-hours"
    }
    assert hours[("p-cad2", 2)] == ("missed", ())
    assert ("p-cad2", 1) not in hours  # enrolled part-way through January
    assert hours[("p-cad1", 3)] == ("missed", ("s2",))
    assert report.events.matched == 4  # e1, e2, s1, s2
    assert report.events.by_reason == {"outside_range": 2}  # p-cad3's spell ended in 2017
    assert [(q.id, q.problem) for q in report.data_quality] == [("s2", "no hours recorded")]


def test_an_assessment_before_a_trigger_it_does_not_name_is_before_trigger() -> None:
    """Surrey matches a public event's assessment by borough and time: one made the day
    before the event was notified answers nothing, and is unmatched as `before_trigger`,
    not `nothing_owed`; one after it, in another borough, is still `nothing_owed`."""
    records = [
        {"id": "n1", "type": "public_event_notified", "at": "2018-02-01T09:00:00Z",
         "scope": "waverley", "role": "PS", "attrs": {"event_date": "2018-03-10"}},
        {"id": "a1", "type": "public_event_assessed", "at": "2018-01-31T09:00:00Z",
         "scope": "waverley", "role": "INSP", "attrs": {"attendance_needed": True}},
        {"id": "a2", "type": "public_event_assessed", "at": "2018-02-03T09:00:00Z",
         "scope": "guildford", "role": "INSP", "attrs": {"attendance_needed": True}},
    ]  # fmt: skip
    report = _surrey_q1(records)
    assessed = [r for r in report.results if r.obligation == "surrey.public-event-assessment"]
    assert [(r.scope, r.status.value) for r in assessed] == [("waverley", "missed")]
    assert report.events.by_reason == {"before_trigger": 1, "nothing_owed": 1}
