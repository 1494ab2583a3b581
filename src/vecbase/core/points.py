"""Point data in the engine's own shapes: vectors, columns of a write batch, results."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Sequence, Union

import numpy as np
import numpy.typing as npt
import orjson

from vecbase.core.ids import PointId

Payload = dict[str, Any]
# the document of a point without payload
EMPTY_PAYLOAD_DOC = b"{}"
FloatArray = npt.NDArray[np.float32]


@dataclass(frozen=True, slots=True, eq=False)
class SparseVector:
    """Indices strictly increasing (uint32) with their float32 values."""

    indices: npt.NDArray[np.uint32]
    values: FloatArray

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, SparseVector)
            and np.array_equal(self.indices, other.indices)
            and np.array_equal(self.values, other.values)
        )

    __hash__ = None  # type: ignore[assignment]


@dataclass(frozen=True, slots=True, eq=False)
class PayloadDocs:
    """The payloads of a write batch as JSON documents in one buffer: document ``i`` is
    ``blob[ends[i - 1]:ends[i]]`` (``EMPTY_PAYLOAD_DOC`` for a point without payload). A batch carries no
    per-point Python objects, so ingest does not leave a peak of small objects behind, and the
    documents are what the WAL logs and the segments store."""

    blob: bytes
    ends: npt.NDArray[np.int64]

    @classmethod
    def join(cls, docs: Iterable[bytes]) -> PayloadDocs:
        # appended one at a time: a list of orjson's results would hold ~4 kB of spare
        # buffer capacity per document until joined
        buf = bytearray()
        ends: list[int] = []
        for doc in docs:
            buf += doc
            ends.append(len(buf))
        return cls(bytes(buf), np.array(ends, dtype=np.int64))

    @classmethod
    def of(cls, payloads: Iterable[Payload | None]) -> PayloadDocs:
        """Documents of payloads that are JSON objects (None is the empty payload)."""
        return cls.join(orjson.dumps(p) if p else EMPTY_PAYLOAD_DOC for p in payloads)

    @classmethod
    def empty(cls, n: int) -> PayloadDocs:
        """``n`` points without payload."""
        size = len(EMPTY_PAYLOAD_DOC)
        return cls(EMPTY_PAYLOAD_DOC * n, np.arange(size, size * n + 1, size, dtype=np.int64))

    def __len__(self) -> int:
        return int(self.ends.shape[0])

    def doc(self, i: int) -> bytes:
        return self.blob[int(self.ends[i - 1]) if i else 0 : int(self.ends[i])]

    def payload(self, i: int) -> Payload:
        decoded: Payload = orjson.loads(self.doc(i))
        return decoded

    def take(self, keep: Sequence[int]) -> PayloadDocs:
        return PayloadDocs.join(self.doc(i) for i in keep)


# A dense vector is 1-D float32, a multivector 2-D float32 (rows are the sub-vectors).
VectorValue = Union[FloatArray, SparseVector]


@dataclass(frozen=True, slots=True, eq=False)
class DenseColumn:
    """Dense vectors for a batch of points: row i belongs to point i where ``present[i]``."""

    data: FloatArray
    present: npt.NDArray[np.bool_] | None = None

    def get(self, i: int) -> FloatArray | None:
        if self.present is not None and not self.present[i]:
            return None
        row: FloatArray = self.data[i]
        return row


@dataclass(frozen=True, slots=True, eq=False)
class ListColumn:
    """Per-point vectors (sparse or multivector); None where the point has none."""

    values: tuple[VectorValue | None, ...]

    def get(self, i: int) -> VectorValue | None:
        return self.values[i]


VectorColumn = Union[DenseColumn, ListColumn]


@dataclass(frozen=True, slots=True)
class Record:
    id: PointId
    payload: Payload | None
    vectors: Mapping[str, VectorValue] | None
    order_value: int | float | None = None


@dataclass(frozen=True, slots=True)
class ScoredPoint:
    id: PointId
    score: float
    version: int
    payload: Payload | None
    vectors: Mapping[str, VectorValue] | None
    order_value: int | float | None = None


@dataclass(frozen=True, slots=True)
class ScoredColumns:
    """The results of one query as parallel columns, best first. The search hot path builds
    these without an object per hit (ids, versions and payloads are read per segment in one
    go); ``payloads`` and ``vectors`` are None when not requested, ``order_values`` when the
    query does not order by a payload value."""

    ids: list[PointId]
    scores: list[float]
    versions: list[int]
    payloads: list[Payload] | None = None
    vectors: list[Mapping[str, VectorValue]] | None = None
    order_values: list[int | float | None] | None = None

    def __len__(self) -> int:
        return len(self.ids)

    @classmethod
    def of(cls, points: list[ScoredPoint]) -> ScoredColumns:
        def column(values: list[Any]) -> list[Any] | None:
            return values if any(v is not None for v in values) else None

        return cls(
            [p.id for p in points],
            [p.score for p in points],
            [p.version for p in points],
            column([p.payload for p in points]),
            column([p.vectors for p in points]),
            column([p.order_value for p in points]),
        )
