"""Import profiles: how the rows of one kind of export become activity events, as data.

A force's activity lives in exports that are nothing like engagerules' event format: a
social-media tool's post export, an engagement-log spreadsheet, a cadet-hours sheet, an
engagement database. A profile says, for one such layout, where each event field comes
from (a column, several columns, a constant), how values are translated (value maps with
stated case and whitespace rules), how dates are written and which zone they are local to,
what happens to a local time the clocks skip or repeat, which rows are left out (filters,
each counted), and where the key for pseudonymising people is kept.

Profiles are JSON validated by `schema/profile.schema.json`, then by the checks a schema
cannot express (a map that is named but not defined, a strptime format that cannot parse,
a person column with no key). Every problem carries the file and its JSON path, as force
configurations' do. Nothing in a profile is ever run as code.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Iterator, Mapping
from datetime import datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo

import attrs
from jsonschema import Draft202012Validator

from engagerules.errors import ConfigError, Problem, UsageError, did_you_mean
from engagerules.model.limits import path_problem, zone_names
from engagerules.model.plan import Force
from engagerules.sources import strictjson
from engagerules.sources.shipped import shipped_schema

__all__ = [
    "AtSpec",
    "Filter",
    "IdSpec",
    "KeySource",
    "Profile",
    "Rule",
    "Source",
    "Times",
    "ValueMap",
    "ValueSpec",
    "force_problems",
    "is_profile",
    "load_profile",
    "profile_schema",
    "validate_profile",
]

#: Formats that are not strptime patterns.
SERIAL, ISO = "excel", "iso"
_TIME_DIRECTIVES = re.compile(r"%[HIMSfpXcT]")


def profile_schema() -> dict[str, Any]:
    """The JSON Schema of an import profile, as shipped in the package."""
    return shipped_schema("profile")


# ---------------------------------------------------------------------------- the model


def _one_of(*allowed: str) -> Any:
    """An attrs validator naming the field, the bad value and what would be valid."""

    def check(instance: Any, attribute: Any, value: Any) -> None:
        if value not in allowed:
            msg = (
                f"{type(instance).__name__}.{attribute.name}: {value!r} is not one of "
                f"{', '.join(allowed)}"
            )
            raise UsageError(msg)

    return check


def _positive(instance: Any, attribute: Any, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        msg = f"{type(instance).__name__}.{attribute.name}: {value!r} is not a whole number >= 1"
        raise UsageError(msg)


@attrs.frozen
class Rule:
    """How two spellings are compared: with or without case, and what whitespace counts.

    Stated per map and per filter (default: case-insensitive, runs of space collapsed),
    because an export's "North Station " and a profile's "north station" must meet.
    """

    case: str = attrs.field(default="insensitive", validator=_one_of("sensitive", "insensitive"))
    whitespace: str = attrs.field(
        default="collapse", validator=_one_of("exact", "trim", "collapse")
    )

    def __call__(self, text: str) -> str:
        if self.whitespace == "collapse":
            text = " ".join(text.split())
        elif self.whitespace == "trim":
            text = text.strip()
        return text.casefold() if self.case == "insensitive" else text

    def describe(self) -> str:
        space = {"collapse": "whitespace collapsed", "trim": "ends trimmed", "exact": "exact"}
        return f"case-{self.case}, {space[self.whitespace]}"


@attrs.frozen
class ValueMap:
    """Export spellings to engagerules values; a value of None means 'nothing' (stated)."""

    name: str
    rule: Rule
    lookup: Mapping[str, Any]  # compared form -> value
    spellings: tuple[str, ...]  # as the profile writes them, for 'did you mean'


@attrs.frozen
class ValueSpec:
    """Where one field or attribute comes from: columns, or a constant, then map and type."""

    where: str  # JSON path, for messages
    columns: tuple[str, ...] = ()
    join: str = " "
    constant: Any = None
    map: ValueMap | None = None
    split: str | None = None
    as_type: str | None = None
    required: bool = False
    pseudonymise: bool = False

    @property
    def label(self) -> str:
        """How a message names the source: `column 'X'`, `columns 'X' + 'Y'`, or constant."""
        if not self.columns:
            return "constant"
        return (
            "column"
            + ("s " if len(self.columns) > 1 else " ")
            + " + ".join(repr(c) for c in self.columns)
        )


@attrs.frozen
class IdSpec:
    """An id column (with an optional prefix), or a stable hash of the mapped event."""

    column: str | None = None
    prefix: str = ""
    hash_columns: tuple[str, ...] = ()


@attrs.frozen
class AtSpec:
    """The date (or date and time) column, an optional time-of-day column, their formats."""

    column: str
    formats: tuple[str, ...]
    time_column: str | None = None
    time_formats: tuple[str, ...] = ()


@attrs.frozen
class Filter:
    """Keep only rows whose `column` passes; the rows left out are counted under `label`."""

    label: str
    column: str
    op: str = attrs.field(validator=_one_of("in", "not_in", "present"))
    values: frozenset[str] = frozenset()
    present: bool = True
    rule: Rule = Rule()


@attrs.frozen
class Source:
    """Where rows come from and how the file is written."""

    format: str = attrs.field(validator=_one_of("csv", "xlsx", "jsonl", "sql"))
    encoding: str = "utf-8"
    delimiter: str = ","
    quotechar: str = '"'
    sheet: str | None = None
    header_row: int = attrs.field(default=1, validator=_positive)
    query: str | None = None
    batch: int = attrs.field(default=1000, validator=_positive)


@attrs.frozen
class Times:
    """The zone local times are read in (None: the force's) and the clock-change policies."""

    zone: ZoneInfo | None = None
    ambiguous: str = attrs.field(default="reject", validator=_one_of("reject", "earlier", "later"))
    nonexistent: str = attrs.field(
        default="reject", validator=_one_of("reject", "shift_forward", "shift_backward")
    )
    #: A date with no time: an all-day event (as the docs promise), or a rejected row.
    blank_time: str = attrs.field(default="all_day", validator=_one_of("all_day", "reject"))


@attrs.frozen
class KeySource:
    """Where the pseudonymisation key is found: an environment variable, then a file."""

    env: str | None = None
    file: Path | None = None


@attrs.frozen
class Profile:
    """A validated import profile."""

    id: str
    title: str
    path: Path
    force: str
    source: Source
    times: Times
    filters: tuple[Filter, ...]
    id_spec: IdSpec
    at: AtSpec
    fields: Mapping[str, ValueSpec]  # type, scope, role, person, refs
    attrs: Mapping[str, ValueSpec]
    key: KeySource | None

    @property
    def needs_key(self) -> bool:
        """True when some value is pseudonymised: then importing without a key is refused."""
        return any(spec.pseudonymise for spec in self.specs())

    def specs(self) -> Iterator[ValueSpec]:
        yield from self.fields.values()
        yield from self.attrs.values()

    def columns(self) -> tuple[str, ...]:
        """Every column the profile reads, in first-use order: a file must have them all."""
        seen: dict[str, None] = {}
        for f in self.filters:
            seen[f.column] = None
        if self.id_spec.column:
            seen[self.id_spec.column] = None
        seen.update(dict.fromkeys(self.id_spec.hash_columns))
        seen[self.at.column] = None
        if self.at.time_column:
            seen[self.at.time_column] = None
        for spec in self.specs():
            seen.update(dict.fromkeys(spec.columns))
        return tuple(seen)

    def person_columns(self) -> frozenset[str]:
        """Columns whose cells are people: never shown, only their keyed hash."""
        return frozenset(c for spec in self.specs() if spec.pseudonymise for c in spec.columns)


# ---------------------------------------------------------------------------- loading


def load_profile(path: Path | str) -> Profile:
    """Read and check a profile, raising `ConfigError` with every problem found."""
    file = Path(path)
    raw = _read_json(file)
    problems = _problems(raw, file)
    if problems:
        raise ConfigError(problems)
    return _build(raw, file)


def is_profile(path: Path) -> bool:
    """True when `path` is a JSON file that says it is an import profile (has `profile`)."""
    if not path.is_file() or path.suffix.lower() != ".json":
        return False
    try:
        raw = strictjson.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, strictjson.LimitError):
        return False
    return isinstance(raw, dict) and "profile" in raw and "obligations" not in raw


def validate_profile(path: Path | str) -> list[Problem]:
    """Every problem in the profile at `path`; empty if it is valid."""
    file = Path(path)
    try:
        raw = _read_json(file)
    except ConfigError as exc:
        return list(exc.problems)
    return _problems(raw, file)


def _read_json(file: Path) -> Any:
    return strictjson.read_file(file, missing="no such profile", encoding="utf-8-sig")


def _problems(raw: Any, file: Path) -> list[Problem]:
    flawed = [
        Problem(f"{file}: {strictjson.path_text(path)}", reason)
        for path, reason in strictjson.flaws(raw)
    ]
    if flawed:  # numbers JSON cannot mean, or nesting no profile needs: fix those first
        return flawed
    validator = Draft202012Validator(profile_schema())
    found = [
        Problem(f"{file}: {error.json_path}", _message(error))
        for error in sorted(validator.iter_errors(raw), key=lambda e: list(map(str, e.path)))
    ]
    if not found and isinstance(raw, dict):
        found.extend(Problem(f"{file}: {where}", what) for where, what in _semantic(raw))
    return found


def _message(error: Any) -> str:
    if error.validator == "oneOf" and isinstance(error.instance, dict):
        options = [s.get("required", [""])[0] for s in error.schema["oneOf"] if "required" in s]
        if options:
            given = [o for o in options if o in error.instance]
            return f"give exactly one of {', '.join(repr(o) for o in options)}" + (
                f" (has {', '.join(repr(g) for g in given)})" if given else ""
            )
    if error.validator == "required":
        return str(error.message).split(" is a required")[0] + " is required"
    message = str(error.message)
    return message if len(message) < 200 else message[:197] + "..."


def _semantic(raw: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    """What the schema cannot say: maps that exist, formats that parse, a key for people."""
    maps = raw.get("maps", {})
    times = raw.get("times", {})
    zone = times.get("zone")
    if zone is not None and zone not in zone_names():
        shown = zone if len(zone) <= 60 else zone[:57] + "..."
        yield "$.times.zone", f"{shown!r} is not an IANA time zone such as Europe/London"
    encoding = raw["source"].get("encoding")
    if encoding is not None:
        yield from _encoding(encoding)
    key_file = raw.get("pseudonymise", {}).get("key_file")
    if key_file is not None and (problem := path_problem(key_file)) is not None:
        yield "$.pseudonymise.key_file", problem
    fields = raw["fields"]
    at = fields["at"]
    yield from _formats(at["format"], "$.fields.at.format")
    if "time_format" in at:
        yield from _formats(at["time_format"], "$.fields.at.time_format")
    specs = [(f"$.fields.{k}", v) for k, v in fields.items() if k not in ("at", "id")]
    specs += [(f"$.attrs.{k}", v) for k, v in raw.get("attrs", {}).items()]
    for where, spec in specs:
        name = spec.get("map")
        if name is not None and name not in maps:
            yield f"{where}.map", f"no map {name!r} in $.maps{did_you_mean(name, maps)}"
    person = fields.get("person")
    if person is not None and "map" in person:
        yield "$.fields.person.map", "a person is never mapped: a map would put names here"
    for key in ("type", "scope", "role", "person"):
        if key in fields and "split" in fields[key]:
            yield f"$.fields.{key}.split", f"{key} holds one value, so it cannot be split"
    yield from _person_uses(raw, specs)
    people = [w for w, s in specs if s.get("pseudonymise") or w == "$.fields.person"]
    if people and "pseudonymise" not in raw:
        yield (
            people[0],
            "maps a person column but the profile names no key: add $.pseudonymise with "
            "key_env or key_file, so names are replaced by a keyed hash at the door",
        )
    for name, spec in maps.items():
        yield from _clashes(name, spec)


def _encoding(name: str) -> Iterator[tuple[str, str]]:
    """A codec Python has that decodes bytes to text (not 'rot13', nor 'undefined',
    which is a real codec that refuses everything)."""
    try:
        codecs.lookup(name)
        b"a".decode(name)
    except LookupError:
        yield "$.source.encoding", f"{name!r} is not a text encoding (utf-8, windows-1252 ...)"
    except (UnicodeError, ValueError):
        yield "$.source.encoding", f"{name!r} decodes no text: use utf-8, windows-1252 ..."


def _person_uses(
    raw: Mapping[str, Any], specs: list[tuple[str, Mapping[str, Any]]]
) -> Iterator[tuple[str, str]]:
    """A person column read any way but pseudonymised: as the id, the date, a filter, or a
    field or attribute kept as written would put a name in clear into events and reports.
    (The id's `hash` columns are pseudonymised before they are hashed.)"""
    people: dict[str, str] = {}
    for where, spec in specs:
        if spec.get("pseudonymise") or where == "$.fields.person":
            for column in _spec_columns(spec):
                people.setdefault(column, where)
    if not people:
        return
    fields = raw["fields"]
    uses = [("$.fields.id.column", fields.get("id", {}).get("column"), "the id")]
    uses += [
        ("$.fields.at.column", fields["at"]["column"], "the date"),
        ("$.fields.at.time_column", fields["at"].get("time_column"), "the time"),
    ]
    uses += [
        (f"$.filters[{i}].column", f["column"], "a filter")
        for i, f in enumerate(raw.get("filters", []))
    ]
    uses += [
        (where, column, "a value kept as written")
        for where, spec in specs
        if not (spec.get("pseudonymise") or where == "$.fields.person")
        for column in _spec_columns(spec)
    ]
    for where, column, what in uses:
        if column in people:
            yield (
                where,
                f"reads the person column {column!r} ({people[column]}) as {what}: a person's "
                "cells are only ever replaced by their keyed hash",
            )


def _spec_columns(spec: Mapping[str, Any]) -> list[str]:
    return [spec["column"]] if "column" in spec else list(spec.get("columns", ()))


def _formats(value: str | list[str], where: str) -> Iterator[tuple[str, str]]:
    formats = [value] if isinstance(value, str) else value
    for i, fmt in enumerate(formats):
        at = where if isinstance(value, str) else f"{where}[{i}]"
        if fmt in (SERIAL, ISO):
            continue
        if "%" not in fmt:
            yield at, f"{fmt!r} is not a strptime format (%d/%m/%Y %H:%M), 'excel' or 'iso'"
            continue
        sample = datetime(2022, 10, 3, 10, 15, 30)  # noqa: DTZ001 - a format test, no instant
        try:
            datetime.strptime(sample.strftime(fmt), fmt)  # noqa: DTZ007 - as above
        except (ValueError, re.error) as exc:  # re.error: a directive twice (%Y%Y)
            yield at, f"{fmt!r} cannot read back what it writes: {exc}"


def _clashes(name: str, spec: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    rule = Rule(spec.get("case", "insensitive"), spec.get("whitespace", "collapse"))
    seen: dict[str, str] = {}
    for written, value in spec["values"].items():
        key = rule(written)
        if key in seen and spec["values"][seen[key]] != value:
            yield (
                f"$.maps.{name}.values[{json.dumps(written)}]",
                f"same as {seen[key]!r} under the map's rules ({rule.describe()}) "
                "but mapped differently",
            )
        seen.setdefault(key, written)


def _build(raw: Mapping[str, Any], file: Path) -> Profile:
    maps = {
        name: ValueMap(
            name=name,
            rule=(
                rule := Rule(spec.get("case", "insensitive"), spec.get("whitespace", "collapse"))
            ),
            lookup=MappingProxyType({rule(k): v for k, v in spec["values"].items()}),
            spellings=tuple(spec["values"]),
        )
        for name, spec in raw.get("maps", {}).items()
    }
    fields = raw["fields"]
    built = {
        key: _spec(spec, f"$.fields.{key}", maps, required=key == "type", person=key == "person")
        for key, spec in fields.items()
        if key not in ("at", "id")
    }
    attributes = {
        key: _spec(spec, f"$.attrs.{key}", maps, required=False, person=False)
        for key, spec in raw.get("attrs", {}).items()
    }
    ident = fields.get("id", {"hash": []})
    at = fields["at"]
    src = raw["source"]
    times = raw.get("times", {})
    key = raw.get("pseudonymise")
    return Profile(
        id=raw["profile"],
        title=raw.get("title", raw["profile"]),
        path=file,
        force=raw["force"],
        source=Source(
            format=src["format"],
            encoding=src.get("encoding", "utf-8"),
            delimiter=src.get("delimiter", ","),
            quotechar=src.get("quotechar", '"'),
            sheet=src.get("sheet"),
            header_row=src.get("header_row", 1),
            query=src.get("query"),
            batch=src.get("batch", 1000),
        ),
        times=Times(
            zone=ZoneInfo(times["zone"]) if "zone" in times else None,
            ambiguous=times.get("ambiguous", "reject"),
            nonexistent=times.get("nonexistent", "reject"),
            blank_time=times.get("blank_time", "all_day"),
        ),
        filters=tuple(_filter(f, i) for i, f in enumerate(raw.get("filters", []))),
        id_spec=IdSpec(
            column=ident.get("column"),
            prefix=ident.get("prefix", ""),
            hash_columns=tuple(ident.get("hash", ())),
        ),
        at=AtSpec(
            column=at["column"],
            formats=_tuple(at["format"]),
            time_column=at.get("time_column"),
            time_formats=_tuple(at.get("time_format", [])),
        ),
        fields=MappingProxyType(built),
        attrs=MappingProxyType(attributes),
        key=None
        if key is None
        else KeySource(
            env=key.get("key_env"),
            file=Path(key["key_file"]).expanduser() if "key_file" in key else None,
        ),
    )


def _map(name: str, spec: Mapping[str, Any]) -> ValueMap:
    rule = Rule(spec.get("case", "insensitive"), spec.get("whitespace", "collapse"))
    return ValueMap(
        name=name,
        rule=rule,
        lookup=MappingProxyType({rule(k): v for k, v in spec["values"].items()}),
        spellings=tuple(spec["values"]),
    )


def _tuple(value: str | list[str]) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else tuple(value)


def _spec(
    spec: Mapping[str, Any],
    where: str,
    maps: Mapping[str, ValueMap],
    *,
    required: bool,
    person: bool,
) -> ValueSpec:
    columns = (spec["column"],) if "column" in spec else tuple(spec.get("columns", ()))
    return ValueSpec(
        where=where,
        columns=columns,
        join=spec.get("join", " "),
        constant=spec.get("value"),
        map=maps[spec["map"]] if "map" in spec else None,
        split=spec.get("split"),
        as_type=spec.get("as"),
        required=spec.get("required", required),
        pseudonymise=person or bool(spec.get("pseudonymise", False)),
    )


def _filter(spec: Mapping[str, Any], index: int) -> Filter:
    rule = Rule(spec.get("case", "insensitive"), spec.get("whitespace", "collapse"))
    column = spec["column"]
    if "present" in spec:
        op, values = "present", frozenset[str]()
        default = f"{column} {'is not' if spec['present'] else 'is'} blank"
    else:
        op = "in" if "in" in spec else "not_in"
        values = frozenset(rule(_text(v)) for v in spec[op])
        shown = ", ".join(_text(v) for v in spec[op])
        default = f"{column} {'is' if op == 'in' else 'is not'} {shown}"
    return Filter(
        label=spec.get("name", default) or f"filter {index + 1}",
        column=column,
        op=op,
        values=values,
        present=spec.get("present", True),
        rule=rule,
    )


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def has_time(fmt: str) -> bool:
    """True when a strptime format reads a time of day, not only a date."""
    return bool(_TIME_DIRECTIVES.search(fmt))


# ---------------------------------------------------------------------------- the force


def force_problems(profile: Profile, force: Force) -> list[Problem]:
    """Values the profile produces that the force does not know: types, units, roles.

    Checked once, before any row is read, so a typo in a map is one located problem and
    not a rejection on every row that uses it.
    """
    known = {
        "type": ({t.id for t in force.event_types}, "an event type"),
        "scope": ({u.id for u in force.units}, "a unit"),
        "role": ({r.id for r in force.roles}, "a role"),
    }
    found: list[Problem] = []
    for key, (names, what) in known.items():
        spec = profile.fields.get(key)
        if spec is None:
            continue
        if not spec.columns and spec.constant is not None:
            value = _text(spec.constant)
            if value not in names:
                found.append(
                    Problem(
                        f"{profile.path}: {spec.where}.value",
                        f"{value!r} is not {what} of {force.id}{did_you_mean(value, names)}",
                    )
                )
        if spec.map is None:
            continue
        for written in spec.map.spellings:
            value = spec.map.lookup[spec.map.rule(written)]
            if value is None or _text(value) in names:
                continue
            found.append(
                Problem(
                    f"{profile.path}: $.maps.{spec.map.name}.values[{json.dumps(written)}]",
                    f"{_text(value)!r} is not {what} of {force.id}"
                    f"{did_you_mean(_text(value), names)}",
                )
            )
    found.extend(_code_problems(profile, force))
    return found


def _code_problems(profile: Profile, force: Force) -> Iterator[Problem]:
    """Attribute values the profile writes that are not codes of that attribute of the
    types it produces: every row using such a spelling would be rejected, so the map is
    wrong, once, where it is written."""
    spec = profile.fields.get("type")
    if spec is None:
        return
    if spec.map is not None:
        produced = {spec.map.lookup[spec.map.rule(w)] for w in spec.map.spellings}
    else:
        produced = {spec.constant}
    types = [t for t in force.event_types if t.id in {_text(v) for v in produced if v}]
    seen: set[str] = set()
    for name, attr in profile.attrs.items():
        for kind in types:
            declared = next((a for a in kind.attributes if a.name == name and a.codes), None)
            if declared is None:
                continue
            codes = set(declared.code_ids)
            for where, value in _written(attr):
                if value is None or _text(value) in codes or where in seen:
                    continue
                seen.add(where)
                yield Problem(
                    f"{profile.path}: {where}",
                    f"{_text(value)!r} is not a code of {kind.id}.{name} in {force.id} (codes: "
                    f"{', '.join(declared.code_ids)}){did_you_mean(_text(value), codes)}",
                )


def _written(spec: ValueSpec) -> Iterator[tuple[str, Any]]:
    """Each value an attribute's spec can give, with the JSON path it is written at."""
    if not spec.columns and spec.constant is not None:
        yield f"{spec.where}.value", spec.constant
    if spec.map is not None:
        for written in spec.map.spellings:
            value = spec.map.lookup[spec.map.rule(written)]
            yield f"$.maps.{spec.map.name}.values[{json.dumps(written)}]", value
