"""The fast reader of JSON Lines: the same events and rejections as the careful reader, sooner.

The careful reader (`events._jsonl` then `events._event`) decodes every line to dicts and
checks each field in Python; on a million events that was most of `check`'s time. Here the
lines of a block (8 MiB) are decoded by msgspec in one call into typed records of the
common shape (the contract's fields, scalar attributes, refs as a list of strings), and
each Event is built from one:

- type and scope are first decoded as literals of the force's own ids (`_known_record`),
  which arrive as the force's strings, known to it; a block holding any other value is
  decoded with plain strings instead, and then, like role and person, each distinct value
  goes through the careful reader's own validator `_text` once and shares one string;
- a type or scope the force does not know, or an attribute breaking its type's
  declaration, sends the record to the careful reader, as any other doubt does;
- `at` in the common shape (`2022-10-03T10:15:00+01:00`, a year from 1970 to 2100) is
  parsed as `_timestamp` parses it; any other shape goes through `_timestamp` itself;
- an id up to 64 characters with nothing to trim is kept; any other goes through `_text`.

Anything else (a line msgspec cannot decode into the common shape, a required field left
empty, a validator's objection, a line over 2 KiB, an integer beyond 2**53) goes to the
careful reader for that line, which then decides, accepting or rejecting with its reason:
this module never writes a rejection of its own. A block whose records all took the short
way is handed over as events checked against the force, with only their ids left to check
(`events._Intake.checked`). A check added to the careful reader's
validators applies here too wherever a value takes the long way, and the differential
test (`tests/test_fastread.py`) compares both readers record for record, so a check the
short way misses fails there.

A whole file goes the careful way when it is not plain UTF-8 or holds a character that a
line splitter other than `\\n` might break on (a lone CR, U+2028 ...), so line numbers can
never disagree.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from operator import itemgetter
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

import msgspec

from engagerules.model.event import EMPTY_ATTRS, Event
from engagerules.model.plan import Force
from engagerules.sources.events import (
    _check_attributes,
    _jsonl,
    _RecordError,
    _text,
    _timestamp,
    declarations,
    looks_pseudonymous,
)

__all__ = ["fast_jsonl"]

_CHUNK = 1 << 23  # bytes read at a time: lines are cut at the chunk's last line feed
_LONGEST = 2048  # longer lines (big attributes, hostile input) go the careful way
_SAFE_INT = 1 << 53  # integers beyond this are left to the careful reader's limits
_SHORT = 64  # longer ids go through `_text` and any limit it sets
_YEARS = (1970, 2100)  # timestamps outside go through `_timestamp` and its limits
_BOM = b"\xef\xbb\xbf"
# Bytes some line splitter treats as a line break besides \n (and CRLF): VT, FF, FS, GS,
# RS, NEL, LS, PS, and a CR alone. A file holding any is read the careful way.
_ODD_ASCII = (b"\x0b", b"\x0c", b"\x1c", b"\x1d", b"\x1e")
_ODD_UTF8 = (b"\xc2\x85", b"\xe2\x80\xa8", b"\xe2\x80\xa9")
_MISSING: Any = object()
_UNKNOWN: Any = object()

Scalar = str | int | float | bool | None


class _Record(msgspec.Struct, forbid_unknown_fields=True, gc=False):
    """The common shape of a record; any other field or type fails to decode."""

    id: str
    type: str
    at: str
    scope: str | None = None
    role: str | None = None
    person: str | None = None
    attrs: dict[str, Scalar] = {}
    refs: tuple[str, ...] = ()


_DECODE = msgspec.json.Decoder(_Record).decode
_DECODE_MANY = msgspec.json.Decoder(_Record).decode_lines
_LITERAL: Any = Literal  # built from the force's own ids at run time


def _known_record(force: Force) -> type[msgspec.Struct] | None:
    """The common shape with `type` one of the force's event types and `scope` one of its
    units or null, as msgspec literals: decoded in C to the force's own strings, shared by
    every record, with nothing to look up per record. A block with any other value is
    decoded as `_Record` and its values go through the per-value memos. None when the force
    has no such ids to list."""
    kinds = tuple(sorted(t.id for t in force.event_types if t.id and t.id == t.id.strip()))
    units = tuple(sorted(u.id for u in force.units if u.id and u.id == u.id.strip()))
    if not kinds or not units:
        return None
    return msgspec.defstruct(
        "_KnownRecord",
        [
            ("id", str),
            ("type", _LITERAL[kinds]),
            ("at", str),
            ("scope", _LITERAL[units] | None, None),
            ("role", str | None, None),
            ("person", str | None, None),
            ("attrs", dict[str, Scalar], {}),
            ("refs", tuple[str, ...], ()),
        ],
        forbid_unknown_fields=True,
        gc=False,
    )


class _Defer(Exception):
    """This record is for the careful reader."""


def fast_jsonl(path: Path, force: Force) -> Iterator[tuple[bool, list[Any]]] | None:
    """The records of a JSON Lines file, a list per block of lines, or None if it must be
    read the careful way. A list marked True holds only `Event`s, each already checked
    against `force` (its type in the vocabulary, its scope a unit, its attributes as
    declared): only their ids are left to check. A list marked False holds `(file, line,
    record)` triples, a record being such an `Event` or what the careful reader made of
    the line (a dict or its parse error), for `parse_events` to finish either way."""
    if not _plain(path):
        return None
    return _read(path, str(path), force)


def _blocks(path: Path) -> Iterator[bytes]:
    """The file in large blocks of whole lines (the last may lack its line feed)."""
    rest = b""
    with path.open("rb") as f:
        head = f.read(_CHUNK).removeprefix(_BOM)
        while head:
            block = rest + head
            cut = block.rfind(b"\n") + 1
            rest = block[cut:]
            if cut:
                yield block[:cut]
            head = f.read(_CHUNK)
    if rest:
        yield rest


def _plain(path: Path) -> bool:
    """UTF-8 throughout, and no line break but \\n (CRLF allowed)."""
    try:
        for block in _blocks(path):
            if b"\r" in block and block.count(b"\r") != block.count(b"\r\n"):
                return False
            if any(b in block for b in _ODD_ASCII):
                return False
            if not block.isascii():  # the multi-byte line breaks, and a UTF-8 check
                if any(b in block for b in _ODD_UTF8):
                    return False
                block.decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return False  # the careful reader words the error
    return True


def _read(path: Path, name: str, force: Force) -> Iterator[tuple[bool, list[Any]]]:
    """Each block's lines, decoded and built into Events or handed to the careful reader."""
    build = _Builder(name, force)
    known = _known_record(force)
    decoders: list[Callable[[bytes], list[Any]]] = [_DECODE_MANY]
    if known is not None:
        decoders.insert(0, msgspec.json.Decoder(known).decode_lines)
    number = 0
    for block in _blocks(path):
        lines = block.split(b"\n")
        if block.endswith(b"\n"):
            lines.pop()  # the empty piece after the final line feed
        yield build.block(lines, _decoded(block, lines, decoders), number, known)
        number += len(lines)


def _decoded(
    block: bytes, lines: list[bytes], decoders: list[Callable[[bytes], list[Any]]]
) -> list[Any]:
    """Every line of the block decoded in one call by the first of `decoders` that takes
    them all, when each holds one record of the common shape; otherwise a None per line,
    and each line is decoded alone.

    One call is safe only if no record can span lines or share one: each line must start
    with `{` and end with `}` (the first line starts the block, the last ends it, and
    every line feed between two lines stands between a `}` and a `{`, counted on the
    block: raw line feeds cannot occur inside JSON strings), and the record count must
    equal the line count."""
    count = len(lines)
    whole = (
        count > 0
        and block.startswith(b"{")
        and block.endswith((b"}\n", b"}"))
        and block.count(b"}\n{") == count - 1
        and max(map(len, lines)) <= _LONGEST
    )
    if whole:
        for decode in decoders:
            try:
                records = decode(block)
            except msgspec.MsgspecError:
                continue
            if len(records) == count:
                return records
            break
    return [None] * count


class _Builder:
    """Events from decoded records, with per-value memos of the fields that repeat; a
    value the force does not know (a type outside its vocabulary, a scope that is not one
    of its units) is remembered as `_UNKNOWN`, and its records go the careful way."""

    def __init__(self, name: str, force: Force) -> None:
        self.name = name
        self.zone = force.zone
        self.vocabulary = {t.id for t in force.event_types}
        self.units = {u.id for u in force.units}
        self.declared = declarations(force)
        self.types: dict[str, str] = {}
        self.memo: dict[str, dict[str | None, str | None]] = {
            key: {None: None, "": None} for key in ("scope", "role", "person")
        }

    def checked(self, record: _Record) -> tuple[str, str | None]:
        """The record's type and scope, trimmed and shared per value; `_Defer` when the
        force does not know either (the careful reader words the rejection)."""
        kind = self.types.get(record.type)
        if kind is None:
            kind = _text({"type": record.type}, "type")
            kind = self.types[record.type] = kind if kind in self.vocabulary else _UNKNOWN
        if kind is _UNKNOWN:
            raise _Defer
        scopes = self.memo["scope"]
        scope = scopes.get(record.scope, _MISSING)
        if scope is _MISSING:
            scope = _text({"scope": record.scope}, "scope")
            scope = scopes[record.scope] = scope if scope in self.units else _UNKNOWN
        if scope is _UNKNOWN:
            raise _Defer
        return kind, scope

    def block(  # noqa: PLR0915 - one loop per record, on purpose
        self, lines: list[bytes], decoded: list[Any], number: int, known: Any = None
    ) -> tuple[bool, list[Any]]:
        """One long loop on purpose: it runs once per record, and local names are the
        cheapest lookups Python has."""
        name, zone, decode, declared = self.name, self.zone, _DECODE, self.declared
        roles, persons = self.memo["role"], self.memo["person"]
        safe, missing, checked = _SAFE_INT, _MISSING, self.checked
        short, (first, last) = _SHORT, _YEARS
        iso, utc = datetime.fromisoformat, UTC
        make, frozen, empty = Event, MappingProxyType, EMPTY_ATTRS
        probe: dict[str, Any] = {}
        attributes: Mapping[str, Any]
        events: list[Event] = []
        add = events.append
        careful: list[tuple[str, int, Any]] = []
        record: Any
        for line, ready in zip(lines, decoded, strict=True):
            number += 1
            try:
                if ready is not None:
                    record = ready
                elif len(line) > _LONGEST:
                    raise _Defer
                else:
                    record = decode(line)
                ident, stamp = record.id, record.at
                if not ident or not stamp:
                    raise _Defer  # "required": the careful reader says so
                if type(record) is known:  # type and scope are the force's own already
                    kind, scope = record.type, record.scope
                elif not record.type:
                    raise _Defer  # "required", as above
                else:
                    kind, scope = checked(record)
                if len(stamp) == 25 and stamp[10] == "T" and stamp[19] in "+-":
                    # The common shape, 2022-10-03T10:15:00+01:00: the parse `_timestamp`
                    # makes, without the trimming only other shapes need. Years far from
                    # today are left to `_timestamp` and its limits.
                    moment = iso(stamp)
                    if not first <= moment.year <= last:
                        raise _Defer
                    at = moment.astimezone(utc)
                    all_day = False
                else:
                    at, all_day = _timestamp(stamp, zone)
                values = record.attrs
                if values:
                    for value in values.values():
                        if type(value) is int and not -safe <= value <= safe:
                            raise _Defer
                    # msgspec's own dict, which nothing else holds: wrapped, not copied
                    attributes = frozen(values)
                else:
                    attributes = empty
                if len(ident) > short or ident.strip() != ident:
                    probe["id"] = ident
                    ident = _text(probe, "id")
                role = roles.get(record.role, missing)
                if role is missing:
                    role = roles[record.role] = _text({"role": record.role}, "role") or None
                person = persons.get(record.person, missing)
                if person is missing:
                    person = persons[record.person] = (
                        _text({"person": record.person}, "person") or None
                    )
                if person is not None and not looks_pseudonymous(person):
                    raise _Defer  # the careful reader rejects it, in its words
                event = make(
                    ident,
                    kind,
                    at,
                    scope,
                    role,
                    person,
                    attributes,
                    record.refs,
                    all_day,
                    name,
                    number,
                )
                if values and kind in declared:
                    event = _check_attributes(event, *declared[kind])
            except (msgspec.MsgspecError, _Defer, _RecordError, ValueError):
                found = _careful(name, line, number)
                if found is not None:
                    careful.append(found)
                continue
            add(event)
        if not careful:
            return True, events
        merged = [(name, event.line, event) for event in events] + careful
        merged.sort(key=itemgetter(1))
        return False, merged


def _careful(name: str, line: bytes, number: int) -> tuple[str, int, Any] | None:
    """What the careful reader makes of this one line (its parse error included), or None
    for a line it skips."""
    for _, _, value in _jsonl(name, line.decode("utf-8")):
        return name, number, value
    return None
