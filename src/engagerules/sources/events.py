"""Activity events: reading JSON Lines, JSON and CSV exports, and indexing them for the engine.

Every record read ends up somewhere: as an `Event`, or as a `Rejection` naming its file,
line and reason. `EventLog.read` is the count of records seen, so a report can show
read = matched + unmatched + rejected and nothing is silently dropped.
"""

from __future__ import annotations

import csv
import io
import json
import math
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import UTC, date, datetime, time, tzinfo
from pathlib import Path
from types import MappingProxyType
from typing import Any

import attrs

from engagerules.errors import EventError, did_you_mean
from engagerules.model.periods import localize
from engagerules.model.plan import AttrSpec, AttrType, Force

__all__ = [
    "Event",
    "EventLog",
    "Rejection",
    "parse_events",
    "read_events",
]

_FIELDS = frozenset({"id", "type", "at", "scope", "role", "person", "attrs", "refs"})
_FORMATS = (".jsonl", ".ndjson", ".json", ".csv")
_EXTRA = "\x00extra"  # restkey for CSV rows longer than the header


def _frozen_mapping(value: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(dict(value))


@attrs.frozen
class Event:
    """One thing that was done. `at` is kept in UTC (see `Window` for why); show it in
    the force's zone."""

    id: str
    type: str
    at: datetime
    scope: str | None = None
    role: str | None = None
    person: str | None = None
    attrs: Mapping[str, Any] = attrs.field(
        factory=dict, converter=_frozen_mapping, eq=False, repr=False
    )
    refs: tuple[str, ...] = ()
    all_day: bool = False
    file: str = ""
    line: int = 0


@attrs.frozen
class Rejection:
    """A record that broke the event rules, located by file and line."""

    file: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.reason}"


@attrs.frozen
class EventLog:
    """What reading gave: the valid events, the rejections, and how many records were read."""

    events: tuple[Event, ...]
    rejections: tuple[Rejection, ...]

    @property
    def read(self) -> int:
        return len(self.events) + len(self.rejections)


# ---------------------------------------------------------------------------- reading


#: How many records pass between two calls of a `read_events` progress callback.
PROGRESS_EVERY = 10_000


def read_events(
    paths: Iterable[Path | str],
    force: Force,
    *,
    progress: Callable[[str, int], None] | None = None,
) -> EventLog:
    """Read every file (by extension: .jsonl, .json or .csv; `-` is JSON Lines on stdin).

    Raises `EventError` only when a file cannot be read at all; bad records become
    rejections and reading goes on. `progress`, if given, is called with the file being
    read and the records read so far, every `PROGRESS_EVERY` records and after each file,
    so a command line can show that a large input is moving.
    """
    records: list[tuple[str, int, Any]] = []
    for path in paths:
        name = str(path)
        for record in _records(Path(path) if name != "-" else None):
            records.append(record)
            if progress is not None and len(records) % PROGRESS_EVERY == 0:
                progress(name, len(records))
        if progress is not None:
            progress(name, len(records))
    return parse_events(records, force)


def parse_events(records: Iterable[tuple[str, int, Any]], force: Force) -> EventLog:
    """Turn `(file, line, raw record)` triples into events and rejections.

    Checks what needs the force (the type is in its vocabulary, the scope is one of its
    units) and that ids are unique across all inputs; the first use of an id wins.
    """
    types = {t.id for t in force.event_types}
    units = {u.id for u in force.units}
    declared = {t.id: t.attributes for t in force.event_types if t.attributes}
    events: list[Event] = []
    rejections: list[Rejection] = []
    seen: dict[str, str] = {}
    for file, line, raw in records:
        try:
            event = _event(raw, file, line, force.zone)
            _check_vocabulary(event, types, units)
            if event.type in declared:
                _check_attributes(event, declared[event.type])
            if event.id in seen:
                msg = f"id: {event.id!r} is used twice (first at {seen[event.id]})"
                raise _RecordError(msg)
        except _RecordError as exc:
            rejections.append(Rejection(file, line, str(exc)))
            continue
        seen[event.id] = f"{file}:{line}"
        events.append(event)
    return EventLog(tuple(events), tuple(rejections))


class _RecordError(Exception):
    pass


def _records(path: Path | None) -> Iterator[tuple[str, int, Any]]:
    if path is None:
        yield from _jsonl("<stdin>", sys.stdin.read())
        return
    suffix = path.suffix.lower()
    if suffix not in _FORMATS:
        msg = f"{path}: unknown events format {suffix or '(none)'!r}: use .jsonl, .json or .csv"
        raise EventError(msg)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise EventError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise EventError(f"{path}: cannot be read: {exc}") from None
    name = str(path)
    if suffix == ".csv":
        yield from _csv(name, text)
    elif suffix == ".json":
        yield from _json_array(name, text)
    else:
        yield from _jsonl(name, text)


def _jsonl(name: str, text: str) -> Iterator[tuple[str, int, Any]]:
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            yield name, number, json.loads(line)
        except json.JSONDecodeError as exc:
            yield name, number, _Unparsed(f"not valid JSON: {exc.msg} (column {exc.colno})")


def _json_array(name: str, text: str) -> Iterator[tuple[str, int, Any]]:
    """Each element of a top-level array, with the line it starts on."""
    decoder = json.JSONDecoder()
    pos = _skip_space(text, 0)
    if not text.startswith("[", pos):
        raise EventError(f"{name}:{_line_of(text, pos)}: expected a JSON array of events")
    pos = _skip_space(text, pos + 1)
    if text.startswith("]", pos):
        return
    while True:
        try:
            value, end = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            raise EventError(f"{name}:{exc.lineno}: not valid JSON: {exc.msg}") from None
        yield name, _line_of(text, pos), value
        pos = _skip_space(text, end)
        if text.startswith(",", pos):
            pos = _skip_space(text, pos + 1)
        elif text.startswith("]", pos):
            if text[pos + 1 :].strip():
                raise EventError(f"{name}:{_line_of(text, pos + 1)}: text after the array")
            return
        else:
            raise EventError(f"{name}:{_line_of(text, pos)}: expected ',' or ']' in the array")


def _skip_space(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \t\r\n":
        pos += 1
    return pos


def _line_of(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1


def _csv(name: str, text: str) -> Iterator[tuple[str, int, Any]]:
    reader = csv.DictReader(io.StringIO(text, newline=""), restkey=_EXTRA)
    if reader.fieldnames is None:
        return
    header = [h.strip() for h in reader.fieldnames]
    blanks = [i + 1 for i, h in enumerate(header) if not h]
    if blanks:
        raise EventError(f"{name}:1: column {blanks[0]} of the header has no name")
    reader.fieldnames = header
    start = 1
    for row in reader:
        line = start + 1
        start = reader.line_num
        extra = row.pop(_EXTRA, None)
        if extra is not None:
            fields = len(header) + len(extra)
            yield name, line, _Unparsed(f"has {fields} fields but the header has {len(header)}")
            continue
        if not any((v or "").strip() for v in row.values()):
            continue
        yield name, line, _from_csv_row(row)


def _from_csv_row(row: Mapping[str, str | None]) -> dict[str, Any]:
    record: dict[str, Any] = {}
    extras: dict[str, Any] = {}
    for key, value in row.items():
        if value is None or value == "":
            continue
        if key == "refs":
            record["refs"] = [r.strip() for r in value.split(";") if r.strip()]
        elif key == "attrs":
            try:
                parsed = json.loads(value)
            except json.JSONDecodeError:
                parsed = None
            if not isinstance(parsed, dict):
                return {"\x00error": "attrs: a CSV 'attrs' cell must hold a JSON object"}
            extras.update(parsed)
        elif key in _FIELDS:
            record[key] = value
        else:
            extras[key] = value
    if extras:
        record["attrs"] = extras
    return record


@attrs.frozen
class _Unparsed:
    reason: str


def _event(raw: Any, file: str, line: int, zone: tzinfo) -> Event:
    if isinstance(raw, _Unparsed):
        raise _RecordError(raw.reason)
    if not isinstance(raw, dict):
        raise _RecordError(f"a record must be an object, not {type(raw).__name__}")
    if "\x00error" in raw:
        raise _RecordError(raw["\x00error"])
    missing = [key for key in ("id", "type", "at") if raw.get(key) in (None, "")]
    if missing:
        raise _RecordError(f"{', '.join(missing)}: required")
    ident = _text(raw, "id")
    kind = _text(raw, "type")
    at, all_day = _timestamp(raw["at"], zone)
    attributes = raw.get("attrs", {})
    if not isinstance(attributes, dict):
        raise _RecordError("attrs: must be an object")
    unknown = {k: v for k, v in raw.items() if k not in _FIELDS}
    clash = sorted(set(unknown) & set(attributes)) if unknown else []
    if clash:
        raise _RecordError(f"{clash[0]}: given both as a field and in attrs")
    refs = raw.get("refs", [])
    if isinstance(refs, str):
        refs = [r.strip() for r in refs.split(";") if r.strip()]
    if not isinstance(refs, list) or not all(isinstance(r, str | int) for r in refs):
        raise _RecordError("refs: must be a list of event ids")
    return Event(
        id=ident,
        type=kind,
        at=at,
        scope=_optional_text(raw, "scope"),
        role=_optional_text(raw, "role"),
        person=_optional_text(raw, "person"),
        attrs={**attributes, **unknown},
        refs=tuple(str(r) for r in refs),
        all_day=all_day,
        file=file,
        line=line,
    )


def _text(raw: Mapping[str, Any], key: str) -> str:
    value = raw[key]
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise _RecordError(f"{key}: must be a string, not {json.dumps(value)}")
    return str(value).strip()


def _optional_text(raw: Mapping[str, Any], key: str) -> str | None:
    if raw.get(key) in (None, ""):
        return None
    return _text(raw, key)


def _timestamp(value: Any, zone: tzinfo) -> tuple[datetime, bool]:
    """An aware instant in `zone`; a bare date is the start of that local day, all day."""
    if not isinstance(value, str):
        raise _RecordError(f"at: {json.dumps(value)} is not an ISO 8601 timestamp")
    text = value.strip()
    if len(text) == 10:
        try:
            day = date.fromisoformat(text)
        except ValueError:
            raise _RecordError(f"at: {value!r} is not an ISO 8601 date") from None
        return localize(datetime.combine(day, time(0)), zone).astimezone(UTC), True
    try:
        moment = datetime.fromisoformat(text.replace("z", "Z"))
    except ValueError:
        raise _RecordError(f"at: {value!r} is not an ISO 8601 timestamp") from None
    if moment.tzinfo is None:
        raise _RecordError(f"at: {value!r} has no offset: add one (+01:00) or Z")
    return moment.astimezone(UTC), False


def _check_vocabulary(event: Event, types: set[str], units: set[str]) -> None:
    if event.type not in types:
        hint = did_you_mean(event.type, types)
        raise _RecordError(f"type: {event.type!r} is not in the force's vocabulary{hint}")
    if event.scope is not None and event.scope not in units:
        hint = did_you_mean(event.scope, units)
        raise _RecordError(f"scope: {event.scope!r} is not a unit of this force{hint}")


# ---------------------------------------------------------------------------- attributes

_TRUE = frozenset({"true", "yes", "y", "1"})
_FALSE = frozenset({"false", "no", "n", "0"})


def _check_attributes(event: Event, specs: tuple[AttrSpec, ...]) -> None:
    """Reject a record whose attribute breaks its type's declaration, saying what would be
    valid: an unreadable value is never quietly read as nothing ("3h" hours, "20/10/2022"
    as a date, "Priority crime" for the code `priority_crime`). Absent attributes pass
    here; a duty that needs one says so when judged."""
    for spec in specs:
        value = event.attrs.get(spec.name)
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        items = value if isinstance(value, list) and spec.type is AttrType.CODE else [value]
        for item in items:
            problem = _attr_problem(spec, item)
            if problem is not None:
                raise _RecordError(f"attrs.{spec.name}: {json.dumps(item)} {problem}")


def _attr_problem(spec: AttrSpec, value: Any) -> str | None:
    """What is wrong with one value for `spec`, or None if it keeps the declaration."""
    text = value.strip() if isinstance(value, str) else None
    match spec.type:
        case AttrType.NUMBER | AttrType.INTEGER:
            number = _finite(value)
            if number is None:
                return f"is not a {spec.type.value}"
            if spec.type is AttrType.INTEGER and not number.is_integer():
                return "is not a whole number"
        case AttrType.BOOLEAN:
            if not isinstance(value, bool) and (text is None or text.lower() not in _TRUE | _FALSE):
                return "is not true or false"
        case AttrType.DATE:
            if text is None or not _is_date(text):
                return "is not a date (YYYY-MM-DD)"
        case AttrType.TIMESTAMP:
            if text is None or not _is_timestamp(text):
                return "is not an ISO 8601 timestamp with offset"
        case AttrType.TEXT:
            if not isinstance(value, str):
                return "is not text"
        case AttrType.CODE:
            codes = spec.code_ids
            if text not in codes:
                titles = {title.lower(): code for code, title in spec.codes}
                hint = (
                    f" (did you mean {titles[text.lower()]!r}?)"
                    if text is not None and text.lower() in titles
                    else did_you_mean(str(value), codes)
                )
                return f"is not one of {', '.join(codes)}{hint}"
    return None


def _finite(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            return None
    else:
        return None
    return number if math.isfinite(number) else None


def _is_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return len(text) == 10


def _is_timestamp(text: str) -> bool:
    try:
        moment = datetime.fromisoformat(text.replace("z", "Z"))
    except ValueError:
        return False
    return moment.tzinfo is not None
