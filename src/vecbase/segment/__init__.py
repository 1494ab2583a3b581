"""Segment: a set of points with their vectors, payloads, versions and payload indexes.

Owns per-point storage addressed by offsets, filter evaluation to boolean masks over those
offsets, and the segment's on-disk form (through `storage`). Invariants: every stored point
carries the sequence number of the last operation that changed it, and an operation whose
number is not newer than that is skipped, so replaying the log is idempotent; a deleted
point keeps its offset and version as a tombstone until the segment is rebuilt.
"""
