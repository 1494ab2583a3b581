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


def _busy_writer(lock: RWLock, sections: list[int], stop: threading.Event) -> threading.Thread:
    """A thread that takes the exclusive side again as soon as it lets go (a stream of writes)."""

    def run() -> None:
        while not stop.is_set():
            with lock:
                sections.append(1)
                time.sleep(0.0005)

    t = threading.Thread(target=run)
    t.start()
    return t


def test_a_waiting_writer_is_not_overtaken_by_a_stream_of_writes() -> None:
    lock = RWLock()
    sections: list[int] = []
    stop = threading.Event()
    busy = [_busy_writer(lock, sections, stop) for _ in range(2)]
    overtaken: list[int] = []

    def turns() -> None:
        for _ in range(20):
            before = len(sections)
            with lock:  # a snapshot's or a flush's turn
                # each busy writer finishes at most the section it was in, then queues behind us
                overtaken.append(len(sections) - before)
            before = len(sections)
            with lock.shared():  # a reader's turn, likewise
                overtaken.append(len(sections) - before)

    time.sleep(0.05)
    t = threading.Thread(target=turns)
    t.start()
    t.join(10)
    starved = t.is_alive()
    stop.set()
    for b in busy:
        b.join(5)
    t.join(5)
    assert not starved and len(overtaken) == 40
    assert max(overtaken) <= 2, overtaken


def test_an_interrupted_waiter_gives_its_turn_up() -> None:
    lock = RWLock()
    lock.acquire()
    lock._cond.wait = _raise_once(lock._cond.wait)  # type: ignore[method-assign]
    failed: list[BaseException] = []

    def waiter() -> None:
        try:
            lock.acquire()
        except KeyboardInterrupt as e:
            failed.append(e)

    t = threading.Thread(target=waiter)
    t.start()
    t.join(5)
    assert failed  # its wait was interrupted while the lock was held
    lock.release()
    # the given-up ticket is skipped: others still get the lock, exclusive and shared
    got: list[str] = []
    other = threading.Thread(target=lambda: (lock.acquire(), got.append("w"), lock.release()))
    other.start()
    other.join(5)
    with lock.shared():
        got.append("r")
    assert got == ["w", "r"]


def _raise_once(wait: object) -> object:
    state = {"raised": False}

    def patched(*args: object, **kwargs: object) -> object:
        if not state["raised"]:
            state["raised"] = True
            raise KeyboardInterrupt
        return wait(*args, **kwargs)  # type: ignore[operator]

    return patched


def test_a_ticket_given_up_behind_another_waiter_is_skipped() -> None:
    lock = RWLock()
    lock.acquire()
    order: list[str] = []
    first = threading.Thread(target=lambda: (lock.acquire(), order.append("first"), lock.release()))
    first.start()
    while lock._waiting_writers < 1:  # the first waiter holds the ticket being served next
        time.sleep(0.001)
    with lock._cond:
        second = lock._take_ticket()  # a second waiter queues behind it ...
        lock._abandon(second)  # ... and is interrupted before its turn
    third = threading.Thread(target=lambda: (lock.acquire(), order.append("third"), lock.release()))
    third.start()
    while lock._waiting_writers < 2:
        time.sleep(0.001)
    lock.release()
    first.join(5)
    third.join(5)
    assert order == ["first", "third"]
    with lock.shared():  # nobody waits any more: the uncontended path again
        assert lock._serving == lock._next_ticket
