"""Index: structures that answer "which points, and how close" without a per-point loop.

Owns vector scoring (dense exact scan, sparse dot product, multivector max_sim) and the
payload field indexes (keyword, integer, float, bool, geo, datetime, uuid, text).
Invariants: indexes are derived data (rebuildable from a segment's payloads and vectors);
they work on segment offsets (0..n-1), never on external point ids; filters arrive as
boolean masks over offsets, never as Python callbacks.
"""
