"""The index's cheaper ways to the same lists, held to the plain rules they stand for.

`_in_time_order` takes a log already sorted by time, then id, as it is (found so by
comparisons made in C) instead of sorting it; the index's follow-ups are found among the
records naming any, not by a loop over all of them. Each must give exactly what the plain
rule gives: the two stable sorts (by id, then by time), and every event's refs in read
order with the repeats left out and refs to them naming their originals.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from conftest import bundled
from engagerules.engine.index import EventIndex, _in_time_order
from engagerules.model.event import Event

_BASE = datetime(2022, 3, 27, 0, 30, tzinfo=UTC)

# Few instants and few ids, so that records share an instant (ties broken by id) and, now
# and then, an id (kept in read order by the stable sort).
_EVENTS = st.lists(
    st.builds(
        lambda i, minutes, refs: Event(
            id=f"e{i}", type="foot_patrol", at=_BASE + timedelta(minutes=minutes), refs=refs
        ),
        st.integers(0, 12),
        st.integers(0, 5),
        st.lists(st.sampled_from([f"e{i}" for i in range(13)]), max_size=2).map(tuple),
    ),
    max_size=30,
)


def _plainly_sorted(events: list[Event]) -> list[Event]:
    ordered = sorted(events, key=lambda e: e.id)
    ordered.sort(key=lambda e: e.at)
    return ordered


@given(_EVENTS, st.booleans())
def test_in_time_order_is_the_two_stable_sorts(events: list[Event], presorted: bool) -> None:
    if presorted:  # a log already in order, as an export usually is: the fast path
        events = _plainly_sorted(events)
    ordered, ats = _in_time_order(events)
    expected = _plainly_sorted(events)
    assert [id(e) for e in ordered] == [id(e) for e in expected]  # the same objects, in order
    assert ats == [e.at for e in expected]
    assert ordered is not events  # a list of its own, whatever it was given


@given(_EVENTS)
def test_the_index_finds_follow_ups_as_a_loop_over_every_event_would(events: list[Event]) -> None:
    unique = list({e.id: e for e in events}.values())  # ids unique, as the readers keep them
    index = EventIndex(unique, bundled("gwent"))
    repeated = index.repeated
    followers: dict[str, list[str]] = {}
    for event in unique:  # the plain rule: every event read, but the repeats
        if event.id in repeated:
            continue
        refs = event.refs
        if not repeated.keys().isdisjoint(refs):  # a ref to a repeat names its original
            refs = tuple(dict.fromkeys(repeated.get(r, r) for r in refs))
        for ref in refs:
            followers.setdefault(ref, []).append(event.id)
    for ref in {r for e in unique for r in e.refs} | {e.id for e in unique}:
        found = index.following(ref)
        assert [e.id for e in found] == followers.get(ref, [])
        assert all(repeated.keys().isdisjoint(e.refs) for e in found)
