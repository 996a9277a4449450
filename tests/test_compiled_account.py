"""The compiled accounting's cheaper ways of doing plain things (issue 23), each held to the
plain way: the ids marked as used, made an Arrow array by joining and splitting them in C
(`account._texts`), are the array `pyarrow.array` makes of them, whatever they hold."""

from __future__ import annotations

from unittest import mock

import pytest
from hypothesis import given
from hypothesis import strategies as st

pytest.importorskip("ibis")

import pyarrow as pa

from engagerules.engine.compiled.account import _texts


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
