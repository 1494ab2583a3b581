"""Returning freed heap memory to the operating system.

Sealing, indexing, merging and flushing allocate large transient buffers (serialized graphs,
packed payloads, gathered vectors). glibc keeps freed heap pages mapped, so without a trim
the process keeps the peak of every optimization pass as resident memory. ``release`` asks
the allocator to give free pages back; it is a no-op where glibc is not the allocator.
"""

from __future__ import annotations

import ctypes
import threading
from typing import Any

_lock = threading.Lock()
_libc: Any = None
_loaded = False


def _malloc_trim() -> Any:
    global _libc, _loaded
    with _lock:
        if not _loaded:
            _loaded = True
            try:
                # the running process's own symbols: libc is already loaded (find_library would
                # spawn ldconfig)
                libc = ctypes.CDLL(None)
                _libc = libc if hasattr(libc, "malloc_trim") else None
            except OSError:
                _libc = None
        return _libc


def single_arena() -> None:
    """One malloc arena for every thread. Background threads (optimizer, flusher) otherwise get
    arenas of their own, whose freed pages glibc keeps resident even after a trim; with one
    arena, ``release`` returns them. Call before those threads start. The price is allocator
    contention between threads, so the embedded client uses it and the server does not."""
    libc = _malloc_trim()
    if libc is not None and hasattr(libc, "mallopt"):
        libc.mallopt(-8, 1)  # M_ARENA_MAX


def release() -> None:
    """Give free heap pages back to the OS (glibc ``malloc_trim``); cheap, a few ms."""
    libc = _malloc_trim()
    if libc is not None:
        libc.malloc_trim(0)
