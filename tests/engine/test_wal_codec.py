"""The WAL's record encoding: operations survive a round trip, and records logged by earlier
builds (payloads as a JSON list in the header) still decode."""

from __future__ import annotations

import struct

import numpy as np
import orjson

from vecbase.core.config import PayloadIndexSpec, PayloadType
from vecbase.core.operations import ConfigChange, CreateFieldIndex, DeleteFieldIndex, SetPayload, UpsertPoints
from vecbase.core.points import DenseColumn, ListColumn, PayloadDocs, SparseVector
from vecbase.engine.wal_codec import decode, encode


def test_upsert_round_trip_keeps_vectors_and_payload_documents() -> None:
    payloads = [{"a": 1, "ü": ["ß", None]}, None, {"nested": {"x": 1.5}}]
    dense = np.arange(9, dtype=np.float32).reshape(3, 3)
    sparse = ListColumn((SparseVector(np.array([1, 7], np.uint32), np.array([0.5, 2.0], np.float32)), None, None))
    op = UpsertPoints(
        (1, "0f0e0d0c-0b0a-0908-0706-050403020100", 3), {"": DenseColumn(dense), "s": sparse}, PayloadDocs.of(payloads)
    )
    back = decode(encode(op))
    assert isinstance(back, UpsertPoints)
    assert back.ids == op.ids
    assert [back.payloads.payload(i) for i in range(3)] == [payloads[0], {}, payloads[2]]
    assert back.payloads.blob == op.payloads.blob
    column = back.vectors[""]
    assert isinstance(column, DenseColumn) and np.array_equal(column.data, dense)
    assert back.vectors["s"].get(0) == sparse.values[0] and back.vectors["s"].get(1) is None


def test_record_of_an_earlier_build_decodes() -> None:
    header = orjson.dumps({"t": "upsert", "ids": [5, 6], "payloads": [{"k": "v"}, None], "vectors": {}, "blobs": []})
    op = decode(struct.pack("<I", len(header)) + header)
    assert isinstance(op, UpsertPoints) and op.ids == (5, 6)
    assert [op.payloads.payload(i) for i in range(2)] == [{"k": "v"}, {}]


def test_payload_edit_round_trip() -> None:
    op = SetPayload((1, 2), {"k": [1, 2]}, key="a.b")
    assert decode(encode(op)) == op


def test_collection_level_operations_round_trip() -> None:
    """Payload index and named-vector changes are logged (for their operation numbers)."""
    spec = PayloadIndexSpec(PayloadType.KEYWORD, {"is_tenant": True})
    for op in (CreateFieldIndex("a.b", spec), DeleteFieldIndex("a.b"), ConfigChange("vectors")):
        assert decode(encode(op)) == op
