"""What each AnalyticDB action requires of a credential, in Qdrant's terms: a collection of
namespace ``ns`` is the engine collection ``adb__ns__<name>``, so a token's per-collection
access names those. Namespaces, collections and relational tables are managed globally;
rows are written with write access to their collection and read with any access to it."""

from __future__ import annotations

from vecbase.api.analyticdb.tenancy import DEFAULT_NAMESPACE, engine_name
from vecbase.api.analyticdb.wire import AdbError, Params
from vecbase.core.access import FULL, MANAGE, READ, WRITE, WRITE_EXTRAS, Access, Requirement
from vecbase.core.errors import ForbiddenError

GLOBAL, COLLECTION, ANY = "global", "collection", "any"

RULES: dict[str, tuple[str, Requirement]] = {
    **{
        action: (GLOBAL, MANAGE)
        for action in (
            "InitVectorDatabase",
            "CreateNamespace",
            "DeleteNamespace",
            "CreateCollection",
            "DeleteCollection",
            "ModifyCollection",
            "CreateDocumentCollection",
            "DeleteDocumentCollection",
        )
    },
    **{action: (GLOBAL, READ) for action in ("DescribeNamespace", "ListNamespaces", "ListCollections")},
    "ListDocumentCollections": (GLOBAL, READ),
    "ExecuteStatement": (GLOBAL, WRITE),
    "TextEmbedding": (ANY, READ),
    "Rerank": (ANY, READ),
    **{action: (COLLECTION, WRITE_EXTRAS) for action in ("CreateIndex", "CreateVectorIndex", "DeleteVectorIndex")},
    **{
        action: (COLLECTION, WRITE)
        for action in (
            "UpsertCollectionData",
            "UpsertCollectionDataAsync",
            "CancelUpsertCollectionDataJob",
            "DeleteCollectionData",
            "UpdateCollectionDataMetadata",
            "UpsertChunks",
            "UploadDocumentAsync",
            "CancelUploadDocumentJob",
            "DeleteDocument",
        )
    },
    **{
        action: (COLLECTION, READ)
        for action in (
            "DescribeCollection",
            "QueryCollectionData",
            "GetUpsertCollectionDataJob",
            "GetUploadDocumentJob",
            "ListDocuments",
            "DescribeDocument",
            "QueryContent",
        )
    },
}


def authorize(action: str, access: Access, params: Params) -> None:
    """Raise ``AdbError`` (403, ``Forbidden``) unless ``access`` may run ``action``."""
    if access is FULL:
        return
    kind, need = RULES.get(action, (GLOBAL, MANAGE))
    try:
        if kind == GLOBAL:
            access.check_global(need)
        elif kind == COLLECTION:
            namespace = params.text("Namespace") or DEFAULT_NAMESPACE
            access.check_collection(engine_name(namespace, params.text("Collection") or ""), need)
    except ForbiddenError as exc:
        raise AdbError("Forbidden", f"{exc}.", 403) from None
