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


def test_owed_work_runs_before_any_later_section() -> None:
    ran: list[str] = []
    lock = RWLock(settle=lambda: ran.append("settled"))
    with lock:
        lock.owed = True
    assert ran == []  # owed work waits for the next section
    with lock.shared():
        ran.append("read")
    assert ran == ["settled", "read"]
    with lock:
        lock.owed = True
        with lock.shared():  # the owner's own read settles first too
            ran.append("own read")
        lock.owed = True
    with lock:
        ran.append("write")
    assert ran == ["settled", "read", "settled", "own read", "settled", "write"]
    assert not lock.owed


def test_owed_work_is_settled_by_a_reader_of_another_thread() -> None:
    ran: list[str] = []
    lock = RWLock(settle=lambda: ran.append(threading.current_thread().name))
    with lock:
        lock.owed = True
    t = threading.Thread(target=lambda: lock.shared().__enter__(), name="reader")
    t.start()
    t.join(5)
    assert ran == ["reader"]
    lock.settle()  # nothing owed: nothing runs
    assert ran == ["reader"]


def test_a_failing_settle_releases_the_lock() -> None:
    def fail() -> None:
        raise RuntimeError("boom")

    lock = RWLock(settle=fail)
    lock.owed = True
    try:
        with lock:
            raise AssertionError("the section must not start")
    except RuntimeError as e:
        assert str(e) == "boom"
    done = threading.Event()
    threading.Thread(target=lambda: (lock.acquire(), lock.release(), done.set())).start()
    assert done.wait(5)  # not left held
