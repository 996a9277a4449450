"""The compiled accounting's cheaper ways of doing plain things (issue 23), each held to the
plain way: the ids marked as used, made an Arrow array by joining and splitting them in C
(`account._texts`), are the array `pyarrow.array` makes of them, whatever they hold; and
the data-quality entries of the groups listed (in log order) with those of the records
asked one by one put where they belong (`account._merged`) are all of them sorted by
place; and a column of a few texts (a record's file) put in log order by the numbers of
its texts (`account._repeated`) is the column's texts taken in that order."""

from __future__ import annotations

from typing import Any
from unittest import mock

import pytest
from hypothesis import given
from hypothesis import strategies as st

pytest.importorskip("ibis")

import numpy as np
import pyarrow as pa

from engagerules.engine.compiled.account import _merged, _repeated, _texts
from engagerules.model.results import DataQuality


@given(st.sets(st.text(alphabet=st.sampled_from("ab\n\r\0é€"), max_size=4), max_size=12))
def test_ids_made_an_array_in_bulk_are_those_made_one_by_one(ids: set[str]) -> None:
    """Line breaks in an id, empty ids, none or one id: the same strings in the same order."""
    made = _texts(ids)
    assert made.type == pa.string()
    assert made.to_pylist() == list(ids)


def test_ids_without_line_breaks_are_split_in_bulk() -> None:
    """The bulk way is the one taken for ids as logs have them: no array of them one by one."""
    ids = [f"e{n:07d}" for n in range(1000)]
    plain = pa.array
    with mock.patch.object(pa, "array", side_effect=plain) as made_by:
        made = _texts(ids)
    assert made.to_pylist() == ids
    assert [len(call.args[0]) for call in made_by.call_args_list] == [1]


def _entry(place: int) -> DataQuality:
    return DataQuality(f"e{place}", "log.jsonl", place + 1, "no unit recorded")


@given(
    places=st.sets(st.integers(0, 10_000), max_size=40),
    split=st.lists(st.booleans(), min_size=40, max_size=40),
    shuffled=st.randoms(),
)
def test_entries_merged_are_every_entry_in_log_order(
    places: set[int], split: list[bool], shuffled: Any
) -> None:
    """Either part empty, one entry first or last, the records asked in any order: the
    entries come out as one sort of every (place, entry) pair puts them."""
    ordered = sorted(places)
    listed = [p for p, one in zip(ordered, split, strict=False) if not one]
    more = [(p, _entry(p)) for p, one in zip(ordered, split, strict=False) if one]
    shuffled.shuffle(more)
    plain = tuple(_entry(p) for p in ordered)
    made = _merged(np.array(listed, np.int64), [_entry(p) for p in listed], list(more))
    assert made == plain


@given(
    chunks=st.lists(
        st.lists(st.sampled_from(["a.jsonl", "b.jsonl", "", "é/c.jsonl"]), max_size=6),
        max_size=4,
    ),
    shuffled=st.randoms(),
)
def test_files_in_an_order_are_the_texts_taken_in_it(
    chunks: list[list[str]], shuffled: Any
) -> None:
    """Any chunks (none, empty ones), any order of the rows: each row's text in that order,
    as Python strings; without an order, the rows as they are."""
    column = pa.chunked_array([pa.array(c, pa.string()) for c in chunks], pa.string())
    texts = column.to_pylist()
    order = list(range(len(texts)))
    shuffled.shuffle(order)
    assert _repeated(column, np.array(order, np.int64)) == [texts[k] for k in order]
    assert _repeated(column) == texts
