"""Every fusion operation against an example computed by hand."""

from __future__ import annotations

import math

import pytest

from vecbase.query.fusion import cascade, normalize, rrf, score_fusion

TEXT = [("a", 12.0), ("b", 9.0), ("c", 3.0)]
VECTOR = [("c", 0.9), ("a", 0.8), ("d", 0.5)]


def approx(ranked: list[tuple[str, float]]) -> list[tuple[str, object]]:
    return [(k, pytest.approx(s)) for k, s in ranked]


def test_rrf_qdrant_convention() -> None:
    # 0-based ranks, k = 2: 1 / (r + 2)
    # a: 1/2 + 1/3, c: 1/4 + 1/2, b: 1/3, d: 1/4
    assert rrf([TEXT, VECTOR]) == approx([("a", 5 / 6), ("c", 3 / 4), ("b", 1 / 3), ("d", 1 / 4)])
    # weights: 1 / ((r + 1) / w + k - 1); text w=2: a 1/(0.5+1)=2/3, b 1/(1+1)=1/2, c 1/(1.5+1)=2/5
    weighted = dict(rrf([TEXT, VECTOR], weights=[2.0, 1.0]))
    assert weighted["a"] == pytest.approx(2 / 3 + 1 / 3)
    assert weighted["c"] == pytest.approx(2 / 5 + 1 / 2)
    assert weighted["b"] == pytest.approx(1 / 2)
    muted = dict(rrf([TEXT, VECTOR], weights=[0.0, 1.0]))
    assert muted["b"] == 0.0 and muted["c"] == pytest.approx(1 / 2)


def test_rrf_one_based_convention() -> None:
    # Elasticsearch / AnalyticDB / Yandex: w / (k + r), 1-based r, k = 60
    fused = dict(rrf([TEXT, VECTOR], k=60, one_based=True))
    assert fused["a"] == pytest.approx(1 / 61 + 1 / 62)
    assert fused["c"] == pytest.approx(1 / 63 + 1 / 61)
    assert fused["d"] == pytest.approx(1 / 63)
    weighted = dict(rrf([TEXT, VECTOR], k=60, weights=[0.3, 0.7], one_based=True))
    assert weighted["a"] == pytest.approx(0.3 / 61 + 0.7 / 62)


def test_normalisations() -> None:
    assert normalize(TEXT, "min_max") == {"a": 1.0, "b": pytest.approx(6 / 9), "c": 0.0}
    norm = math.sqrt(144 + 81 + 9)
    assert normalize(TEXT, "l2") == {
        "a": pytest.approx(12 / norm),
        "b": pytest.approx(9 / norm),
        "c": pytest.approx(3 / norm),
    }
    assert normalize(TEXT, "none") == dict(TEXT)
    assert normalize([("x", 2.0), ("y", 2.0)], "min_max") == {"x": 1.0, "y": 1.0}
    # scores 12, 9, 3: mean 8, sample std sqrt(((16 + 1 + 25) / 2)) = sqrt(21); low = 8 - 3 sqrt(21)
    std = math.sqrt(21)
    dbsf = normalize(TEXT, "dbsf")
    assert dbsf == {
        "a": pytest.approx((12 - 8 + 3 * std) / (6 * std)),
        "b": pytest.approx((9 - 8 + 3 * std) / (6 * std)),
        "c": pytest.approx((3 - 8 + 3 * std) / (6 * std)),
    }
    assert all(0.0 <= v <= 1.0 for v in dbsf.values())
    # an outlier beyond 3 standard deviations is clipped to 1
    spread = [("o", 100.0)] + [(str(i), float(i % 2)) for i in range(20)]
    assert normalize(spread, "dbsf")["o"] == 1.0
    assert normalize([("x", 3.0)], "dbsf") == {"x": 0.5}
    with pytest.raises(ValueError):
        normalize(TEXT, "z-score")


def test_weighted_linear_fusion() -> None:
    # min-max: text a 1, b 2/3, c 0; vector c 1, a 0.75, d 0
    fused = dict(score_fusion([TEXT, VECTOR], weights=[0.4, 0.6]))
    assert fused["a"] == pytest.approx(0.4 * 1 + 0.6 * 0.75)
    assert fused["b"] == pytest.approx(0.4 * 2 / 3)
    assert fused["c"] == pytest.approx(0.6 * 1)
    assert fused["d"] == pytest.approx(0.0)
    assert [k for k, _ in score_fusion([TEXT, VECTOR], weights=[0.4, 0.6])] == ["a", "c", "b", "d"]
    raw = dict(score_fusion([TEXT, VECTOR], normalization="none"))
    assert raw["a"] == pytest.approx(12.8)


def test_means() -> None:
    both = [[("a", 4.0), ("b", 1.0)], [("a", 9.0), ("b", 1.0)]]
    none = {"normalization": "none"}
    assert dict(score_fusion(both, combination="arithmetic", **none))["a"] == pytest.approx(6.5)
    assert dict(score_fusion(both, combination="geometric", **none))["a"] == pytest.approx(6.0)  # sqrt(4 * 9)
    assert dict(score_fusion(both, combination="harmonic", **none))["a"] == pytest.approx(2 / (1 / 4 + 1 / 9))
    weighted = dict(score_fusion(both, weights=[3, 1], combination="geometric", **none))
    assert weighted["a"] == pytest.approx(4**0.75 * 9**0.25)
    # a key missing from one source: its score there is 0, so the geometric / harmonic mean is 0
    partial = dict(score_fusion([[("a", 4.0)], [("b", 9.0)]], combination="harmonic", **none))
    assert partial == {"a": 0.0, "b": 0.0}


def test_cascade() -> None:
    # text candidates a, b, c reordered by vector scores; b has no vector score: dropped
    assert cascade(TEXT, dict(VECTOR)) == [("c", 0.9), ("a", 0.8)]
    assert cascade(TEXT, dict(VECTOR), limit=1) == [("c", 0.9)]
