"""The optimizer and the HNSW search path: segments past indexing_threshold are sealed and
indexed in the background, answers keep matching exact search, indexes survive restarts."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

from tests.index.test_hnsw import clustered
from tests.waits import wait_green
from vecbase import Client, models

DIM = 32


def create(client: Client, distance: models.Distance) -> None:
    client.create_collection(
        "ix",
        vectors_config=models.VectorParams(size=DIM, distance=distance),
        # 1 vector = 128 bytes: seal every 200 KB (1600 points); exact below 64 KB (512 points)
        optimizers_config=models.OptimizersConfigDiff(indexing_threshold=200),
        hnsw_config=models.HnswConfigDiff(m=16, ef_construct=100, full_scan_threshold=64),
    )


def recall(client: Client, queries: np.ndarray, flt: models.Filter | None = None) -> float:
    hits = 0
    for q in queries:
        approx = client.query_points("ix", query=q, limit=10, query_filter=flt).points
        exact = client.query_points(
            "ix", query=q, limit=10, query_filter=flt, search_params=models.SearchParams(exact=True)
        ).points
        hits += len({p.id for p in approx} & {p.id for p in exact})
        for p in approx:  # scores are exact for whatever the index returns
            assert any(abs(p.score - e.score) < 1e-4 for e in exact) or p.id not in {e.id for e in exact}
    return hits / (10 * len(queries))


def test_segments_are_sealed_indexed_and_reloaded(tmp_path: Path) -> None:
    data = clustered(6050, DIM, 5)
    vectors, queries = data[:6000], data[6000:]
    client = Client(path=str(tmp_path))
    create(client, models.Distance.COSINE)
    for lo in range(0, 6000, 500):
        ids = list(range(lo, lo + 500))
        batch = models.Batch(ids=ids, vectors=vectors[lo : lo + 500], payloads=[{"g": i % 10} for i in ids])
        client.upsert("ix", batch, wait=True)
    info = wait_green(client, "ix")
    assert info.points_count == 6000
    assert info.segments_count is not None and info.segments_count >= 2  # sealed + appendable
    assert info.indexed_vectors_count is not None and info.indexed_vectors_count >= 4800
    assert recall(client, queries) >= 0.95
    # 50% of the points pass: filtered HNSW with a bitmap; 1%: exact scan of the allowed rows
    half = models.Filter(must=[models.FieldCondition(key="g", match=models.MatchAny(any=[0, 1, 2, 3, 4]))])
    assert recall(client, queries, half) >= 0.95
    few = models.Filter(must=[models.HasIdCondition(has_id=list(range(0, 6000, 100)))])
    assert recall(client, queries, few) == 1.0
    before = [client.query_points("ix", query=q, limit=10).points for q in queries[:10]]
    client.close()

    client = Client(path=str(tmp_path))
    info = client.get_collection("ix")  # indexes load from disk: green at once, nothing to rebuild
    assert info.status == models.CollectionStatus.GREEN
    assert info.indexed_vectors_count is not None and info.indexed_vectors_count >= 4800
    after = [client.query_points("ix", query=q, limit=10).points for q in queries[:10]]
    assert [[(p.id, round(p.score, 5)) for p in r] for r in before] == [
        [(p.id, round(p.score, 5)) for p in r] for r in after
    ]
    client.close()


def test_writes_during_optimization_are_kept(tmp_path: Path) -> None:
    data = clustered(8000, DIM, 6)
    client = Client(path=str(tmp_path))
    create(client, models.Distance.EUCLID)
    for lo in range(0, 8000, 250):
        ids = list(range(lo, lo + 250))
        client.upsert("ix", models.Batch(ids=ids, vectors=data[lo : lo + 250]), wait=False)
        # edits that hit points which may sit in sealed segments being indexed right now
        client.set_payload("ix", {"touched": lo}, points=[lo // 2])
        client.delete("ix", models.PointIdsList(points=[lo // 3 + 1]))
    deleted = {lo // 3 + 1 for lo in range(0, 8000, 250)}
    touched = {lo // 2: lo for lo in range(0, 8000, 250)}
    wait_green(client, "ix")
    assert client.count("ix").count == 8000 - len(deleted)
    for pid, lo in touched.items():
        got = client.retrieve("ix", [pid])
        if pid in deleted:
            assert got == []
        else:
            assert got[0].payload == {"touched": lo}
    client.close()
    client = Client(path=str(tmp_path))
    assert client.count("ix").count == 8000 - len(deleted)
    q = data[17]
    exact = client.query_points("ix", query=q, limit=5, search_params=models.SearchParams(exact=True)).points
    approx = client.query_points("ix", query=q, limit=5).points
    assert exact[0].id == approx[0].id
    client.close()


def test_small_segments_merge_and_deleted_points_are_vacuumed(tmp_path: Path) -> None:
    data = clustered(6000, DIM, 7)
    client = Client(path=str(tmp_path))
    create(client, models.Distance.DOT)
    col = client._toc.get("ix")  # engine internals: the segment layout is what this test is about
    for lo in range(0, 6000, 1500):
        client.upsert("ix", models.Batch(ids=list(range(lo, lo + 1500)), vectors=data[lo : lo + 1500]))
        col.seal()  # force several sealed segments: the merge optimizer must fold them
    wait_green(client, "ix")
    deadline = time.monotonic() + 60
    while len(col.segments) > 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(col.segments) <= 2
    assert client.count("ix").count == 6000
    sealed = col.segments[0]
    assert sealed.dense_indexes and sealed.live_count() == 6000
    client.delete(
        "ix", models.FilterSelector(filter=models.Filter(must=[models.HasIdCondition(has_id=list(range(0, 6000, 2)))]))
    )
    deadline = time.monotonic() + 60
    while col.segments[0].n > 3000 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert col.segments[0].n == 3000  # rebuilt without the deleted half
    wait_green(client, "ix")
    q = data[11]
    exact = client.query_points("ix", query=q, limit=10, search_params=models.SearchParams(exact=True)).points
    approx = client.query_points("ix", query=q, limit=10).points
    assert len({p.id for p in exact} & {p.id for p in approx}) >= 9
    assert all(p.id % 2 == 1 for p in approx)
    client.close()
    client = Client(path=str(tmp_path))
    assert client.count("ix").count == 3000
    assert [p.id for p in client.query_points("ix", query=q, limit=10).points] == [p.id for p in approx]
    client.close()


def test_indexed_only_skips_large_unindexed_segments() -> None:
    client = Client(":memory:")
    client.create_collection(
        "io",
        vectors_config=models.VectorParams(size=DIM, distance=models.Distance.COSINE),
        optimizers_config=models.OptimizersConfigDiff(indexing_threshold=0),  # never indexed
        hnsw_config=models.HnswConfigDiff(full_scan_threshold=10),  # 10 kB: 100 x 128 B is "large"
    )
    data = clustered(100, DIM, 8)
    client.upsert("io", models.Batch(ids=list(range(100)), vectors=data))
    q = data[0]
    assert len(client.query_points("io", query=q, limit=5).points) == 5
    only = client.query_points("io", query=q, limit=5, search_params=models.SearchParams(indexed_only=True))
    assert only.points == []
    client.update_collection("io", hnsw_config=models.HnswConfigDiff(full_scan_threshold=10_000))
    small = client.query_points("io", query=q, limit=5, search_params=models.SearchParams(indexed_only=True))
    assert len(small.points) == 5  # small enough for a plain scan: searched
    client.close()


QUANTIZATIONS = {
    "scalar": (models.ScalarQuantization(scalar=models.ScalarQuantizationConfig(type=models.ScalarType.INT8)), 2.0),
    "product": (
        models.ProductQuantization(product=models.ProductQuantizationConfig(compression=models.CompressionRatio.X8)),
        3.0,
    ),
    "binary": (models.BinaryQuantization(binary=models.BinaryQuantizationConfig()), 4.0),
}


@pytest.mark.parametrize("kind", sorted(QUANTIZATIONS))
def test_quantized_search_with_rescore_keeps_recall(kind: str) -> None:
    config, oversampling = QUANTIZATIONS[kind]
    data = clustered(12_050, 64, 9)  # product quantization trains on >= 9,984 points
    vectors, queries = data[:12_000], data[12_000:]
    client = Client(":memory:")
    client.create_collection(
        "q",
        vectors_config=models.VectorParams(size=64, distance=models.Distance.COSINE),
        optimizers_config=models.OptimizersConfigDiff(indexing_threshold=0),
        quantization_config=config,
    )
    client.upsert("q", models.Batch(ids=list(range(12_000)), vectors=vectors))
    client.update_collection("q", optimizers_config=models.OptimizersConfigDiff(indexing_threshold=1))
    time.sleep(0.1)
    wait_green(client, "q")
    col = client._toc.get("q")
    assert col.segments[0].dense_indexes[""].kind == kind  # the graph really is quantized
    params = models.SearchParams(quantization=models.QuantizationSearchParams(rescore=True, oversampling=oversampling))
    hits = 0
    for q in queries:
        approx = client.query_points("q", query=q, limit=10, search_params=params).points
        exact = client.query_points("q", query=q, limit=10, search_params=models.SearchParams(exact=True)).points
        hits += len({p.id for p in approx} & {p.id for p in exact})
        assert [round(p.score, 4) for p in approx if p.id in {e.id for e in exact}] == [
            round(e.score, 4) for e in exact if e.id in {p.id for p in approx}
        ]  # rescored: exact scores
    assert hits / (10 * len(queries)) >= 0.95
    ignore = models.SearchParams(quantization=models.QuantizationSearchParams(ignore=True))
    q = queries[0]
    assert [p.id for p in client.query_points("q", query=q, limit=10, search_params=ignore).points] == [
        p.id for p in client.query_points("q", query=q, limit=10, search_params=models.SearchParams(exact=True)).points
    ]
    client.close()


def test_changing_graph_settings_rebuilds_the_graphs() -> None:
    data = clustered(3050, DIM, 10)
    client = Client(":memory:")
    create(client, models.Distance.EUCLID)
    client.upsert("ix", models.Batch(ids=list(range(3000)), vectors=data[:3000]))
    wait_green(client, "ix")
    col = client._toc.get("ix")
    before = [s.dense_indexes[""] for s in col.segments if s.dense_indexes]
    assert before and all(i.kind == "flat" for i in before)
    scalar = models.ScalarQuantization(scalar=models.ScalarQuantizationConfig(type=models.ScalarType.INT8))
    client.update_collection("ix", quantization_config=scalar)
    info = wait_green(client, "ix")
    after = [s.dense_indexes[""] for s in col.segments if s.dense_indexes]
    assert after and all(i.kind == "scalar" for i in after)
    assert info.indexed_vectors_count is not None and info.indexed_vectors_count >= 1600
    exact = client.query_points("ix", query=data[3001], limit=5, search_params=models.SearchParams(exact=True))
    approx = client.query_points("ix", query=data[3001], limit=5)
    assert [p.id for p in exact.points][:3] == [p.id for p in approx.points][:3]
    client.close()


def test_repeated_filters_follow_deletes_and_value_types() -> None:
    """Filtered searches reuse the allowed rows and the graph's bitmap per segment; both must
    follow deletes, and a filter on True must not be served the answer of a filter on 1."""
    data = clustered(2050, DIM, 9)
    vectors, queries = data[:2000], data[2000:]
    client = Client(":memory:")
    create(client, models.Distance.EUCLID)
    payloads = [{"flag": i % 2 == 0, "mixed": (i % 3 == 0) if i % 2 else int(i % 4 == 0)} for i in range(2000)]
    client.upsert("ix", models.Batch(ids=list(range(2000)), vectors=vectors, payloads=payloads))
    client.create_payload_index("ix", "flag", models.PayloadSchemaType.BOOL)
    assert wait_green(client, "ix").indexed_vectors_count
    flt = models.Filter(must=[models.FieldCondition(key="flag", match=models.MatchValue(value=True))])
    first = client.query_points("ix", query=queries[0], query_filter=flt, limit=10).points
    assert all(p.id % 2 == 0 for p in first)
    gone = [p.id for p in first[:5]]
    client.delete("ix", models.PointIdsList(points=gone))
    again = client.query_points("ix", query=queries[0], query_filter=flt, limit=10).points
    assert not {p.id for p in again} & set(gone) and all(p.id % 2 == 0 for p in again)
    assert recall(client, queries[:20], flt) >= 0.9
    as_true = models.Filter(must=[models.FieldCondition(key="mixed", match=models.MatchValue(value=True))])
    as_one = models.Filter(must=[models.FieldCondition(key="mixed", match=models.MatchValue(value=1))])
    for f, want in ((as_true, True), (as_one, 1), (as_true, True)):
        got = client.query_points("ix", query=queries[1], query_filter=f, limit=50, with_payload=True).points
        assert got and all(type(p.payload["mixed"]) is type(want) and p.payload["mixed"] == want for p in got)


def test_results_across_segments_carry_their_own_payload_vector_and_version() -> None:
    # hits from several segments are read per segment and put back in score order
    data = clustered(4000, DIM, 9)
    client = Client(":memory:")
    create(client, models.Distance.EUCLID)
    for lo in range(0, 4000, 500):
        ids = list(range(lo, lo + 500))
        payloads = [{"n": i, "tag": f"t{i % 7}", "deep": {"x": i % 3}} for i in ids]
        client.upsert("ix", models.Batch(ids=ids, vectors=data[lo : lo + 500], payloads=payloads), wait=True)
    wait_green(client, "ix")
    client.set_payload("ix", {"edited": True}, points=[7, 3999])  # newer versions in another segment
    assert len(client._toc.get("ix").segments) >= 2
    for q, skip in ((data[7], 0), (data[3999], 0), (data[2000], 3)):
        hits = client.query_points(
            "ix",
            query=q,
            limit=12,
            offset=skip,
            with_payload=models.PayloadSelectorExclude(exclude=["deep"]),
            with_vectors=True,
        ).points
        exact = client.query_points(
            "ix", query=q, limit=12, offset=skip, search_params=models.SearchParams(exact=True)
        ).points
        assert [h.id for h in hits] == [e.id for e in exact]
        scores = [h.score for h in hits]
        assert scores == sorted(scores)
        stored = {r.id: r for r in client.retrieve("ix", [h.id for h in hits], with_vectors=True)}
        versions = {p.id: p.version for p in exact}
        for h in hits:
            want = dict(stored[h.id].payload or {})
            del want["deep"]
            assert h.payload == want and h.version == versions[h.id]
            assert h.vector == pytest.approx(stored[h.id].vector)
    top = client.query_points("ix", query=data[7], limit=1, with_payload=["edited", "n"]).points[0]
    assert top.id == 7 and top.payload == {"edited": True, "n": 7}


@pytest.mark.parametrize("where", ["vectors", "hnsw"])
def test_on_disk_vectors_are_served_from_the_mapped_graph(tmp_path: Path, where: str) -> None:
    data = clustered(3050, DIM, 11)
    vectors, queries = data[:3000], data[3000:]
    client = Client(path=str(tmp_path))
    client.create_collection(
        "ix",
        vectors_config=models.VectorParams(size=DIM, distance=models.Distance.DOT, on_disk=where == "vectors"),
        optimizers_config=models.OptimizersConfigDiff(indexing_threshold=200),
        hnsw_config=models.HnswConfigDiff(m=16, ef_construct=100, full_scan_threshold=64, on_disk=where == "hnsw"),
    )
    for lo in range(0, 3000, 500):
        ids = list(range(lo, lo + 500))
        client.upsert("ix", models.Batch(ids=ids, vectors=vectors[lo : lo + 500], payloads=[{"i": i} for i in ids]))
    wait_green(client, "ix")
    col = client._toc.get("ix")
    col.flush()  # a flush writes the new graphs; on_disk ones then switch to their files

    def graphs() -> list[bool]:
        return [index.mapped for seg in col.segments for index in seg.dense_indexes.values()]

    assert graphs() and all(graphs())
    sealed = [seg for seg in col.segments if seg.dense_indexes]
    assert all(not seg.vectors[""].data.flags.writeable for seg in sealed)  # read-only pages
    before = [client.query_points("ix", query=q, limit=10, with_vectors=True).points for q in queries]
    exact = [
        client.query_points("ix", query=q, limit=10, search_params=models.SearchParams(exact=True)).points
        for q in queries
    ]
    found = sum(len({p.id for p in b} & {p.id for p in e}) for b, e in zip(before, exact))
    assert found >= 0.95 * 10 * len(queries)
    client.delete("ix", models.PointIdsList(points=[before[0][0].id]))  # tombstones on a mapped segment
    client.close()

    client = Client(path=str(tmp_path))
    col = client._toc.get("ix")
    assert graphs() and all(graphs())  # mapped again at load
    after = [client.query_points("ix", query=q, limit=10, with_vectors=True).points for q in queries]
    gone = before[0][0].id
    assert gone not in [p.id for p in after[0]]
    for b, a in zip(before[1:], after[1:]):
        if gone not in [p.id for p in b]:
            assert [p.id for p in a] == [p.id for p in b]
            assert [p.vector for p in a] == [p.vector for p in b]
    client.close()


def test_on_disk_vectors_of_sealed_segments_without_a_graph_are_mapped_at_load(tmp_path: Path) -> None:
    data = clustered(2000, DIM, 12)
    client = Client(path=str(tmp_path))
    client.create_collection(
        "ix",
        vectors_config={
            "a": models.VectorParams(size=DIM, distance=models.Distance.EUCLID),
            # no graph for "b" (m = 0): sealed segments scan it, from the mapped file
            "b": models.VectorParams(
                size=DIM, distance=models.Distance.EUCLID, on_disk=True, hnsw_config=models.HnswConfigDiff(m=0)
            ),
        },
        optimizers_config=models.OptimizersConfigDiff(indexing_threshold=100),
    )
    for lo in range(0, 2000, 250):
        rows = data[lo : lo + 250]
        client.upsert("ix", models.Batch(ids=list(range(lo, lo + 250)), vectors={"a": rows, "b": rows}))
    wait_green(client, "ix")
    before = [client.query_points("ix", query=q, using="b", limit=5).points for q in data[:20]]
    client.close()

    client = Client(path=str(tmp_path))
    col = client._toc.get("ix")
    sealed = [seg for seg in col.segments[:-1] if seg.n]
    assert sealed and all("b" not in seg.dense_indexes for seg in sealed)
    assert all(not seg.vectors["b"].data.flags.writeable for seg in sealed)  # mapped, read-only
    after = [client.query_points("ix", query=q, using="b", limit=5).points for q in data[:20]]
    assert [[(p.id, p.score) for p in a] for a in after] == [[(p.id, p.score) for p in b] for b in before]
    # edits move points out of the mapped segments; the mapped rows are never written
    client.set_payload("ix", {"edited": True}, points=[0])
    client.upsert("ix", models.Batch(ids=[1], vectors={"a": [data[5].tolist()], "b": [data[5].tolist()]}))
    moved = client.retrieve("ix", [0, 1], with_vectors=["b"])
    assert moved[0].payload == {"edited": True}
    assert isinstance(moved[1].vector, dict) and moved[1].vector["b"] == pytest.approx(data[5].tolist())
    client.close()


def test_on_disk_originals_of_a_quantized_graph_are_mapped_at_load(tmp_path: Path) -> None:
    data = clustered(2050, DIM, 13)
    vectors, queries = data[:2000], data[2000:]
    client = Client(path=str(tmp_path))
    client.create_collection(
        "ix",
        vectors_config=models.VectorParams(size=DIM, distance=models.Distance.EUCLID, on_disk=True),
        optimizers_config=models.OptimizersConfigDiff(indexing_threshold=100),
        hnsw_config=models.HnswConfigDiff(full_scan_threshold=16),
        quantization_config=models.ScalarQuantization(scalar=models.ScalarQuantizationConfig(type="int8")),
    )
    for lo in range(0, 2000, 250):
        client.upsert("ix", models.Batch(ids=list(range(lo, lo + 250)), vectors=vectors[lo : lo + 250]))
    wait_green(client, "ix")
    before = [client.query_points("ix", query=q, limit=5).points for q in queries]
    client.close()

    client = Client(path=str(tmp_path))
    col = client._toc.get("ix")
    sealed = [seg for seg in col.segments[:-1] if seg.dense_indexes]
    assert sealed and all(seg.dense_indexes[""].quantized for seg in sealed)
    assert all(not seg.vectors[""].data.flags.writeable for seg in sealed)  # the originals, mapped
    after = [client.query_points("ix", query=q, limit=5).points for q in queries]
    # rescored with the (mapped) originals: the same answers as before the restart
    assert [[p.id for p in a] for a in after] == [[p.id for p in b] for b in before]
    client.close()
