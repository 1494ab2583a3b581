"""Who may do what: a credential's access and the requirements of an operation.

Qdrant's model: a credential grants either global access (``r`` read, ``m`` manage) or a
list of collections, each ``r`` (read), ``rw`` (read and write, including the collection's
indexes and snapshots) or ``prw`` (read and write points only). An operation requires
reading, ``write``, ``manage`` (global management: creating collections, aliases, full
snapshots) and / or ``extras`` (a collection's indexes, snapshots, vectors: not for
``prw``). Checks raise ``ForbiddenError`` with Qdrant's messages.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from vecbase.core.errors import ForbiddenError

GLOBAL_MODES = ("r", "m")
COLLECTION_MODES = ("r", "rw", "prw")


@dataclass(frozen=True, slots=True)
class Requirement:
    write: bool = False
    manage: bool = False
    extras: bool = False


READ = Requirement()
WRITE = Requirement(write=True)
EXTRAS = Requirement(extras=True)
WRITE_EXTRAS = Requirement(write=True, extras=True)
MANAGE = Requirement(manage=True)


@dataclass(frozen=True, slots=True)
class CollectionGrant:
    collection: str
    mode: str  # "r" | "rw" | "prw"

    def check(self, need: Requirement) -> None:
        if need.extras and self.mode == "prw":
            raise ForbiddenError(f"Only points access is allowed for collection {self.collection}")
        if need.write and self.mode == "r":
            raise ForbiddenError(f"Write access to collection {self.collection} is required")
        if need.manage:
            raise ForbiddenError("Manage access for this operation is required")


@dataclass(frozen=True, slots=True)
class Access:
    """Global access (``mode`` ``r`` / ``m``) or, with ``mode`` None, the ``grants``."""

    mode: str | None = "m"
    grants: tuple[CollectionGrant, ...] = ()

    def check_global(self, need: Requirement) -> None:
        if self.mode is None:
            raise ForbiddenError("Global access is required")
        if (need.write or need.manage) and self.mode == "r":
            raise ForbiddenError("Global manage access is required")

    def check_collection(self, name: str, need: Requirement) -> None:
        if self.mode is not None:
            self.check_global(Requirement(write=need.write, manage=need.manage))
            return
        self.grant(name).check(need)

    def grant(self, name: str) -> CollectionGrant:
        for grant in self.grants:
            if grant.collection == name:
                return grant
        raise ForbiddenError(f"Access to collection {name} is required")

    def may_see(self, name: str) -> bool:
        """Whether a listing shows ``name`` (any access to it)."""
        return self.mode is not None or any(g.collection == name for g in self.grants)


FULL = Access("m")
READ_ONLY = Access("r")


class AccessClaimError(ValueError):
    """A token's ``access`` claim that Qdrant would refuse."""


def access_from_claim(raw: Any) -> Access:
    """The ``access`` claim of a token: ``"r"`` / ``"m"``, or a list of
    ``{"collection", "access"}``; absent (None): full access."""
    if raw is None:
        return FULL
    if isinstance(raw, str):
        if raw not in GLOBAL_MODES:
            raise AccessClaimError(f"unknown global access mode {raw!r}")
        return Access(raw)
    if not isinstance(raw, list):
        raise AccessClaimError("access must be a mode or a list of collection accesses")
    grants: list[CollectionGrant] = []
    for item in raw:
        if not isinstance(item, dict) or not isinstance(item.get("collection"), str):
            raise AccessClaimError("each collection access needs a collection name")
        if item.get("access") not in COLLECTION_MODES:
            raise AccessClaimError(f"unknown collection access mode {item.get('access')!r}")
        if item.get("payload") is not None:
            raise AccessClaimError("access: The 'payload' constraint is deprecated and should not be used")
        if any(g.collection == item["collection"] for g in grants):
            raise AccessClaimError(f"access: Collection {item['collection']} is listed more than once")
        grants.append(CollectionGrant(item["collection"], item["access"]))
    return Access(None, tuple(grants))
