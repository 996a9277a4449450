"""What ingest found of the rows it wrote (`sources.vouched`), beside the digest of their
bytes: the distinct units and `(type, attrs)` pairs a compiled check asks of every row
before it trusts them. Held here to the rows themselves, and shown to change nothing a
check reports when kept, when not kept, and when not as ingest writes them."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings

pytest.importorskip("ibis")

import pyarrow.parquet as pq

from engagerules.engine.compiled import readback
from engagerules.engine.compiled.query import Query
from engagerules.sources import parquet, vouched
from test_compiled import Backend
from test_compiled_readback import _ROWS, FORCE, _footed, _ingested, _records


@contextmanager
def _in_small_batches() -> Iterator[None]:
    """Ingest writing four rows to a batch (two at a time): what it finds is gathered over
    every batch, and numbered across them."""
    with mock.patch.object(parquet, "_BATCH", 4), mock.patch.object(parquet, "_PART", 2):
        yield


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=_ROWS)
def test_the_units_and_pairs_ingest_keeps_are_the_rows_own(rows: list[tuple[Any, ...]]) -> None:
    """The units and (type, attrs) pairs in the footer are the distinct values of the rows
    written, none missing, none more; and the check's pairs from them are its pairs from
    the rows."""
    # written four rows to a batch: what is found is gathered over every batch
    with tempfile.TemporaryDirectory() as tmp, _in_small_batches():
        path = Path(tmp) / "events.parquet"
        _ingested(_records(rows), path)
        table = pq.read_table(path, columns=["type", "attrs", "scope"])
        found = vouched.found(path)
        assert found is not None and found.scopes is not None and found.pairs is not None
        assert found.scopes == set(table.column("scope").to_pylist())
        pairs = zip(
            table.column("type").to_pylist(), table.column("attrs").to_pylist(), strict=True
        )
        assert sorted(found.pairs) == sorted(set(pairs))
        backend = Backend(None)
        asked = backend.records(path)
        try:
            plain = Query(FORCE, asked)
            kept = Query(FORCE, asked)
            count = table.num_rows
            assert readback.as_read(plain, count, None) == readback.as_read(kept, count, found)
            assert sorted(kept.pairs()) == sorted(plain.pairs())
        finally:
            backend.release(asked)


def test_past_the_limit_no_pairs_are_kept_and_the_rows_are_asked(tmp_path: Path) -> None:
    """More distinct pairs than `LIMIT`: none are kept (a footer holds no unbounded list),
    the units still are, and the check asks the rows for the pairs."""
    rows = [
        (n % 4, 0, ("surgery", {"location": f"hall {n}"}), "north", None, None, [])
        for n in range(5)
    ]
    path = tmp_path / "events.parquet"
    with mock.patch.object(vouched, "LIMIT", 3):
        _ingested(_records(rows), path)
    found = vouched.found(path)
    assert found is not None and found.pairs is None and found.scopes == {"north"}


def test_units_and_pairs_not_as_ingest_writes_them_give_nothing(tmp_path: Path) -> None:
    """A footer whose units or pairs are not lists of text (and pairs of two) is not read:
    the check asks the rows. One written before they were kept is read without them."""
    path = tmp_path / "events.parquet"
    _ingested(_records([(0, 0, ("tweet", {}), "north", None, None, [])] * 2), path)
    table = pq.read_table(path)
    _footed(path, table)
    assert vouched.found(path) == vouched.Found(rows=2, ids_once=True, sharing=None)
    _footed(path, table, scopes=["north", None], pairs=[["tweet", "{}"]])
    assert vouched.found(path) == vouched.Found(
        rows=2,
        ids_once=True,
        sharing=None,
        scopes=frozenset({"north", None}),
        pairs=(("tweet", "{}"),),
    )
    for changed in (
        {"scopes": "north"},
        {"scopes": [1]},
        {"pairs": {"tweet": "{}"}},
        {"pairs": [["tweet"]]},
        {"pairs": [["tweet", {}]]},
        {"pairs": [["tweet", "{}", "x"]]},
    ):
        _footed(path, table, **changed)
        assert vouched.found(path) is None, json.dumps(changed)


def _before_footer(path: Path) -> bytes:
    """The bytes of a Parquet file before its footer (the rows and their pages)."""
    data = path.read_bytes()
    footer = int.from_bytes(data[-8:-4], "little")
    return data[: len(data) - 8 - footer]


def test_the_crc32_ingest_keeps_vouches_for_the_rows_bytes(tmp_path: Path) -> None:
    """Ingest keeps the CRC-32 of the bytes before the footer beside their SHA-256 digest
    (both of the bytes themselves); where an entry has a CRC-32, it alone decides whether
    the rows are as ingest wrote them (one of other bytes, or not a 32-bit count, gives
    nothing), and an entry written before, without one, is vouched for by its digest."""
    import hashlib
    import zlib

    path = tmp_path / "events.parquet"
    _ingested(_records([(0, 0, ("tweet", {}), "north", None, None, [])] * 3), path)
    entry = json.loads(pq.read_metadata(path).metadata[vouched.KEY.encode()])
    rows = _before_footer(path)
    assert entry["crc32"] == zlib.crc32(rows)
    assert entry["digest"] == hashlib.sha256(rows).hexdigest()
    assert vouched.found(path) is not None
    table = pq.read_table(path)
    _footed(path, table)  # as written before ingest kept a CRC-32: the digest vouches
    crc = zlib.crc32(_before_footer(path))
    assert vouched.found(path) == vouched.Found(rows=3, ids_once=True, sharing=None)
    _footed(path, table, crc32=crc, digest="0" * 64)
    assert vouched.found(path) == vouched.Found(rows=3, ids_once=True, sharing=None)
    for changed in (
        {"crc32": (crc + 1) % 2**32},
        {"crc32": str(crc)},
        {"crc32": float(crc)},
        {"crc32": crc + 2**32},
        {"crc32": crc - 2**32},
        {"crc32": True},
    ):
        _footed(path, table, **changed)
        assert vouched.found(path) is None, json.dumps(changed)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=_ROWS)
def test_each_number_of_facts_stands_for_its_rows_facts(rows: list[tuple[Any, ...]]) -> None:
    """Each row's `facts` number is what the footer says it stands for: the row's type,
    attributes, unit and role, whether it names nobody and whether it names other records;
    rows alike in all six share one number, and rows that differ in any do not (a number
    standing for two was a group of records that are not alike)."""
    with tempfile.TemporaryDirectory() as tmp, _in_small_batches():
        path = Path(tmp) / "events.parquet"
        _ingested(_records(rows), path)
        table = pq.read_table(path)
        found = vouched.found(path)
    assert found is not None and found.facts is not None
    facts = zip(
        *(table.column(c).to_pylist() for c in ("type", "attrs", "scope", "role")),
        (p is None for p in table.column("person").to_pylist()),
        (bool(r) for r in table.column("refs").to_pylist()),
        strict=True,
    )
    numbers = table.column("facts").to_pylist()
    pairs = list(zip(numbers, facts, strict=True))
    assert all(found.facts[n] == fact for n, fact in pairs)
    assert len(found.facts) == len({fact for _, fact in pairs}) == len(set(numbers))


def test_facts_not_as_ingest_writes_them_give_nothing(tmp_path: Path) -> None:
    """A footer whose facts are not a list of six (two texts, two texts or nulls, two
    booleans), each once, is not read: the check asks the rows. Past `LIMIT` distinct
    facts none are kept, and the rows are still vouched for."""
    path = tmp_path / "events.parquet"
    _ingested(_records([(0, 0, ("tweet", {}), "north", None, None, [])] * 2), path)
    table = pq.read_table(path)
    fact = ["tweet", "{}", "north", None, True, False]
    _footed(path, table, facts=[fact])
    found = vouched.found(path)
    assert found is not None and found.facts == (tuple(fact),)
    for changed in (
        {"facts": "tweet"},
        {"facts": [fact[:5]]},
        {"facts": [[*fact[:4], 1, False]]},
        {"facts": [[None, *fact[1:]]]},
        {"facts": [[*fact[:2], 3, *fact[3:]]]},
        {"facts": [fact, fact]},
    ):
        _footed(path, table, **changed)
        assert vouched.found(path) is None, json.dumps(changed)
    rows = [(0, 0, ("tweet", {}), scope, None, None, []) for scope in ("north", "south", None)]
    with mock.patch.object(vouched, "LIMIT", 2):
        _ingested(_records(rows), path)
    found = vouched.found(path)
    assert found is not None and found.facts is None and found.scopes is not None


def test_a_footer_not_saying_what_every_number_stands_for_is_one_located_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The footer is vouched for by the rows' CRC-32 (or digest), not by its own: one edited
    to list fewer facts than the rows are numbered by gives one line naming the file and
    exit 2, never a traceback (exit 3) or a record read as another's facts."""
    from datetime import date

    from engagerules import open_force, simulate
    from engagerules.cli import main

    log = tmp_path / "log.jsonl"
    records = simulate(open_force("gwent"), date(2022, 10, 1), date(2022, 10, 31), events=300)
    log.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    path = tmp_path / "events.parquet"
    assert main(["ingest", "gwent", str(log), "-o", str(path)]) == 0
    entry = json.loads(pq.read_metadata(path).metadata[vouched.KEY.encode()])
    assert len(entry["facts"]) > 1
    kept = {k: entry[k] for k in ("scopes", "pairs")}
    _footed(path, pq.read_table(path), facts=entry["facts"][:1], **kept)
    found = vouched.found(path)
    assert found is not None and found.facts is not None and len(found.facts) == 1
    capsys.readouterr()
    code = main(
        ["check", "gwent", str(path), "--engine", "ibis", "--from", "2022-10-01", "--to",
         "2022-10-31", "--as-of", "2022-11-01T00:00:00+00:00", "--format", "json"]
    )  # fmt: skip
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1, err
    assert str(path) in err and "facts number is not one its footer lists" in err
