"""The JSON shapes of the contract: obligations, schedule entries and check reports.

These are the outside of engagerules that other systems parse, so they only ever grow:
fields are added, never renamed or removed. Each helper returns a TypedDict, so a typed
caller (`report_json(r)["events"]["read"]`) gets its keys checked by mypy; the contract's
keys `from` and `to` are not identifiers, hence the functional TypedDict syntax.
"""

# No `from __future__ import annotations` here: TypedDict reads `NotRequired` from the
# annotations at class creation, and in Python 3.11 it cannot see it in a string.

from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal, NotRequired, TypedDict, cast

import msgspec

from engagerules.engine.kinds import kind_module
from engagerules.engine.schedule import Due
from engagerules.model.durations import Duration
from engagerules.model.plan import Force, Obligation, Requirement
from engagerules.model.readings import LocalReadings, Reading, Readings
from engagerules.model.results import Report, Result, RowAccount
from engagerules.outputs.jsontext import json_parts
from engagerules.sources.withheld import withheld

if TYPE_CHECKING:  # `check` loads neither agenda nor explain (start-up time)
    from engagerules.engine.agenda import AgendaItem
    from engagerules.engine.explain import Explanation, Note

__all__ = [
    "AgendaShape",
    "DueShape",
    "EventsShape",
    "ForceErrorShape",
    "ForceShape",
    "ObligationShape",
    "RejectionShape",
    "ReportShape",
    "ResultShape",
    "StatusName",
    "agenda_json",
    "due_json",
    "explanation_json",
    "force_json",
    "obligation_json",
    "overrides_json",
    "readings_json",
    "report_json",
    "report_json_parts",
    "result_json",
]


class ScopeShape(TypedDict):
    per: str | None
    units: list[str]
    rota: bool
    order: NotRequired[str]


class SourceShape(TypedDict):
    document: str
    section: str
    quote: NotRequired[str]


EffectiveShape = TypedDict("EffectiveShape", {"from": str | None, "until": str | None})


class ObligationShape(TypedDict):
    """`obligations --format json`: one obligation."""

    id: str
    title: str
    description: str
    kind: str
    cadence: str | None
    anchor: str | None
    times: list[str]
    owner: str
    scope: ScopeShape
    evidence: list[dict[str, Any]]
    trigger: dict[str, Any] | None
    source: SourceShape
    effective: EffectiveShape
    require: NotRequired[list[dict[str, Any]]]
    clears: NotRequired[list[str]]
    target: NotRequired[dict[str, Any]]
    slot: NotRequired[str]
    reason: NotRequired[str]
    readings: NotRequired[dict[str, Any]]
    rolling: NotRequired[bool]
    in_place: NotRequired[str]
    judged: NotRequired[str]
    one_item: NotRequired[dict[str, str]]
    not_claimed_by: NotRequired[list[str]]


class UnitShape(TypedDict):
    id: str
    name: str
    kind: str


class ForceShape(TypedDict):
    """`forces --format json`: one force."""

    id: str
    name: str
    timezone: str
    origin: str
    obligations: int
    units: list[UnitShape]
    documents: list[str]
    parts: dict[str, int]
    overrides: list[str]
    refines: NotRequired[str]
    #: The name to type, where it is not `id` (a plugin's entry-point name).
    select: NotRequired[str]


class ForceErrorShape(TypedDict):
    """`forces --format json`: a force found that cannot be opened, and why."""

    id: str
    origin: str
    error: str


class DueShape(TypedDict):
    """`schedule --format json`: one due window (`end` exclusive)."""

    obligation: str
    scope: str | None
    start: str
    end: str
    kind: str
    owner: str
    title: str
    time: NotRequired[str]


#: Every status a result can have, as JSON spells it: a misspelt one ("mised") is a type
#: error for a typed consumer. Kept equal to `Status` (tests/test_shapes.py).
StatusName = Literal["met", "partial", "missed", "pending", "breach", "waived", "unchecked"]


class WaivedFromShape(TypedDict):
    status: StatusName
    reason: str


class ResultShape(TypedDict):
    """One result of `check --format json`."""

    obligation: str
    scope: str | None
    start: str
    end: str
    status: StatusName
    needed: float
    found: float
    #: The records that show the duty done (a triggered duty's trigger is in `trigger`).
    evidence: list[str]
    reason: str
    kind: str
    owner: str
    title: str
    #: What `scope` names: a unit, a person (pseudonym) or the whole force (scope null).
    scope_kind: Literal["unit", "person", "force"]
    departure: NotRequired[bool]
    linked: NotRequired[bool]
    waived_from: NotRequired[WaivedFromShape]
    #: Triggered duties: the id of the event that set the duty off.
    trigger: NotRequired[str]
    #: `file:line` of rejected records that may have broken the rule or set the duty off:
    #: the result is `unchecked`, and `--fail-on breach` fails on it.
    unjudged: NotRequired[list[str]]


class EventsShape(TypedDict):
    """read = matched + unmatched + rejected."""

    read: int
    matched: int
    unmatched: int
    rejected: int
    unmatched_by_reason: NotRequired[dict[str, int]]


class RejectionShape(TypedDict):
    file: str
    line: int
    reason: str


ReportShape = TypedDict(
    "ReportShape",
    {
        "force": str,
        "from": str,
        "to": str,
        "as_of": str,
        "results": list[ResultShape],
        "events": EventsShape,
        "rejections": list[RejectionShape],
        "summary": dict[str, int],
        "overrides": list[dict[str, Any]],
        "readings": dict[str, list[dict[str, Any]]],
        "data_quality": NotRequired[list[dict[str, Any]]],
        "engines": NotRequired[dict[str, str]],
        "rows": NotRequired[dict[str, Any] | None],
        "selection": NotRequired[str | None],
    },
)
ReportShape.__doc__ = "`check --format json`: the whole report."


def _duration(value: Duration | None) -> str | None:
    return None if value is None else str(value)


def _requirement(req: Requirement) -> dict[str, Any]:
    shape: dict[str, Any] = {"types": list(req.types), "min": _number(req.min)}
    optional = {
        "sum": req.sum,
        "distinct": req.distinct,
        "roles": "any" if req.any_role else (list(req.roles) or None),
        "where": [c.to_json() for c in req.where] or None,
        "title": req.title,
        "owner": req.owner,
        "for_period": None
        if req.for_period is None
        else {
            "attr": req.for_period,
            "grace": str(req.grace),
            **({"early": str(req.early)} if req.early is not None else {}),
            **({"split_years": True} if req.split_years else {}),
        },
        "reaches": "within" if req.reaches_within else None,
    }
    shape.update({k: v for k, v in optional.items() if v is not None})
    return shape


def _scope(ob: Obligation) -> ScopeShape:
    """The scope; a rota also says the order its units take their turns in."""
    shape: ScopeShape = {"per": ob.scope.per, "units": list(ob.scope.units), "rota": ob.scope.rota}
    if ob.scope.rota:
        shape["order"] = ob.scope.order
    return shape


def _number(value: float) -> float | int:
    return int(value) if float(value).is_integer() else value


def obligation_json(ob: Obligation) -> ObligationShape:
    """One obligation in the contract's shape, plus the fields the contract lets us add."""
    own = kind_module(ob.kind).json_fields(ob.rule)
    shape: ObligationShape = {
        "id": ob.id,
        "title": ob.title,
        "description": ob.description,
        "kind": ob.kind.value,
        "cadence": _duration(ob.cadence),
        "anchor": ob.anchor.isoformat() if ob.anchor else None,
        "times": [t.strftime("%H:%M") for t in ob.times],
        "owner": ob.owner,
        "scope": _scope(ob),
        "evidence": [_requirement(r) for r in ob.evidence],
        "trigger": own.pop("trigger", None),
        "source": {"document": ob.source.document, "section": ob.source.section},
        "effective": {
            "from": ob.effective_from.isoformat() if ob.effective_from else None,
            "until": ob.effective_until.isoformat() if ob.effective_until else None,
        },
    }
    if ob.source.quote:
        shape["source"]["quote"] = ob.source.quote
    if ob.slot is not None:
        shape["slot"] = str(ob.slot)
    if ob.not_claimed_by:
        shape["not_claimed_by"] = list(ob.not_claimed_by)
    # the kind's own keys (`require`, `target` ...), which the shape declares
    cast(dict[str, Any], shape).update(own)
    shape["readings"] = readings_json(ob.readings)
    return shape


def reading_json(reading: Reading) -> dict[str, Any]:
    """One part read, not stated: the plan's words, what is checked, why, and by whom."""
    return {
        "part": reading.part.value,
        "plan": reading.plan,
        "reading": reading.reading,
        "why": reading.why,
        "by": reading.by,
        "departure": reading.departure,
        "text": reading.sentence(),
    }


def readings_json(readings: Readings) -> dict[str, Any]:
    """`{"stated": [parts], "words": {part: the plan's words}, "read": [readings]}`: every
    part of a duty, whose words it rests on, and for a stated part the words themselves."""
    return {
        "stated": [p.value for p in readings.stated],
        "words": {p.value: w for p, w in readings.words},
        "read": [reading_json(r) for r in readings.read],
    }


def overrides_json(sets: Iterable[LocalReadings]) -> list[dict[str, Any]]:
    """The local readings in force, each with what it changed and where it departs."""
    return [
        {
            "name": s.name,
            "title": s.title,
            "force": s.force,
            "file": s.file,
            "units_file": s.units_file,
            "changes": [
                {
                    "obligation": c.obligation,
                    "keys": list(c.keys),
                    "parts": [p.value for p in c.parts],
                    "departure": c.departure,
                    "why": c.why,
                }
                for c in s.changes
            ],
        }
        for s in sets
    ]


def force_json(force: Force, origin: str) -> ForceShape:
    return {
        "id": force.id,
        "name": force.name,
        "timezone": str(force.zone),
        "origin": origin,
        "obligations": len(force.obligation_ids),
        "units": [{"id": u.id, "name": u.name, "kind": u.kind} for u in force.units],
        "documents": [d.id for d in force.documents],
        "parts": {
            "stated": sum(len(ob.readings.stated) for ob in force.obligations),
            "read": sum(len(ob.readings.read) for ob in force.obligations),
        },
        "overrides": [s.name for s in force.overrides],
    }


def _stamp(moment: datetime) -> str:
    return moment.isoformat()


def due_json(due: Due) -> DueShape:
    shape: DueShape = {
        "obligation": due.obligation.id,
        "scope": due.scope,
        "start": _stamp(due.window.local_start),
        "end": _stamp(due.window.local_end),
        "kind": due.obligation.kind.value,
        "owner": due.obligation.owner,
        "title": due.obligation.title,
    }
    if due.timed:
        shape["time"] = due.window.local_start.strftime("%H:%M")
    return shape


def result_json(result: Result, departing: frozenset[str] = frozenset()) -> ResultShape:
    """One verdict; `departure: true` when a local change departs from the plan for its duty
    (`departing` names those duties)."""
    shape: ResultShape = {
        "obligation": result.obligation,
        "scope": result.scope,
        "start": _stamp(result.window.local_start),
        "end": _stamp(result.window.local_end),
        "status": result.status.value,
        "needed": _number(result.needed),
        "found": _number(result.found),
        "evidence": _evidence(result),
        "reason": result.reason,
        "kind": result.kind.value,
        "owner": result.owner,
        "title": result.title,
        "scope_kind": result.scope_kind,
    }
    if result.trigger is not None:
        shape["trigger"] = result.trigger
    if result.obligation in departing:
        shape["departure"] = True
    if result.linked is not None:
        shape["linked"] = result.linked
    if result.unjudged:
        shape["unjudged"] = list(result.unjudged)
    if result.waived_from is not None:
        shape["waived_from"] = {
            "status": result.waived_from.status.value,
            "reason": result.waived_from.reason,
        }
    return shape


def _evidence(result: Result) -> list[str]:
    """A result's evidence but its trigger (which the result names on its own)."""
    if result.trigger is None:  # (most: copied whole, at C speed)
        return list(result.evidence)
    return [e for e in result.evidence if e != result.trigger]


def report_json(report: Report) -> ReportShape:
    return _report_shape(report, parts=False)


def report_json_parts(report: Report) -> Iterator[bytes | memoryview]:
    """`report_json`'s JSON text (`jsontext.json_text`) as UTF-8, in parts made as they
    are written (`jsontext.json_parts`): a result's shape is made when its part is, so the
    shapes of a large report are never all held at once, nor is its text (ten million
    records: 130 MB)."""
    return json_parts(_report_shape(report, parts=True))


def _report_shape(report: Report, *, parts: bool) -> ReportShape:
    """The report's shape; for `json_parts` (`parts`), its long lists (results,
    data-quality entries, rejections) are iterators of their items, and a data-quality
    entry is itself (msgspec writes it as the dict, field by field: no dict is made)."""
    listed: Callable[[Iterable[Any]], Any] = iter if parts else list
    counts = report.counts()
    departing = frozenset(ob for ob, _ in report.departures)
    shape: ReportShape = {
        "force": report.force,
        "from": report.start.isoformat(),
        "to": report.end.isoformat(),
        "as_of": _stamp(report.as_of),
        "results": listed(result_json(r, departing) for r in report.results),
        "events": {
            "read": report.events.read,
            "matched": report.events.matched,
            "unmatched": report.events.unmatched,
            "rejected": report.events.rejected,
            "unmatched_by_reason": dict(sorted(report.events.by_reason.items())),
        },
        "data_quality": listed(report.data_quality)
        if parts
        else msgspec.to_builtins(report.data_quality),
        "rejections": listed(
            {"file": r.file, "line": r.line, "reason": r.reason} for r in report.rejections
        ),
        "summary": {status.value: counts[status] for status in sorted(counts)},
        "overrides": overrides_json(report.overrides),
        "readings": {ob: [reading_json(r) for r in read] for ob, read in report.readings},
        "rows": None if report.rows is None else rows_json(report.rows),
        "selection": report.selection,
    }
    if report.engines:  # only a compiled check says which engine judged each duty
        shape["engines"] = dict(report.engines)
    return shape


def rows_json(rows: RowAccount) -> dict[str, Any]:
    """The export's rows: read = imported + filtered + rejected, by filter and by reason."""
    return {
        "source": rows.source,
        "read": rows.read,
        "imported": rows.imported,
        "filtered": rows.filtered_total,
        "rejected": rows.rejected_total,
        "rejected_share": round(rows.rejected_total / rows.read, 4) if rows.read else 0.0,
        "filtered_by": [{"filter": label, "rows": n} for label, n in rows.filtered],
        "rejected_by": [{"reason": reason, "rows": n} for reason, n in rows.rejected],
    }


def obligations_json(obligations: Iterable[Obligation]) -> list[ObligationShape]:
    return [obligation_json(ob) for ob in obligations]


# ---------------------------------------------------------------------------- agenda and explain


class AgendaShape(ResultShape):
    """`agenda --format json`: a result, with when it falls due and whether it is late."""

    deadline: str
    overdue: bool
    steps: list[str]
    upcoming: bool


def agenda_json(items: "Iterable[AgendaItem]", force: Force) -> list[AgendaShape]:
    """Agenda items as JSON: the result shape of `check`, plus deadline, overdue, steps
    and upcoming (the window opens after `as_of`: listed by `days`)."""
    shapes: list[AgendaShape] = []
    for item in items:
        shape = cast("AgendaShape", result_json(item.result))
        shape["deadline"] = item.deadline.astimezone(force.zone).isoformat()
        shape["overdue"] = item.overdue
        shape["steps"] = list(item.steps)
        shape["upcoming"] = item.upcoming
        shapes.append(shape)
    return shapes


def _note_json(note: "Note", declared: frozenset[str]) -> dict[str, Any]:
    role = note.event.role
    return {
        "id": note.event.id,
        "type": note.event.type,
        "at": note.event.at.isoformat(),
        "scope": note.event.scope,
        "role": role if role is None or role in declared else withheld(role),
        "code": note.code,
        "reason": note.reason,
    }


def explanation_json(explanation: "Explanation") -> dict[str, Any]:
    """The explanation as JSON: the result shape of `check`, plus counted and considered."""
    return {
        "force": explanation.force,
        "obligation": explanation.obligation.id,
        "from": explanation.start.isoformat(),
        "to": explanation.end.isoformat(),
        "as_of": explanation.as_of.isoformat(),
        "scope": explanation.scope,
        "windows": [
            {
                **result_json(item.result),
                "counted": [_note_json(n, explanation.roles) for n in item.counted],
                "considered": [_note_json(n, explanation.roles) for n in item.considered],
                "omitted": dict(item.omitted),
            }
            for item in explanation.windows
        ],
    }
