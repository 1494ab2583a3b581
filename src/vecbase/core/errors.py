"""Errors raised below the API layer; each dialect maps them to its own envelope."""

from __future__ import annotations


class VecbaseError(Exception):
    """Base of every error the engine raises on purpose."""


class BadRequestError(VecbaseError):
    """The request is well-formed but cannot be applied (wrong size, unknown name...)."""


class ValidationError(BadRequestError):
    """The request does not satisfy the data model's constraints."""


class PayloadPathError(BadRequestError, ValueError):
    """A malformed payload path (an empty key, ``a..b``, ``a[``)."""


class NotFoundError(VecbaseError):
    """A named thing does not exist. Dialects prefix the message ("Not found: ...") unless
    ``verbatim``: the message is already the whole text the reference server sends."""

    verbatim = False


class CollectionNotFoundError(NotFoundError):
    def __init__(self, name: str) -> None:
        super().__init__(f"Collection `{name}` doesn't exist!")
        self.name = name


class PointNotFoundError(NotFoundError):
    def __init__(self, point_id: object) -> None:
        super().__init__(f"No point with id {point_id} found")
        self.point_id = point_id


class ConflictError(VecbaseError):
    """The request conflicts with the current state (e.g. the collection already exists)."""


class StorageError(VecbaseError):
    """The storage is unusable: wrong format version, unreadable file."""


class StorageIOError(StorageError):
    """A file operation failed: the disk is full, a file is not writable, the device failed.
    Worded as Qdrant words an I/O error (``File IO error: No space left on device (os error
    28)``); transient, unlike the other storage errors: a write refused for it may succeed
    once space is freed."""

    @classmethod
    def of(cls, e: OSError) -> StorageIOError:
        return cls(io_error_text(e))


def service_error_text(e: BaseException) -> str:
    """An unexpected failure (an optimization's, say) as Qdrant's service error reads."""
    if isinstance(e, OSError) and not isinstance(e, (TimeoutError, ConnectionError)):  # a file's
        return f"Service internal error: {io_error_text(e)}"
    if isinstance(e, VecbaseError):
        return f"Service internal error: {e}"
    return f"Service internal error: {type(e).__name__}: {e}"


def io_error_text(e: OSError) -> str:
    """An OSError as Rust's ``std::io::Error`` prints one, behind Qdrant's prefix."""
    if e.errno is not None and e.strerror:
        return f"File IO error: {e.strerror} (os error {e.errno})"
    return f"File IO error: {e}"


class StorageLockedError(StorageError, RuntimeError):
    """Another process owns the storage directory. A RuntimeError too, as qdrant-client's
    local mode raises one there: code written for it catches this."""

    def __init__(self, path: str) -> None:
        super().__init__(
            f"Storage folder {path} is already accessed by another instance of vecbase"
            " (a second process cannot open the same storage directory)"
        )
        self.path = path


class ForbiddenError(VecbaseError):
    """The credential may not do this (an access check failed)."""


class StrictModeError(BadRequestError):
    """A request a collection's strict mode refuses; the message says how to comply."""

    def __init__(self, problem: str, solution: str | None = None) -> None:
        super().__init__(f"Bad request: {problem}" + (f". Help: {solution}" if solution else ""))


class RateLimitedError(VecbaseError):
    """Over a collection's read or write rate limit; retry after ``retry_after`` seconds (None:
    the request alone exceeds the limit)."""

    def __init__(self, message: str, retry_after: int | None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class InsufficientStorageError(VecbaseError):
    """A node quota (memory, disk) is reached: writes that need more are refused."""


class UnauthenticatedError(VecbaseError):
    """No credential, or one the server does not know."""
