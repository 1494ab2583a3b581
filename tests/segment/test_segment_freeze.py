"""Frozen (sealed) segments: compact id tracker, packed payloads, array payload indexes."""

from __future__ import annotations

import uuid
from typing import Any

import numpy as np
import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from vecbase import Client
from vecbase import models as vm
from vecbase.core.config import PayloadIndexSpec, PayloadType
from vecbase.core.filter import FieldMatch, MatchValue
from vecbase.core.operations import DeletePoints, SetPayload
from vecbase.core.points import PayloadDocs
from vecbase.index.payload import make_field_index
from vecbase.segment.id_tracker import IdTracker
from vecbase.segment.payloads import PayloadStore

point_ids = st.one_of(
    st.integers(0, 2**64 - 1),
    st.integers(0, 50),
    st.uuids().map(str),
)


@settings(max_examples=200, deadline=None)
@given(ids=st.lists(point_ids, unique=True, max_size=40), probes=st.lists(point_ids, max_size=20))
def test_frozen_tracker_answers_like_the_dict(ids: list[Any], probes: list[Any]) -> None:
    ascending = sorted(i for i in ids if isinstance(i, int))  # the no-permutation layout
    check_tracker(ascending, probes + ids)
    check_tracker(ids, probes)


def check_tracker(ids: list[Any], probes: list[Any]) -> None:
    tracker = IdTracker(ids)
    tracker.freeze()
    assert tracker.frozen and len(tracker) == len(ids)
    assert [tracker[i] for i in range(len(ids))] == ids
    assert list(tracker) == ids
    for pid in ids + probes:
        assert tracker.offset(pid) == (ids.index(pid) if pid in ids else None)
    # the batch lookup (routing) agrees with the single one, frozen and not, with odd probes
    batch = ids + probes + [-1, 2**64]
    expected = [ids.index(p) if p in ids else -1 for p in batch]
    assert tracker.offsets_of(batch).tolist() == expected
    assert IdTracker(ids).offsets_of(batch).tolist() == expected
    assert tracker.offsets_of([p for p in probes if isinstance(p, int)]).tolist() == [
        ids.index(p) if p in ids else -1 for p in probes if isinstance(p, int)
    ]
    new = str(uuid.uuid4())
    assert tracker.append(new) == len(ids)  # thaws
    assert not tracker.frozen and tracker.offset(new) == len(ids) and tracker[len(ids)] == new


def test_payload_store_freezes_packs_and_thaws() -> None:
    payloads: list[dict[str, Any]] = [{"a": 1}, {}, {"b": ["x", {"c": None}]}, {"ü": "ß"}]
    store = PayloadStore()
    store.extend(PayloadDocs.of([dict(p) for p in payloads]))
    blob, ends = store.pack()
    assert not store.frozen
    store.freeze()
    assert store.frozen and len(store) == 4 and list(store) == payloads
    packed_blob, packed_ends = store.pack()
    assert packed_blob == blob and packed_ends.tolist() == ends.tolist()
    assert store[2] == payloads[2] and store[2] is not store[2]  # decoded afresh on every read
    assert list(store.docs([3, 0])) == [orjson.dumps(payloads[3]), orjson.dumps(payloads[0])]
    again = PayloadStore.from_docs(store.docs([0, 1, 2, 3]))
    assert list(again) == payloads
    store[1] = {"z": 2}  # a write thaws
    assert not store.frozen and list(store) == [payloads[0], {"z": 2}, *payloads[2:]]
    assert store.copies_of([1, 3, 1]) == [{"z": 2}, payloads[3], {"z": 2}]


def test_payload_store_rewrites_assign_and_compact() -> None:
    store = PayloadStore()
    store.extend(PayloadDocs.of([{"i": 0}]))
    docs = PayloadDocs.of([{"i": 1}, None, {"i": 3}, {"i": 4}])
    # rows 2 and 0 of the batch for a new offset and an existing one
    store.assign(np.array([1, 0], dtype=np.int64), docs, np.array([2, 0], dtype=np.int64))
    assert list(store) == [{"i": 1}, {"i": 3}]
    store.extend(docs.take([1, 3]))
    assert list(store) == [{"i": 1}, {"i": 3}, {}, {"i": 4}]
    # rewritten documents leave garbage that pack() skips and compaction drops
    expected = [{"i": 1}, {"i": 3}, {}, {"i": 4}]
    for round_no in range(3000):
        off = round_no % 4
        expected[off] = {"i": round_no, "pad": "x" * 40}
        store[off] = expected[off]
    assert list(store) == expected
    blob, ends = store.pack()
    assert (
        orjson.loads(b"[" + b",".join(blob[s:e] for s, e in zip([0, *ends[:-1].tolist()], ends.tolist())) + b"]")
        == expected
    )
    assert len(store._buf) < 4 * (1 << 16)  # compacted along the way, not 3000 documents long
    store.freeze()
    assert store.frozen and list(store) == expected and store.pack()[0] == blob
    # a frozen store thaws without decoding and keeps every document
    store.assign(np.array([4], dtype=np.int64), PayloadDocs.of([{"new": True}]), np.array([0], dtype=np.int64))
    assert list(store) == [*expected, {"new": True}]


def test_payload_docs_take_and_decode() -> None:
    docs = PayloadDocs.of([{"a": 1}, None, {"b": [1, 2]}])
    assert len(docs) == 3 and docs.doc(1) == b"{}" and docs.payload(2) == {"b": [1, 2]}
    none = PayloadDocs.empty(3)
    assert [none.payload(i) for i in range(3)] == [{}, {}, {}] and len(PayloadDocs.empty(0)) == 0
    part = docs.take([2, 0])
    assert [part.payload(i) for i in range(2)] == [{"b": [1, 2]}, {"a": 1}]


def _segment() -> Any:
    client = Client(":memory:")
    client.create_collection("c", vectors_config=vm.VectorParams(size=2, distance=vm.Distance.EUCLID))
    client.create_payload_index("c", "kw", vm.PayloadSchemaType.KEYWORD)
    client.create_payload_index("c", "n", vm.PayloadSchemaType.INTEGER)
    ids: list[Any] = list(range(30)) + [str(uuid.UUID(int=i)) for i in range(10)]
    client.upsert(
        "c",
        vm.Batch(
            ids=ids,
            vectors=[[float(i), 0.0] for i in range(40)],
            payloads=[{"kw": "even" if i % 2 == 0 else "odd", "n": i} for i in range(40)],
        ),
    )
    return client, client._toc.get("c").segments[0]


def test_frozen_segment_takes_deletes_and_thaws_for_other_writes() -> None:
    client, seg = _segment()
    before = client.query_points("c", query=[3.0, 0.0], limit=40).points
    seg.freeze()
    assert seg.frozen and all(index.frozen for index in seg.field_indexes.values())
    after = client.query_points("c", query=[3.0, 0.0], limit=40).points
    assert [(p.id, p.score, p.payload) for p in after] == [(p.id, p.score, p.payload) for p in before]
    seg.apply(1000, DeletePoints((4, str(uuid.UUID(int=3)))))
    assert seg.frozen  # deletes keep it frozen
    flt = vm.Filter(must=[vm.FieldCondition(key="kw", match=vm.MatchValue(value="even"))])
    found = {p.id for p in client.query_points("c", query=[3.0, 0.0], query_filter=flt, limit=40).points}
    assert 4 not in found and 2 in found and len(found) == 19
    assert seg.field_indexes["kw"].points() == 38
    facet = client.facet("c", "kw").hits
    assert {h.value: h.count for h in facet} == {"even": 19, "odd": 19}
    seg.apply(1001, SetPayload((6,), {"kw": "odd"}, None))
    assert not seg.frozen  # any other write thaws: indexes rebuilt from the payloads
    assert seg.payloads[seg.ids.offset(6)]["kw"] == "odd"
    found = {p.id for p in client.query_points("c", query=[3.0, 0.0], query_filter=flt, limit=40).points}
    assert 6 not in found and len(found) == 18
    assert seg.field_indexes["kw"].points() == 38


def test_frozen_index_built_on_a_frozen_segment() -> None:
    client, seg = _segment()
    seg.freeze()
    seg.create_field_index("n2", PayloadIndexSpec(PayloadType.INTEGER, {}))
    assert seg.field_indexes["n2"].frozen
    flt = vm.Filter(must=[vm.FieldCondition(key="n", range=vm.Range(gte=10, lt=13))])
    ids = sorted(p.id for p in client.query_points("c", query=[0.0, 0.0], query_filter=flt, limit=10).points)
    assert ids == [10, 11, 12]
    assert np.array_equal(np.sort(seg.field_indexes["n"].offsets(client_filter_cond(flt))), [10, 11, 12])


def client_filter_cond(flt: vm.Filter) -> Any:
    from vecbase.api.qdrant.filters import convert_filter

    internal = convert_filter(flt)
    assert internal is not None
    return internal.must[0]


def test_mutable_index_shares_value_tuples_and_keeps_types() -> None:
    flags = make_field_index("f", PayloadIndexSpec(PayloadType.BOOL))
    for off in range(1000):
        flags.set(off, {"f": off % 3 == 0})
    values = flags._values
    assert values[0] is values[3] and values[1] is values[2]  # one tuple per distinct value
    flags.remove(3)
    flags.set(1, {"f": True})
    mask = flags.mask(FieldMatch("f", MatchValue(True)), 1000)
    assert mask is not None
    assert np.nonzero(mask)[0].tolist() == sorted([0, 1, *range(6, 1000, 3)])
    # values that compare equal across types (True == 1) never share a tuple
    assert flags._shared((True,)) is not flags._shared((1,))
    assert type(flags._shared((1,))[0]) is int
