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
from zoneinfo import ZoneInfo

import attrs
from dateutil import rrule
from jsonschema import Draft202012Validator

from engagerules.engine.kinds import KINDS, kind_module
from engagerules.errors import ConfigError, ModelError, Problem, did_you_mean
from engagerules.model.durations import CADENCE_EXAMPLES, Duration, parse_duration
from engagerules.model.limits import year_problem, zone_names
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
    accepted_roles,
    conditions_from_json,
)
from engagerules.model.readings import Part, Reading, Readings
from engagerules.model.words import (
    amount,
    and_list,
    day_words,
    duration_words,
    every_words,
    part_windows_words,
    plural,
)
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
            kinds = {row.get("kind") for row in rows}
            kept = [i for i, u in enumerate(inline) if not _placeholder(u, kinds)]
            if len(kept) < len(inline):
                for new_index, old_index in enumerate(kept):
                    places[f"$.units[{new_index}]"] = f"{file}: $.units[{old_index}]"
            inline = [inline[i] for i in kept]
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


def _placeholder(unit: Any, kinds: set[Any]) -> bool:
    """An illustrative unit of a kind a units file lists: the real list replaces the made-up
    one (so the same ward in both is not a duplicate id), and the duties' readings, which
    describe the units as loaded, say which units remain."""
    return isinstance(unit, dict) and bool(unit.get("illustrative")) and unit.get("kind") in kinds


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
        plan=raw["effective"] if isinstance(raw.get("effective"), dict) else None,
    )
    obligations = _items(raw, "obligations")
    for index, ob in obligations:
        yield from _obligation(ob, f"$.obligations[{index}]", ctx)
    yield from _versions(obligations)
    yield from attribute_reads(raw)
    yield from _claims(obligations)

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


_zones = zone_names


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
        plan: dict[str, Any] | None = None,
    ) -> None:
        self.plan = plan
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
                yield from _any_role(ob, req, f"{at}.evidence[{i}].roles")
    yield from _kind_keys(ob, at, ctx)
    yield from _effective(ob, at)
    yield from _source(ob, at, ctx)
    yield from _stated(ob, at, ctx)


def _stated(ob: dict[str, Any], at: str, ctx: _Context) -> Iterator[tuple[str, str]]:
    """A part cannot be both the plan's words and a reading, nor stated where it does not
    apply (words for a cadence the duty does not have would be shown nowhere)."""
    worded = ob.get("stated")
    listed = ob.get("readings")
    if not isinstance(worded, dict):
        return
    applying = _applying(ob, ctx.plan)
    for key in worded:
        if isinstance(listed, dict) and key in listed:
            yield f"{at}.stated.{key}", "is also a reading: a part is the plan's words or read"
        elif key in {p.value for p in Part} and Part(key) not in applying:
            yield f"{at}.stated.{key}", "the duty has no such part to state"


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


#: The kinds whose evidence may reach units within a record's unit (`reaches: within`):
#: those that count records towards a unit's window or gap.
_REACHING_KINDS = ("recurring", "standing", "triggered")


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
        reaching = isinstance(req, dict) and req.get("reaches", "enclosing") != "enclosing"
        if reaching and kind not in _REACHING_KINDS:
            yield (
                f"{at}.evidence[{i}].reaches",
                f"'reaches' applies to {', '.join(_REACHING_KINDS)} obligations, not {kind}",
            )
        period = req.get("for_period") if isinstance(req, dict) else None
        if isinstance(period, dict) and period.get("split_years") and ob.get("cadence") != "P1Y":
            yield (
                f"{at}.evidence[{i}].for_period.split_years",
                "split years (2019-20) name a yearly duty's own years: set cadence P1Y "
                "and the anchor they start on",
            )
    if "one_item" in ob and kind == "recurring":  # other kinds: see _kind_only_keys
        raw_steps = ob.get("evidence")
        steps: list[Any] = raw_steps if isinstance(raw_steps, list) else []
        if ob.get("rolling") or len(steps) < 2:
            yield f"{at}.one_item", "parts of one item need two steps or more, and no rolling gap"
        elif any(isinstance(r, dict) and (r.get("sum") or r.get("distinct")) for r in steps):
            yield f"{at}.one_item", "parts of one item are counted records, not sums or distinct"
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
        readings = ob.get("readings")
        said = isinstance(readings, dict) and "evidence" in readings
        if trigger.get("answers") == "all_open" and not said:
            yield (
                f"{at}.trigger.answers",
                "'all_open' lets one follow-up answer several triggers: state it as a reading "
                "in readings.evidence (the plan's words and why one record answers them all)",
            )
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
    if scope.get("order", "listed") != "listed":
        if not scope.get("rota"):
            yield f"{at}.scope.order", "orders a rota's turns: set 'rota' to true, or drop it"
        elif ob.get("times") or any(
            isinstance(r, dict) and r.get("for_period") for r in ob.get("evidence") or []
        ):
            yield (
                f"{at}.scope.order",
                "a rota in any order is judged over whole rounds: no times of day, and no "
                "evidence naming its period",
            )


def _requirement(req: dict[str, Any], at: str, ctx: _Context) -> Iterator[tuple[str, str]]:
    yield from _types(req.get("types"), f"{at}.types", ctx)
    period = req.get("for_period")
    if isinstance(period, dict):
        for part in ("grace", "early"):
            value = _duration_at(period, part)
            if isinstance(value, str):
                yield f"{at}.for_period.{part}", value
    listed = req.get("roles")
    for i, role in enumerate(listed if isinstance(listed, list) else []):
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


def _any_role(ob: dict[str, Any], req: dict[str, Any], at: str) -> Iterator[tuple[str, str]]:
    """Evidence that accepts every role says so, and why, as a reading: never silently."""
    readings = ob.get("readings")
    if req.get("roles") == "any" and not (isinstance(readings, dict) and "roles" in readings):
        yield (
            at,
            "'any' accepts every role's record: state it as a reading in readings.roles "
            "(the plan's words and why anyone's record counts), or list the roles",
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
    yield from _earlier_triggers(obligations, by_id)


def _earlier_triggers(
    obligations: list[tuple[int, dict[str, Any]]], by_id: dict[str, list[tuple[int, date, date]]]
) -> Iterator[tuple[str, str]]:
    """Only a duty's first version may owe triggers fired before it came into force: a
    later one would owe again what its predecessor owed for the same trigger."""
    for index, ob in obligations:
        trigger = ob.get("trigger")
        if not isinstance(trigger, dict) or trigger.get("fired_before_effective") != "owed":
            continue
        versions = by_id.get(ob["id"], [])
        first = min(versions, key=lambda v: v[1], default=(index, date.min, date.max))
        if first[0] != index:
            yield (
                f"$.obligations[{index}].trigger.fired_before_effective",
                f"'owed' is for a duty's first version only: $.obligations[{first[0]}] "
                "owes the triggers fired before this version came into force",
            )


def _claims(obligations: list[tuple[int, dict[str, Any]]]) -> Iterator[tuple[str, str]]:
    """`shared_with` and `not_claimed_by` name triggered duties of the force: a follow-up
    is claimed by a trigger, so only a triggered duty claims records."""
    kinds = {ob["id"]: ob.get("kind") for _, ob in obligations}
    for index, ob in obligations:
        trigger = ob.get("trigger")
        named = [("not_claimed_by", ob.get("not_claimed_by"))]
        if isinstance(trigger, dict):
            named.append(("trigger.shared_with", trigger.get("shared_with")))
        for key, ids in named:
            if not isinstance(ids, list):
                continue
            for i, duty in enumerate(ids):
                at = f"$.obligations[{index}].{key}[{i}]"
                if not isinstance(duty, str):
                    continue
                if duty == ob["id"]:
                    yield at, f"{duty!r} is this duty itself"
                elif duty not in kinds:
                    yield at, f"unknown obligation {duty!r}{did_you_mean(duty, kinds)}"
                elif kinds[duty] != "triggered":
                    kind = kinds[duty]
                    yield at, f"{duty!r} is {kind}, not triggered: only follow-ups are claimed"


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
    roles = tuple(
        Role(id=r["id"], title=r["title"], member_of=tuple(r.get("member_of", ())))
        for r in raw["roles"]
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
        roles=roles,
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
            _in_plan(ob, plan_from)
            for ob in _build_obligations(
                raw["obligations"], units, roles, file, raw.get("effective")
            )
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


def _owes_first_part(ob: Mapping[str, Any], plan: Mapping[str, Any] | None) -> bool:
    """Whether a duty owes the period under way on the plan's first day, from that day:
    only a duty in force from the plan's own date (one with its own `from` keeps whole
    periods, as a revised version owns the periods that start in its time), as its own
    `effective.part_windows` says, else as the plan's does."""
    own = ob.get("effective")
    own = own if isinstance(own, dict) else {}
    if "from" in own or not isinstance(plan, Mapping) or "from" not in plan:
        return False
    return own.get("part_windows", plan.get("part_windows")) == "owed"


def _must_datetime(value: str) -> datetime:
    parsed = _datetime(value)
    if parsed is None:  # pragma: no cover - rejected by validation first
        msg = f"{value!r} is not an ISO 8601 timestamp with offset"
        raise ValueError(msg)
    return parsed


def _build_obligations(
    raw: list[dict[str, Any]],
    units: Sequence[Unit],
    roles: Sequence[Role],
    file: Path,
    plan: Mapping[str, Any] | None = None,
) -> tuple[Obligation, ...]:
    """Each obligation's values check themselves as they are built (`ModelError`); what
    they refuse is reported at the obligation's JSON path, every one of them."""
    built: list[Obligation] = []
    problems: list[Problem] = []
    for index, ob in enumerate(raw):
        try:
            built.append(_build_obligation(ob, units, roles, plan))
        except ModelError as exc:
            problems.append(Problem(f"{file}: $.obligations[{index}]", str(exc)))
    if problems:
        raise ConfigError(problems)
    return tuple(built)


def _build_obligation(
    ob: dict[str, Any],
    units: Sequence[Unit],
    roles: Sequence[Role],
    plan: Mapping[str, Any] | None = None,
) -> Obligation:
    scope_raw = ob.get("scope", {})
    per = scope_raw.get("per")
    listed = tuple(scope_raw.get("units", ()))
    if per is not None and per != "person" and not listed:
        listed = tuple(u.id for u in units if u.kind == per)
    effective = ob.get("effective", {})
    every = kind_module(Kind(ob["kind"])).JUDGES_EVERY_RECORD  # a rule binds anyone's record
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
            order=scope_raw.get("order", "listed"),
            roster=None
            if "roster" not in scope_raw
            else Roster(
                types=tuple(scope_raw["roster"]["types"]),
                clears=tuple(scope_raw["roster"].get("clears", ())),
                part_windows=scope_raw["roster"].get("part_windows", "not_owed"),
            ),
        ),
        evidence=tuple(
            _build_requirement(r, ob["owner"], roles, every=every) for r in ob.get("evidence", ())
        ),
        effective_from=date.fromisoformat(effective["from"]) if "from" in effective else None,
        effective_until=date.fromisoformat(effective["until"]) if "until" in effective else None,
        tags=tuple(ob.get("tags", ())),
        readings=build_readings(ob, units, plan),
        owes_first_part=_owes_first_part(ob, plan),
        not_claimed_by=tuple(ob.get("not_claimed_by", ())),
    )


def build_readings(
    ob: Mapping[str, Any], units: Sequence[Unit] = (), plan: Mapping[str, Any] | None = None
) -> Readings:
    """Part by part, the plan's words or the configuration's reading.

    A part applies where the duty has it: cadence where it recurs, deadline where it is a
    follow-up or target, units where it is owed per unit, threshold and evidence where it
    is checked, owner always, roles where a step lists who may do it, effective date
    where the duty gives one. A part the
    obligation's `readings` lists is read; a part its `stated` gives the plan's words for is
    the plan's; any other part is read too, described from the configuration as loaded, since
    nobody has shown the plan's words for it. `{units}` in a reading's text is replaced by
    the units as loaded, so a reading follows a units file or local readings.

    `plan` is the force's own `effective`: a duty with no dates of its own is in force from
    the plan's date, which is always a reading (a document's date line says when it was
    written, not when each duty is first owed), its why the force's `source`.
    """
    listed = ob.get("readings") or {}
    worded = ob.get("stated") or {}
    applies = _applying(ob, plan)
    quote = (ob.get("source") or {}).get("quote") or str(ob.get("title", ""))
    own = _dated(ob)
    read: list[Reading] = []
    for part in Part:
        if part.value in listed:
            given = listed[part.value]
            text = str(given["reading"])
            if "{units}" in text:
                text = text.replace("{units}", _units_described(ob, units))
            read.append(
                Reading(part=part, plan=given["plan"], reading=text, why=given.get("why", ""))
            )
        elif part in applies and part.value not in worded:
            dated = part is Part.EFFECTIVE and plan is not None
            read.append(
                Reading(
                    part=part,
                    plan=str(plan.get("plan") or quote) if dated and not own and plan else quote,
                    reading=_part_described(ob, part, units, None if own else plan),
                    why=str(plan.get("source") or _unworded(part))
                    if dated and plan
                    else _unworded(part),
                )
            )
    stated = tuple(p for p in Part if p in applies and p.value in worded and p.value not in listed)
    roster = (ob.get("scope") or {}).get("roster")
    if isinstance(roster, dict) and Part.UNITS.value not in listed:
        # Whether part of a period in post owes it is never the plan's word unless said.
        owed = roster.get("part_windows") == "owed"
        unstated = Reading(
            part=Part.UNITS,
            plan="(the plan does not say whether someone in post for part of a period owes it)",
            reading=part_windows_words(owed),
            why="The roster's rule for part periods (scope.roster.part_windows).",
        )
        order = list(Part)
        kept = [r for r in read if r.part is not Part.UNITS]
        read = sorted((*kept, unstated), key=lambda r: order.index(r.part))
        stated = tuple(p for p in stated if p is not Part.UNITS)
    return Readings(
        stated=stated, read=tuple(read), words=tuple((p, str(worded[p.value])) for p in stated)
    )


def _applying(ob: Mapping[str, Any], plan: Mapping[str, Any] | None = None) -> set[Part]:
    """The parts a duty has (see `build_readings`)."""
    scored = ob.get("kind") != "advisory"
    evidence = ob.get("evidence") or []
    effective = ob.get("effective")
    dated = isinstance(effective, dict) and ("from" in effective or "until" in effective)
    dated = dated or (isinstance(plan, dict) and "from" in plan)
    scope = ob.get("scope")
    applies = {
        Part.CADENCE: "cadence" in ob,
        Part.DEADLINE: "trigger" in ob or "target" in ob,
        Part.UNITS: isinstance(scope, dict) and scope.get("per") is not None,
        Part.THRESHOLD: scored,
        Part.OWNER: True,
        Part.ROLES: any(isinstance(r, dict) and "roles" in r for r in evidence),
        Part.EVIDENCE: scored,
        Part.EFFECTIVE: dated,
    }
    return {p for p, yes in applies.items() if yes}


#: What each part is called in the why of a part given no words.
_PART_NAMES = {
    Part.CADENCE: "when it is due",
    Part.DEADLINE: "its deadline",
    Part.UNITS: "which units owe it",
    Part.THRESHOLD: "how much is enough",
    Part.OWNER: "who owns it",
    Part.ROLES: "who may do it",
    Part.EVIDENCE: "what record shows it done",
    Part.EFFECTIVE: "when it is in force from",
}


def _unworded(part: Part) -> str:
    """Why a part with neither words of the plan nor a reading is shown as read."""
    return (
        f"No words of the plan are given for {_PART_NAMES[part]}, so this is the "
        "configuration's reading, not the plan's."
    )


def _part_described(
    ob: Mapping[str, Any],
    part: Part,
    units: Sequence[Unit],
    plan: Mapping[str, Any] | None = None,
) -> str:
    """What the configuration as loaded checks for `part`, in plain words."""
    evidence = [r for r in ob.get("evidence") or () if isinstance(r, dict)]
    if part is Part.CADENCE:
        return f"checked {every_words(parse_duration(ob['cadence']))}"
    if part is Part.DEADLINE:
        within = (ob.get("trigger") or {}).get("within")
        if within:
            return f"within {duration_words(parse_duration(within))} of the trigger"
        return "by the target's date"
    if part is Part.UNITS:
        return f"owed {_units_described(ob, units)}"
    if part is Part.THRESHOLD and ob.get("require"):
        rules = conditions_from_json(ob["require"])
        return "each record it judges has " + and_list(c.describe() for c in rules)
    if part is Part.THRESHOLD and isinstance(ob.get("target"), dict):
        target = ob["target"]
        return f"{target.get('attr')} reaching {amount(float(target.get('value', 0)))}"
    if part is Part.THRESHOLD:
        return (
            and_list(
                f"{r['sum']} adding up to at least {amount(r.get('min', 1))}"
                if r.get("sum")
                else f"at least {amount(r.get('min', 1))} {' or '.join(r['types'])}"
                for r in evidence
            )
            or "as the rule sets"
        )
    if part is Part.OWNER:
        return f"owned by {ob['owner']}"
    if part is Part.ROLES:
        listed_roles = [
            r["roles"] if isinstance(r.get("roles"), str) else " or ".join(r["roles"])
            for r in evidence
            if r.get("roles")
        ]
        return "done by " + (and_list(listed_roles) or "the owner's team")
    if part is Part.EVIDENCE:
        return "records of " + (
            and_list(" or ".join(r["types"]) for r in evidence) or "the rule's types"
        )
    own = _dated(ob)
    effective: Mapping[str, Any] = (ob.get("effective") if own else plan) or {}
    dates = [f"{key} {_day(effective[key])}" for key in ("from", "until") if key in effective]
    periods = ob.get("kind") in ("recurring", "constraint") and "cadence" in ob
    declared = "part_windows" in (plan or {}) or "part_windows" in (ob.get("effective") or {})
    if declared and periods and not ob.get("rolling") and not ob.get("times"):
        first = _owes_first_part(ob, plan)
        if first or not own:
            dates.append(
                "(the period under way that day owed from it, as a part window)"
                if first
                else "(the first period judged is the first that starts on or after it)"
            )
    return "in force " + " ".join(dates)


def _dated(ob: Mapping[str, Any]) -> bool:
    """Whether a duty gives dates of its own (`effective.from` or `until`)."""
    effective = ob.get("effective")
    return isinstance(effective, dict) and ("from" in effective or "until" in effective)


def _day(value: object) -> str:
    """`1 Aug 2019` for an ISO date, the text itself otherwise (validate has located it)."""
    try:
        return day_words(date.fromisoformat(str(value)), weekday=False)
    except ValueError:
        return str(value)


def _units_described(ob: Mapping[str, Any], units: Sequence[Unit]) -> str:
    """The units a duty is owed by, as loaded: `per ward: 8 wards (8 illustrative) in
    Waverley, Guildford and Woking, 3 of the 11 boroughs`."""
    scope = ob.get("scope") or {}
    per = scope.get("per")
    if per is None:
        return "force-wide"
    if per == "person":
        return "per person"
    listed = set(scope.get("units") or ()) or {u.id for u in units if u.kind == per}
    owed = [u for u in units if u.id in listed]
    if not owed:
        return f"per {per}: no units loaded"
    made_up = sum(1 for u in owed if u.illustrative)
    text = f"per {per}: {plural(len(owed), per)}"
    if made_up:
        text += f" ({made_up} illustrative)"
    by_id = {u.id: u for u in units}
    parents = [by_id[p] for p in dict.fromkeys(u.within for u in owed if u.within) if p in by_id]
    if parents and len(parents) < len(owed):
        kind = parents[0].kind
        of_kind = sum(1 for u in units if u.kind == kind)
        text += f" in {and_list(p.name for p in parents)}"
        if all(p.kind == kind for p in parents) and len(parents) < of_kind:
            text += f", {len(parents)} of the {of_kind} {kind}s"
    elif len(owed) <= 6:
        text += f": {and_list(u.name for u in owed)}"
    return text


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


def _build_requirement(
    req: dict[str, Any], owner: str, roles: Sequence[Role], *, every: bool = False
) -> Requirement:
    """The step as a value, with the roles whose records count filled in: those it lists,
    or its owner (the step's, else the duty's), each with its team's members; none where
    it states that any role counts, or where its kind's rule binds every record (`every`:
    a constraint judges whoever made the record, so a breach is never set aside)."""
    listed = req.get("roles")
    anyone = listed == "any"
    owners = listed if isinstance(listed, list) else [req.get("owner") or owner]
    if every:
        owners = []  # a rule binds every record of its types: who made one never exempts it
    return Requirement(
        types=tuple(req["types"]),
        min=req.get("min", 1),
        sum=req.get("sum"),
        distinct=req.get("distinct"),
        roles=() if anyone or not owners else accepted_roles(roles, owners),
        any_role=anyone,
        where=conditions_from_json(req.get("where", ())),
        title=req.get("title"),
        owner=req.get("owner"),
        for_period=req["for_period"]["attr"] if "for_period" in req else None,
        grace=parse_duration(req["for_period"]["grace"]) if "for_period" in req else None,
        early=parse_duration(req["for_period"]["early"])
        if "early" in req.get("for_period", {})
        else None,
        split_years=bool(req.get("for_period", {}).get("split_years", False)),
        reaches=req.get("reaches", "enclosing"),
    )
