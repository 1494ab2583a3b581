"""A readers-writer lock: searches share a collection, writes own it.

The exclusive side is re-entrant for its owner thread (a write may flush, a flush may read).
Whoever has to wait takes a ticket and enters in ticket order: waiting writers block new
readers (a stream of queries cannot starve updates), a writer cannot overtake one that
waits longer (a snapshot or a flush is not starved by a stream of writes), and readers that
queued behind a writer enter together once it leaves. Uncontended sections take no ticket.

A writer may leave work owed (``owed``): the ``settle`` callback runs it under the exclusive
side before any later section begins, read or write, so no one sees the state without it.
"""

from __future__ import annotations

import threading
from typing import Callable


class RWLock:
    def __init__(self, settle: Callable[[], None] | None = None) -> None:
        # the read side takes the bare mutex (a C context manager) and touches the condition
        # only to wait or wake: a query pays two uncontended lock round trips, nothing more
        self._mutex = threading.Lock()
        self._cond = threading.Condition(self._mutex)
        self._readers = 0
        self._writer: int | None = None
        self._depth = 0
        self._waiting_writers = 0
        # waiting sections enter in ticket order; tickets of callers that gave up are skipped
        self._next_ticket = 0
        self._serving = 0
        self._abandoned: set[int] = set()
        self._settle = settle
        # set by the exclusive owner; cleared by whoever settles
        self.owed = False

    # -- exclusive (``with lock:``) --------------------------------------------------
    def acquire(self) -> bool:
        me = threading.get_ident()
        with self._cond:
            if self._writer == me:
                self._depth += 1
            else:
                ticket = self._take_ticket()
                self._waiting_writers += 1
                try:
                    while self._writer is not None or self._readers or self._serving != ticket:
                        self._cond.wait()
                except BaseException:
                    self._abandon(ticket)
                    raise
                finally:
                    self._waiting_writers -= 1
                self._advance()
                self._writer = me
                self._depth = 1
        if self.owed:
            try:
                self._run_owed()
            except BaseException:
                self.release()
                raise
        return True

    # -- tickets (under the mutex) -------------------------------------------------------
    def _take_ticket(self) -> int:
        ticket = self._next_ticket
        self._next_ticket += 1
        return ticket

    def _advance(self) -> None:
        """The next ticket may enter (once the lock allows it)."""
        self._serving += 1
        while self._serving in self._abandoned:
            self._abandoned.discard(self._serving)
            self._serving += 1

    def _abandon(self, ticket: int) -> None:
        """A waiter interrupted before its turn gives its ticket up."""
        if ticket == self._serving:
            self._advance()
            self._cond.notify_all()
        else:
            self._abandoned.add(ticket)

    def _run_owed(self) -> None:
        """Under the exclusive side."""
        self.owed = False
        if self._settle is not None:
            self._settle()

    def settle(self) -> None:
        """Run the owed work now, if any (taking the exclusive side for it)."""
        if self.owed:
            self.acquire()
            self.release()

    def release(self) -> None:
        with self._cond:
            if self._writer != threading.get_ident():
                raise RuntimeError("release of a write lock not held by this thread")
            self._depth -= 1
            if self._depth == 0:
                self._writer = None
                self._cond.notify_all()

    def __enter__(self) -> RWLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()

    def owned(self) -> bool:
        """Whether the calling thread holds the lock exclusively."""
        with self._cond:
            return self._writer == threading.get_ident()

    # -- shared -----------------------------------------------------------------------
    def shared(self) -> _Shared:
        """``with lock.shared():`` — a read section (re-entrant inside the owner's write)."""
        return _Shared(self)

    def acquire_shared(self) -> bool:
        """Enter a read section; returns False when the caller owns the write lock (then
        nothing was taken and nothing must be released)."""
        while True:
            with self._mutex:
                # nobody waits (no ticket out) and no writer: the uncontended path
                if self._writer is None and self._serving == self._next_ticket and not self.owed:
                    self._readers += 1
                    return True
                mine = self._writer == threading.get_ident()
                if not (mine or self.owed):
                    ticket = self._take_ticket()
                    try:
                        while self._writer is not None or self._serving != ticket:
                            self._cond.wait()
                    except BaseException:
                        self._abandon(ticket)
                        raise
                    self._advance()
                    self._cond.notify_all()  # a reader queued next may enter beside this one
                    if not self.owed:
                        self._readers += 1
                        return True
            if mine:
                if self.owed:
                    self._run_owed()
                return False
            self.settle()  # then try again: a reader never sees the state without owed work

    def release_shared(self) -> None:
        with self._mutex:
            self._readers -= 1
            # only writers wait for readers to leave
            if self._readers == 0 and self._waiting_writers:
                self._cond.notify_all()


class _Shared:
    """The read section as a plain context manager (a generator-based one costs more on
    every query)."""

    __slots__ = ("_lock", "_taken")

    def __init__(self, lock: RWLock) -> None:
        self._lock = lock
        self._taken = False

    def __enter__(self) -> None:
        self._taken = self._lock.acquire_shared()

    def __exit__(self, *exc: object) -> None:
        if self._taken:
            self._lock.release_shared()
