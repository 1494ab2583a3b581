"""What each ``/v1`` route requires of a credential, in Qdrant's terms: a vector store is a
collection (its id is the collection's name), so a token's per-collection access names
stores. Files are shared by every store: reading them needs global access, uploading or
deleting them global write access. Creating and deleting stores is management, as creating
and deleting collections is."""

from __future__ import annotations

from vecbase.core.access import FULL, MANAGE, READ, WRITE, WRITE_EXTRAS, Access, Requirement

GLOBAL, STORE, LISTING = "global", "store", "listing"
_S = "/v1/vector_stores/{store_id}"

RULES: dict[str, tuple[str, Requirement]] = {
    "POST /v1/files": (GLOBAL, WRITE),
    "GET /v1/files": (GLOBAL, READ),
    "GET /v1/files/{file_id}": (GLOBAL, READ),
    "DELETE /v1/files/{file_id}": (GLOBAL, WRITE),
    "GET /v1/files/{file_id}/content": (GLOBAL, READ),
    "POST /v1/vector_stores": (GLOBAL, MANAGE),
    "GET /v1/vector_stores": (LISTING, READ),
    f"GET {_S}": (STORE, READ),
    f"POST {_S}": (STORE, WRITE_EXTRAS),
    f"DELETE {_S}": (GLOBAL, MANAGE),
    f"POST {_S}/files": (STORE, WRITE),
    f"GET {_S}/files": (STORE, READ),
    f"GET {_S}/files/{{file_id}}": (STORE, READ),
    f"POST {_S}/files/{{file_id}}": (STORE, WRITE),
    f"DELETE {_S}/files/{{file_id}}": (STORE, WRITE),
    f"GET {_S}/files/{{file_id}}/content": (STORE, READ),
    f"POST {_S}/file_batches": (STORE, WRITE),
    f"GET {_S}/file_batches/{{batch_id}}": (STORE, READ),
    f"POST {_S}/file_batches/{{batch_id}}/cancel": (STORE, WRITE),
    f"GET {_S}/file_batches/{{batch_id}}/files": (STORE, READ),
    f"POST {_S}/search": (STORE, READ),
}


def authorize(label: str, access: Access, store_id: str | None) -> None:
    """Raise ``ForbiddenError`` unless ``access`` may call the route ``label``."""
    if access is FULL:
        return
    kind, need = RULES.get(label, (GLOBAL, MANAGE))
    if kind == GLOBAL:
        access.check_global(need)
    elif kind == STORE:
        access.check_collection(store_id or "", need)
