"""Engine: collections, their write-ahead logs and segments, and the table of contents.

Owns the write path (validate, resolve filters to ids, log, apply, fsync when asked), the
collection lifecycle (create, load, update, delete, aliases), background flushing, and
recovery (load flushed segments, replay the log tail), and custom sharding (``keyed``: one
shard, itself a collection, per shard key), and the background optimizer with the record of
its passes (``tracker``). Invariants: an operation is in the
log before it is applied; `wait=True` returns only after the log is fsynced; one process
owns a storage directory; the engine raises `core.errors`, never wire-level errors.
"""
