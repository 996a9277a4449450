"""Importing exports through a profile: rows in, activity events out, every row accounted for.

Each row is filtered, mapped field by field and turned into an event record, which then
goes through `parse_events` like any record of engagerules' own format, so the event rules
(vocabulary, units, unique ids) and their rejections stay in one place. A row ends as
exactly one of: imported (an event), filtered (by the first filter that left it out,
counted per filter), or rejected (file, row, the column and the reason). So
read = imported + filtered + rejected, always.

The same mapping explains one row step by step (`engagerules import --row N`), so what the
explanation says is what the import did. Person cells are replaced by their keyed hash in
the first step that reads them; no message, explanation or output quotes one.

Nor does any message quote a cell the profile did not map to a declared code: a tool cannot
know which cell holds a name (an officer typed into the Ward column), so a rejection says
what was wrong with the value's shape (`24 characters (letters and a space)`, `10
characters like 99/99/99`) and a short keyed fingerprint (`#3fa9c1`) that groups equal
values, as every reader does (`sources.withheld`). The values themselves are kept apart
(`Rejection.quoting`, `ImportLog.shown`, `explain_row(..., show_values=True)`) for the
analyst's own terminal, never for a written report.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs

from engagerules.errors import ConfigError, UsageError, did_you_mean
from engagerules.model.conditions import number_text
from engagerules.model.event import Event, EventLog, Rejection
from engagerules.model.plan import Force
from engagerules.model.results import RowAccount
from engagerules.sources.events import parse_events, readable
from engagerules.sources.profiles import (
    ISO,
    SERIAL,
    Filter,
    Profile,
    ValueSpec,
    force_problems,
    has_time,
    load_profile,
)
from engagerules.sources.pseudonyms import load_key, pseudonym
from engagerules.sources.rows import Broken, read_rows
from engagerules.sources.withheld import RUN_KEY, withheld

__all__ = [
    "ImportLog",
    "event_record",
    "explain_row",
    "import_events",
    "open_profile",
    "reason_kind",
]

#: Excel's day 0 (serial 1 is 1900-01-01, counting the 1900 leap day Lotus invented).
_EXCEL_EPOCH = datetime(1899, 12, 30)  # noqa: DTZ001 - a wall-clock origin, no instant
_FIELD_ORDER = ("type", "at", "scope", "role", "person", "refs")


@attrs.frozen
class ImportLog:
    """What an import gave: the event log (events and rejections) and the rows filtered.

    `read` counts rows read, so `read == imported + filtered_total + rejected` holds.
    """

    log: EventLog
    read: int
    filtered: tuple[tuple[str, int], ...]  # (filter, rows it left out), profile order

    @property
    def shown(self) -> tuple[Rejection, ...]:
        """The rejections again, quoting the cells they withhold: for `--show-values` on
        the analyst's own terminal only, never for a report."""
        return tuple(r.revealed() for r in self.log.rejections)

    @property
    def imported(self) -> int:
        return len(self.log.events)

    @property
    def rejected(self) -> int:
        return len(self.log.rejections)

    @property
    def filtered_total(self) -> int:
        return sum(n for _, n in self.filtered)

    def summary(self) -> str:
        """`12 rows read: 9 imported, 2 filtered (published only: 2), 1 rejected`."""
        by = ", ".join(f"{label}: {n}" for label, n in self.filtered if n)
        filtered = f"{self.filtered_total} filtered" + (f" ({by})" if by else "")
        return (
            f"{self.read} row{'s' if self.read != 1 else ''} read: {self.imported} imported, "
            f"{filtered}, {self.rejected} rejected"
        )

    def account(self, source: str) -> RowAccount:
        """The rows as a report carries them, rejections grouped by what was wrong."""
        reasons = Counter(reason_kind(r.reason) for r in self.log.rejections)
        return RowAccount(
            source=source,
            read=self.read,
            imported=self.imported,
            filtered=self.filtered,
            rejected=tuple(reasons.most_common()),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "rows": {
                "read": self.read,
                "imported": self.imported,
                "filtered": self.filtered_total,
                "rejected": self.rejected,
            },
            "filtered": [{"filter": label, "rows": n} for label, n in self.filtered],
            "rejections": [
                {"file": r.file, "row": r.line, "line": r.line, "reason": r.reason}
                for r in self.log.rejections
            ],
        }


_FINGERPRINTED = re.compile(r": [^:;]*? \[#[0-9a-f]{6}\],? ?")
_FIRST_AT = re.compile(r" \(first at [^)]*\)")
_ID_QUOTED = re.compile(r"\bid: '(?:[^'\\]|\\.)*'")
_HINT = re.compile(r" \(did you mean [^)]*\)$")


def reason_kind(reason: str) -> str:
    """What was wrong with a row, without the row's particulars, so rejections can be
    counted by reason: its first problem, the withheld value's shape and any quoted id
    taken out (`column 'Ward': not in map 'wards'`)."""
    first = reason.split("; ", 1)[0]
    first = _FINGERPRINTED.sub(": ", first)
    first = _HINT.sub("", _FIRST_AT.sub("", first))
    return _ID_QUOTED.sub("id", first).strip()


def open_profile(
    path: Path | str,
    force: Force,
    locations: Sequence[str],
    environ: Mapping[str, str] | None = None,
) -> tuple[Profile, bytes | None]:
    """Load a profile for `force` and find its key, refusing what cannot work.

    Raises `ConfigError` (every problem, located) when the profile is invalid or produces
    types, units or roles the force does not know, and `UsageError` when it is for another
    force or its pseudonymisation key cannot be found.
    """
    profile = load_profile(path)
    problems = force_problems(profile, force)
    if problems:
        raise ConfigError(problems)
    key = load_key(profile, locations, environ)
    return profile, key


def import_events(
    profile: Profile,
    force: Force,
    locations: Iterable[str],
    *,
    key: bytes | None = None,
    progress: Callable[[str, int], None] | None = None,
    fingerprint_key: bytes | None = None,
) -> ImportLog:
    """Read every location through `profile` and check the events against `force`.

    Rows stream from the readers through the mapping into `parse_events`; nothing but the
    events and rejections is held, so an SQL source of any size is read in batches.
    A profile that pseudonymises people needs `key` (see `open_profile`). Withheld values
    are fingerprinted with `fingerprint_key`, else the profile's key, else a key made for
    this run (fingerprints then group values within one run only).
    """
    _need_key(profile, key)
    mapper = _Mapper(profile, force.zone, key, fingerprint_key)
    filtered: Counter[str] = Counter()
    early: list[Rejection] = []
    types, units = {t.id for t in force.event_types}, {u.id for u in force.units}
    order: dict[str, int] = {}
    read = 0

    def records() -> Iterator[tuple[str, int, Any]]:
        nonlocal read
        for location in locations:
            for file, number, cells in read_rows(profile.source, location, profile.columns()):
                order.setdefault(file, len(order))
                read += 1
                if progress is not None and read % 10_000 == 0:
                    progress(file, read)
                outcome = mapper.row(cells)
                if outcome.filtered is not None:
                    filtered[outcome.filtered] += 1
                elif outcome.problems:
                    said, shown = "; ".join(outcome.problems), "; ".join(outcome.shown)
                    rejection = Rejection(file, number, said, quoting=shown)
                    early.append(readable(rejection, outcome.record, force.zone, types, units))
                else:
                    yield file, number, outcome.record
            if progress is not None:
                progress(str(location), read)

    parsed = parse_events(records(), force, fingerprint_key=mapper.fingerprint_key)
    late = [
        attrs.evolve(r, reason=mapper.locate(r.reason), quoting=mapper.locate(r.revealed().reason))
        for r in parsed.rejections
    ]

    def ordered(found: list[Rejection]) -> tuple[Rejection, ...]:
        return tuple(sorted(found, key=lambda r: (order.get(r.file, 0), r.line)))

    return ImportLog(
        log=EventLog(parsed.events, ordered([*early, *late])),
        read=read,
        filtered=tuple((f.label, filtered[f.label]) for f in profile.filters),
    )


def explain_row(
    profile: Profile,
    force: Force,
    location: str,
    row: int,
    *,
    key: bytes | None = None,
    show_values: bool = False,
) -> list[str]:
    """How row `row` of `location` is imported, one line per step, ending in the outcome.

    The row is also checked as an event against the force, alone (an id used by another
    row is not detected here; the import reports it). Cells the profile does not map to
    a declared code are shown by their shape and fingerprint, unless `show_values` (the
    analyst's own terminal) asks for them; people are never shown.
    """
    _need_key(profile, key)
    mapper = _Mapper(profile, force.zone, key, show_values=show_values)
    for file, number, cells in read_rows(profile.source, location, profile.columns()):
        if number != row:
            continue
        steps: list[str] = [f"{file} row {number}"]
        outcome = mapper.row(cells, steps)
        if outcome.filtered is not None:
            steps.append(f"outcome: filtered out by {outcome.filtered!r}")
        elif outcome.problems:
            said = outcome.shown if show_values else outcome.problems
            steps.append("outcome: rejected: " + "; ".join(said))
        elif outcome.record is not None:
            shown = outcome.record if show_values else mapper.withheld_record(outcome.record)
            steps.append("record: " + json.dumps(shown, ensure_ascii=False))
            log = parse_events(
                [(file, number, outcome.record)], force, fingerprint_key=mapper.fingerprint_key
            )
            if log.rejections:
                found = log.rejections[0]
                reason = found.revealed().reason if show_values else found.reason
                steps.append("outcome: rejected: " + mapper.locate(reason))
            else:
                steps.append(f"outcome: imported as event {log.events[0].id!r}")
        return steps
    msg = f"{location}: no row {row} (blank rows and rows before the header have none)"
    raise UsageError(msg)


def _need_key(profile: Profile, key: bytes | None) -> None:
    if profile.needs_key and key is None:
        msg = f"{profile.path}: maps a person column, so it needs its pseudonymisation key"
        raise UsageError(msg)


def event_record(event: Event, zone: tzinfo) -> dict[str, Any]:
    """An event in the contract's input format, so `import -o` writes what `check` reads."""
    record: dict[str, Any] = {
        "id": event.id,
        "type": event.type,
        "at": event.at.astimezone(zone).date().isoformat()
        if event.all_day
        else event.at.astimezone(zone).isoformat(),
    }
    for key in ("scope", "role", "person"):
        value = getattr(event, key)
        if value is not None:
            record[key] = value
    if event.attrs:
        record["attrs"] = dict(event.attrs)
    if event.refs:
        record["refs"] = list(event.refs)
    return record


# ---------------------------------------------------------------------------- mapping


_ABSENT: Any = object()


class _Problem(Exception):
    """What is wrong with a row; `{value}` in the message stands for the cell, filled in
    by its shape for reports or by the cell itself for the analyst's terminal."""

    def __init__(self, message: str, value: Any = _ABSENT) -> None:
        super().__init__(message)
        self.message = message
        self.value = value


@attrs.frozen
class _Outcome:
    record: dict[str, Any] | None = None
    filtered: str | None = None
    problems: tuple[str, ...] = ()  # as reports say them: cells withheld
    shown: tuple[str, ...] = ()  # the same, quoting the cells (for --show-values)


class _Mapper:
    """One profile's mapping, applied row by row; `steps`, when given, is told each step."""

    def __init__(
        self,
        profile: Profile,
        force_zone: tzinfo,
        key: bytes | None,
        fingerprint_key: bytes | None = None,
        *,
        show_values: bool = False,
    ) -> None:
        self.profile = profile
        self.zone = profile.times.zone or force_zone
        self.key = key
        self.fingerprint_key = fingerprint_key or key or RUN_KEY
        self.show_values = show_values
        self.people = profile.person_columns()
        # a field an event rule rejects, and the columns it came from
        self.sources = {name: spec.label for name, spec in profile.fields.items() if spec.columns}
        for name, spec in profile.attrs.items():
            if spec.columns:
                self.sources[name] = self.sources[f"attrs.{name}"] = spec.label
        self.sources["at"] = f"column {profile.at.column!r}"
        if profile.id_spec.column:
            self.sources["id"] = f"column {profile.id_spec.column!r}"

    def locate(self, reason: str) -> str:
        """An event rule's reason (`type: ... not in the vocabulary`) with its column."""
        field = reason.split(":", 1)[0]
        source = self.sources.get(field)
        return f"{source}: {reason}" if source else reason

    def withheld(self, value: Any) -> str:
        """A cell as reports name it: its shape and a short keyed fingerprint, so equal
        values group together and no value is repeated."""
        return withheld(_cell_text(value), self.fingerprint_key)

    def said(self, problem: _Problem, *, show: bool) -> str:
        """The problem's message, its cell shown (`show`) or withheld."""
        if problem.value is _ABSENT:
            return problem.message
        value = _show(problem.value) if show else self.withheld(problem.value)
        return problem.message.replace("{value}", value)

    def _cell(self, value: Any) -> str:
        """A cell as `--row` shows it: as it is under `--show-values`, else withheld."""
        return _show(value) if self.show_values else self.withheld(value)

    def withheld_record(self, record: Mapping[str, Any]) -> dict[str, Any]:
        """The record `--row` shows: values the profile took from a cell without mapping
        them to a code are withheld (people are already keyed hashes, ids are made)."""
        shown = dict(record)
        for name in ("scope", "role", "refs"):
            spec = self.profile.fields.get(name)
            if name in shown and spec is not None and spec.columns and spec.map is None:
                shown[name] = self.withheld(shown[name])
        attributes = dict(shown.get("attrs", {}))
        for name, value in attributes.items():
            spec = self.profile.attrs[name]
            if spec.columns and spec.map is None and not spec.pseudonymise:
                attributes[name] = self.withheld(value)
        if attributes:
            shown["attrs"] = attributes
        return shown

    def row(self, cells: Mapping[str, Any] | Broken, steps: list[str] | None = None) -> _Outcome:
        if isinstance(cells, Broken):
            if steps is not None:
                steps.append(f"read: {cells.reason}")
            return _Outcome(problems=(cells.reason,), shown=(cells.reason,))
        if steps is not None:
            steps.append("read: " + self._shown(cells))
        for rule in self.profile.filters:
            kept = _passes(rule, cells.get(rule.column))
            if steps is not None:
                steps.append(f"filter {rule.label!r}: {'kept' if kept else 'left out'}")
            if not kept:
                return _Outcome(filtered=rule.label)
        record: dict[str, Any] = {}
        problems: list[_Problem] = []
        for name in _FIELD_ORDER:
            if name == "at":
                try:
                    record["at"] = self._at(cells, steps)
                except _Problem as exc:
                    problems.append(exc)
                continue
            spec = self.profile.fields.get(name)
            if spec is None:
                continue
            try:
                value = self._value(name, spec, cells, steps)
            except _Problem as exc:
                problems.append(exc)
                continue
            if value is not _ABSENT:
                record[name] = value
        attributes: dict[str, Any] = {}
        for name, spec in self.profile.attrs.items():
            try:
                value = self._value(f"attrs.{name}", spec, cells, steps)
            except _Problem as exc:
                problems.append(exc)
                continue
            if value is not _ABSENT:
                attributes[name] = value
        if attributes:
            record["attrs"] = attributes
        if not problems:
            try:
                return _Outcome(record={"id": self._id(record, cells, steps), **record})
            except _Problem as exc:
                problems.append(exc)
        return _Outcome(
            record=record,  # what could be mapped, for the rejection's read type and unit
            problems=tuple(self.said(p, show=False) for p in problems),
            shown=tuple(self.said(p, show=True) for p in problems),
        )

    def _shown(self, cells: Mapping[str, Any]) -> str:
        """The row's cells as read, people withheld: what the profile uses, then the rest."""
        used = self.profile.columns()
        parts = []
        for column in used:
            if column in self.people:
                parts.append(f"{column}=(a person: not shown)")
            else:
                parts.append(f"{column}={self._cell(cells.get(column))}")
        ignored = [c for c in cells if c not in used]
        if ignored:
            parts.append("not used: " + ", ".join(repr(c) for c in ignored))
        return "; ".join(parts)

    # --------------------------------------------------------------------- values

    def _value(
        self, name: str, spec: ValueSpec, cells: Mapping[str, Any], steps: list[str] | None
    ) -> Any:
        where = spec.label
        if not spec.columns:
            if spec.pseudonymise and self.key is not None:
                if steps is not None:
                    steps.append(f"{name}: constant (a person: not shown) -> keyed hash")
                return pseudonym(self.key, _cell_text(spec.constant))
            if steps is not None:
                steps.append(f"{name}: constant {spec.constant!r}")
            return spec.constant
        raw = self._raw(spec, cells)
        if _blank(raw):
            if spec.required:
                raise _Problem(f"{where}: blank, but {name} is required")
            if steps is not None:
                steps.append(f"{name}: {where} is blank: no {name}")
            return _ABSENT
        if spec.pseudonymise:
            if self.key is None:
                raise _Problem(f"{where}: a person, and no pseudonymisation key was given")
            parts = _parts(raw, spec.split)
            hashed = [pseudonym(self.key, _cell_text(p)) for p in parts]
            if steps is not None:
                steps.append(
                    f"{name}: {where} (a person: not shown) -> keyed hash {', '.join(hashed)}"
                )
            return hashed if spec.split else hashed[0]
        values = []
        for part in _parts(raw, spec.split):
            value = self._mapped(name, spec, part, steps)
            if value is None:
                continue
            values.append(_convert(value, spec, name))
        if spec.split:
            if steps is not None:
                listed = values if self.show_values or spec.map is not None else "(withheld)"
                steps.append(f"{name}: {listed!r}")
            return values if values else _ABSENT
        if not values:
            if spec.required:
                raise _Problem(f"{where}: {{value}} maps to nothing, but {name} is required", raw)
            return _ABSENT
        if steps is not None and spec.map is None:
            shown = _show(values[0]) if self.show_values else self.withheld(values[0])
            steps.append(f"{name}: {where} {self._cell(raw)} -> {shown}")
        return values[0]

    def _raw(self, spec: ValueSpec, cells: Mapping[str, Any]) -> Any:
        if len(spec.columns) == 1:
            return cells.get(spec.columns[0])
        texts = [_cell_text(cells.get(c)) for c in spec.columns]
        return spec.join.join(t for t in texts if t.strip())

    def _mapped(self, name: str, spec: ValueSpec, part: Any, steps: list[str] | None) -> Any:
        if spec.map is None:
            return part
        table = spec.map
        written = _cell_text(part)
        found = table.lookup.get(table.rule(written), _ABSENT)
        if found is _ABSENT:
            hint = did_you_mean(written, table.spellings)
            problem = _Problem(f"{spec.label}: {{value}}, not in map {table.name!r}{hint}", part)
            if steps is not None:
                steps.append(f"{name}: {self.said(problem, show=self.show_values)}")
            raise problem
        if steps is not None:
            steps.append(
                f"{name}: {spec.label} {written!r} -> map {table.name!r} "
                f"({table.rule.describe()}) -> {found!r}"
            )
        return found

    # --------------------------------------------------------------------- id

    def _id(
        self, record: Mapping[str, Any], cells: Mapping[str, Any], steps: list[str] | None
    ) -> str:
        spec = self.profile.id_spec
        if spec.column is not None:
            raw = cells.get(spec.column)
            if _blank(raw):
                raise _Problem(f"column {spec.column!r}: blank, but id is required")
            ident = spec.prefix + _cell_text(raw).strip()
            if steps is not None:
                steps.append(f"id: column {spec.column!r} -> {ident!r}")
            return ident
        extra = {
            c: (
                pseudonym(self.key, _cell_text(cells.get(c)))
                if c in self.people and self.key is not None
                else _cell_text(cells.get(c))
            )
            for c in spec.hash_columns
        }
        content = json.dumps(
            {"event": record, "columns": extra}, sort_keys=True, ensure_ascii=False, default=str
        )
        ident = spec.prefix + hashlib.sha256(content.encode("utf-8")).hexdigest()[:16]
        if steps is not None:
            also = f" and {', '.join(repr(c) for c in spec.hash_columns)}" if extra else ""
            steps.append(f"id: hash of the mapped event{also} -> {ident!r}")
        return ident

    # --------------------------------------------------------------------- time

    def _at(self, cells: Mapping[str, Any], steps: list[str] | None) -> str:
        spec = self.profile.at
        raw = cells.get(spec.column)
        where = f"column {spec.column!r}"
        if _blank(raw):
            raise _Problem(f"{where}: blank, but at is required")
        all_day = self.profile.times.blank_time == "all_day"
        day, clock = _read_moment(raw, spec.formats, where, dates_alone=all_day)
        if spec.time_column is not None:
            traw = cells.get(spec.time_column)
            twhere = f"column {spec.time_column!r}"
            if _blank(traw) and not all_day:
                msg = (
                    f"{twhere}: blank, and the profile rejects a date without a time "
                    "(times.blank_time: 'all_day' would make it an all-day event)"
                )
                raise _Problem(msg)
            clock = None if _blank(traw) else _read_time(traw, spec.time_formats, twhere)
        if isinstance(clock, datetime):  # aware: the export gave its offset
            text = clock.isoformat()
            if steps is not None:
                steps.append(f"at: {where} {_show(raw)} has its offset -> {text}")
            return text
        if clock is None:
            if steps is not None:
                steps.append(f"at: {where} {_show(raw)} -> all day {day.isoformat()}")
            return day.isoformat()
        moment = self._localize(datetime.combine(day, clock), where)
        text = moment.isoformat()
        if steps is not None:
            shown = _show(raw) + (
                f" + {_show(cells.get(spec.time_column))}" if spec.time_column else ""
            )
            steps.append(
                f"at: {where} {shown} -> {day.isoformat()} {clock.isoformat('minutes')} "
                f"in {self.zone} -> {text}"
            )
        return text

    def _localize(self, naive: datetime, where: str) -> datetime:
        """A wall-clock time in the profile's zone, by its clock-change policies."""
        times = self.profile.times
        first = naive.replace(tzinfo=self.zone, fold=0)
        second = naive.replace(tzinfo=self.zone, fold=1)
        if first.utcoffset() == second.utcoffset():
            return first
        real = first.astimezone(UTC).astimezone(self.zone).replace(tzinfo=None) == naive
        shown = naive.strftime("%Y-%m-%d %H:%M")
        if real:  # the clocks went back: the hour happens twice
            if times.ambiguous == "earlier":
                return first
            if times.ambiguous == "later":
                return second
            msg = (
                f"{where}: {shown} happens twice in {self.zone} (the clocks go back); "
                "the profile rejects such times (times.ambiguous: 'earlier' or 'later' "
                "would take one)"
            )
            raise _Problem(msg)
        if times.nonexistent == "shift_forward":
            return first.astimezone(UTC).astimezone(self.zone)
        if times.nonexistent == "shift_backward":
            return second.astimezone(UTC).astimezone(self.zone)
        msg = (
            f"{where}: {shown} does not exist in {self.zone} (the clocks go forward); the "
            "profile rejects such times (times.nonexistent: 'shift_forward' or "
            "'shift_backward' would move it)"
        )
        raise _Problem(msg)


# ---------------------------------------------------------------------------- cells


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _cell_text(value: Any) -> str:
    """A cell as text: numbers without a spurious `.0`, dates in ISO 8601."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, Decimal):
        return str(int(value)) if value == value.to_integral_value() else str(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return str(value)


def _show(value: Any) -> str:
    return repr(_cell_text(value)) if not isinstance(value, int | float) else _cell_text(value)


def _parts(raw: Any, split: str | None) -> list[Any]:
    if split is None:
        return [raw]
    return [p.strip() for p in _cell_text(raw).split(split) if p.strip()]


def _passes(rule: Filter, value: Any) -> bool:
    if rule.op == "present":
        return (not _blank(value)) == rule.present
    found = rule.rule(_cell_text(value)) in rule.values
    return found if rule.op == "in" else not found


_TRUE = {"true", "yes", "y", "1"}
_FALSE = {"false", "no", "n", "0"}


def _convert(value: Any, spec: ValueSpec, name: str) -> Any:
    """A value as its field or attribute needs it: text for fields, `as` for attributes."""
    kind = spec.as_type
    if kind is None:
        if not name.startswith("attrs."):
            return _cell_text(value).strip()  # event fields are text
        return _json_value(value)  # attributes keep the export's type, as JSON holds it
    if kind == "text":
        return _cell_text(value).strip()
    if kind == "boolean":
        if isinstance(value, bool):
            return value
        word = _cell_text(value).strip().lower()
        if word in _TRUE | _FALSE:
            return word in _TRUE
        raise _Problem(f"{spec.label}: {{value}}, not yes or no (true/false, 1/0)", value)
    number = _number(value)
    if number is None:
        raise _Problem(f"{spec.label}: {{value}}, not a number", value)
    if kind == "integer":
        if not float(number).is_integer():
            raise _Problem(f"{spec.label}: {{value}}, not a whole number", value)
        return int(number)
    return int(number) if float(number).is_integer() else number


def _json_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return value


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if not isinstance(value, int | float | Decimal):
        return number_text(_cell_text(value), grouped=True)  # 1,600 yes; 1,5 no
    try:  # an integer past a float's range is no number to compute with
        result = float(value)
    except (ValueError, OverflowError):
        return None
    return result if math.isfinite(result) else None


def _read_moment(
    raw: Any, formats: Sequence[str], where: str, *, dates_alone: bool = False
) -> tuple[date, time | datetime | None]:
    """The day and, where the cell has one, the time (an aware datetime if it has an offset).

    Typed cells (Excel dates, SQL timestamps) are taken as they are; the formats then say
    only whether the column is a date or a date and time. Text is tried against each
    format in turn; with `dates_alone` (`times.blank_time: all_day`), then against each
    format's date part, so a date typed without its time is an all-day event.
    """
    if isinstance(raw, datetime):
        if raw.tzinfo is not None:
            return raw.date(), raw
        dated = not any(has_time(f) for f in formats)
        if dated and raw.time() == time(0):  # a date cell: Excel and SQL give it a midnight
            return raw.date(), None
        return raw.date(), raw.time()
    if isinstance(raw, date):
        return raw, None
    if isinstance(raw, int | float | Decimal) and not isinstance(raw, bool) and SERIAL in formats:
        return _serial(float(raw), where)
    text = _cell_text(raw).strip()
    for fmt in formats:
        if fmt == SERIAL:
            try:
                return _serial(float(text), where)
            except ValueError:
                continue
        if fmt == ISO:
            try:
                if len(text) == 10:
                    return date.fromisoformat(text), None
                moment = datetime.fromisoformat(text)
            except ValueError:
                continue
            return moment.date(), moment if moment.tzinfo else moment.time()
        try:
            moment = datetime.strptime(text, fmt)  # noqa: DTZ007 - localized by policy
        except ValueError:
            continue
        if moment.tzinfo is not None:
            return moment.date(), moment
        return moment.date(), moment.time() if has_time(fmt) else None
    for fmt in formats if dates_alone else ():
        part = _date_part(fmt)
        if part is None:
            continue
        try:
            return datetime.strptime(text, part).date(), None  # noqa: DTZ007 - a date
        except ValueError:
            continue
    shown = " or ".join(formats)
    raise _Problem(f"{where}: {{value}}, not a date in the profile's format ({shown})", text)


def _date_part(fmt: str) -> str | None:
    """`%d/%m/%Y %H:%M` -> `%d/%m/%Y`: the part of a format before its time, if it has
    both a date and a time (None otherwise)."""
    found = _FIRST_TIME.search(fmt)
    if found is None:
        return None
    part = fmt[: found.start()].rstrip(" T,")
    return part if "%" in part else None


_FIRST_TIME = re.compile(r"%[HIMSpXT]")


def _serial(number: float, where: str) -> tuple[date, time | None]:
    problem = _Problem(f"{where}: {{value}}, not an Excel date serial", number)
    if not (1 <= number < 2958466):  # 1900-01-01 .. 9999-12-31
        raise problem
    try:  # the last second of 9999-12-31 rounds up past the last day datetime holds
        moment = _EXCEL_EPOCH + timedelta(days=number)
        moment = moment.replace(microsecond=0) + timedelta(seconds=round(moment.microsecond / 1e6))
    except OverflowError:
        raise problem from None
    if float(number).is_integer():
        return moment.date(), None
    return moment.date(), moment.time()


def _read_time(raw: Any, formats: Sequence[str], where: str) -> time:
    if isinstance(raw, datetime):
        return raw.time()
    if isinstance(raw, time):
        return raw
    number = isinstance(raw, int | float) and not isinstance(raw, bool)
    if number and SERIAL in formats and 0 <= raw < 1:
        seconds = min(round(raw * 86400), 86399)
        return time(seconds // 3600, seconds % 3600 // 60, seconds % 60)
    text = _cell_text(raw).strip()
    for fmt in formats:
        if fmt == ISO:
            try:
                return time.fromisoformat(text)
            except ValueError:
                continue
        if fmt == SERIAL:
            continue
        try:
            return datetime.strptime(text, fmt).time()  # noqa: DTZ007 - a time of day
        except ValueError:
            continue
    shown = " or ".join(formats)
    raise _Problem(f"{where}: {{value}}, not a time in the profile's format ({shown})", text)
