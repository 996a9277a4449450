"""Loading a force configuration: JSON in, a validated `Force` out, or every problem found.

Validation runs in two passes that both always run: the JSON Schema (shape) and the
semantic checks the schema cannot express (an event type that is not in the vocabulary,
a duplicate id, a cadence that is not a cycle). Each problem names the file and the JSON
path, so `engagerules validate` can list them all at once.
"""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

import attrs
from dateutil import rrule
from jsonschema import Draft202012Validator

from engagerules.engine.kinds import KINDS, kind_module
from engagerules.errors import ConfigError, ModelError, Problem, did_you_mean
from engagerules.model.durations import CADENCE_EXAMPLES, Duration, parse_duration
from engagerules.model.limits import year_problem
from engagerules.model.plan import (
    AttrSpec,
    AttrType,
    Citation,
    Demo,
    Document,
    EventType,
    Force,
    Kind,
    Obligation,
    Requirement,
    Role,
    Roster,
    Scope,
    Unit,
    conditions_from_json,
)
from engagerules.model.readings import Part, Reading, Readings
from engagerules.sources import strictjson
from engagerules.sources.attrreads import attribute_reads
from engagerules.sources.overrides import (
    Applied,
    Overrides,
    apply_overrides,
    local_readings,
    relocate,
)
from engagerules.sources.shipped import shipped_schema
from engagerules.sources.unitsfile import read_units

__all__ = ["CONFIG_FILE", "load_force", "schema", "validate_file"]

#: The file name of a force's configuration inside its directory.
CONFIG_FILE = "force.json"


@cache
def schema() -> dict[str, Any]:
    """The JSON Schema of a force configuration: the shipped `force.schema.json` (what
    every obligation has) composed with each kind's fragment from the kind registry
    (what only that kind has, and what it requires)."""
    loaded = copy.deepcopy(shipped_schema("force"))
    obligation = loaded["$defs"]["obligation"]
    obligation["properties"]["kind"]["enum"] = [kind.value for kind in KINDS]
    rules: list[dict[str, Any]] = []
    for kind, module in KINDS.items():
        obligation["properties"].update(copy.deepcopy(dict(module.SCHEMA["properties"])))
        then = copy.deepcopy(dict(module.SCHEMA["then"]))
        rules.append({"if": {"properties": {"kind": {"const": kind.value}}}, "then": then})
    obligation["allOf"] = rules
    return loaded


@cache
def _kind_only_keys() -> dict[str, tuple[str, ...]]:
    """Each key only some kinds carry, and the kinds that carry it."""
    owners: dict[str, list[str]] = {}
    for kind, module in KINDS.items():
        for key in module.SCHEMA["properties"]:
            owners.setdefault(key, []).append(kind.value)
    return {key: tuple(kinds) for key, kinds in owners.items()}


def config_path(path: Path) -> Path:
    """Accept a force directory or its `force.json` and return the file."""
    return path / CONFIG_FILE if path.is_dir() else path


def validate_file(path: Path, *, overrides: Sequence[Overrides] = ()) -> list[Problem]:
    """Every problem in the configuration at `path` (a directory or file), with its units
    file and any `overrides` laid over it; empty if valid."""
    file = config_path(path)
    try:
        raw = _read_json(file)
    except ConfigError as exc:
        return list(exc.problems)
    applied, problems = _prepared(raw, file, overrides)
    if not problems:
        try:
            _build_force(applied.raw, file)
        except ConfigError as exc:
            return list(exc.problems)
    return problems


def load_force(path: Path, *, overrides: Sequence[Overrides] = ()) -> Force:
    """Load and validate the force at `path`, with its units file and any `overrides`
    (local readings) laid over it, raising `ConfigError` with every problem."""
    file = config_path(path)
    raw = _read_json(file)
    applied, problems = _prepared(raw, file, overrides)
    if problems:
        raise ConfigError(problems)
    force = _build_force(applied.raw, file)
    if not overrides:
        return force
    obligations = tuple(
        attrs.evolve(ob, readings=local_readings(ob.readings, applied.local.get(i, ())))
        if i in applied.local
        else ob
        for i, ob in enumerate(force.obligations)
    )
    return attrs.evolve(force, obligations=obligations, overrides=applied.sets)


def _prepared(
    raw: Any, file: Path, overrides: Sequence[Overrides]
) -> tuple[Applied, list[Problem]]:
    """The configuration as it will be built: its units file read in, the overrides laid
    over it; and every problem, each located where a person would fix it."""
    places: dict[str, str] = {}
    problems: list[Problem] = []
    if isinstance(raw, dict) and isinstance(raw.get("units_file"), str):
        raw = dict(raw)
        rows, row_places, found = read_units(file.parent / raw["units_file"])
        problems.extend(Problem(p.where, p.message) for p in found)
        inline = raw.get("units")
        if isinstance(inline, list):
            for offset, place in enumerate(row_places):
                places[f"$.units[{len(inline) + offset}]"] = place
            raw["units"] = [*inline, *rows]
    if isinstance(raw, dict) and overrides:
        applied = apply_overrides(raw, file, places, overrides)
    else:
        applied = Applied(raw, places, {}, (), ())
    problems.extend(applied.problems)
    problems.extend(relocate(_problems(applied.raw, file), file, applied.places))
    return applied, problems


def _read_json(file: Path) -> Any:
    return strictjson.read_file(file, exact=True)


#: Schema errors that say a value has the wrong type altogether: the semantic pass must
#: not see such a value (it would meet a list where it expects a name).
_WRONG_TYPE = frozenset({"type", "enum", "const"})


def _problems(raw: Any, file: Path) -> list[Problem]:
    flawed = [
        Problem(f"{file}: {strictjson.path_text(path)}", reason)
        for path, reason in strictjson.flaws(raw)
    ]
    if flawed:  # numbers JSON cannot mean, or nesting no plan needs: fix those first
        return flawed
    validator = Draft202012Validator(schema())
    errors = sorted(validator.iter_errors(raw), key=lambda e: list(map(str, e.path)))
    found = [Problem(f"{file}: {error.json_path}", _schema_message(error)) for error in errors]
    if isinstance(raw, dict):
        flagged = {p.where for p in found}
        checked = _without(raw, [e.path for e in errors if e.validator in _WRONG_TYPE])
        found.extend(
            Problem(f"{file}: {path}", message)
            for path, message in _semantic(checked, file)
            if f"{file}: {path}" not in flagged  # one problem per place is enough
        )
    return found


def _without(raw: dict[str, Any], paths: Sequence[Sequence[Any]]) -> dict[str, Any]:
    """A copy of `raw` with the values at `paths` taken out (a list item becomes None),
    so the semantic checks only meet values of the types the schema allows; the schema
    has already reported each of them."""
    if not paths:
        return raw
    pruned = copy.deepcopy(raw)
    for path in paths:
        *steps, last = [*path] or [None]
        parent: Any = pruned
        for key in steps:
            parent = _child(parent, key)
        if isinstance(parent, dict):
            parent.pop(last, None)
        elif isinstance(parent, list) and isinstance(last, int) and last < len(parent):
            parent[last] = None
    return pruned


def _child(parent: Any, key: Any) -> Any:
    if isinstance(parent, dict):
        return parent.get(key)
    if isinstance(parent, list) and isinstance(key, int) and key < len(parent):
        return parent[key]
    return None


def _schema_message(error: Any) -> str:
    """jsonschema's message, shortened where it would quote a whole obligation."""
    if error.validator == "additionalProperties":
        return str(error.message)
    if error.validator in {"required", "not", "minProperties", "maxProperties"}:
        instance = error.instance
        keys = ", ".join(sorted(instance)) if isinstance(instance, dict) else ""
        if error.validator == "required":
            return str(error.message).split(" is a required")[0] + " is required"
        if error.validator == "not":
            return "give either 'sum' or 'distinct', not both"
        return f"a condition needs 'attr' and exactly one operator (has: {keys})"
    if error.validator == "pattern" and "description" in error.schema:
        return f"{error.instance!r} is not valid here: {error.schema['description']}"
    message = str(error.message)
    return message if len(message) < 200 else message[:197] + "..."


# ---------------------------------------------------------------------------- semantics


def _semantic(raw: dict[str, Any], file: Path) -> Iterator[tuple[str, str]]:
    """What the schema cannot say: cross-references, uniqueness, durations, dates."""
    zone_name = raw.get("timezone")
    if isinstance(zone_name, str) and zone_name not in _zones():
        shown = zone_name if len(zone_name) <= 60 else zone_name[:57] + "..."
        hint = did_you_mean(zone_name, _zones()) if len(zone_name) <= 60 else ""
        yield "$.timezone", f"{shown!r} is not an IANA time zone such as Europe/London{hint}"

    units = _items(raw, "units")
    roles = _items(raw, "roles")
    types = _items(raw, "event_types")
    documents = _items(raw, "documents")
    yield from _duplicates(units, "units")
    yield from _duplicates(roles, "roles")
    yield from _duplicates(types, "event_types")
    yield from _duplicates(documents, "documents")
    yield from _attribute_declarations(types)

    yield from _teams(roles)
    unit_ids = {u["id"]: u for _, u in units}
    yield from _unit_nesting(units, unit_ids)
    ctx = _Context(
        units=unit_ids,
        kinds={u.get("kind") for u in unit_ids.values()},
        roles={r["id"] for _, r in roles},
        types={t["id"] for _, t in types},
        documents={d["id"]: d for _, d in documents},
        attributes={
            t["id"]: t["attributes"] for _, t in types if isinstance(t.get("attributes"), dict)
        },
    )
    obligations = _items(raw, "obligations")
    for index, ob in obligations:
        yield from _obligation(ob, f"$.obligations[{index}]", ctx)
    yield from _versions(obligations)
    yield from attribute_reads(raw)

    demo = raw.get("demo")
    if isinstance(demo, dict):
        yield from _demo(demo, file)
    published = raw.get("published")
    if isinstance(published, str):
        yield from _timestamp_problem(published, "$.published")
    yield from _plan_effective(raw, obligations)


def _timestamp_problem(value: str, at: str) -> Iterator[tuple[str, str]]:
    parsed = _datetime(value)
    shown = value if len(value) <= 40 else value[:37] + "..."
    if parsed is None:
        yield at, f"{shown!r} is not an ISO 8601 timestamp with offset"
    elif (problem := year_problem(parsed)) is not None:
        yield at, f"{shown!r}: {problem}"


@cache
def _zones() -> frozenset[str]:
    """The zone names zoneinfo knows; anything else (a directory such as 'Europe', a path,
    300 characters) must never be handed to ZoneInfo, which would raise OS errors."""
    return frozenset(available_timezones())


def _teams(roles: list[tuple[int, dict[str, Any]]]) -> Iterator[tuple[str, str]]:
    """Every team a role belongs to must be another role of the force."""
    known = {r["id"] for _, r in roles}
    for index, role in roles:
        teams = role.get("member_of")
        if not isinstance(teams, list):
            continue
        for i, team in enumerate(teams):
            at = f"$.roles[{index}].member_of[{i}]"
            if team == role["id"]:
                yield at, f"role {team!r} cannot be a member of itself"
            elif isinstance(team, str) and team not in known:
                yield at, _unknown_role(team, known)


class _Context:
    def __init__(
        self,
        units: dict[str, Any],
        kinds: set[Any],
        roles: set[str],
        types: set[str],
        documents: dict[str, Any],
        attributes: dict[str, dict[str, Any]] | None = None,
    ) -> None:
        self.units = units
        self.kinds = kinds
        self.roles = roles
        self.types = types
        self.documents = documents
        #: Each event type's declared attributes (`{"topic": {"type": "code", ...}}`).
        self.attributes = attributes or {}


def _items(raw: Mapping[str, Any], key: str) -> list[tuple[int, dict[str, Any]]]:
    """The well-formed entries (objects with a string id) of a top-level list."""
    value = raw.get(key)
    if not isinstance(value, list):
        return []
    return [
        (i, item)
        for i, item in enumerate(value)
        if isinstance(item, dict) and isinstance(item.get("id"), str)
    ]


def _duplicates(items: list[tuple[int, dict[str, Any]]], key: str) -> Iterator[tuple[str, str]]:
    seen: dict[str, int] = {}
    for index, item in items:
        ident = item["id"]
        if ident in seen:
            yield (
                f"$.{key}[{index}].id",
                f"duplicate id {ident!r} (first at $.{key}[{seen[ident]}])",
            )
        else:
            seen[ident] = index


def _attribute_declarations(
    types: list[tuple[int, dict[str, Any]]],
) -> Iterator[tuple[str, str]]:
    """A `code` attribute lists its codes; no other type has any."""
    for index, kind in types:
        declared = kind.get("attributes")
        if not isinstance(declared, dict):
            continue
        for name, spec in declared.items():
            if not isinstance(spec, dict):
                continue
            at = f"$.event_types[{index}].attributes.{name}"
            if spec.get("type") == "code" and "codes" not in spec:
                yield at, "a 'code' attribute lists its allowed 'codes' (code: title)"
            elif spec.get("type") != "code" and "codes" in spec:
                yield f"{at}.codes", "only a 'code' attribute has codes"
            yield from _bounds(spec, at)


def _bounds(spec: dict[str, Any], at: str) -> Iterator[tuple[str, str]]:
    """`min` and `max` bound a number, the lower not above the higher."""
    for key in ("min", "max"):
        if spec.get(key) is not None and spec.get("type") not in ("number", "integer"):
            yield f"{at}.{key}", "only a 'number' or 'integer' attribute has bounds"
            return
    low, high = spec.get("min"), spec.get("max")
    if isinstance(low, int | float) and isinstance(high, int | float) and low > high:
        yield f"{at}.min", f"min {low} is above max {high}"


def _unit_nesting(
    units: list[tuple[int, dict[str, Any]]], by_id: dict[str, Any]
) -> Iterator[tuple[str, str]]:
    for index, unit in units:
        parent = unit.get("within")
        if parent is None:
            continue
        if parent not in by_id:
            yield (
                f"$.units[{index}].within",
                f"unknown unit {parent!r}{did_you_mean(parent, by_id)}",
            )
            continue
        seen = {unit["id"]}
        while parent is not None and parent in by_id:
            if parent in seen:
                yield (
                    f"$.units[{index}].within",
                    f"units enclose each other in a loop via {parent!r}",
                )
                break
            seen.add(parent)
            parent = by_id[parent].get("within")


def _obligation(ob: dict[str, Any], at: str, ctx: _Context) -> Iterator[tuple[str, str]]:
    owner = ob.get("owner")
    if isinstance(owner, str) and owner not in ctx.roles:
        yield f"{at}.owner", _unknown_role(owner, ctx.roles)
    yield from _timing(ob, at)
    yield from _scope(ob, at, ctx)
    evidence = ob.get("evidence")
    if isinstance(evidence, list):
        for i, req in enumerate(evidence):
            if isinstance(req, dict):
                yield from _requirement(req, f"{at}.evidence[{i}]", ctx)
    yield from _kind_keys(ob, at, ctx)
    yield from _effective(ob, at)
    yield from _source(ob, at, ctx)


def _timing(ob: dict[str, Any], at: str) -> Iterator[tuple[str, str]]:
    cadence = _duration_at(ob, "cadence")
    if isinstance(cadence, str):
        yield f"{at}.cadence", cadence
    elif cadence is not None:
        yield from _cadence(cadence, ob, at)
    if ob.get("times") and "cadence" not in ob:
        yield f"{at}.times", "times of day need a cadence (e.g. P1D for a daily briefing)"
    if "slot" in ob and not ob.get("times"):
        yield f"{at}.slot", "a slot only applies to an obligation with times"
    slot = _duration_at(ob, "slot")
    if isinstance(slot, str):
        yield f"{at}.slot", slot
    elif slot is not None and slot.is_zero:
        yield f"{at}.slot", "a slot of no length leaves no time to do the duty in"


def _verdict_keys(ob: dict[str, Any], at: str) -> Iterator[tuple[str, str]]:
    """The verdict options (issue 15) belong to one kind each, and rolling gaps count
    single records (each requirement counted, not summed)."""
    kind = ob.get("kind")
    for i, req in enumerate(ob.get("evidence") or []):
        if isinstance(req, dict) and "for_period" in req and kind != "recurring":
            yield (
                f"{at}.evidence[{i}].for_period",
                f"'for_period' applies to recurring obligations, not {kind}",
            )
    if ob.get("rolling") and kind == "recurring":  # other kinds: see _kind_only_keys
        raw_scope, raw_evidence = ob.get("scope"), ob.get("evidence")
        scope: dict[str, Any] = raw_scope if isinstance(raw_scope, dict) else {}
        evidence: list[Any] = raw_evidence if isinstance(raw_evidence, list) else []
        if scope.get("rota") or scope.get("per") == "person" or ob.get("times"):
            yield f"{at}.rolling", "a rolling gap is judged per unit: no rota, person or times"
        elif any(
            isinstance(r, dict) and (r.get("sum") or r.get("distinct") or r.get("min", 1) != 1)
            for r in evidence
        ):  # each requirement keeps its own line of records (both forces met every 6 weeks)
            yield f"{at}.rolling", "a rolling gap counts single records: no sum, distinct or min"


def _kind_keys(ob: dict[str, Any], at: str, ctx: _Context) -> Iterator[tuple[str, str]]:
    """Keys that only one kind may carry, and what they refer to."""
    yield from _verdict_keys(ob, at)
    kind = ob.get("kind")
    for key, owners in _kind_only_keys().items():
        if key in ob and kind not in owners:
            allowed = " or ".join(owners)
            yield f"{at}.{key}", f"'{key}' belongs to {allowed} obligations, not {kind}"
    trigger = ob.get("trigger")
    if isinstance(trigger, dict):
        yield from _types(trigger.get("types"), f"{at}.trigger.types", ctx)
        within = _duration_at(trigger, "within")
        if isinstance(within, str):
            yield f"{at}.trigger.within", within
        elif within is not None and within.is_zero:
            yield f"{at}.trigger.within", "a deadline of zero leaves no time for follow-up"
    yield from _types(ob.get("clears"), f"{at}.clears", ctx)
    for i, cond in enumerate(ob.get("require") or []):
        across = cond.get("differs_from_previous") if isinstance(cond, dict) else None
        if isinstance(across, str) and across not in ctx.kinds:
            known = {k for k in ctx.kinds if isinstance(k, str)}
            yield (
                f"{at}.require[{i}].differs_from_previous",
                f"{across!r} is not a kind of unit of this force{did_you_mean(across, known)}",
            )
    target = ob.get("target")
    if isinstance(target, dict):
        for key in ("by", "start"):
            if key in target and _date(target[key]) is None:
                yield f"{at}.target.{key}", f"{target[key]!r} is not a date (YYYY-MM-DD)"


def _effective(ob: dict[str, Any], at: str) -> Iterator[tuple[str, str]]:
    effective = ob.get("effective")
    if not isinstance(effective, dict):
        return
    for key in ("from", "until"):
        if key in effective and _date(effective[key]) is None:
            yield f"{at}.effective.{key}", f"{effective[key]!r} is not a date (YYYY-MM-DD)"
    start, until = _date(effective.get("from")), _date(effective.get("until"))
    if start and until and until < start:
        yield f"{at}.effective", f"'until' {until} is before 'from' {start}"


def _plan_effective(
    raw: dict[str, Any], obligations: list[tuple[int, dict[str, Any]]]
) -> Iterator[tuple[str, str]]:
    """The plan's own start date, which an obligation's `effective.from` may only narrow."""
    effective = raw.get("effective")
    if not isinstance(effective, dict) or "from" not in effective:
        return
    plan_from = _date(effective["from"])
    if plan_from is None:
        yield "$.effective.from", f"{effective['from']!r} is not a date (YYYY-MM-DD)"
        return
    for index, ob in obligations:
        own = ob.get("effective")
        until = _date(own.get("until")) if isinstance(own, dict) else None
        if until is not None and until < plan_from:
            yield (
                f"$.obligations[{index}].effective.until",
                f"{until} is before the plan took effect ({plan_from}, $.effective.from)",
            )


def _source(ob: dict[str, Any], at: str, ctx: _Context) -> Iterator[tuple[str, str]]:
    source = ob.get("source")
    if not isinstance(source, dict) or not isinstance(source.get("document"), str):
        return
    name = source["document"]
    document = ctx.documents.get(name)
    if document is None:
        hint = did_you_mean(name, ctx.documents)
        yield f"{at}.source.document", f"{name!r} is not among the force's documents{hint}"
        return
    sections = document.get("sections")
    section = source.get("section")
    if isinstance(sections, list) and section not in sections:
        hint = did_you_mean(str(section), {s for s in sections if isinstance(s, str)})
        yield f"{at}.source.section", f"{section!r} is not a section of {name}{hint}"


def _cadence(cadence: Duration, ob: dict[str, Any], at: str) -> Iterator[tuple[str, str]]:
    rec = cadence.recurrence()
    if rec is None:
        yield (
            f"{at}.cadence",
            f"{cadence} is not a cycle: use a whole number of one unit (P1D, P2W, P6W, P4M, P1Y)",
        )
        return
    freq, interval = rec
    anchor_text = ob.get("anchor")
    anchor = _date(anchor_text) if anchor_text is not None else None
    if anchor_text is not None and anchor is None:
        yield f"{at}.anchor", f"{anchor_text!r} is not a date (YYYY-MM-DD)"
    gaps = ob.get("kind") == "standing" or ob.get("rolling") is True  # no fixed periods
    if (
        anchor is None
        and anchor_text is None
        and not gaps
        and interval > 1
        and freq in (rrule.DAILY, rrule.WEEKLY)
    ):
        yield (
            f"{at}.anchor",
            f"a {cadence} cycle needs an anchor: the date one of its periods starts",
        )
    if anchor is not None and freq in (rrule.MONTHLY, rrule.YEARLY) and anchor.day > 28:
        yield f"{at}.anchor", f"{anchor} cannot start a monthly cycle: use a day from 1 to 28"


def _scope(ob: dict[str, Any], at: str, ctx: _Context) -> Iterator[tuple[str, str]]:
    scope = ob.get("scope")
    if not isinstance(scope, dict):
        return
    per = scope.get("per")
    if per is not None and per != "person" and per not in ctx.kinds:
        kinds = {str(k) for k in ctx.kinds} | {"person"}
        yield f"{at}.scope.per", f"no units of kind {per!r}{did_you_mean(str(per), kinds)}"
    for i, unit in enumerate(scope.get("units") or []):
        if not isinstance(unit, str):  # the schema has said so
            continue
        found = ctx.units.get(unit)
        if found is None:
            yield f"{at}.scope.units[{i}]", f"unknown unit {unit!r}{did_you_mean(unit, ctx.units)}"
        elif per is not None and found.get("kind") != per:
            yield f"{at}.scope.units[{i}]", f"{unit!r} is a {found.get('kind')}, not a {per}"
    if scope.get("units") and per is None:
        yield f"{at}.scope.units", "listing units needs 'per' to say their kind"
    roster = scope.get("roster")
    if isinstance(roster, dict):
        if per != "person":
            yield f"{at}.scope.roster", "a roster lists people: set 'per' to 'person'"
        yield from _types(roster.get("types"), f"{at}.scope.roster.types", ctx)
        yield from _types(roster.get("clears"), f"{at}.scope.roster.clears", ctx)
    if scope.get("rota"):
        if per is None or per == "person":
            yield f"{at}.scope.rota", "a rota moves through units: set 'per' to a unit kind"
        if ob.get("kind") != "recurring":
            yield f"{at}.scope.rota", "only recurring obligations can rotate"


def _requirement(req: dict[str, Any], at: str, ctx: _Context) -> Iterator[tuple[str, str]]:
    yield from _types(req.get("types"), f"{at}.types", ctx)
    period = req.get("for_period")
    if isinstance(period, dict):
        grace = _duration_at(period, "grace")
        if isinstance(grace, str):
            yield f"{at}.for_period.grace", grace
    for i, role in enumerate(req.get("roles") or []):
        if isinstance(role, str) and role not in ctx.roles:
            yield f"{at}.roles[{i}]", _unknown_role(role, ctx.roles)
    owner = req.get("owner")
    if isinstance(owner, str) and owner not in ctx.roles:
        yield f"{at}.owner", _unknown_role(owner, ctx.roles)
    yield from _distinct(req, at, ctx)


def _distinct(req: dict[str, Any], at: str, ctx: _Context) -> Iterator[tuple[str, str]]:
    """`distinct` counts different codes: over free text, "elderly", "Elderly" and "older
    people" would be three groups. Every type of the requirement must declare the
    attribute as a `code`, so what counts as one value is the force's, not the typist's."""
    name, types = req.get("distinct"), req.get("types")
    if not isinstance(name, str) or not isinstance(types, list):
        return
    for type_id in types:
        if not isinstance(type_id, str) or type_id not in ctx.types:
            continue  # an unknown type is its own problem
        declared = ctx.attributes.get(type_id, {}).get(name)
        kind = declared.get("type") if isinstance(declared, dict) else None
        if kind != "code":
            what = "undeclared" if declared is None else f"declared as {kind}"
            yield (
                f"{at}.distinct",
                f"{name!r} is {what} on event type {type_id!r}: distinct counts different "
                f"codes, so declare {name!r} a code with its list there, or do not claim "
                "distinctness over text",
            )


def _types(value: Any, at: str, ctx: _Context) -> Iterator[tuple[str, str]]:
    if not isinstance(value, list):
        return
    for i, name in enumerate(value):
        if isinstance(name, str) and name not in ctx.types:
            yield f"{at}[{i}]", f"unknown event type {name!r}{did_you_mean(name, ctx.types)}"


def _versions(obligations: list[tuple[int, dict[str, Any]]]) -> Iterator[tuple[str, str]]:
    """The same id may appear more than once only as versions with disjoint dates."""
    counts = Counter(ob["id"] for _, ob in obligations)
    by_id: dict[str, list[tuple[int, date, date]]] = {}
    for index, ob in obligations:
        if counts[ob["id"]] < 2:
            continue
        raw_effective = ob.get("effective")
        effective: dict[str, Any] = raw_effective if isinstance(raw_effective, dict) else {}
        start = _date(effective.get("from")) or date.min
        until = _date(effective.get("until")) or date.max
        for other, o_start, o_until in by_id.get(ob["id"], []):
            if start <= o_until and o_start <= until:
                yield (
                    f"$.obligations[{index}].id",
                    f"duplicate id {ob['id']!r}: versions must have non-overlapping 'effective' "
                    f"dates, but this one overlaps $.obligations[{other}]",
                )
        by_id.setdefault(ob["id"], []).append((index, start, until))


def _demo(demo: dict[str, Any], file: Path) -> Iterator[tuple[str, str]]:
    events = demo.get("events")
    if isinstance(events, str) and not (file.parent / events).is_file():
        yield "$.demo.events", f"sample log {events!r} not found beside {file.name}"
    start, end = _date(demo.get("from")), _date(demo.get("to"))
    if start and end and end < start:
        yield "$.demo.to", f"{end} is before 'from' {start}"
    if isinstance(demo.get("as_of"), str):
        yield from _timestamp_problem(demo["as_of"], "$.demo.as_of")


def _duration_at(obj: Mapping[str, Any], key: str) -> Duration | str | None:
    """The parsed duration, an error message, or None when absent or not a string."""
    value = obj.get(key)
    if not isinstance(value, str):
        return None
    examples = CADENCE_EXAMPLES if key == "cadence" else "PT2H, P2D or P1W"
    try:
        duration = parse_duration(value, examples)
    except ValueError as exc:
        return str(exc)
    return duration


def _unknown_role(role: object, known: Iterable[str]) -> str:
    """The message for a role the force does not define: the nearest, and every role."""
    roles = sorted(known)
    return f"unknown role {role!r}{did_you_mean(str(role), roles)} (roles: {', '.join(roles)})"


def _date(value: Any) -> date | None:
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _datetime(value: str) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


# ---------------------------------------------------------------------------- building


def _build_force(raw: dict[str, Any], file: Path) -> Force:
    """Turn validated JSON into frozen values; only called when there are no problems."""
    units = tuple(
        Unit(
            id=u["id"],
            name=u["name"],
            kind=u["kind"],
            within=u.get("within"),
            code=u.get("code"),
            illustrative=bool(u.get("illustrative", False)),
        )
        for u in raw["units"]
    )
    demo = raw.get("demo")
    published = raw.get("published")
    plan_from = date.fromisoformat(raw["effective"]["from"]) if "effective" in raw else None
    summed = _summed(raw["obligations"])
    return Force(
        id=raw["id"],
        name=raw["name"],
        description=raw.get("description", ""),
        zone=ZoneInfo(raw["timezone"]),
        units=units,
        roles=tuple(
            Role(id=r["id"], title=r["title"], member_of=tuple(r.get("member_of", ())))
            for r in raw["roles"]
        ),
        event_types=tuple(
            EventType(
                id=t["id"],
                title=t["title"],
                attrs=dict(t.get("attrs", {})),
                attributes=_build_attributes(
                    t.get("attributes", {}), summed.get(t["id"], frozenset())
                ),
                repeats=bool(t.get("repeats", False)),
            )
            for t in raw["event_types"]
        ),
        documents=tuple(
            Document(
                id=d["id"],
                title=d["title"],
                date=d.get("date"),
                sections=tuple(d.get("sections", ())),
            )
            for d in raw["documents"]
        ),
        obligations=tuple(
            _in_plan(ob, plan_from) for ob in _build_obligations(raw["obligations"], units, file)
        ),
        effective_from=plan_from,
        root=file.parent,
        published=_datetime(published) if isinstance(published, str) else None,
        demo=None
        if demo is None
        else Demo(
            events=file.parent / demo["events"],
            start=date.fromisoformat(demo["from"]),
            end=date.fromisoformat(demo["to"]),
            as_of=_must_datetime(demo["as_of"]),
        ),
    )


def _in_plan(obligation: Obligation, plan_from: date | None) -> Obligation:
    """The obligation inside the plan's dates: its own `effective.from` may narrow the
    plan's, never widen it, so check, schedule and calendar all start at the later one."""
    if plan_from is None:
        return obligation
    own = obligation.effective_from
    return attrs.evolve(
        obligation, effective_from=plan_from if own is None else max(own, plan_from)
    )


def _must_datetime(value: str) -> datetime:
    parsed = _datetime(value)
    if parsed is None:  # pragma: no cover - rejected by validation first
        msg = f"{value!r} is not an ISO 8601 timestamp with offset"
        raise ValueError(msg)
    return parsed


def _build_obligations(
    raw: list[dict[str, Any]], units: Sequence[Unit], file: Path
) -> tuple[Obligation, ...]:
    """Each obligation's values check themselves as they are built (`ModelError`); what
    they refuse is reported at the obligation's JSON path, every one of them."""
    built: list[Obligation] = []
    problems: list[Problem] = []
    for index, ob in enumerate(raw):
        try:
            built.append(_build_obligation(ob, units))
        except ModelError as exc:
            problems.append(Problem(f"{file}: $.obligations[{index}]", str(exc)))
    if problems:
        raise ConfigError(problems)
    return tuple(built)


def _build_obligation(ob: dict[str, Any], units: Sequence[Unit]) -> Obligation:
    scope_raw = ob.get("scope", {})
    per = scope_raw.get("per")
    listed = tuple(scope_raw.get("units", ()))
    if per is not None and per != "person" and not listed:
        listed = tuple(u.id for u in units if u.kind == per)
    effective = ob.get("effective", {})
    return Obligation(
        id=ob["id"],
        title=ob["title"],
        description=ob.get("description", ""),
        rule=kind_module(Kind(ob["kind"])).build(ob),
        owner=ob["owner"],
        source=Citation(**ob["source"]),
        scope=Scope(
            per=per,
            units=listed,
            rota=bool(scope_raw.get("rota", False)),
            roster=None
            if "roster" not in scope_raw
            else Roster(
                types=tuple(scope_raw["roster"]["types"]),
                clears=tuple(scope_raw["roster"].get("clears", ())),
            ),
        ),
        evidence=tuple(_build_requirement(r) for r in ob.get("evidence", ())),
        effective_from=date.fromisoformat(effective["from"]) if "from" in effective else None,
        effective_until=date.fromisoformat(effective["until"]) if "until" in effective else None,
        tags=tuple(ob.get("tags", ())),
        readings=build_readings(ob),
    )


def build_readings(ob: Mapping[str, Any]) -> Readings:
    """Part by part, the plan's words or the configuration's reading.

    Read parts are those the obligation's `readings` lists; every other part that applies
    to the duty is the plan's word: cadence where it recurs, deadline where it is a
    follow-up or target, units where it is owed per unit, threshold and evidence where it
    is checked, owner always.
    """
    listed = ob.get("readings") or {}
    read = tuple(
        Reading(
            part=part,
            plan=listed[part.value]["plan"],
            reading=listed[part.value]["reading"],
            why=listed[part.value].get("why", ""),
        )
        for part in Part
        if part.value in listed
    )
    scored = ob.get("kind") != "advisory"
    applies = {
        Part.CADENCE: "cadence" in ob,
        Part.DEADLINE: "trigger" in ob or "target" in ob,
        Part.UNITS: (ob.get("scope") or {}).get("per") is not None,
        Part.THRESHOLD: scored,
        Part.OWNER: True,
        Part.EVIDENCE: scored,
    }
    stated = tuple(p for p in Part if applies[p] and p.value not in listed)
    return Readings(stated=stated, read=read)


def _summed(raw: Any) -> dict[str, frozenset[str]]:
    """Per event type, the attributes some requirement sums (found wherever a requirement
    sits in the obligations: evidence, a trigger's response ...)."""
    found: dict[str, set[str]] = {}
    stack = [raw]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if isinstance(item.get("sum"), str) and isinstance(item.get("types"), list):
                for kind in item["types"]:
                    found.setdefault(str(kind), set()).add(item["sum"])
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return {kind: frozenset(names) for kind, names in found.items()}


def _build_attributes(
    raw: Mapping[str, Any], summed: frozenset[str] = frozenset()
) -> tuple[AttrSpec, ...]:
    """The declarations; a number some duty sums is never negative unless declared so
    (`hours: -10` would lower a total)."""
    specs = []
    for name, spec in raw.items():
        kind = AttrType(spec["type"])
        low = spec.get("min")
        if "min" not in spec and name in summed and kind in (AttrType.NUMBER, AttrType.INTEGER):
            low = 0
        specs.append(
            AttrSpec(
                name=name,
                type=kind,
                codes=tuple((str(k), str(v)) for k, v in spec.get("codes", {}).items()),
                min=low,
                max=spec.get("max"),
            )
        )
    return tuple(specs)


def _build_requirement(req: dict[str, Any]) -> Requirement:
    return Requirement(
        types=tuple(req["types"]),
        min=req.get("min", 1),
        sum=req.get("sum"),
        distinct=req.get("distinct"),
        roles=tuple(req.get("roles", ())),
        where=conditions_from_json(req.get("where", ())),
        title=req.get("title"),
        owner=req.get("owner"),
        for_period=req["for_period"]["attr"] if "for_period" in req else None,
        grace=parse_duration(req["for_period"]["grace"]) if "for_period" in req else None,
    )
