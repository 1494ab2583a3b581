"""What each Qdrant REST operation requires of a credential (Qdrant 1.19's checks).

``GLOBAL``: the credential needs global access meeting the requirement; ``COLLECTION``: access
to the collection in the path (global access counts for every collection); ``LISTING``: any
credential, the answer shows only the collections it may see. Requests reach these checks
only once the server has authenticated them (``server.access``), which leaves ``/``, the
health probes and ``/readyz`` open. Queries that read another collection (``lookup_from``,
``with_lookup``) need access to it too.
"""

from __future__ import annotations

from typing import Any, Iterator

from vecbase.api.qdrant import models as m
from vecbase.core.access import EXTRAS, FULL, MANAGE, READ, WRITE, WRITE_EXTRAS, Access, Requirement

GLOBAL, COLLECTION, LISTING = "global", "collection", "listing"

_C = "/collections/{collection_name}"
_P = _C + "/points"
_SH = _C + "/shards/{shard_id}"

RULES: dict[str, tuple[str, Requirement]] = {
    # service
    "GET /telemetry": (GLOBAL, READ),
    "GET /metrics": (GLOBAL, READ),
    "GET /issues": (GLOBAL, READ),
    "DELETE /issues": (GLOBAL, MANAGE),
    "GET /cluster": (GLOBAL, READ),
    "GET /cluster/telemetry": (GLOBAL, READ),
    "POST /cluster/recover": (GLOBAL, MANAGE),
    "DELETE /cluster/peer/{peer_id}": (GLOBAL, MANAGE),
    "GET /quotas": (GLOBAL, READ),
    "PUT /quotas": (GLOBAL, MANAGE),
    # collections
    "GET /collections": (LISTING, READ),
    "GET /aliases": (LISTING, READ),
    f"GET {_C}": (COLLECTION, READ),
    f"PUT {_C}": (GLOBAL, MANAGE),
    f"PATCH {_C}": (GLOBAL, MANAGE),
    f"DELETE {_C}": (GLOBAL, MANAGE),
    "POST /collections/aliases": (GLOBAL, MANAGE),
    f"GET {_C}/exists": (COLLECTION, READ),
    f"GET {_C}/aliases": (COLLECTION, READ),
    f"GET {_C}/optimizations": (COLLECTION, READ),
    f"PUT {_C}/index": (COLLECTION, WRITE_EXTRAS),
    f"DELETE {_C}/index/{{field_name}}": (COLLECTION, WRITE_EXTRAS),
    f"PUT {_C}/vectors/{{vector_name}}": (COLLECTION, WRITE_EXTRAS),
    f"DELETE {_C}/vectors/{{vector_name}}": (COLLECTION, WRITE_EXTRAS),
    f"GET {_C}/cluster": (COLLECTION, READ),
    f"POST {_C}/cluster": (GLOBAL, MANAGE),
    f"PUT {_C}/shards": (GLOBAL, MANAGE),
    f"POST {_C}/shards/delete": (GLOBAL, MANAGE),
    f"GET {_C}/shards": (COLLECTION, READ),
    # snapshots: a collection's own with rw (not prw), recovery and full snapshots global
    f"POST {_C}/snapshots/upload": (GLOBAL, MANAGE),
    f"PUT {_C}/snapshots/recover": (GLOBAL, MANAGE),
    f"GET {_C}/snapshots": (COLLECTION, EXTRAS),
    f"POST {_C}/snapshots": (COLLECTION, WRITE_EXTRAS),
    f"DELETE {_C}/snapshots/{{snapshot_name}}": (COLLECTION, WRITE_EXTRAS),
    f"GET {_C}/snapshots/{{snapshot_name}}": (COLLECTION, EXTRAS),
    f"GET {_SH}/snapshot": (COLLECTION, EXTRAS),
    f"POST {_SH}/snapshots/upload": (GLOBAL, MANAGE),
    f"PUT {_SH}/snapshots/recover": (GLOBAL, MANAGE),
    f"GET {_SH}/snapshots": (COLLECTION, EXTRAS),
    f"POST {_SH}/snapshots": (COLLECTION, WRITE_EXTRAS),
    f"DELETE {_SH}/snapshots/{{snapshot_name}}": (COLLECTION, WRITE_EXTRAS),
    f"GET {_SH}/snapshots/{{snapshot_name}}": (COLLECTION, EXTRAS),
    "GET /snapshots": (GLOBAL, READ),
    "POST /snapshots": (GLOBAL, MANAGE),
    "DELETE /snapshots/{snapshot_name}": (GLOBAL, MANAGE),
    "GET /snapshots/{snapshot_name}": (GLOBAL, READ),
    # points: writes need write access (rw or prw), reads any access to the collection
    **{
        f"{method} {_P}{suffix}": (COLLECTION, WRITE)
        for method, suffix in (
            ("PUT", ""),
            ("POST", "/delete"),
            ("PUT", "/vectors"),
            ("POST", "/vectors/delete"),
            ("POST", "/payload"),
            ("PUT", "/payload"),
            ("POST", "/payload/delete"),
            ("POST", "/payload/clear"),
            ("POST", "/batch"),
        )
    },
    **{
        f"{method} {path}": (COLLECTION, READ)
        for method, path in (
            ("GET", _P + "/{id}"),
            ("POST", _P),
            ("POST", _P + "/scroll"),
            ("POST", _P + "/count"),
            ("POST", _C + "/facet"),
            ("POST", _P + "/query"),
            ("POST", _P + "/query/batch"),
            ("POST", _P + "/query/groups"),
            ("POST", _P + "/search/matrix/pairs"),
            ("POST", _P + "/search/matrix/offsets"),
            ("POST", _P + "/search"),
            ("POST", _P + "/search/batch"),
            ("POST", _P + "/search/groups"),
            ("POST", _P + "/recommend"),
            ("POST", _P + "/recommend/batch"),
            ("POST", _P + "/recommend/groups"),
            ("POST", _P + "/discover"),
            ("POST", _P + "/discover/batch"),
        )
    },
}

# bodies that may name other collections (a collection-scoped token needs access to them)
_LOOKUPS = {key for key, rule in RULES.items() if rule == (COLLECTION, READ) and key.startswith("POST")}


def authorize(label: str, access: Access, path_params: dict[str, Any], body: Any = None) -> None:
    """Raise ``ForbiddenError`` unless ``access`` may call the operation ``label``
    (``"METHOD /path/{template}"``)."""
    if access is FULL:
        return
    rule = RULES.get(label)
    if rule is None:
        access.check_global(MANAGE)  # an operation nobody listed: only full access
        return
    kind, need = rule
    if kind == GLOBAL:
        access.check_global(need)
    elif kind == COLLECTION:
        access.check_collection(str(path_params.get("collection_name", "")), need)
        if access.mode is None and label in _LOOKUPS and body is not None:
            for other in referenced_collections(body):
                access.grant(other)


def referenced_collections(body: Any) -> Iterator[str]:
    """Collections a query body reads besides its own: ``lookup_from`` (in prefetches and
    batches too) and ``with_lookup``."""
    if isinstance(body, list):
        for item in body:
            yield from referenced_collections(item)
        return
    if not isinstance(body, dict):
        return
    lookup = body.get("lookup_from")
    if isinstance(lookup, dict) and isinstance(lookup.get("collection"), str):
        yield lookup["collection"]
    with_lookup = body.get("with_lookup")
    if isinstance(with_lookup, str):
        yield with_lookup
    elif isinstance(with_lookup, dict) and isinstance(with_lookup.get("collection"), str):
        yield with_lookup["collection"]
    for key in ("prefetch", "searches"):
        if key in body:
            yield from referenced_collections(body[key])


def visible_only(result: Any, access: Access) -> Any:
    """A listing cut to the collections ``access`` may see."""
    if access.mode is not None:
        return result
    if isinstance(result, m.CollectionsResponse):
        return m.CollectionsResponse(collections=[c for c in result.collections if access.may_see(c.name)])
    if isinstance(result, m.CollectionsAliasesResponse):
        return m.CollectionsAliasesResponse(aliases=[a for a in result.aliases if access.may_see(a.collection_name)])
    return result
