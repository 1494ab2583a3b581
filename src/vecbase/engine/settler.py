"""Applies acknowledged writes in the background, after the caller has its answer.

A write with ``wait=false`` is answered once it is in the write-ahead log; applying it to the
segments is owed work on the collection's lock (see ``RWLock.owed``). Any section that takes
the lock first settles it, so reads see every acknowledged write. This thread settles what no
one else has, a moment later: a client that uploads batch after batch gets each answer before
the apply competes with the reply for the interpreter, and builds its next batch meanwhile.
"""

from __future__ import annotations

import logging
import queue
import threading
import time

from vecbase.engine.rwlock import RWLock

log = logging.getLogger("vecbase.settler")

# long enough for a request thread to send its reply first, short against a client's next batch
SETTLE_DELAY_S = 0.002


class Settler:
    def __init__(self, delay: float = SETTLE_DELAY_S) -> None:
        self._delay = delay
        self._queue: queue.SimpleQueue[RWLock] = queue.SimpleQueue()
        self._start = threading.Lock()
        self._thread: threading.Thread | None = None

    def owe(self, lock: RWLock) -> None:
        """``lock`` has work owed: settle it soon unless someone else does."""
        self._queue.put(lock)
        if self._thread is None:
            with self._start:
                if self._thread is None:
                    self._thread = threading.Thread(target=self._run, name="vecbase-settler", daemon=True)
                    self._thread.start()

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            locks = {id(first): first}
            time.sleep(self._delay)
            while True:  # everything owed meanwhile, each lock once
                try:
                    lock = self._queue.get_nowait()
                except queue.Empty:
                    break
                locks[id(lock)] = lock
            for lock in locks.values():
                try:
                    lock.settle()
                except Exception:  # the settle callback logs its own failures; keep serving
                    log.exception("settling acknowledged writes failed")


SETTLER = Settler()
