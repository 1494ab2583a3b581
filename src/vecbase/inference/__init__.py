"""Inference: the registry of text models, and the only place a model runs.

A model turns texts into vectors, as documents (what is stored) or as queries (what is
searched with); BM25 tells the two apart, dense models do not. Models are named as Qdrant
and fastembed name them (``qdrant/bm25``), names compare case-insensitively, and an unknown
name is an error that lists the known ones. Nothing here is downloaded: a model's files ship
with a package or sit in a directory the operator configures.

Invariants: pure computation over its inputs (no collection, no wire model); a batch is
embedded together; the same input gives the same vector on every run.
"""
