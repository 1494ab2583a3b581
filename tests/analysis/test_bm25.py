"""BM25 sparse vectors as Qdrant's ``qdrant/bm25`` makes them, checked against values worked
out by hand from its formula."""

from __future__ import annotations

import mmh3
import numpy as np
import pytest

from vecbase.analysis.bm25 import Bm25Params, embed_document, embed_query, token_id


def test_token_ids_are_murmur3_made_positive() -> None:
    assert token_id("the") == 1132748958
    for token in ("hello", "Hello", "привет", "数据库", ""):
        signed = mmh3.hash(token.encode(), 0)
        assert token_id(token) == abs(signed)
    assert token_id("hello") != token_id("Hello")


def test_document_weights_by_hand() -> None:
    # 5 tokens, "the" twice; k=1.2, b=0.75, avg_len=5: 2 * 2.2 / (1.2 * (0.25 + 0.75) + 2) = 1.375
    dims, values = embed_document("the cat sat on the".split(), Bm25Params(avg_len=5.0))
    weights = dict(zip(dims.tolist(), values.tolist()))
    assert weights[token_id("the")] == pytest.approx(1.375)
    # once: 1 * 2.2 / (1.2 + 1) = 1.0
    assert weights[token_id("cat")] == pytest.approx(1.0)
    assert len(weights) == 4
    assert dims.tolist() == sorted(dims.tolist())


def test_defaults_and_length_normalisation() -> None:
    # default avg_len 256: a 3-token document, "foo" twice
    k, b, avg = 1.2, 0.75, 256.0
    expected = 2 * (k + 1) / (2 + k * (1 - b + b * 3 / avg))
    dims, values = embed_document(["foo", "bar", "foo"], Bm25Params())
    assert dict(zip(dims.tolist(), values.tolist()))[token_id("foo")] == pytest.approx(expected, rel=1e-6)
    long_doc = ["foo", "bar", "foo"] + [f"w{i}" for i in range(300)]
    _, long_values = embed_document(long_doc, Bm25Params())
    long_foo = dict(zip(*[a.tolist() for a in embed_document(long_doc, Bm25Params())]))[token_id("foo")]
    assert long_foo < expected and long_values.dtype == np.float32


def test_query_is_distinct_tokens_with_unit_weights() -> None:
    dims, values = embed_query("foo bar foo baz bar".split())
    assert len(dims) == 3 and values.tolist() == [1.0, 1.0, 1.0]
    assert dims.tolist() == sorted(dims.tolist())
    assert embed_query([])[0].size == 0 and embed_document([], Bm25Params())[0].size == 0


@pytest.mark.parametrize(
    "params", [Bm25Params(k=-1), Bm25Params(b=1.5), Bm25Params(avg_len=0), Bm25Params(avg_len=float("nan"))]
)
def test_invalid_params_are_refused(params: Bm25Params) -> None:
    with pytest.raises(ValueError):
        params.check()
