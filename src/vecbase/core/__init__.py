"""Core: the vocabulary every other layer speaks.

Owns the internal values (frozen dataclasses) for point ids, payload paths, filters,
collection configuration and resolved write operations, and the error types the engine
raises. Invariants: depends on nothing inside vecbase; performs no I/O; knows nothing
of any wire format.
"""
