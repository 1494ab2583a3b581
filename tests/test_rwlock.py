"""The collection lock: readers share it, a writer excludes them, and waiting writers go first."""

from __future__ import annotations

import threading
import time

from vecbase.engine.rwlock import RWLock


def test_readers_share_and_writers_exclude() -> None:
    lock = RWLock()
    inside: list[str] = []
    both_readers = threading.Barrier(2, timeout=5)

    def reader() -> None:
        with lock.shared():
            inside.append("r")
            both_readers.wait()  # only returns if two readers hold the lock at once
            inside.append("r-done")

    threads = [threading.Thread(target=reader) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert inside.count("r-done") == 2

    events: list[str] = []
    with lock.shared():
        w = threading.Thread(target=lambda: (lock.acquire(), events.append("writer"), lock.release()))
        w.start()
        time.sleep(0.05)
        assert events == []  # the writer waits for the reader
        late = threading.Thread(target=lambda: (lock.shared().__enter__(), events.append("late reader")))
        late.start()
        time.sleep(0.05)
        assert events == []  # a waiting writer blocks new readers
        events.append("reader leaves")
    w.join(5)
    late.join(5)
    assert events == ["reader leaves", "writer", "late reader"]


def test_writer_reenters_and_reads() -> None:
    lock = RWLock()
    with lock:
        with lock:
            with lock.shared():
                pass
    acquired = []
    t = threading.Thread(target=lambda: (lock.acquire(), acquired.append(True), lock.release()))
    t.start()
    t.join(5)
    assert acquired == [True]
