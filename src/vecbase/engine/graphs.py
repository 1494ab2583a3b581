"""The HNSW graphs of a segment the optimizer builds (a merge, a fold, or the index build of
one sealed segment, which is a merge of one), and the order of its rows.

A graph is reused where it can be: the host's graph of a merge or fold, copied and extended by
the rows that follow the host's, or the growing graph that followed an appendable segment,
completed by the rows it lacks; otherwise it is built. Then the new segment's rows are laid
out in the walk order of its (first) graph when the graph is larger than the CPU's caches:
rows a search visits together sit together in memory, which makes each walk cheaper
(``HnswIndex.walk_order``). A sealed segment too small for that is indexed in place. The graphs are laid out
before anything searches them, and the segment is written in the same order, so a row number
is the same in the segment and in every graph.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import numpy.typing as npt

from vecbase.core.config import CollectionConfig, hnsw_of, quantization_of
from vecbase.index.hnsw import HnswIndex, set_build_threads
from vecbase.segment.merge import Source, dense_rows
from vecbase.segment.segment import Segment
from vecbase.segment.vectors import DenseStore

I64 = npt.NDArray[np.int64]


def indexable(config: CollectionConfig) -> list[str]:
    """The vectors that get graphs: dense single vectors with ``m`` > 0."""
    return [n for n, vc in config.vectors.items() if not vc.multivector and hnsw_of(config, n).m > 0]


def merged_graphs(
    config: CollectionConfig, sources: Sequence[Source], host: Segment | None, threads: int
) -> dict[str, HnswIndex]:
    """A graph per indexable vector over the merged rows (the sources' live rows, in order):
    the host's extended (its rows come first), a single source's growing graph completed, or
    a new one. Each is a new index that nothing searches yet."""
    set_build_threads(threads)
    out: dict[str, HnswIndex] = {}
    for name in indexable(config):
        rows = dense_rows(sources, name)
        if host is not None:
            graph = host.dense_indexes[name]
            out[name] = graph.grown(rows[graph.size :])
            continue
        completed = _completed(config, sources, name, rows)
        if completed is not None:
            out[name] = completed
            continue
        h = hnsw_of(config, name)
        vc = config.vectors[name]
        out[name] = HnswIndex.build(rows, vc.distance, h.m, h.ef_construct, quantization_of(config, name))
    return out


def _completed(
    config: CollectionConfig, sources: Sequence[Source], name: str, rows: npt.NDArray[np.float32]
) -> HnswIndex | None:
    """The growing graph of a lone source with no deleted rows, completed to all its rows:
    the graph a build would make, for the cost of the rows it lacks. None where that does
    not apply (rows deleted or written again since the graph took them, other settings)."""
    if len(sources) != 1:
        return None
    seg = sources[0].segment
    graph = seg.growing.get(name)
    store = seg.vectors[name]
    n = seg.n
    if graph is None or not isinstance(store, DenseStore) or sources[0].offsets.shape[0] != n:
        return None
    if not graph.completes(config, name, store, n):
        return None
    return graph.extended(rows[graph.size : n], store.ticks(graph.size, n)).index


# graphs whose rows take less than this stay in their order: their vectors stay in the CPU's
# caches whichever way they are laid out, and a breadth-first order measured no faster there
# (10k x 128, 5 MB: 7-13% slower than insertion order, about the noise of that figure;
# 100k x 128, 51 MB: 17-25% faster); indexing in place also spares the merge's copy
LAYOUT_MIN_BYTES = 16 << 20


def worth_laying_out(config: CollectionConfig, rows: int) -> bool:
    """Whether graphs over ``rows`` rows are large enough to gain from a walk-order layout."""
    names = indexable(config)
    return bool(names) and max(rows * config.vectors[n].size * 4 for n in names) >= LAYOUT_MIN_BYTES


def lay_out(config: CollectionConfig, graphs: dict[str, HnswIndex]) -> I64 | None:
    """Lay the graphs' rows out in the walk order of the first one; the order (new row i is
    merged row ``order[i]``), or None when the rows keep their merged order (no graph, one
    that cannot be laid out, or graphs too small to gain from it)."""
    if not graphs or any(g.kind == "binary" or g.mapped for g in graphs.values()):
        return None
    if not worth_laying_out(config, next(iter(graphs.values())).size):
        return None
    order = next(iter(graphs.values())).walk_order()
    if order is None:
        return None
    for graph in graphs.values():
        graph.lay_out(order)
    return order
