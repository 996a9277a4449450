"""Events ingested once into Parquet: the reader's work kept, so checks can start from it.

A force that checks the same records again and again (every night, every team, every query
engine) should not parse and validate its exports each time, and a query engine (DuckDB,
PostgreSQL, Spark) should judge only records the engine's own reader accepted: an earlier
experiment showed query peers counting records the reader rejects. So `ingest` reads the
exports with the reader `check` uses and writes what it gave:

- one row per event: `id`, `type`, `at` (UTC instant), `all_day`, `scope`, `role`, `person`,
  `refs` (a list), the record's `file` and `line` (so evidence and rejections still point at
  the export the record came from), `attrs`, every attribute as JSON text, the one complete
  copy, and `seq`, the event's place in the reader's order (from 0);
- the rows of a file in order of `type`, then `at` (then `seq`), in row groups of 65,536:
  each row group's statistics then tell a query engine which types and times it holds, so
  a query for a few types over a season reads those row groups alone (at 10M Gwent events,
  the triggers' query 0.70 s -> 0.03 s CPU, eight types over six months 0.65 s -> 0.20 s);
  reading the file back puts the events in the reader's order again by `seq`. A file of
  layout version 1 (before `seq`) holds its rows in the reader's order, and is read so;
- each column encoded as a query engine decodes it soonest (`_encodings`: the ids plain,
  the instants, places and lines as deltas, the rest as dictionaries in zstd); any
  encoding reads the same, so a file written before in zstd throughout is read as it was;
- beside it, for query engines, each *declared* attribute of the force's event types as a
  typed column `attr.<name>` (number, integer, boolean, date, timestamp, text, code, or
  period: the label as text), null where the record has no such scalar (a list stays in
  `attrs` only; a code outside its list, kept as `Unlisted` for the constraint judging it,
  is written in `attrs` as it was typed and read back as `Unlisted` again);
- the rejections and the count of records read, in the file's metadata, so that a check
  from Parquet accounts for every record of the original exports exactly as a check from the
  exports does (read = matched + unmatched + rejected). Each rejection is `[file, line,
  reason, quoting]`, the reason withholding the values the record gave as every reader
  does (`sources.withheld`), `quoting` the same with them quoted, or null when it withholds
  none (for `--show-values`; the file holds the records' values anyway), then what could be
  read of the record, `type, at, unit` (`Rejection.type`), and, for an undeclared type
  like declared ones, a list of those (`Rejection.alike`), so a check from Parquet, with
  either engine, never reads a rule the record may have broken as met. A rejection of a
  file written before values were withheld, `[file, line, reason]`, is withheld as read;
  one without the read parts may be of any type, instant and unit.

Reading it back (`check FORCE FILE.parquet`, or any command that reads events) puts
every event through the reader's checks again (vocabulary, declared attributes, unique ids)
against the force as it is now: a Parquet file written under an older configuration can
give rejections, never an event the current force would refuse.
pyarrow is an optional extra (`engagerules[ibis]`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from engagerules.errors import EventError, UsageError
from engagerules.model.event import Event, EventLog, Rejection, Unlisted
from engagerules.model.plan import AttrType, Force
from engagerules.sources import strictjson, vouched
from engagerules.sources.withheld import legacy_withheld

__all__ = [
    "FACTS",
    "FORMAT_VERSION",
    "ibis_url",
    "parquet_meta",
    "parquet_records",
    "schema",
    "table_records",
    "write_parquet",
    "write_table",
]

#: The layout's version, in the file's metadata: a reader refuses a layout it does not know.
#: Version 2 added `seq` and ordered a file's rows by type and instant.
FORMAT_VERSION = 2
#: The versions this reader reads (1: no `seq`, the rows in the reader's order).
_READS = (1, 2)
_META_KEY = b"engagerules"
#: The column of each record's facts by number (`vouched.Facts`): written to a file, after
#: the layout's others, for the compiled check's queries; never read back into events.
FACTS = "facts"
#: Rows per record batch written and read: bounded memory whatever the file's size.
_BATCH = 65_536


def _arrow() -> Any:
    try:
        import pyarrow as pa
        import pyarrow.parquet
    except ImportError:
        msg = "Parquet needs pyarrow: pip install 'engagerules[ibis]'"
        raise UsageError(msg) from None
    return pa


def _attr_types(force: Force) -> dict[str, AttrType]:
    """Each declared attribute name with its one type; a name declared with two types
    across event types is left to the JSON column (no typed column could hold both)."""
    found: dict[str, set[AttrType]] = {}
    for event_type in force.event_types:
        for spec in event_type.attributes:
            found.setdefault(spec.name, set()).add(spec.type)
    return {name: next(iter(types)) for name, types in sorted(found.items()) if len(types) == 1}


def _arrow_type(pa: Any, kind: AttrType) -> Any:
    return {
        AttrType.NUMBER: pa.float64(),
        AttrType.INTEGER: pa.int64(),
        AttrType.BOOLEAN: pa.bool_(),
        AttrType.DATE: pa.date32(),
        AttrType.TIMESTAMP: pa.timestamp("us", tz="UTC"),
        AttrType.TEXT: pa.string(),
        AttrType.CODE: pa.string(),
        AttrType.PERIOD: pa.string(),  # the label as written (2022-Q4, 2022-12, 2019-20)
    }[kind]


def schema(force: Force) -> Any:
    """The Parquet schema of a force's ingested events (typed columns follow its declarations)."""
    pa = _arrow()
    fields = [
        pa.field("id", pa.string(), nullable=False),
        pa.field("type", pa.string(), nullable=False),
        pa.field("at", pa.timestamp("us", tz="UTC"), nullable=False),
        pa.field("all_day", pa.bool_(), nullable=False),
        pa.field("scope", pa.string()),
        pa.field("role", pa.string()),
        pa.field("person", pa.string()),
        pa.field("refs", pa.list_(pa.string()), nullable=False),
        pa.field("file", pa.string(), nullable=False),
        pa.field("line", pa.int64(), nullable=False),
        pa.field("attrs", pa.string(), nullable=False),
        pa.field("seq", pa.int64(), nullable=False),
    ]
    fields += [
        pa.field(f"attr.{name}", _arrow_type(pa, kind)) for name, kind in _attr_types(force).items()
    ]
    return pa.schema(fields)


def _typed(value: Any, kind: AttrType) -> Any:
    """The value as its typed column holds it, or None where it does not fit one cell."""
    if value is None or isinstance(value, list | tuple | dict):
        return None
    if kind is AttrType.BOOLEAN:
        return value if isinstance(value, bool) else None
    if isinstance(value, bool):
        return None
    if kind is AttrType.NUMBER:
        return float(value) if isinstance(value, int | float) else None
    if kind is AttrType.INTEGER:
        return value if isinstance(value, int) and abs(value) < 1 << 63 else None
    if kind is AttrType.DATE:
        try:
            return date.fromisoformat(value) if isinstance(value, str) else None
        except ValueError:
            return None
    if kind is AttrType.TIMESTAMP:
        try:
            at = datetime.fromisoformat(value) if isinstance(value, str) else None
        except ValueError:
            return None
        return at.astimezone(UTC) if at is not None and at.tzinfo is not None else None
    return value if isinstance(value, str) else None


def _batches(
    events: Sequence[Event],
    force: Force,
    arrow_schema: Any,
    order: Sequence[int],
    facts: vouched.Facts | None = None,
) -> Iterator[Any]:
    """The events, taken in `order` (their places in `events`), as tables of `_BATCH` rows
    (with the numbers of their facts where `facts` is given)."""
    pa = _arrow()
    for start in range(0, len(order), _BATCH):
        parts = range(start, min(start + _BATCH, len(order)), _PART)
        batches = [_batch(events, force, arrow_schema, order[a : a + _PART], facts) for a in parts]
        yield pa.Table.from_batches(batches, arrow_schema)


#: Events made into columns at a time: few enough that what they point at stays in the
#: processor's caches while each column is made. Taken out of the reader's order (by type
#: and time) 65,536 at a time, each column's pass over them missed the caches for every
#: event: 14.2 s to write 1M Gwent events (the sort included), 7.9 s 2,048 at a time, and
#: 6.6 s to make the columns in the reader's order.
_PART = 2_048


def _batch(
    events: Sequence[Event],
    force: Force,
    arrow_schema: Any,
    places: Sequence[int],
    facts: vouched.Facts | None = None,
) -> Any:
    """The events at `places`, in that order, as one record batch (with the numbers of
    their facts, `facts`, where the schema has that column)."""
    pa = _arrow()
    typed = _attr_types(force)
    chunk = [events[n] for n in places]
    columns: dict[str, list[Any]] = {
        "id": [e.id for e in chunk],
        "type": [e.type for e in chunk],
        "at": [e.at for e in chunk],
        "all_day": [e.all_day for e in chunk],
        "scope": [e.scope for e in chunk],
        "role": [e.role for e in chunk],
        "person": [e.person for e in chunk],
        "refs": [list(e.refs) for e in chunk],
        "file": [e.file for e in chunk],
        "line": [e.line for e in chunk],
        "attrs": [json.dumps(dict(e.attrs), ensure_ascii=False, default=_as_typed) for e in chunk],
        "seq": list(places),
    }
    for name, kind in typed.items():
        columns[f"attr.{name}"] = [_typed(e.attrs.get(name), kind) for e in chunk]
    if facts is not None:
        columns[FACTS] = facts.of(columns)
    return pa.record_batch([columns[f.name] for f in arrow_schema], schema=arrow_schema)


def _as_typed(value: object) -> Any:
    """A code outside the list (kept, read as `Unlisted`, for a constraint to judge) as it
    was typed: reading the file back checks it again and reads it as `Unlisted` again."""
    if type(value) is Unlisted:
        return strictjson.loads(value.text)
    msg = f"{type(value).__name__} is not JSON"
    raise TypeError(msg)


def write_parquet(log: EventLog, force: Force, path: str | Path) -> None:
    """Write a read log as Parquet: its events as rows, its rejections and count in the
    metadata. Raises `UsageError` when the file cannot be written."""
    pa = _arrow()
    meta = {
        "version": FORMAT_VERSION,
        "force": force.id,
        "read": log.read,
        "rejections": _rejections(log),
    }
    arrow_schema = schema(force).append(pa.field(FACTS, pa.int32(), nullable=False))
    arrow_schema = arrow_schema.with_metadata({_META_KEY: json.dumps(meta).encode()})
    order, candidates = _by_type_and_time(log)
    facts = vouched.Facts()
    try:
        with Path(path).open("wb") as file:
            sink = vouched.HashingSink(file)
            with pa.parquet.ParquetWriter(sink, arrow_schema, **_encodings(arrow_schema)) as writer:
                seen = vouched.Seen()
                for rows in _batches(log.events, force, arrow_schema, order, facts):
                    writer.write_table(rows)
                    seen.add(rows)
                if not log.events:
                    writer.write_table(arrow_schema.empty_table())
                # what ingest found of the rows, with the digest of their bytes: last
                found = _found(log, force, arrow_schema, candidates, sink, seen, facts)
                writer.add_key_value_metadata({vouched.KEY: found})
    except (OSError, ValueError) as exc:
        msg = f"{path}: cannot write: {exc}"
        raise UsageError(msg) from None


#: Columns written for a query engine to decode cheaply, each read in full by nearly every
#: query of a compiled check: the ids, one per record, gain nothing from a dictionary, and
#: the instants, places and lines, in order of type and instant, are small steps from
#: one to the next (delta-encoded, they compress as well as zstd makes them and decode at
#: once). Every other column is a few values repeated: a dictionary, then zstd. At 10M
#: Gwent records, DuckDB decodes every column of the file in 0.58 s CPU against 1.21 s for
#: them all in zstd (and the file is 253 MB against 233 MB).
_PLAIN = ("id",)
_STEPS = ("at", "seq", "line")


def _encodings(arrow_schema: Any) -> dict[str, Any]:
    """`ParquetWriter`'s encodings and compression per column (`_PLAIN`, `_STEPS`)."""
    pa = _arrow()
    raw = {*_PLAIN, *_STEPS}
    # a list's values are a column of their own, named by its path (`refs.list.element`)
    paths = [f"{f.name}.list.element" if pa.types.is_list(f.type) else f.name for f in arrow_schema]
    return {
        "use_dictionary": [name for name in paths if name not in raw],
        "column_encoding": dict.fromkeys(_PLAIN, "PLAIN")
        | dict.fromkeys(_STEPS, "DELTA_BINARY_PACKED"),
        "compression": {name: "none" if name in raw else "zstd" for name in paths},
    }


def _by_type_and_time(log: EventLog) -> tuple[list[int], list[int]]:
    """The events' places in order of type, instant and place (sorted by Arrow: a tenth of
    the time Python's sort takes over ten million keys), and the places of those sharing
    an instant with their neighbour in that order (found by Arrow too): among them, all
    those sharing a type and an instant with another."""
    pa = _arrow()
    import pyarrow.compute as pc

    keys = pa.table(
        {
            "type": pa.array([e.type for e in log.events], pa.string()),
            "at": pa.array([e.at for e in log.events], pa.timestamp("us", tz="UTC")),
            "seq": pa.array(range(len(log.events)), pa.int64()),
        }
    )
    order = pc.sort_indices(
        keys, sort_keys=[("type", "ascending"), ("at", "ascending"), ("seq", "ascending")]
    )
    # neighbours in that order at one instant are of one type but where the type changes
    instants = keys.column("at").take(order)
    after = pc.indices_nonzero(pc.equal(instants[1:], instants[:-1])).to_pylist()
    del keys, instants
    places: list[int] = order.to_pylist()
    return places, [places[i + d] for i in after for d in (0, 1)]


def _found(
    log: EventLog,
    force: Force,
    arrow_schema: Any,
    candidates: list[int],
    sink: vouched.HashingSink,
    seen: vouched.Seen,
    facts: vouched.Facts,
) -> str:
    """The footer's entry of what ingest found (`vouched`) of the rows written to `sink`
    (with their digest and CRC-32, and what the numbers of their facts stand for)."""
    pa = _arrow()
    import pyarrow.compute as pc

    events = log.events
    ids = pa.chunked_array(
        [
            pa.array([hash(e.id) for e in events[i : i + _BATCH]], pa.int64())
            for i in range(0, len(events), _BATCH)
        ],
        pa.int64(),
    ).combine_chunks()
    # each id once where each hash is (a collision only costs a check its shortcut); by a
    # sort, which holds less than a hash table of them
    ids = ids.take(pc.array_sort_indices(ids))
    ids_once = not pc.any(pc.equal(ids[1:], ids[:-1])).as_py()
    chosen = vouched.sharing(log.events, candidates)
    shared = None
    if len(chosen) <= vouched.LIMIT:
        batch = _batch(log.events, force, arrow_schema, chosen, facts)
        shared = pa.Table.from_batches([batch]).select([*vouched.COLUMNS, *vouched.MORE])
    digest, crc32 = sink.digest(), sink.crc32()
    return vouched.found_entry(digest, len(log.events), ids_once, shared, seen, crc32, facts)


def _rejections(log: EventLog) -> list[list[Any]]:
    """The rejections as the metadata keeps them: `[file, line, reason, quoting, type, at,
    unit]`, the last three what could be read of the record (`Rejection.type`), then the
    declared types an undeclared one resembles where there are any (`Rejection.alike`),
    so the compiled engine's check never reads a rule the record may have broken as kept."""
    return [
        [r.file, r.line, r.reason, r.quoting, r.type, r.at and r.at.isoformat(), r.unit]
        + ([list(r.alike)] if r.alike else [])
        for r in log.rejections
    ]


def _rejection(item: Any) -> Rejection:
    """One rejection of the metadata; a ValueError unless it is as ingest writes them.
    One written before the read type, instant and unit were kept may be of any."""
    if not isinstance(item, list) or len(item) not in (3, 4, 7, 8):
        raise ValueError(item)
    file, line, reason = str(item[0]), int(item[1]), str(item[2])
    if len(item) >= 4:
        quoting = None if item[3] is None else str(item[3])
        if len(item) == 4:
            return Rejection(file, line, reason, quoting=quoting)
        kind, at, unit = item[4:7]
        alike = item[7] if len(item) == 8 else []
        if not all(v is None or isinstance(v, str) for v in (kind, at, unit)):
            raise ValueError(item)
        if not isinstance(alike, list) or not all(isinstance(t, str) for t in alike):
            raise ValueError(item)
        moment = None if at is None else datetime.fromisoformat(at)
        if moment is not None and moment.tzinfo is None:
            raise ValueError(item)
        moment = moment and moment.astimezone(UTC)
        return Rejection(
            file, line, reason, quoting=quoting, type=kind, at=moment, unit=unit, alike=tuple(alike)
        )
    withheld = legacy_withheld(reason)  # written before values were withheld
    return Rejection(file, line, withheld, quoting=reason if withheld != reason else None)


def _metadata(path: str, raw: dict[bytes, bytes] | None) -> dict[str, Any]:
    try:
        meta = strictjson.loads((raw or {})[_META_KEY].decode("utf-8"))
    except (KeyError, ValueError):
        msg = f"{path}: not a file written by `engagerules ingest` (no engagerules metadata)"
        raise EventError(msg) from None
    if not isinstance(meta, dict) or meta.get("version") not in _READS:
        version = meta.get("version") if isinstance(meta, dict) else None
        known = " and ".join(str(v) for v in _READS)
        msg = f"{path}: ingest layout version {version!r}; this engagerules reads {known}"
        raise EventError(msg)
    return meta


def _attributes(text: str) -> dict[str, Any]:
    """A record's `attrs` JSON text as ingest writes it: an object within the limits
    (`strictjson`); anything else is a ValueError, and the file is refused."""
    value = strictjson.loads(text)
    if not isinstance(value, dict) or strictjson.first_flaw(value) is not None:
        msg = "an attrs cell is not a JSON object of finite numbers as ingest writes"
        raise ValueError(msg)
    return value


def _check_columns(name: str, found: Any, written: Any, columns: Sequence[str]) -> None:
    """Each column read as ingest writes it (type, and no nulls where it writes none): a
    file changed by another tool is refused by name, not read into events of the wrong
    shape (a `type` of booleans, an `id` of nulls)."""
    for column in columns:
        want = written.field(column)
        index = found.get_field_index(column)
        if index < 0:
            raise EventError(f"{name}: no column {column!r}, which ingest writes")
        got = found.field(index)
        if got.type != want.type or (got.nullable and not want.nullable):
            nulls = " (with nulls)" if got.nullable and not want.nullable else ""
            msg = (
                f"{name}: column {column!r} is {got.type}{nulls}, not {want.type} as ingest "
                "writes it"
            )
            raise EventError(msg)


def parquet_records(path: str | Path, force: Force) -> tuple[list[Event], list[Rejection], int]:
    """The events of an ingested file (unchecked: `read_parquet` checks them), the
    rejections written beside them, and the count of records the exports held."""
    pa = _arrow()
    name = str(path)
    parquet = _opened(name, pa.parquet.ParquetFile)
    meta = _ingested(name, parquet.schema_arrow, force)
    placed = meta["version"] >= 2
    try:
        batches = parquet.iter_batches(batch_size=_BATCH, columns=[*_WANTED, "attrs"])
        events = _events(batches)
        if placed:
            places = parquet.read(columns=["seq"]).column("seq").to_pylist()
            events = _in_place(name, events, places)
    except (OSError, ValueError, KeyError, TypeError, pa.ArrowException) as exc:
        raise EventError(f"{name}: cannot be read as ingested events: {exc}") from None
    return _accounted(name, meta, events)


def _in_place(name: str, events: list[Event], places: list[int]) -> list[Event]:
    """The events put at their places in the reader's order (`seq`); an `EventError` unless
    the places are each of 0 .. n-1 once (a file changed by another tool)."""
    n = len(events)
    ordered: list[Event | None] = [None] * n
    for event, place in zip(events, places, strict=True):
        if not 0 <= place < n or ordered[place] is not None:
            msg = f"{name}: column 'seq' is not each row's place in the reader's order ({place})"
            raise EventError(msg)
        ordered[place] = event
    return ordered  # type: ignore[return-value]  # every place filled: n rows, none twice


def parquet_meta(path: str | Path, force: Force) -> tuple[list[Rejection], int]:
    """What ingest kept beside the events of a file: its rejections and the count of
    records the exports held, read from the metadata alone (the compiled engine reads
    the rows where they are)."""
    name = str(path)
    meta = _ingested(name, _opened(name, _arrow().parquet.read_schema), force)
    rejections = _kept_rejections(name, meta)
    read = meta.get("read")
    if not isinstance(read, int) or read < len(rejections):
        msg = f"{name}: says {read!r} records were read, fewer than its rejections"
        raise EventError(msg)
    return rejections, read


_WANTED = ["id", "type", "at", "all_day", "scope", "role", "person", "refs", "file", "line"]


def _opened(name: str, open_file: Any) -> Any:
    """`open_file(name)` (a Parquet file or its schema), or an `EventError` naming it."""
    pa = _arrow()
    try:
        return open_file(name)
    except FileNotFoundError:
        raise EventError(f"{name}: no such file") from None
    except (OSError, ValueError, pa.ArrowException) as exc:
        raise EventError(f"{name}: cannot be read as Parquet: {exc}") from None


def _ingested(name: str, arrow_schema: Any, force: Force) -> dict[str, Any]:
    """The metadata of a file ingested for `force` in the ingest layout, or an
    `EventError` saying why it is not one."""
    meta = _metadata(name, arrow_schema.metadata)
    if meta.get("force") != force.id:
        msg = f"{name}: ingested for force {meta.get('force')!r}, not {force.id!r}"
        raise EventError(msg)
    placed = ("seq",) if meta["version"] >= 2 else ()
    _check_columns(name, arrow_schema, schema(force), [*_WANTED, "attrs", *placed])
    return meta


def _events(batches: Any) -> list[Event]:
    """The events of record batches in the ingest layout."""
    events: list[Event] = []
    for batch in batches:
        cols = batch.to_pydict()
        for i, attrs_text in enumerate(cols["attrs"]):
            events.append(
                Event(
                    id=cols["id"][i],
                    type=cols["type"][i],
                    at=_utc(cols["at"][i]),
                    scope=cols["scope"][i],
                    role=cols["role"][i],
                    person=cols["person"][i],
                    attrs=_attributes(attrs_text),
                    refs=tuple(cols["refs"][i] or ()),
                    all_day=cols["all_day"][i],
                    file=cols["file"][i],
                    line=cols["line"][i],
                )
            )
    return events


def _utc(moment: datetime) -> datetime:
    """An instant as UTC (a database may give it naive in UTC, or in its session's zone)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def ibis_url(url: str) -> str:
    """A SQLAlchemy URL (`postgresql+psycopg://...`) as Ibis names the backend (`postgres://`)."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    name = scheme.split("+", 1)[0]
    return f"{'postgres' if name in ('postgresql', 'postgres') else name}://{rest}"


def _connect(url: str) -> Any:
    """An Ibis connection to the database at `url`, or a located `UsageError`."""
    try:
        import ibis
    except ImportError:
        msg = "a database table needs Ibis: pip install 'engagerules[ibis]'"
        raise UsageError(msg) from None
    try:
        return ibis.connect(ibis_url(url))
    except Exception as exc:  # every driver raises its own kinds: one line for all
        first = (str(exc).strip() or type(exc).__name__).splitlines()[0]
        raise UsageError(f"{_hidden(url)}: cannot connect: {first}") from None


def _hidden(url: str) -> str:
    """`url` with any password replaced, for messages."""
    scheme, sep, rest = url.partition("://")
    who, at, where = rest.rpartition("@")
    if not at or ":" not in who:
        return url
    return f"{scheme}{sep}{who.split(':', 1)[0]}:***@{where}"


def write_table(log: EventLog, force: Force, url: str, table: str) -> None:
    """Write a read log to `table` in the database at `url` (the Parquet layout's columns),
    its rejections and count in `<table>_meta`; both replaced if they exist."""
    pa = _arrow()
    meta = {
        "version": FORMAT_VERSION,
        "force": force.id,
        "read": log.read,
        "rejections": _rejections(log),
    }
    arrow_schema = schema(force)
    connection = _connect(url)
    try:
        # in the reader's order, which `seq` keeps (a table does not keep one by itself)
        order = range(len(log.events))
        parts = list(_batches(log.events, force, arrow_schema, order))
        whole = pa.concat_tables(parts) if parts else arrow_schema.empty_table()
        for name in (table, f"{table}_meta"):  # replaced (Ibis's own overwrite fails here)
            quoted = name.replace('"', '""')
            connection.raw_sql(f'DROP TABLE IF EXISTS "{quoted}"').close()
        connection.create_table(table, whole)
        connection.create_table(f"{table}_meta", pa.table({"meta": [json.dumps(meta)]}))
    except Exception as exc:  # every driver raises its own kinds: one line for all
        first = (str(exc).strip() or type(exc).__name__).splitlines()[0]
        raise UsageError(f"{_hidden(url)}: cannot write table {table}: {first}") from None
    finally:
        connection.disconnect()


def table_records(url: str, table: str, force: Force) -> tuple[list[Event], list[Rejection], int]:
    """The events of a table `ingest -o URL --table NAME` wrote, as `parquet_records`."""
    connection = _connect(url)
    name = f"{_hidden(url)} table {table}"
    try:
        try:
            raw = connection.to_pyarrow(connection.table(f"{table}_meta")).to_pydict()["meta"]
            found = connection.table(table).order_by("seq").select(*_WANTED, "attrs")
            events = _events(connection.to_pyarrow_batches(found))
        except Exception as exc:  # every driver raises its own kinds: one line for all
            first = (str(exc).strip() or type(exc).__name__).splitlines()[0]
            raise EventError(f"{name}: cannot be read as ingested events: {first}") from None
    finally:
        connection.disconnect()
    meta = _metadata(name, {_META_KEY: raw[0].encode()} if raw else None)
    if meta.get("force") != force.id:
        msg = f"{name}: ingested for force {meta.get('force')!r}, not {force.id!r}"
        raise EventError(msg)
    return _accounted(name, meta, events)


def _accounted(
    name: str, meta: dict[str, Any], events: list[Event]
) -> tuple[list[Event], list[Rejection], int]:
    rejections = _kept_rejections(name, meta)
    read = meta.get("read")
    if not isinstance(read, int) or read != len(events) + len(rejections):
        msg = f"{name}: says {read!r} records were read but holds {len(events)} events and "
        raise EventError(msg + f"{len(rejections)} rejections")
    return events, rejections, read


def _kept_rejections(name: str, meta: dict[str, Any]) -> list[Rejection]:
    """The rejections of a file's metadata, or an `EventError` naming the file."""
    try:
        return [_rejection(item) for item in meta.get("rejections", [])]
    except (TypeError, ValueError):  # not the [file, line, reason] triples ingest writes
        msg = f"{name}: the rejections in its engagerules metadata are not as ingest writes them"
        raise EventError(msg) from None
