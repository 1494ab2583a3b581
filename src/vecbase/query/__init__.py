"""Query: the internal query model and its execution over a collection's segments.

Owns nearest-neighbour search (dense, sparse with IDF, multivector), scroll (by id and by
an indexed payload value), count, facet and retrieve, merging per-segment answers.
Invariants: reads never mutate segments; a point id is live in at most one segment;
results carry Qdrant's score conventions (Euclid/Manhattan ascending, others descending).
"""
