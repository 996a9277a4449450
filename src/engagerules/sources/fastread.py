"""The fast reader of JSON Lines: the same events and rejections as the careful reader, sooner.

The careful reader (`events._jsonl` then `events._event`) decodes every line to dicts and
checks each field in Python; on a million events that is most of `check`'s time. Here a
line of the common shape (the contract's fields, scalar attributes, refs as a list of
strings) is decoded by msgspec straight into a typed record, and the Event is built from
it through the careful reader's own field validators (`_text`, `_timestamp`), called once
per distinct value for the fields that repeat (type, scope, role, person). Anything else
goes to the careful reader for that line, which then decides (accept or reject, with its
reason), so this module never writes a rejection of its own: a check added to the careful
reader's per-field validators applies here too, and one added to `_event`'s body either
concerns a shape this reader defers or shows up in the differential test
(`tests/test_fastread.py`), which compares both readers record for record.

A whole file goes the careful way when it is not plain UTF-8 or holds a character that a
line splitter other than `\\n` might break on (a lone CR, U+2028 ...), so line numbers can
never disagree.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import tzinfo
from pathlib import Path
from types import MappingProxyType
from typing import Any

import attrs
import msgspec

from engagerules.sources.events import (
    EMPTY_ATTRS,
    Event,
    _jsonl,
    _RecordError,
    _text,
    _timestamp,
)

__all__ = ["fast_jsonl"]

_CHUNK = 1 << 23  # bytes read at a time: lines are cut at the chunk's last line feed
_LONGEST = 2048  # longer lines (big attributes, hostile input) go the careful way
_SAFE_INT = 1 << 53  # integers beyond this are left to the careful reader's limits
_BOM = b"\xef\xbb\xbf"
# Bytes some line splitter treats as a line break besides \n (and CRLF): VT, FF, FS, GS,
# RS, NEL, LS, PS, and a CR alone. A file holding any is read the careful way.
_ODD = (b"\x0b", b"\x0c", b"\x1c", b"\x1d", b"\x1e", b"\xc2\x85", b"\xe2\x80\xa8", b"\xe2\x80\xa9")
_MISSING: Any = object()

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
    refs: list[str] = []


_DECODE = msgspec.json.Decoder(_Record).decode
_FIELDS = tuple(a.name for a in attrs.fields(Event))
_PLAIN_EVENT = _FIELDS == (
    "id",
    "type",
    "at",
    "scope",
    "role",
    "person",
    "attrs",
    "refs",
    "all_day",
    "file",
    "line",
) and all(a.validator is None for a in attrs.fields(Event))
_new = object.__new__
(
    _set_id,
    _set_type,
    _set_at,
    _set_scope,
    _set_role,
    _set_person,
    _set_attrs,
    _set_refs,
    _set_all_day,
    _set_file,
    _set_line,
) = (getattr(Event, name).__set__ for name in _FIELDS[:11])


class _Defer(Exception):
    """This record is for the careful reader."""


def fast_jsonl(path: Path, zone: tzinfo) -> Iterator[tuple[str, int, Any]] | None:
    """`(file, line, record)` triples for a JSON Lines file, or None if it must be read the
    careful way. A record is an `Event` already built, or what the careful reader made of
    the line (a dict or its parse error), for `parse_events` to finish either way."""
    if not _plain(path):
        return None
    return _read(path, str(path), zone)


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
            if block.count(b"\r") != block.count(b"\r\n") or any(b in block for b in _ODD):
                return False
            block.decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return False  # the careful reader words the error
    return True


def _read(path: Path, name: str, zone: tzinfo) -> Iterator[tuple[str, int, Any]]:  # noqa: PLR0915
    """Each line decoded and built into an Event, or handed to the careful reader.

    One long function on purpose (hence the statement count): its loop runs once per
    record, and local names are the cheapest lookups Python has."""
    decode = _DECODE
    memo_type: dict[str, str] = {}
    memo: dict[str, dict[str | None, str | None]] = {
        key: {None: None, "": None} for key in ("scope", "role", "person")
    }
    memo_scope, memo_role, memo_person = memo["scope"], memo["role"], memo["person"]
    new, empty, proxy, safe = _new, EMPTY_ATTRS, MappingProxyType, _SAFE_INT
    number = 0
    for block in _blocks(path):
        lines = block.split(b"\n")
        if block.endswith(b"\n"):
            lines.pop()  # the empty piece after the final line feed
        for line in lines:
            number += 1
            try:
                if len(line) > _LONGEST:
                    raise _Defer
                record = decode(line)
                if record.id == "" or record.type == "" or record.at == "":
                    raise _Defer  # "required": the careful reader says so
                at, all_day = _timestamp(record.at, zone)
                values: Any = record.attrs
                if values:
                    for value in values.values():
                        if type(value) is int and not -safe <= value <= safe:
                            raise _Defer
                    values = proxy(values)
                else:
                    values = empty
                ident = _text({"id": record.id}, "id")
                kind = memo_type.get(record.type)
                if kind is None:
                    kind = memo_type[record.type] = _text({"type": record.type}, "type")
                scope = memo_scope.get(record.scope, _MISSING)
                if scope is _MISSING:
                    scope = memo_scope[record.scope] = _text({"scope": record.scope}, "scope")
                role = memo_role.get(record.role, _MISSING)
                if role is _MISSING:
                    role = memo_role[record.role] = _text({"role": record.role}, "role")
                person = memo_person.get(record.person, _MISSING)
                if person is _MISSING:
                    person = memo_person[record.person] = _text({"person": record.person}, "person")
            except (msgspec.MsgspecError, _Defer, _RecordError):
                found = _careful(name, line, number)
                if found is not None:
                    yield found
                continue
            if not _PLAIN_EVENT:  # pragma: no cover - Event gained a field or a validator
                yield (
                    name,
                    number,
                    Event(
                        ident,
                        kind,
                        at,
                        scope,
                        role,
                        person,
                        values,
                        tuple(record.refs),
                        all_day,
                        name,
                        number,
                    ),
                )
                continue
            # Event's own __init__ minus its per-field name lookups and the converter's copy
            # of a mapping made for it: the same slots, each set once.
            event: Event = new(Event)
            _set_id(event, ident)
            _set_type(event, kind)
            _set_at(event, at)
            _set_scope(event, scope)
            _set_role(event, role)
            _set_person(event, person)
            _set_attrs(event, values)
            _set_refs(event, tuple(record.refs))
            _set_all_day(event, all_day)
            _set_file(event, name)
            _set_line(event, number)
            yield name, number, event


def _careful(name: str, line: bytes, number: int) -> tuple[str, int, Any] | None:
    """What the careful reader makes of this one line (its parse error included), or None
    for a line it skips."""
    for _, _, value in _jsonl(name, line.decode("utf-8")):
        return name, number, value
    return None
