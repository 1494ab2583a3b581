"""The ``qdrant/bm25`` model: Bm25Config options, documents against queries."""

from __future__ import annotations

import pytest

from vecbase.analysis.bm25 import token_id
from vecbase.core.errors import BadRequestError
from vecbase.core.points import SparseVector
from vecbase.inference.registry import REGISTRY, UnknownModelError


def embed(text: str, query: bool = False, **options: object) -> dict[int, float]:
    (vector,) = REGISTRY.get("qdrant/bm25").embed([text], options or None, query)
    assert isinstance(vector, SparseVector)
    return dict(zip(vector.indices.tolist(), vector.values.tolist()))


def test_english_by_default_stop_words_and_stemming() -> None:
    doc = embed("The cats are running")
    assert set(doc) == {token_id("cat"), token_id("run")}
    assert embed("the and of") == {}  # only stop words: an empty vector, as Qdrant
    query = embed("running cats cat", query=True)
    assert query == {token_id("run"): 1.0, token_id("cat"): 1.0}


def test_options() -> None:
    assert set(embed("The cats", stemmer={"type": "none"})) == {token_id("cats")}
    assert set(embed("The cats", stopwords={"custom": ["cats"]})) == {token_id("the")}
    assert set(embed("The cats", language="none")) == {token_id("the"), token_id("cats")}
    russian = embed("Машины ехали по городу", language="russian")
    assert set(russian) == {token_id("машин"), token_id("еха"), token_id("город")}
    assert set(embed("Cats", lowercase=False, stemmer={"type": "none"})) == {token_id("Cats")}
    k, b, avg = 2.0, 0.5, 10.0
    weights = embed("cat cat dog", k=k, b=b, avg_len=avg)
    assert weights[token_id("cat")] == pytest.approx(2 * (k + 1) / (2 + k * (1 - b + b * 3 / avg)), rel=1e-6)
    chinese = embed("我爱北京天安门", tokenizer="multilingual", language="chinese")
    assert token_id("北京") in chinese and token_id("天安门") in chinese


def test_names_and_bad_options() -> None:
    assert REGISTRY.get("BM25") is REGISTRY.get("Qdrant/bm25")
    with pytest.raises(UnknownModelError, match="qdrant/bm25"):
        REGISTRY.get("sentence-transformers/nope")
    with pytest.raises(BadRequestError, match="Invalid BM25 config"):
        embed("x", b=2.0)
    with pytest.raises(BadRequestError, match="Invalid BM25 config"):
        embed("x", colour="red")
