"""Congruence: the same qdrant-client calls against our server (over REST, and over gRPC
with ``prefer_grpc=True``) and against qdrant-client's local mode, on the same random data,
comparing every answer.

Where local mode is known to differ from the real server, the server's behaviour is what we
test, and the call is made so that both must agree anyway:
- payload indexes: local mode accepts and ignores them; the server needs one for facet and
  order_by, so the indexes below are created on both sides (a no-op in local mode);
- sample is random on both sides: we compare sizes and that every point passes the filter.
"""

from __future__ import annotations

import random
from typing import Any

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from qdrant_client import QdrantClient
from qdrant_client import models as qm

from tests.live_server import Server
from tests.oracle import assert_records_equal, assert_scored_equal
from tests.strategies import DT, GEO, KW, WORDS, filters

N = 1200
DIM = 8
MDIM = 4
DENSE = {"cos": qm.Distance.COSINE, "dot": qm.Distance.DOT, "euc": qm.Distance.EUCLID, "man": qm.Distance.MANHATTAN}
SPARSE = {"sp": None, "idf": qm.Modifier.IDF}
COL = "congruence"
# 30 examples a query kind over REST and gRPC each: the congruence suite is among the slowest
EXAMPLES = settings(max_examples=30)


def random_payload(rng: random.Random) -> dict[str, Any]:
    p: dict[str, Any] = {}
    if rng.random() < 0.9:
        p["kw"] = rng.choice(KW)
    if rng.random() < 0.9:
        p["num"] = rng.randint(-5, 20)
    if rng.random() < 0.8:
        p["flt"] = round(rng.uniform(-10, 10), 2)
    if rng.random() < 0.7:
        p["flag"] = rng.random() < 0.5
    if rng.random() < 0.7:
        p["tags"] = rng.sample(KW, rng.randint(0, 3))
    if rng.random() < 0.5:
        p["geo"] = rng.choice(GEO)
    if rng.random() < 0.6:
        p["dt"] = rng.choice(DT[:4])
    if rng.random() < 0.6:
        p["txt"] = " ".join(rng.choice(WORDS) for _ in range(rng.randint(0, 4)))
    if rng.random() < 0.4:
        p["mixed"] = rng.choice([rng.choice(KW), rng.randint(-5, 20), True, None, [1, "red"]])
    if rng.random() < 0.4:
        p["nested"] = [{"a": rng.randint(-5, 20), "b": rng.choice(KW)} for _ in range(rng.randint(0, 3))]
    if rng.random() < 0.5:
        p["obj"] = {"x": rng.randint(-5, 20), "y": rng.choice(KW)}
    return p


def random_sparse(rng: np.random.Generator) -> qm.SparseVector:
    idx = sorted(rng.choice(30, size=int(rng.integers(1, 6)), replace=False).tolist())
    return qm.SparseVector(indices=idx, values=rng.normal(size=len(idx)).round(3).tolist())


def random_point(i: int, rng: np.random.Generator, prng: random.Random) -> qm.PointStruct:
    vector: dict[str, Any] = {}
    for name in DENSE:
        if rng.random() < 0.95:
            vector[name] = rng.normal(size=DIM).round(4).tolist()
    if rng.random() < 0.8:
        vector["multi"] = rng.normal(size=(int(rng.integers(1, 4)), MDIM)).round(4).tolist()
    for name in SPARSE:
        if rng.random() < 0.85:
            vector[name] = random_sparse(rng)
    return qm.PointStruct(id=i, vector=vector, payload=random_payload(prng))


def create(client: QdrantClient, name: str) -> None:
    client.create_collection(
        name,
        vectors_config={
            **{k: qm.VectorParams(size=DIM, distance=d) for k, d in DENSE.items()},
            "multi": qm.VectorParams(
                size=MDIM,
                distance=qm.Distance.COSINE,
                multivector_config=qm.MultiVectorConfig(comparator=qm.MultiVectorComparator.MAX_SIM),
            ),
        },
        sparse_vectors_config={k: qm.SparseVectorParams(modifier=m) for k, m in SPARSE.items()},
    )
    for field, schema in {
        "kw": qm.PayloadSchemaType.KEYWORD,
        "tags": qm.PayloadSchemaType.KEYWORD,
        "num": qm.PayloadSchemaType.INTEGER,
        "flt": qm.PayloadSchemaType.FLOAT,
        "flag": qm.PayloadSchemaType.BOOL,
        "dt": qm.PayloadSchemaType.DATETIME,
        # Qdrant 1.19 (vecbase) matches raw substrings in text conditions on a field without
        # a text index; the 1.20 local mode tokenizes as a default text index does
        "txt": qm.PayloadSchemaType.TEXT,
    }.items():
        client.create_payload_index(name, field, schema)


@pytest.fixture(scope="module", params=["rest", "grpc"])
def pair(server: Server, request: pytest.FixtureRequest) -> tuple[QdrantClient, QdrantClient]:
    """Our server through REST or through gRPC (``prefer_grpc``), and local mode."""
    if request.param == "rest":
        remote = QdrantClient(url=server.url, timeout=60)
    else:
        remote = QdrantClient(
            host="127.0.0.1", port=server.port, grpc_port=server.grpc_port, prefer_grpc=True, timeout=60
        )
        if remote.collection_exists(COL):
            remote.delete_collection(COL)
    local = QdrantClient(":memory:")
    rng, prng = np.random.default_rng(7), random.Random(7)
    points = [random_point(i, rng, prng) for i in range(N)]
    for client in (remote, local):
        create(client, COL)
        for start in range(0, N, 300):
            client.upsert(COL, points[start : start + 300], wait=True)
    return remote, local


def both(pair: tuple[QdrantClient, QdrantClient], method: str, *args: Any, **kwargs: Any) -> tuple[Any, Any]:
    remote, local = pair
    return getattr(remote, method)(*args, **kwargs), getattr(local, method)(*args, **kwargs)


def query_vector(name: str, seed: int) -> Any:
    rng = np.random.default_rng(seed)
    if name in DENSE:
        return rng.normal(size=DIM).round(4).tolist()
    if name == "multi":
        return rng.normal(size=(2, MDIM)).round(4).tolist()
    return random_sparse(rng)


vector_names = st.sampled_from([*DENSE, "multi", *SPARSE])
maybe_filter = st.one_of(st.none(), filters())
seeds = st.integers(0, 2**31)
point_ids = st.integers(0, N - 1)


def test_every_point_was_loaded(pair: tuple[QdrantClient, QdrantClient]) -> None:
    ours, theirs = both(pair, "count", COL)
    assert ours.count == theirs.count == N
    info = pair[0].get_collection(COL)
    assert info.points_count == N
    assert set(info.payload_schema) == {"kw", "tags", "num", "flt", "flag", "dt", "txt"}


@EXAMPLES
@given(using=vector_names, seed=seeds, flt=maybe_filter, limit=st.integers(1, 25), offset=st.integers(0, 5))
def test_nearest(pair: Any, using: str, seed: int, flt: Any, limit: int, offset: int) -> None:
    kwargs = dict(query=query_vector(using, seed), using=using, query_filter=flt, limit=limit, offset=offset)
    ours, theirs = both(pair, "query_points", COL, with_payload=True, **kwargs)
    assert_scored_equal(ours.points, theirs.points, f"nearest {using}")


@EXAMPLES
@given(using=st.sampled_from([*DENSE, "sp"]), pid=point_ids, flt=maybe_filter, threshold=st.floats(-2, 2))
def test_point_id_query_and_threshold(pair: Any, using: str, pid: int, flt: Any, threshold: float) -> None:
    try:
        theirs = pair[1].query_points(
            COL, query=pid, using=using, query_filter=flt, limit=10, score_threshold=threshold
        )
    except ValueError:
        with pytest.raises(Exception):  # noqa: B017 - the point has no such vector: both refuse
            pair[0].query_points(COL, query=pid, using=using, query_filter=flt, limit=10, score_threshold=threshold)
        return
    # a threshold within float noise of a score (hypothesis likes 1.0, a Cosine self-score)
    # may keep or drop that point on either side: not comparable
    unbounded = pair[1].query_points(COL, query=pid, using=using, query_filter=flt, limit=10)
    assume(all(abs(p.score - threshold) > 1e-4 for p in unbounded.points))
    ours = pair[0].query_points(COL, query=pid, using=using, query_filter=flt, limit=10, score_threshold=threshold)
    assert_scored_equal(ours.points, theirs.points, f"by id {pid}")


@EXAMPLES
@given(
    using=st.sampled_from([*DENSE, "multi", "sp"]),
    strategy=st.sampled_from(list(qm.RecommendStrategy)),
    pos=st.lists(seeds, min_size=1, max_size=3),
    neg=st.lists(seeds, max_size=2),
    flt=maybe_filter,
)
def test_recommend(pair: Any, using: str, strategy: Any, pos: list[int], neg: list[int], flt: Any) -> None:
    assume(not set(pos) & set(neg))  # an example both liked and disliked ties at float noise
    if using == "multi" and strategy == qm.RecommendStrategy.AVERAGE_VECTOR and neg:
        neg = []  # averaging multivectors with negatives: both negate rows, covered without negatives
    query = qm.RecommendQuery(
        recommend=qm.RecommendInput(
            positive=[query_vector(using, s) for s in pos],
            negative=[query_vector(using, s) for s in neg],
            strategy=strategy,
        )
    )
    ours, theirs = both(pair, "query_points", COL, query=query, using=using, query_filter=flt, limit=10)
    assert_scored_equal(ours.points, theirs.points, f"recommend {strategy} {using}")


@EXAMPLES
@given(
    using=st.sampled_from([*DENSE, "sp"]), seed=seeds, pairs=st.integers(1, 3), target=st.booleans(), flt=maybe_filter
)
def test_discover_and_context(pair: Any, using: str, seed: int, pairs: int, target: bool, flt: Any) -> None:
    ctx = [
        qm.ContextPair(positive=query_vector(using, seed + 2 * i), negative=query_vector(using, seed + 2 * i + 1))
        for i in range(pairs)
    ]
    if target:
        query: Any = qm.DiscoverQuery(discover=qm.DiscoverInput(target=query_vector(using, seed + 10**6), context=ctx))
    else:
        query = qm.ContextQuery(context=ctx)
    ours, theirs = both(pair, "query_points", COL, query=query, using=using, query_filter=flt, limit=10)
    assert_scored_equal(ours.points, theirs.points, f"discover/context {using}")


@EXAMPLES
@given(
    seed=seeds,
    method=st.sampled_from(["rrf", "dbsf", "rrf_k"]),
    flt=maybe_filter,
    inner=maybe_filter,
    limit=st.integers(1, 15),
)
def test_fusion_of_prefetches(pair: Any, seed: int, method: str, flt: Any, inner: Any, limit: int) -> None:
    prefetch = [
        qm.Prefetch(query=query_vector("cos", seed), using="cos", limit=20, filter=inner),
        qm.Prefetch(query=query_vector("sp", seed), using="sp", limit=20),
        qm.Prefetch(query=query_vector("euc", seed + 1), using="euc", limit=15),
    ]
    # fusion ranks each prefetch's hits; points tied at exactly the same score have no
    # defined order in Qdrant, so a tie inside a prefetch makes the fused scores ambiguous
    outer = [f for f in (flt,) if f is not None]
    for p in prefetch:
        inside = qm.Filter(must=[*outer, *([p.filter] if p.filter is not None else [])])
        hits = pair[1].query_points(COL, query=p.query, using=p.using, limit=p.limit, query_filter=inside).points
        assume(len({h.score for h in hits}) == len(hits))
    if method == "rrf_k":
        query: Any = qm.RrfQuery(rrf=qm.Rrf(k=5, weights=[1.0, 2.0, 0.5]))
    else:
        query = qm.FusionQuery(fusion=qm.Fusion(method))
    ours, theirs = both(pair, "query_points", COL, prefetch=prefetch, query=query, query_filter=flt, limit=limit)
    assert_scored_equal(ours.points, theirs.points, f"fusion {method}")


@EXAMPLES
@given(seed=seeds, flt=maybe_filter, rescore=st.sampled_from([*DENSE, "multi"]))
def test_nested_prefetch_rescoring(pair: Any, seed: int, flt: Any, rescore: str) -> None:
    prefetch = qm.Prefetch(
        prefetch=[qm.Prefetch(query=query_vector("dot", seed), using="dot", limit=50)],
        query=query_vector("cos", seed + 1),
        using="cos",
        limit=25,
    )
    kwargs = dict(prefetch=prefetch, query=query_vector(rescore, seed + 2), using=rescore, query_filter=flt, limit=10)
    ours, theirs = both(pair, "query_points", COL, **kwargs)
    assert_scored_equal(ours.points, theirs.points, "nested prefetch")


FORMULAS = [
    qm.SumExpression(sum=["$score", qm.MultExpression(mult=[0.1, "num"])]),
    qm.SumExpression(sum=["$score[0]", "$score[1]", qm.FieldCondition(key="kw", match=qm.MatchValue(value="red"))]),
    qm.MultExpression(mult=["$score", qm.ExpDecayExpression(exp_decay=qm.DecayParamsExpression(x="flt", scale=5.0))]),
    qm.SumExpression(
        sum=[
            "$score",
            qm.GaussDecayExpression(
                gauss_decay=qm.DecayParamsExpression(
                    x=qm.GeoDistance(geo_distance=qm.GeoDistanceParams(origin=qm.GeoPoint(lat=50, lon=10), to="geo")),
                    scale=500000.0,
                )
            ),
        ]
    ),
    qm.DivExpression(div=qm.DivParams(left="$score", right=qm.AbsExpression(abs="num"), by_zero_default=7.5)),
    qm.SumExpression(
        sum=[qm.NegExpression(neg="$score"), qm.PowExpression(pow=qm.PowParams(base=2.0, exponent="num"))]
    ),
    qm.LinDecayExpression(lin_decay=qm.DecayParamsExpression(x="num", target=3.0, scale=10.0, midpoint=0.3)),
]


@EXAMPLES
@given(seed=seeds, formula=st.sampled_from(range(len(FORMULAS))), flt=maybe_filter)
def test_formula(pair: Any, seed: int, formula: int, flt: Any) -> None:
    prefetch = [
        qm.Prefetch(query=query_vector("cos", seed), using="cos", limit=20),
        qm.Prefetch(query=query_vector("dot", seed), using="dot", limit=20),
    ]
    query = qm.FormulaQuery(formula=FORMULAS[formula], defaults={"num": 1, "flt": 0.0, "geo": {"lat": 0, "lon": 0}})
    ours, theirs = both(pair, "query_points", COL, prefetch=prefetch, query=query, query_filter=flt, limit=10)
    assert_scored_equal(ours.points, theirs.points, f"formula {formula}", tol=1e-3)


@EXAMPLES
@given(key=st.sampled_from(["num", "flt", "dt"]), direction=st.sampled_from(["asc", "desc"]), flt=maybe_filter)
def test_order_by_query(pair: Any, key: str, direction: str, flt: Any) -> None:
    query = qm.OrderByQuery(order_by=qm.OrderBy(key=key, direction=direction))
    ours, theirs = both(pair, "query_points", COL, query=query, query_filter=flt, limit=20, with_payload=True)
    assert [p.order_value for p in ours.points] == pytest.approx([p.order_value for p in theirs.points])
    # equal values may come in either order: compare ids per value
    group_ours: dict[Any, set[Any]] = {}
    group_theirs: dict[Any, set[Any]] = {}
    for p in ours.points:
        group_ours.setdefault(p.order_value, set()).add(p.id)
    for p in theirs.points:
        group_theirs.setdefault(p.order_value, set()).add(p.id)
    last = theirs.points[-1].order_value if theirs.points else None
    for value, ids in group_theirs.items():
        if value != last:
            assert group_ours[value] == ids


@EXAMPLES
@given(seed=seeds, flt=maybe_filter, group_by=st.sampled_from(["kw", "num", "tags"]), size=st.integers(1, 4))
def test_groups(pair: Any, seed: int, flt: Any, group_by: str, size: int) -> None:
    kwargs = dict(query=query_vector("cos", seed), using="cos", query_filter=flt, group_by=group_by, group_size=size)
    ours, theirs = both(pair, "query_points_groups", COL, limit=5, **kwargs)
    assert [g.id for g in ours.groups] == [g.id for g in theirs.groups]
    for a, b in zip(ours.groups, theirs.groups):
        assert_scored_equal(a.hits, b.hits, f"group {a.id}")


@EXAMPLES
@given(seed=seeds, flt=maybe_filter, diversity=st.floats(0, 1), candidates=st.integers(5, 40))
def test_mmr(pair: Any, seed: int, flt: Any, diversity: float, candidates: int) -> None:
    query = qm.NearestQuery(
        nearest=query_vector("cos", seed), mmr=qm.Mmr(diversity=diversity, candidates_limit=candidates)
    )
    ours, theirs = both(pair, "query_points", COL, query=query, using="cos", query_filter=flt, limit=5)
    assert [p.id for p in ours.points] == [p.id for p in theirs.points]


@EXAMPLES
@given(seed=seeds, flt=maybe_filter)
def test_relevance_feedback(pair: Any, seed: int, flt: Any) -> None:
    fb = qm.RelevanceFeedbackInput(
        target=query_vector("dot", seed),
        feedback=[qm.FeedbackItem(example=query_vector("dot", seed + i), score=float(i)) for i in range(1, 4)],
        strategy=qm.NaiveFeedbackStrategy(naive=qm.NaiveFeedbackStrategyParams(a=1.0, b=1.5, c=0.7)),
    )
    query = qm.RelevanceFeedbackQuery(relevance_feedback=fb)
    ours, theirs = both(pair, "query_points", COL, query=query, using="dot", query_filter=flt, limit=10)
    assert_scored_equal(ours.points, theirs.points, "relevance feedback", tol=1e-3)


@EXAMPLES
@given(flt=maybe_filter, limit=st.integers(1, 30))
def test_sample(pair: Any, flt: Any, limit: int) -> None:
    query = qm.SampleQuery(sample=qm.Sample.RANDOM)
    ours, theirs = both(pair, "query_points", COL, query=query, query_filter=flt, limit=limit)
    assert len(ours.points) == len(theirs.points)
    allowed = {p.id for p in pair[1].scroll(COL, scroll_filter=flt, limit=N)[0]}
    assert {p.id for p in ours.points} <= allowed


@EXAMPLES
@given(flt=maybe_filter, limit=st.integers(1, 40), offset=st.one_of(st.none(), point_ids))
def test_scroll_count_retrieve(pair: Any, flt: Any, limit: int, offset: Any) -> None:
    ours, theirs = both(pair, "scroll", COL, scroll_filter=flt, limit=limit, offset=offset, with_vectors=True)
    assert_records_equal(ours[0], theirs[0], "scroll")
    assert ours[1] == theirs[1]
    c1, c2 = both(pair, "count", COL, count_filter=flt)
    assert c1.count == c2.count
    ids = [r.id for r in theirs[0]] + [N + 5]
    r1, r2 = both(pair, "retrieve", COL, ids, with_payload=["kw", "obj"], with_vectors=["cos", "sp"])
    assert_records_equal(r1, r2, "retrieve")


@EXAMPLES
@given(flt=maybe_filter, key=st.sampled_from(["kw", "num", "tags", "flag"]), limit=st.integers(1, 10))
def test_facet(pair: Any, flt: Any, key: str, limit: int) -> None:
    ours, theirs = both(pair, "facet", COL, key, facet_filter=flt, limit=limit, exact=True)
    assert [(h.value, h.count) for h in ours.hits] == [(h.value, h.count) for h in theirs.hits]


@settings(max_examples=15)
@given(seed=seeds, flt=maybe_filter)
def test_query_batch(pair: Any, seed: int, flt: Any) -> None:
    requests = [
        qm.QueryRequest(query=query_vector("cos", seed), using="cos", filter=flt, limit=5, with_payload=True),
        qm.QueryRequest(query=query_vector("sp", seed), using="sp", limit=3),
        qm.QueryRequest(
            prefetch=[qm.Prefetch(query=query_vector("man", seed), using="man", limit=10)],
            query=qm.FusionQuery(fusion=qm.Fusion.RRF),
            limit=4,
        ),
    ]
    ours, theirs = both(pair, "query_batch_points", COL, requests)
    assert len(ours) == len(theirs) == 3
    for a, b in zip(ours, theirs):
        assert_scored_equal(a.points, b.points, "batch")


def test_distance_matrix_is_consistent(pair: Any) -> None:
    remote = pair[0]
    res = remote.search_matrix_offsets(COL, sample=20, limit=3, using="euc")
    assert len(res.ids) == 20 and len(set(res.ids)) == 20
    assert len(res.offsets_row) == len(res.offsets_col) == len(res.scores) == 60
    vectors = {r.id: np.array(r.vector["euc"]) for r in remote.retrieve(COL, res.ids, with_vectors=["euc"])}
    for row, col, score in zip(res.offsets_row, res.offsets_col, res.scores):
        a, b = res.ids[row], res.ids[col]
        assert a != b
        assert score == pytest.approx(float(np.linalg.norm(vectors[a] - vectors[b])), rel=1e-4)
    pairs = remote.search_matrix_pairs(COL, sample=10, limit=2, using="cos")
    assert len(pairs.pairs) == 20
