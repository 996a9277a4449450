"""What ingest found of the rows it wrote, kept in the file and vouched for by their digest.

Before the compiled engine trusts a file's rows to be the reader's, it asks them: is each
id there once, and which records may repeat another. At ten million Gwent events the two
questions cost 6 s of a 22 s check: a hash over every id, and a hash over every record's
instant and who made it, then a read of the few records found, scattered over the file.
Ingest knew both answers when it wrote the rows, so it writes them last, in the file's
footer: how many rows, whether every id is once, and the records that share a type,
instant, unit, role and person with another (the only records `engine.index.repeats` can
call repeats) as the ingest layout's columns. What it found is a fact of the rows alone,
not of the force: whether a record does repeat another is still decided at the check, by
the force as it is then.

The footer is not the rows: a file rewritten by another tool may keep it while its rows
changed. So ingest writes, with what it found, the SHA-256 digest of every byte before the
footer (the rows and their pages), and their CRC-32; a check reads what ingest found only
when the file's bytes give that CRC-32 again (or, in a file written before ingest kept
one, that digest); otherwise, or where anything of it is not as ingest writes it, the
check asks the rows as before. It is a shortcut and never a verdict: whatever the file
holds, the check's report is the same. What is guarded against is a file whose bytes are
not those ingest wrote (another tool's rewrite keeping the footer), not a file made to
deceive: for that the CRC-32 suffices (a changed file giving the same one by chance: one in
four billion), and it costs half the digest's time (ten million events, 253 MB: 0.11 s
against 0.20 s of CPU; BLAKE2b took 0.36 s, MD5 0.43 s, SHA-1 0.20 s).
"""

from __future__ import annotations

import base64
import hashlib
import json
import struct
import zlib
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, BinaryIO

import attrs

from engagerules.model.event import Event
from engagerules.sources import strictjson

__all__ = [
    "KEY",
    "LIMIT",
    "Fact",
    "Facts",
    "Found",
    "HashingSink",
    "Seen",
    "found",
    "found_entry",
    "sharing",
]

#: The footer's key of what ingest found (beside the layout's own `engagerules`).
KEY = "engagerules.found"
#: At most this many records sharing a type, instant and maker are kept in the footer
#: (a few hundred at ten million Gwent events); more, and a check asks the rows for them.
LIMIT = 20_000
#: The columns a record is read back from (`engine.compiled.readback`).
COLUMNS = ("seq", "id", "type", "at", "scope", "role", "person", "refs", "attrs")
MORE = ("all_day", "file", "line")
_MAGIC = b"PAR1"
_CHUNK = 1 << 20


#: What a record's number in the `facts` column stands for: its type, attributes (the JSON
#: text of the `attrs` column), unit, role, whether it names nobody, and whether it names
#: other records.
Fact = tuple[str, str, str | None, str | None, bool, bool]


@attrs.frozen
class Found:
    """What ingest found of the rows of a file whose bytes are as it wrote them."""

    #: How many rows ingest wrote.
    rows: int = attrs.field(validator=attrs.validators.ge(0))
    #: Whether every id is in one row only.
    ids_once: bool
    #: The records sharing a type, instant, unit, role and person with another, as an
    #: Arrow table of the ingest layout's `COLUMNS` and `MORE`; None when there were more
    #: than `LIMIT` (ask the rows).
    sharing: Any
    #: The distinct units of the rows; None when not kept (a file written before they were).
    scopes: frozenset[str | None] | None = None
    #: The distinct `(type, attrs)` of the rows; None past `LIMIT` or when not kept.
    pairs: tuple[tuple[str, str], ...] | None = None
    #: What each number of the rows' `facts` column stands for (`Facts`), by number; None
    #: past `LIMIT` or when not kept (a file written before: the check groups by the
    #: columns themselves).
    facts: tuple[Fact, ...] | None = None


class Facts:
    """The number of each record's facts (`Fact`), written as the `facts` column: what the
    compiled check's accounting groups the records it did not use by, nearly always all
    that decides why a record counted for nothing (`engine.compiled.account`). Grouped by
    one 32-bit number rather than by the four text columns and two lists it stands for,
    DuckDB reads and groups ten million Gwent records in 1.5 s of CPU against 2.1 s. The
    numbers go from 0 in the order the facts are first written; past `LIMIT` distinct
    facts the footer keeps none (the column is still written, and not read)."""

    def __init__(self) -> None:
        self.numbers: dict[Fact, int] = {}

    def of(self, columns: dict[str, list[Any]]) -> list[int]:
        """The numbers of the rows of a batch's `columns` (the ingest layout's, as lists)."""
        numbers = self.numbers
        keys = zip(
            columns["type"],
            columns["attrs"],
            columns["scope"],
            columns["role"],
            [p is None for p in columns["person"]],
            [bool(r) for r in columns["refs"]],
            strict=True,
        )
        return [numbers.setdefault(key, len(numbers)) for key in keys]

    def kept(self) -> list[list[Any]] | None:
        """The facts by number, as the footer keeps them; None past `LIMIT`."""
        if len(self.numbers) > LIMIT:
            return None
        return [list(fact) for fact in self.numbers]


class HashingSink:
    """A binary file that keeps the SHA-256 digest and the CRC-32 of every byte written to
    it, for a Parquet writer to write through: what it has written before the footer is
    the rows."""

    def __init__(self, file: BinaryIO) -> None:
        self._file = file
        self._hash = hashlib.sha256()
        self._crc = 0
        self._written = 0

    def write(self, data: Any) -> int:
        self._hash.update(data)
        self._crc = zlib.crc32(data, self._crc)
        self._written += len(data)
        return self._file.write(data)

    def tell(self) -> int:
        return self._written

    def flush(self) -> None:
        self._file.flush()

    def close(self) -> None:
        """The file is the caller's to close."""

    @property
    def closed(self) -> bool:
        return self._file.closed

    def digest(self) -> str:
        """The digest of the bytes written so far."""
        return self._hash.hexdigest()

    def crc32(self) -> int:
        """The CRC-32 of the bytes written so far."""
        return self._crc


class Seen:
    """The distinct units and `(type, attrs)` of the rows written, gathered batch by batch
    as they are written (Arrow groups each batch): what a check asks of every row before it
    trusts them (`readback.as_read`) and decides once per pair (`compiled.values`).
    Past `LIMIT` pairs none are kept, and a check asks the rows."""

    def __init__(self) -> None:
        self.scopes: set[str | None] = set()
        self.pairs: set[tuple[str, str]] | None = set()

    def add(self, rows: Any) -> None:
        """The rows of a batch written (an Arrow table of the ingest layout)."""
        self.scopes.update(rows.column("scope").unique().to_pylist())
        if self.pairs is None:
            return
        distinct = rows.group_by(["type", "attrs"]).aggregate([])
        kinds, texts = (distinct.column(c).to_pylist() for c in ("type", "attrs"))
        self.pairs.update(zip(kinds, texts, strict=True))
        if len(self.pairs) > LIMIT:
            self.pairs = None


def sharing(events: Sequence[Event], candidates: Iterable[int]) -> list[int]:
    """The places of the events, among `candidates` (those sharing a type and instant with
    another), that share a type, instant, unit, role and person with another: the only
    ones `repeats` groups. In order of place."""
    groups: dict[tuple[Any, ...], list[int]] = {}
    for place in set(candidates):
        e = events[place]
        groups.setdefault((e.type, e.at, e.scope, e.role, e.person), []).append(place)
    return sorted(p for places in groups.values() if len(places) > 1 for p in places)


def found_entry(
    digest: str,
    rows: int,
    ids_once: bool,
    shared: Any,
    seen: Seen,
    crc32: int | None = None,
    facts: Facts | None = None,
) -> str:
    """The footer's entry: what ingest found (`shared`: the sharing records as an Arrow
    table, or None past `LIMIT`; `seen`: the distinct units and pairs; `facts`: the
    numbers of the `facts` column), and the digest and CRC-32 of the rows it was found of."""
    table = None
    if shared is not None:
        import pyarrow as pa

        sink = pa.BufferOutputStream()
        with pa.ipc.new_stream(sink, shared.schema) as writer:
            writer.write_table(shared)
        table = base64.b64encode(sink.getvalue().to_pybytes()).decode("ascii")
    pairs = None if seen.pairs is None else [list(pair) for pair in sorted(seen.pairs)]
    entry = {
        "digest": digest,
        "rows": rows,
        "ids_once": ids_once,
        "sharing": table,
        "scopes": sorted(seen.scopes, key=lambda s: (s is not None, s or "")),
        "pairs": pairs,
    }
    if crc32 is not None:
        entry["crc32"] = crc32
    if facts is not None:
        entry["facts"] = facts.kept()
    return json.dumps(entry, ensure_ascii=False)


def found(path: str | Path) -> Found | None:
    """What ingest found of the rows of the Parquet file at `path`, when its bytes are as
    ingest wrote them (their CRC-32, or where ingest kept none, their digest); None when it
    kept nothing, when they are not, or when what it kept is not as ingest writes it (the
    check asks the rows then)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        raw = (pq.read_metadata(str(path)).metadata or {}).get(KEY.encode())
        if raw is None:
            return None
        entry = strictjson.loads(raw.decode("utf-8"))
        digest, rows, ids_once, table = (
            entry["digest"],
            entry["rows"],
            entry["ids_once"],
            entry["sharing"],
        )
        if not (
            isinstance(digest, str)
            and type(rows) is int
            and rows >= 0
            and type(ids_once) is bool
            and (table is None or isinstance(table, str))
        ):
            return None
        scopes, pairs = _values(entry.get("scopes"), entry.get("pairs"))
        facts = _facts(entry.get("facts"))
        crc = entry.get("crc32")
        if crc is None:
            if _digest(Path(path)) != digest:
                return None
        elif type(crc) is not int or not 0 <= crc < 1 << 32 or _crc32(Path(path)) != crc:
            return None
        shared = None
        if table is not None:
            shared = pa.ipc.open_stream(base64.b64decode(table, validate=True)).read_all()
            if any(c not in shared.column_names for c in (*COLUMNS, *MORE)):
                return None
    except (OSError, ValueError, KeyError, TypeError, pa.ArrowException):
        return None
    return Found(rows, ids_once, shared, scopes, pairs, facts)


def _values(
    scopes: Any, pairs: Any
) -> tuple[frozenset[str | None] | None, tuple[tuple[str, str], ...] | None]:
    """The distinct units and pairs of an entry, None where it kept none; a ValueError
    where they are not as ingest writes them."""
    if scopes is not None:
        if not isinstance(scopes, list) or not all(s is None or isinstance(s, str) for s in scopes):
            raise ValueError(scopes)
        scopes = frozenset(scopes)
    if pairs is not None:
        if not isinstance(pairs, list) or not all(
            isinstance(p, list) and len(p) == 2 and all(isinstance(v, str) for v in p)
            for p in pairs
        ):
            raise ValueError(pairs)
        pairs = tuple((kind, text) for kind, text in pairs)
    return scopes, pairs


def _facts(kept: Any) -> tuple[Fact, ...] | None:
    """The facts of an entry by number (`Facts.kept`), None where it kept none; a
    ValueError where they are not as ingest writes them."""
    if kept is None:
        return None
    if not isinstance(kept, list):
        raise ValueError(kept)
    facts: list[Fact] = []
    for item in kept:
        if not (
            isinstance(item, list)
            and len(item) == 6
            and all(isinstance(v, str) for v in item[:2])
            and all(v is None or isinstance(v, str) for v in item[2:4])
            and all(type(v) is bool for v in item[4:])
        ):
            raise ValueError(item)
        kind, text, scope, role, nobody, naming = item
        facts.append((kind, text, scope, role, nobody, naming))
    if len(set(facts)) != len(facts):
        raise ValueError("facts numbered twice")
    return tuple(facts)


def _digest(path: Path) -> str | None:
    """The SHA-256 digest (hex) of the bytes of a Parquet file before its footer; None when
    it does not end as a Parquet file does."""
    hashed = hashlib.sha256()
    return hashed.hexdigest() if _rows_read(path, hashed.update) else None


def _crc32(path: Path) -> int | None:
    """The CRC-32 of the bytes of a Parquet file before its footer; None when it does not
    end as a Parquet file does."""
    crc = 0

    def add(chunk: memoryview) -> None:
        nonlocal crc
        crc = zlib.crc32(chunk, crc)

    return crc if _rows_read(path, add) else None


def _rows_read(path: Path, take: Callable[[memoryview], object]) -> bool:
    """Hand `take` the bytes of a Parquet file before its footer (the rows and their
    pages), a chunk at a time; False when it does not end as a Parquet file does."""
    with path.open("rb") as file:
        size = file.seek(0, 2)
        if size < 12:
            return False
        file.seek(size - 8)
        tail = file.read(8)
        (footer,) = struct.unpack("<I", tail[:4])
        end = size - 8 - footer
        if tail[4:] != _MAGIC or end < 4:
            return False
        file.seek(0)
        view = memoryview(bytearray(_CHUNK))
        left = end
        while left:
            n = file.readinto(view[: min(left, _CHUNK)])
            if not n:
                return False
            take(view[:n])
            left -= n
        return True
