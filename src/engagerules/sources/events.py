"""Activity events: reading JSON Lines, JSON and CSV exports, and indexing them for the engine.

Every record read ends up somewhere: as an `Event`, or as a `Rejection` naming its file,
line and reason. `EventLog.read` is the count of records seen, so a report can show
read = matched + unmatched + rejected and nothing is silently dropped.

A reason never quotes what the record gave (a name typed into `scope`, `role` or a code
attribute): it names the field, what was wrong, and the value's shape and fingerprint
(`sources.withheld`); the rejection keeps the quoting version for `--show-values`. Only
names the force declares (its event types, units, codes) and the ids reports cite as
evidence are quoted.
"""

from __future__ import annotations

import csv
import difflib
import io
import json
import math
import sys
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from datetime import UTC, date, datetime, time, tzinfo
from functools import lru_cache
from itertools import islice
from operator import attrgetter
from pathlib import Path
from types import MappingProxyType
from typing import Any

import attrs
import msgspec

from engagerules.errors import EventError, did_you_mean
from engagerules.model.conditions import folded, number_text, recorded
from engagerules.model.event import (
    UNDECLARED,
    Event,
    EventLog,
    Rejection,
    Unlisted,
    gc_paused,
)
from engagerules.model.limits import MAX_DEPTH, csv_message, year_problem
from engagerules.model.periods import PERIOD_FORMS, is_period_label, localize
from engagerules.model.plan import AttrSpec, AttrType, Force
from engagerules.sources import strictjson
from engagerules.sources.withheld import value_text, withheld

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
#: The most characters of a bad value `--show-values` quotes.
_QUOTE = 60


# ---------------------------------------------------------------------------- reading


#: How many records pass between two calls of a `read_events` progress callback.
PROGRESS_EVERY = 10_000


def read_events(
    paths: Iterable[Path | str],
    force: Force,
    *,
    progress: Callable[[str, int], None] | None = None,
    fast: bool = True,
    fingerprint_key: bytes | None = None,
) -> EventLog:
    """Read every file (by extension: .jsonl, .json or .csv; `-` is JSON Lines on stdin).

    Raises `EventError` only when a file cannot be read at all; bad records become
    rejections and reading goes on. `progress`, if given, is called with the file being
    read and the records read so far, every `PROGRESS_EVERY` records and after each file,
    so a command line can show that a large input is moving.

    JSON Lines files are read by the fast reader (`fastread`), which gives the same events
    and rejections as the careful one; `fast=False` reads everything the careful way (the
    differential test compares the two). Records are turned into events as they are read,
    never all held as dicts at once, and the cyclic garbage collector is paused meanwhile:
    events hold no cycles, and on a million of them its passes were a third of the time.

    Values a rejection withholds are fingerprinted with `fingerprint_key`, else a key
    made for this run (`withheld.RUN_KEY`).
    """
    intake = _Intake(force, fingerprint_key)
    count = 0
    with gc_paused():
        for path in paths:
            name = str(path)
            if name.lower().endswith(".parquet"):
                count += _ingested(intake, name, force)
                if progress is not None:
                    progress(name, count)
                continue
            for checked, batch in _batches(Path(path) if name != "-" else None, force, fast=fast):
                if checked:
                    intake.checked(batch)
                else:
                    intake.records(batch)
                count += len(batch)
                if progress is not None:
                    progress(name, count)
            if progress is not None:
                progress(name, count)
        log = intake.log()
        # Let go of the ids taken (a million strings) and the list of events before the
        # collector runs again: its next pass would walk every young container, each of
        # their million items touched once more (0.1 s of a million-event check).
        del intake
    return log


def read_table(url: str, table: str, force: Force) -> EventLog:
    """The events `ingest -o URL --table NAME` wrote to a database, checked again against
    the force as it is now, with the rejections kept beside them (as a Parquet file's)."""
    from engagerules.sources.parquet import table_records

    intake = _Intake(force)
    with gc_paused():
        events, rejections, _ = table_records(url, table, force)
        intake.rejections.extend(rejections)
        intake.records((event.file, event.line, event) for event in events)
    return intake.log()


def _ingested(intake: _Intake, name: str, force: Force) -> int:
    """Take a file `ingest` wrote: its rejections as they were, its events checked again
    against the force as it is now. Returns the records the original exports held."""
    from engagerules.sources.parquet import parquet_records

    events, rejections, read = parquet_records(name, force)
    intake.rejections.extend(rejections)
    intake.records((event.file, event.line, event) for event in events)
    return read


def _batches(path: Path | None, force: Force, *, fast: bool) -> Iterator[tuple[bool, list[Any]]]:
    """The records of one file in lists of at most `PROGRESS_EVERY`: a progress report
    between lists, and no Python generator step per record. Each list is marked checked
    (True) when it holds only events the fast reader has checked against the force, or
    else holds `(file, line, raw record)` triples."""
    if fast and path is not None and path.suffix.lower() in (".jsonl", ".ndjson"):
        from engagerules.sources.fastread import fast_jsonl

        quick = fast_jsonl(path, force)
        if quick is not None:
            for checked, block in quick:
                for start in range(0, len(block), PROGRESS_EVERY):
                    yield checked, block[start : start + PROGRESS_EVERY]
            return
    records = _records(path)
    while batch := list(islice(records, PROGRESS_EVERY)):
        yield False, batch


def parse_events(
    records: Iterable[tuple[str, int, Any]], force: Force, *, fingerprint_key: bytes | None = None
) -> EventLog:
    """Turn `(file, line, raw record)` triples into events and rejections.

    Checks what needs the force (the type is in its vocabulary, the scope is one of its
    units) and that ids are unique across all inputs; the first use of an id wins. Values
    a rejection withholds are fingerprinted with `fingerprint_key` (see `read_events`).
    """
    intake = _Intake(force, fingerprint_key)
    intake.records(records)
    return intake.log()


class _Intake:
    """The events and rejections of a read so far, and the ids already taken.

    The ids are a set, grown a block at a time by one call made in C; the event that took
    each id first, which a rejection names, is looked up only once some id repeats."""

    def __init__(self, force: Force, fingerprint_key: bytes | None = None) -> None:
        self.zone = force.zone
        self.key = fingerprint_key
        self.types = {t.id for t in force.event_types}
        self.units = {u.id for u in force.units}
        self.declared = declarations(force)
        self.events: list[Event] = []
        self.rejections: list[Rejection] = []
        self.ids: set[str] = set()
        self.first: dict[str, Event] | None = None  # id -> event, once an id repeats

    def log(self) -> EventLog:
        return EventLog(tuple(self.events), tuple(self.rejections))

    def checked(self, batch: list[Event]) -> None:
        """Events the fast reader has checked against the force, but for their ids: when
        none repeats (the rule) they are taken whole, else one by one."""
        if self.first is None:
            ids = self.ids
            before = len(ids)
            ids.update(map(_ID, batch))
            if len(ids) == before + len(batch):
                self.events.extend(batch)
                return
            self.ids = set(map(_ID, self.events))  # the ids as they were before the batch
        self.records((event.file, event.line, event) for event in batch)

    def records(self, records: Iterable[tuple[str, int, Any]]) -> None:
        """Raw records (or events the fast reader built, checked again here), in order."""
        types, units, declared = self.types, self.units, self.declared
        events, rejections, ids = self.events, self.rejections, self.ids
        for file, line, raw in records:
            try:
                # An Event is a record the fast reader has already decoded and checked
                # field by field with the validators `_event` uses; the rest applies to both.
                event = raw if type(raw) is Event else _event(raw, file, line, self.zone)
                _check_vocabulary(event, types, units)
                if event.type in declared:
                    cells = raw.cells if type(raw) is _CsvRecord else frozenset()
                    event = _check_attributes(event, *declared[event.type], cells=cells)
                if event.id in ids:
                    first = self._first()[event.id]
                    msg = f"id: {event.id!r} is used twice (first at {first.file}:{first.line})"
                    raise _RecordError(msg)
            except _RecordError as exc:
                rejection = exc.rejection(file, line, self.key)
                rejections.append(self.readable(rejection, raw))
                continue
            ids.add(event.id)
            if self.first is not None:
                self.first.setdefault(event.id, event)
            events.append(event)

    def readable(self, rejection: Rejection, raw: Any) -> Rejection:
        return readable(rejection, raw, self.zone, self.types, self.units)

    def _first(self) -> dict[str, Event]:
        """The event that took each id (the first, as events are kept in order)."""
        if self.first is None:
            self.first = {}
            for event in self.events:
                self.first.setdefault(event.id, event)
        return self.first


_ID = attrgetter("id")


def readable(
    rejection: Rejection, raw: Any, zone: tzinfo, types: Collection[str], units: Collection[str]
) -> Rejection:
    """`rejection` with what could be read of its record (`raw`, as read or as far as an
    import mapped it): its type, instant and unit as the force names them
    (`Rejection.type`), so a rule the record may have broken is never read as met."""
    kind: Any
    if type(raw) is Event:
        kind, scope, at = raw.type, raw.scope, raw.at
    elif isinstance(raw, dict):
        kind, scope = raw.get("type"), raw.get("scope")
        try:
            at = _timestamp(raw.get("at"), zone)[0]
        except _RecordError:
            at = None
    else:
        return rejection
    known = kind.strip() if isinstance(kind, str) else None
    undeclared = bool(known) and known not in types
    return attrs.evolve(
        rejection,
        type=None if not known else UNDECLARED if undeclared else known,
        alike=_resembled(known, frozenset(types)) if known and undeclared else (),
        at=at,
        unit=scope.strip() if isinstance(scope, str) and scope.strip() in units else None,
    )


@lru_cache(maxsize=256)
def _resembled(name: str, types: frozenset[str]) -> tuple[str, ...]:
    """The declared `types` an undeclared type `name` may be a misspelling of: the same
    once case and separators are set aside, or as close a spelling as a did-you-mean
    offers (difflib's default closeness), all of them, not only the closest. A record
    rejected for one may be of any, so no window it may fall in reads met; a name like
    none stays of no type. Cached: a log may repeat one wrong name many times."""
    squeezed = {t: folded(t).replace(" ", "") for t in types}
    mine = folded(name).replace(" ", "")
    if not mine or not squeezed:
        return ()
    close = set(difflib.get_close_matches(mine, set(squeezed.values()), n=len(squeezed)))
    return tuple(sorted(t for t, key in squeezed.items() if key == mine or key in close))


_NO_VALUE: Any = object()


class _RecordError(Exception):
    """What is wrong with a record: `where` (a field or JSON path) and, when the record
    gave a value there, the `value` and what is wrong with it (`problem`). The value is
    never put in the message itself: reports get its shape and fingerprint, and only the
    rejection's `quoting` (for `--show-values`) quotes it."""

    def __init__(self, where: str, value: Any = _NO_VALUE, problem: str = "") -> None:
        super().__init__(where)
        self.where, self.value, self.problem = where, value, problem

    def said(self, value: str) -> str:
        if self.value is _NO_VALUE:
            return self.where
        gap = "" if self.problem.startswith(":") else " "
        return f"{self.where}: {value}{gap}{self.problem}"

    def rejection(self, file: str, line: int, key: bytes | None) -> Rejection:
        if self.value is _NO_VALUE:
            return Rejection(file, line, self.where)
        value = self.value
        quoted = (
            repr(value)
            if isinstance(value, str)
            else json.dumps(value, ensure_ascii=False, default=str)
        )
        reason = self.said(withheld(value_text(value), key))
        return Rejection(file, line, reason, quoting=self.said(_quote(quoted)))

    def __str__(self) -> str:
        """The reason as reports give it, the value withheld under this run's key."""
        return self.rejection("", 0, None).reason


def _records(path: Path | None) -> Iterator[tuple[str, int, Any]]:
    if path is None:
        try:
            text = sys.stdin.buffer.read().decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise EventError(f"<stdin>: cannot be read: {exc}") from None
        yield from _jsonl("<stdin>", text)
        return
    suffix = path.suffix.lower()
    if suffix not in _FORMATS:
        msg = (
            f"{path}: unknown events format {suffix or '(none)'!r}: "
            "use .jsonl, .json, .csv or .parquet (written by ingest)"
        )
        raise EventError(msg)
    try:
        # newline="": a CR is data, not a line end (JSON Lines ends lines with LF only).
        with path.open(encoding="utf-8-sig", newline="") as stream:
            text = stream.read()
    except FileNotFoundError:
        raise EventError(f"{path}: no such file") from None
    except UnicodeDecodeError:
        raise EventError(_not_utf8(path)) from None
    except (OSError, ValueError) as exc:  # ValueError: a NUL in the name
        raise EventError(f"{path}: cannot be read: {exc}") from None
    name = str(path)
    if suffix == ".csv":
        yield from _csv(name, text)
    elif suffix == ".json":
        yield from _json_array(name, text)
    else:
        yield from _jsonl(name, text)


def _not_utf8(path: Path) -> str:
    """Where an event file stops being UTF-8, by line, and what to do: an export saved by
    Excel is often windows-1252, which an import profile reads (`source.encoding`)."""
    data = path.read_bytes()
    try:
        data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        return (
            f"{path}:{line}: byte 0x{data[exc.start]:02x} is not UTF-8 text: event files are "
            "UTF-8; an export in another encoding (Excel's windows-1252) is read through an "
            "import profile with source.encoding (--profile; see docs/check-your-own-exports.md)"
        )
    return f"{path}: cannot be read as UTF-8 text"  # pragma: no cover - it failed before


def _jsonl(name: str, text: str) -> Iterator[tuple[str, int, Any]]:
    """One record per line, as `strictjson.json_lines` splits and reads them."""
    for number, value, why in strictjson.json_lines(text):
        yield name, number, value if why is None else _Unparsed(why)


def _json_array(name: str, text: str) -> Iterator[tuple[str, int, Any]]:
    """Each element of a top-level array, with the line it starts on."""
    decoder = strictjson.decoder()
    line_of = _LineCounter(text)
    pos = _skip_space(text, 0)
    if not text.startswith("[", pos):
        raise EventError(f"{name}:{line_of(pos)}: expected a JSON array of events")
    pos = _skip_space(text, pos + 1)
    if text.startswith("]", pos):
        return
    while True:
        try:
            value, end = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            raise EventError(f"{name}:{exc.lineno}: not valid JSON: {exc.msg}") from None
        except RecursionError:
            line = line_of(pos)
            msg = f"{name}:{line}: nested more than {MAX_DEPTH} levels deep: cannot read on"
            raise EventError(msg) from None
        try:
            strictjson.check_text(text[pos:end], value)
        except strictjson.LimitError as exc:
            value = _Unparsed(str(exc))
        yield name, line_of(pos), value
        pos = _skip_space(text, end)
        if text.startswith(",", pos):
            pos = _skip_space(text, pos + 1)
        elif text.startswith("]", pos):
            rest = text[pos + 1 :]
            if rest.strip():
                stray = len(text) - len(rest.lstrip())
                raise EventError(f"{name}:{line_of(stray)}: text after the array")
            return
        else:
            raise EventError(f"{name}:{line_of(pos)}: expected ',' or ']' in the array")


def _skip_space(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \t\r\n":
        pos += 1
    return pos


class _LineCounter:
    """The line (1 for the first) of a position in `text`, for positions asked in order.

    Each call counts the line ends only since the position asked before, so reading a
    whole array costs one pass over the text, not one per record (which was quadratic:
    a 100 MB array of a million records counted through 50 TB). A position before the
    last one asked is counted afresh from the start.
    """

    def __init__(self, text: str) -> None:
        self._text = text
        self._pos = 0
        self._line = 1

    def __call__(self, pos: int) -> int:
        if pos < self._pos:
            self._pos, self._line = 0, 1
        self._line += self._text.count("\n", self._pos, pos)
        self._pos = pos
        return self._line


def _csv(name: str, text: str) -> Iterator[tuple[str, int, Any]]:
    reader = csv.DictReader(io.StringIO(text, newline=""), restkey=_EXTRA)
    try:
        yield from _csv_rows(name, reader)
    except csv.Error as exc:
        raise EventError(f"{name}:{reader.reader.line_num}: {csv_message(exc)}") from None


def _csv_rows(name: str, reader: csv.DictReader[str]) -> Iterator[tuple[str, int, Any]]:
    if reader.fieldnames is None:
        return
    header = [h.strip() for h in reader.fieldnames]
    if not header:
        raise EventError(f"{name}:1: the header row is empty: it names the columns")
    blanks = [i + 1 for i, h in enumerate(header) if not h]
    if blanks:
        raise EventError(f"{name}:1: column {blanks[0]} of the header has no name")
    first: dict[str, int] = {}
    for i, column in enumerate(header, start=1):
        if column in first:
            msg = f"{name}:1: column {i} repeats {column!r} (column {first[column]}): "
            raise EventError(msg + "each column may appear once")
        first[column] = i
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
            yield name, line, _Unparsed("every cell of the row is empty")
            continue
        yield name, line, _from_csv_row(row)


class _CsvRecord(dict[str, Any]):
    """A CSV row as a record. Its `cells` are the attributes given as cells of their own,
    text by nature: where the type declares such an attribute a number, the cell is read as
    that number (`_check_attributes`), whereas a JSON string is never a number."""

    cells: frozenset[str] = frozenset()


def _from_csv_row(row: Mapping[str, str | None]) -> dict[str, Any]:
    record = _CsvRecord()
    extras: dict[str, Any] = {}
    cells: set[str] = set()
    for key, value in row.items():
        if value is None or value == "":
            continue
        if key == "refs":
            record["refs"] = [r.strip() for r in value.split(";") if r.strip()]
        elif key == "attrs":
            try:
                parsed = strictjson.loads(value)
            except (json.JSONDecodeError, strictjson.LimitError):
                parsed = None
            if not isinstance(parsed, dict):
                return {"\x00error": "attrs: a CSV 'attrs' cell must hold a JSON object"}
            extras.update(parsed)
            cells.difference_update(parsed)
        elif key in _FIELDS:
            record[key] = value
        else:
            extras[key] = value
            cells.add(key)
    if extras:
        record["attrs"] = extras
    record.cells = frozenset(cells)
    return record


@attrs.frozen
class _Unparsed:
    reason: str


def _event(raw: Any, file: str, line: int, zone: tzinfo) -> Event:
    if isinstance(raw, _Unparsed):
        raise _RecordError(raw.reason)
    flaw = strictjson.first_flaw(raw)
    if flaw is not None:
        where, reason = flaw
        raise _RecordError(f"{strictjson.path_text(where, '')[1:] or 'the record'}: {reason}")
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
        field = strictjson.path_text((clash[0],), "")[1:]
        raise _RecordError(f"{field}: given both as a field and in attrs")
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
        person=_person(raw),
        attrs={**attributes, **unknown},
        refs=tuple(str(r) for r in refs),
        all_day=all_day,
        file=file,
        line=line,
    )


def _text(raw: Mapping[str, Any], key: str) -> str:
    value = raw[key]
    if isinstance(value, bool) or value is None:  # nothing typed to withhold
        raise _RecordError(f"{key}: is {_json_kind(value)}, not a string")
    if not isinstance(value, str | int):
        raise _RecordError(key, value, f"is {_json_kind(value)}, not a string")
    return str(value).strip()


def _json_kind(value: Any) -> str:
    """What a JSON value is, in words: `a list`, `an object`, `true or false` ..."""
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, int | float):
        return "a number"
    return "null" if value is None else type(value).__name__


def _person(raw: Mapping[str, Any]) -> str | None:
    """The record's pseudonymous id of a person. One holding a space or an @ is a name or
    an e-mail address typed where an id belongs: the record is rejected (its value
    withheld), so no one's name reaches a report as the scope of a per-person duty."""
    person = _optional_text(raw, "person")
    if person is not None and not looks_pseudonymous(person):
        raise _RecordError(
            "person", raw["person"], "is not a pseudonymous id (a space or @: a name or address?)"
        )
    return person


def looks_pseudonymous(person: str) -> bool:
    """Whether a person field can be the pseudonymous id the contract asks for."""
    return "@" not in person and not any(c.isspace() for c in person)


def _optional_text(raw: Mapping[str, Any], key: str) -> str | None:
    """The field's text, trimmed, or None where it holds nothing (blank is not a value:
    a person of "  " is no one, and goes to data quality as one)."""
    if raw.get(key) in (None, ""):
        return None
    return _text(raw, key) or None


def _timestamp(value: Any, zone: tzinfo) -> tuple[datetime, bool]:
    """An aware instant in `zone`; a bare date is the start of that local day, all day."""
    if not isinstance(value, str):
        raise _RecordError("at", value, "is not an ISO 8601 timestamp")
    text = value.strip()
    if len(text) == 10:
        try:
            day = date.fromisoformat(text)
        except ValueError:
            raise _RecordError("at", value, "is not an ISO 8601 date") from None
        _check_year(day, value)
        return localize(datetime.combine(day, time(0)), zone).astimezone(UTC), True
    try:
        moment = datetime.fromisoformat(text.replace("z", "Z"))
    except ValueError:
        raise _RecordError("at", value, "is not an ISO 8601 timestamp") from None
    if moment.tzinfo is None:
        raise _RecordError("at", value, "has no offset: add one (+01:00) or Z")
    _check_year(moment, value)
    return moment.astimezone(UTC), False


def _check_year(day: date, value: str) -> None:
    """Years a datetime cannot leave while the engine adds deadlines and periods to it."""
    problem = year_problem(day)
    if problem is not None:
        raise _RecordError("at", value, f": {problem}")


def _quote(text: str) -> str:
    """A bad value as `--show-values` quotes it: cut short, so one line stays readable."""
    return text if len(text) <= _QUOTE else text[: _QUOTE - 3] + "..."


def _check_vocabulary(event: Event, types: set[str], units: set[str]) -> None:
    if event.type not in types:
        hint = did_you_mean(event.type, types)
        raise _RecordError("type", event.type, f"is not in the force's vocabulary{hint}")
    if event.scope is not None and event.scope not in units:
        hint = did_you_mean(event.scope, units)
        raise _RecordError("scope", event.scope, f"is not a unit of this force{hint}")


# ---------------------------------------------------------------------------- attributes

_TRUE = frozenset({"true", "yes", "y", "1"})
_FALSE = frozenset({"false", "no", "n", "0"})


Declared = tuple[tuple[AttrSpec, ...], frozenset[str]]


def declarations(force: Force) -> dict[str, Declared]:
    """Per event type with declared attributes: the declarations, and the attributes a
    constraint judges (whose bad values are read as `Unlisted`, not rejected)."""
    judged = force.judged_attributes()
    return {
        t.id: (t.attributes, judged.get(t.id, frozenset()))
        for t in force.event_types
        if t.attributes
    }


def checked_attributes(event: Event, force: Force) -> Event:
    """`event` as the reader keeps it: its attributes checked against its type's
    declarations (a judged attribute's bad value read as `Unlisted`). Raises `EventError`
    where the reader would reject it. The compiled engine reads each distinct attribute
    set through this, so a query's records mean what the reference engine's events do."""
    declared = declarations(force).get(event.type)
    if declared is None:
        return event
    try:
        return _check_attributes(event, *declared)
    except _RecordError as exc:
        raise EventError(str(exc)) from None


def _check_attributes(
    event: Event,
    specs: tuple[AttrSpec, ...],
    judged: frozenset[str] = frozenset(),
    *,
    cells: frozenset[str] = frozenset(),
) -> Event:
    """Reject a record whose attribute breaks its type's declaration, saying what would be
    valid: an unreadable value is never quietly read as nothing ("3h" hours, "20/10/2022"
    as a date, "Priority crime" for the code `priority_crime`). Absent attributes pass
    here; a duty that needs one says so when judged.

    The exception is a bad value of an attribute a constraint judges (a code outside the
    list, a number written as text or out of bounds): that is the breach the rule exists
    to catch, and a rejected record would leave the rule met, so the record is kept, its
    value read as `Unlisted` (every condition on it fails), and the constraint names it a
    breach.

    Strings are not numbers: a declared number given as a JSON string ("520") is rejected.
    A CSV cell (`cells`) is text by nature, so a declared number's cell is read as the
    number it holds, and the event carries that number."""
    replaced: dict[str, Any] = {}
    for spec in specs:
        value = event.attrs.get(spec.name)
        if not recorded(value) or type(value) is Unlisted:
            continue
        item, problem = _problem(spec, value, cells)
        if problem is not None:
            if spec.name not in judged:
                raise _RecordError(f"attrs.{spec.name}", item, problem)
            # The constraint judging it names the breach, with words that quote nothing
            # typed (a code's did-you-mean would).
            typed = json.dumps(value)
            bad = Unlisted(typed) if spec.type is AttrType.CODE else Unlisted(typed, problem)
            replaced[spec.name] = bad
        elif item is not value:
            replaced[spec.name] = item
    if not replaced:
        return event
    return msgspec.structs.replace(event, attrs=MappingProxyType({**event.attrs, **replaced}))


_NUMBERS = (AttrType.NUMBER, AttrType.INTEGER)


def _problem(spec: AttrSpec, value: Any, cells: frozenset[str]) -> tuple[Any, str | None]:
    """(`value` as the record keeps it, None): a CSV cell of a declared number read as
    that number; or (the item, what is wrong with it) where it breaks the declaration."""
    if spec.name in cells and isinstance(value, str) and spec.type in _NUMBERS:
        number = _finite(value)
        if number is None:
            return value, "is not a number"
        value = int(number) if number.is_integer() else number
    items = value if isinstance(value, list) and spec.type is AttrType.CODE else [value]
    for item in items:
        problem = _attr_problem(spec, item)
        if problem is not None:
            return item, problem
    return value, None


def _attr_problem(spec: AttrSpec, value: Any) -> str | None:
    """What is wrong with one value for `spec`, or None if it keeps the declaration."""
    text = value.strip() if isinstance(value, str) else None
    match spec.type:
        case AttrType.NUMBER | AttrType.INTEGER:
            if isinstance(value, str):
                article = "an" if spec.type is AttrType.INTEGER else "a"
                return f"is text, not {article} {spec.type.value} (write it without quotes)"
            number = _finite(value)
            if number is None:
                return f"is not a {spec.type.value}"
            if spec.type is AttrType.INTEGER and not number.is_integer():
                return "is not a whole number"
            if spec.min is not None and number < spec.min:
                return f"is below the least allowed, {_figure(spec.min)}"
            if spec.max is not None and number > spec.max:
                return f"is above the most allowed, {_figure(spec.max)}"
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
        case AttrType.PERIOD:
            if not is_period_label(value):
                return f"is not a period ({PERIOD_FORMS})"
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


def _figure(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _finite(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        return number_text(value)
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
