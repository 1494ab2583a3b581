"""gRPC upsert batches read as one matrix (``api/qdrant/grpc/updates.py``): the numbers
sliced out of each vector message's wire bytes equal the ones read field by field, for the
dense and the legacy vector forms; a message holding more than its numbers is read field by
field; payload values convert to the JSON values they stand for."""

from __future__ import annotations

from typing import Any

import numpy as np

from vecbase.api.qdrant.grpc.proto import json_with_int_pb2 as jv
from vecbase.api.qdrant.grpc.proto import points_pb2 as ppb
from vecbase.api.qdrant.grpc.proto import qdrant_common_pb2 as common
from vecbase.api.qdrant.grpc.updates import _packed_rows, dense_batch


def _points(rows: np.ndarray, legacy: bool = False, **extra: Any) -> Any:
    points = []
    for i, row in enumerate(rows):
        vector = (
            ppb.Vector(data=row.tolist(), **extra) if legacy else ppb.Vector(dense=ppb.DenseVector(data=row.tolist()))
        )
        points.append(ppb.PointStruct(id=common.PointId(num=i), vectors=ppb.Vectors(vector=vector)))
    # through the wire, as the server receives them
    message = ppb.UpsertPoints(collection_name="c", points=points)
    return ppb.UpsertPoints.FromString(message.SerializeToString()).points


def test_packed_rows_equal_the_numbers_read_one_by_one() -> None:
    rng = np.random.default_rng(5)
    for width in (1, 3, 31, 32, 128, 1536):  # the length prefix takes one, two or three bytes
        rows = rng.normal(size=(7, width)).astype(np.float32)
        for legacy in (False, True):
            points = _points(rows, legacy)
            holders = [p.vectors.vector if legacy else p.vectors.vector.dense for p in points]
            got = _packed_rows(holders, width)
            assert got is not None and got.dtype == np.float32
            assert np.array_equal(got, rows)
            assert np.array_equal(dense_batch(points, {}).batch.vectors, rows)  # type: ignore[union-attr]


def test_a_message_holding_more_than_its_numbers_is_read_field_by_field() -> None:
    rows = np.arange(12, dtype=np.float32).reshape(3, 4)
    points = _points(rows, legacy=True, vectors_count=1)  # one more field in each message
    assert _packed_rows([p.vectors.vector for p in points], 4) is None
    assert np.array_equal(dense_batch(points, {}).batch.vectors, rows)  # type: ignore[union-attr]


def test_payload_values_convert_to_json_values() -> None:
    payload = {
        "i": jv.Value(integer_value=-3),
        "f": jv.Value(double_value=0.5),
        "s": jv.Value(string_value="x"),
        "b": jv.Value(bool_value=True),
        "n": jv.Value(null_value=jv.NULL_VALUE),
        "l": jv.Value(list_value=jv.ListValue(values=[jv.Value(integer_value=1), jv.Value(string_value="y")])),
        "o": jv.Value(struct_value=jv.Struct(fields={"k": jv.Value(double_value=2.0)})),
    }
    point = ppb.PointStruct(
        id=common.PointId(num=1),
        vectors=ppb.Vectors(vector=ppb.Vector(dense=ppb.DenseVector(data=[1.0, 2.0]))),
        payload=payload,
    )
    req = dense_batch([point], {})
    assert req is not None and req.batch.payloads is not None
    assert req.batch.payloads[0] == {"i": -3, "f": 0.5, "s": "x", "b": True, "n": None, "l": [1, "y"], "o": {"k": 2.0}}
