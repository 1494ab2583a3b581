"""The id tracker's ordered walk (a scroll page of one segment) against sorting every id, in
both of its forms: taking writes (a list) and frozen (sorted columns)."""

from __future__ import annotations

import uuid

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from vecbase.core.ids import PointId, id_sort_key
from vecbase.segment.id_tracker import IdTracker

ids_strategy = st.lists(
    st.one_of(
        st.integers(min_value=0, max_value=2**64 - 1),
        st.integers(min_value=0, max_value=40),
        st.uuids().map(str),
        st.sampled_from([str(uuid.UUID(int=k)) for k in (0, 1, 2**64, 2**64 + 1, 2**128 - 1)]),
    ),
    max_size=60,
    unique=True,
)


def brute(ids: list[PointId], mask: np.ndarray, start: tuple[int, int] | None, want: int) -> list[tuple[object, int]]:
    keyed = sorted((id_sort_key(p), off) for off, p in enumerate(ids) if mask[off])
    return [kv for kv in keyed if start is None or kv[0] >= start][:want]


@settings(max_examples=300, deadline=None)
@given(ids=ids_strategy, data=st.data())
def test_first_in_order_is_the_sorted_prefix(ids: list[PointId], data: st.DataObject) -> None:
    mask = np.array(data.draw(st.lists(st.booleans(), min_size=len(ids), max_size=len(ids))), dtype=bool)
    want = data.draw(st.integers(min_value=0, max_value=len(ids) + 2))
    start_id = data.draw(
        st.one_of(
            st.none(), st.sampled_from(ids) if ids else st.none(), ids_strategy.map(lambda xs: xs[0] if xs else None)
        )
    )
    start = id_sort_key(start_id) if start_id is not None else None
    expected = brute(ids, mask, start, want)
    growing = IdTracker(ids)
    assert growing.first_in_order(mask, start, want) == expected
    frozen = IdTracker(ids)
    frozen.freeze()
    assert frozen.frozen
    assert frozen.first_in_order(mask, start, want) == expected
    # a check of the offsets the walk reads (a filter's payload conditions) narrows the mask
    passes = np.array(data.draw(st.lists(st.booleans(), min_size=len(ids), max_size=len(ids))), dtype=bool)
    checked: list[int] = []

    def check(offs: np.ndarray) -> np.ndarray:
        assert mask[offs].all(), "only rows of the mask are checked"
        checked.extend(offs.tolist())
        return passes[offs]

    expected = brute(ids, mask & passes, start, want)
    for tracker in (growing, frozen):
        checked.clear()
        assert tracker.first_in_order(mask, start, want, check) == expected
        assert len(checked) == len(set(checked)), "no row is checked twice"


def test_a_checked_walk_stops_once_the_page_is_full() -> None:
    n = 50_000
    growing, frozen = IdTracker(range(n - 1, -1, -1)), IdTracker(range(n - 1, -1, -1))
    frozen.freeze()
    checked: list[int] = []

    def check(offs: np.ndarray) -> np.ndarray:
        checked.extend(offs.tolist())
        return np.asarray(offs % 2 == 0)

    for tracker in (growing, frozen):
        checked.clear()
        got = tracker.first_in_order(np.ones(n, dtype=bool), None, 10, check)
        # offset o holds id n-1-o: the smallest ids with an even offset are 1, 3, 5, ...
        assert [key for key, _ in got] == [(0, 2 * k + 1) for k in range(10)]
        assert len(checked) <= 2048, len(checked)


def test_a_long_walk_reads_past_its_first_chunk() -> None:
    """Ids descending with offsets (a permutation), one point in 500 passing the mask."""
    n = 20_000
    tracker = IdTracker(range(n - 1, -1, -1))
    tracker.freeze()
    mask = np.zeros(n, dtype=bool)
    mask[::500] = True
    got = tracker.first_in_order(mask, (0, 100), 7)
    # offset o holds id n-1-o: the passing ids are n-1-500k, smallest first from 100 up
    want_ids = sorted(n - 1 - o for o in range(0, n, 500) if n - 1 - o >= 100)[:7]
    assert got == [((0, i), n - 1 - i) for i in want_ids]


def test_walks_see_ids_appended_after_an_earlier_walk() -> None:
    tracker = IdTracker([5, 3, 9])
    ids: list[PointId] = [5, 3, 9]

    def check() -> None:
        mask = np.ones(len(ids), dtype=bool)
        for start in (None, (0, 4), (1, 0)):
            assert tracker.first_in_order(mask, start, 3) == brute(ids, mask, start, 3)

    check()  # caches the integer column
    for pid in (1, 7, 2**64 - 1):
        tracker.append(pid)
        ids.append(pid)
    check()
    later_uuid = str(uuid.UUID(int=3))
    tracker.append(later_uuid)
    ids.append(later_uuid)
    check()  # a UUID among them: keyed one by one
    tracker.freeze()
    check()
    tracker.append(0)  # thawed: the column is rebuilt from the list
    ids.append(0)
    check()


def test_uuid_columns_decode_as_uuid_does() -> None:
    from vecbase.segment.id_tracker import _uuid_bytes

    rng = np.random.default_rng(4)
    canonical = [str(uuid.UUID(bytes=rng.bytes(16))) for _ in range(50)]
    for ids in (canonical, [u.upper() for u in canonical], [], ["{" + canonical[0] + "}", canonical[1]]):
        assert _uuid_bytes(ids) == b"".join(uuid.UUID(u).bytes for u in ids)
