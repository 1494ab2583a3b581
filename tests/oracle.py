"""Running one call against vecbase and against qdrant-client's local mode, and comparing."""

from __future__ import annotations

from typing import Any

import numpy as np
from pydantic import BaseModel

import vecbase.models as vm


def to_vb(obj: Any) -> Any:
    """A qdrant_client model (or a structure of them) as the same-named vecbase model."""
    if isinstance(obj, BaseModel):
        cls = getattr(vm, type(obj).__name__)
        return cls.model_validate(
            {k: to_vb(getattr(obj, k)) for k in obj.model_fields_set},
        )
    if isinstance(obj, list):
        return [to_vb(x) for x in obj]
    if isinstance(obj, tuple):
        return tuple(to_vb(x) for x in obj)
    if isinstance(obj, dict):
        return {k: to_vb(v) for k, v in obj.items()}
    return obj


def plain(obj: Any) -> Any:
    if isinstance(obj, BaseModel):
        return plain(obj.model_dump(by_alias=True))
    if isinstance(obj, dict):
        return {k: plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [plain(v) for v in obj]
    return obj


def vectors_close(a: Any, b: Any, tol: float = 1e-4) -> bool:
    a, b = plain(a), plain(b)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(vectors_close(a[k], b[k], tol) for k in a)
    if a is None or b is None:
        return a == b
    try:
        return bool(np.allclose(np.asarray(a, dtype=float), np.asarray(b, dtype=float), atol=tol))
    except ValueError:
        return False


def _payloads_equal(a: Any, b: Any, empty_is_none: bool) -> bool:
    return (a or None) == (b or None) if empty_is_none else bool(a == b)


def assert_records_equal(ours: list[Any], theirs: list[Any], context: str, empty_is_none: bool = False) -> None:
    """``empty_is_none``: an empty payload and none count as one (qdrant-client's gRPC transport
    cannot tell them apart: a protobuf map is never absent)."""
    assert [r.id for r in ours] == [r.id for r in theirs], f"{context}: ids differ"
    for a, b in zip(ours, theirs):
        assert _payloads_equal(a.payload, b.payload, empty_is_none), (
            f"{context}: payload of {a.id} differs: {a.payload} != {b.payload}"
        )
        assert vectors_close(a.vector, b.vector), (
            f"{context}: vectors of {a.id} differ: {plain(a.vector)} vs {plain(b.vector)}"
        )


def assert_scored_equal(
    ours: list[Any], theirs: list[Any], context: str, tol: float = 1e-4, empty_is_none: bool = False
) -> None:
    """Same scores in the same order; ids equal except within ties at the same score."""
    mine = [(p.id, p.score) for p in ours]
    oracle = [(p.id, p.score) for p in theirs]
    assert len(ours) == len(theirs), f"{context}: {len(ours)} results vs {len(theirs)}: {mine} vs {oracle}"
    s1 = np.array([p.score for p in ours])
    s2 = np.array([p.score for p in theirs])
    assert np.allclose(s1, s2, atol=tol, rtol=1e-4), f"{context}: scores differ {s1} vs {s2}"
    last = s2[-1] if len(s2) else None
    by_id = {p.id: p for p in theirs}
    for a in ours:
        if last is not None and abs(a.score - last) <= 10 * tol:
            continue  # a tie at the cut-off: either side may keep either point
        b = by_id.get(a.id)
        assert b is not None, f"{context}: {a.id} (score {a.score}) missing from the oracle's answer"
        assert abs(a.score - b.score) <= tol * max(1.0, abs(b.score)), f"{context}: score of {a.id} differs"
        assert _payloads_equal(a.payload, b.payload, empty_is_none), f"{context}: payload of {a.id} differs"
        assert vectors_close(a.vector, b.vector), (
            f"{context}: vectors of {a.id} differ: {plain(a.vector)} vs {plain(b.vector)}"
        )
