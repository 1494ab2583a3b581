"""Checks of incoming vectors against the collection's configuration, before anything is logged."""

from __future__ import annotations

from typing import Mapping

import numpy as np

from vecbase.core.config import CollectionConfig
from vecbase.core.errors import BadRequestError
from vecbase.core.points import DenseColumn, ListColumn, SparseVector, VectorColumn


def _dim_error(name: str, expected: int, got: int) -> BadRequestError:
    label = f" `{name}`" if name else ""
    return BadRequestError(f"Wrong input: Vector dimension error{label}: expected dim: {expected}, got {got}")


def check_vectors(config: CollectionConfig, vectors: Mapping[str, VectorColumn], n: int) -> None:
    for name, col in vectors.items():
        if name in config.sparse_vectors:
            if not isinstance(col, ListColumn) or any(
                v is not None and not isinstance(v, SparseVector) for v in col.values
            ):
                raise BadRequestError(f"Wrong input: Conversion between sparse and regular vectors failed: {name}")
            continue
        vc = config.vectors.get(name)
        if vc is None:
            raise BadRequestError(f"Wrong input: Not existing vector name error: {name}")
        if vc.multivector:
            if not isinstance(col, ListColumn):
                raise BadRequestError(f"Wrong input: Vector `{name}` is a multivector, got a single vector")
            for v in col.values:
                if v is None:
                    continue
                if isinstance(v, SparseVector) or v.ndim != 2 or v.shape[0] == 0:
                    raise BadRequestError(f"Wrong input: Vector `{name}` expects a non-empty multivector")
                if v.shape[1] != vc.size:
                    raise _dim_error(name, vc.size, int(v.shape[1]))
            continue
        if isinstance(col, ListColumn):
            raise BadRequestError(f"Wrong input: Vector `{name}` is a dense vector, got {type(col).__name__}")
        assert isinstance(col, DenseColumn)
        if col.data.ndim != 2 or col.data.shape[0] != n:
            raise BadRequestError(f"Wrong input: malformed vectors for `{name}`")
        if col.data.shape[1] != vc.size:
            raise _dim_error(name, vc.size, int(col.data.shape[1]))
        if not np.isfinite(col.data).all():
            raise BadRequestError(f"Wrong input: Vector `{name}` contains NaN or infinite values")
