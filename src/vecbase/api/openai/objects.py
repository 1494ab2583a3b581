"""Records as the API's objects, with every field the spec lists (null where unset), and the
cursor-paginated list envelope."""

from __future__ import annotations

from typing import Any, Callable, Sequence, TypeVar

from vecbase.api.openai.errors import RequestError
from vecbase.documents.records import BatchRecord, FileRecord, StoreFile, StoreRecord
from vecbase.documents.search import SearchHit
from vecbase.documents.stores import DocumentService, counts

T = TypeVar("T")


def file_object(f: FileRecord) -> dict[str, Any]:
    return {
        "id": f.id,
        "object": "file",
        "bytes": f.bytes,
        "created_at": f.created_at,
        "expires_at": f.expires_at,
        "filename": f.filename,
        "purpose": f.purpose,
        "status": "processed",
        "status_details": None,
    }


def store_object(svc: DocumentService, s: StoreRecord) -> dict[str, Any]:
    attachments = svc.attachments(s.id)
    expires = {"anchor": s.expires_anchor, "days": s.expires_days} if s.expires_anchor is not None else None
    return {
        "id": s.id,
        "object": "vector_store",
        "created_at": s.created_at,
        "name": s.name,
        "description": s.description,
        "usage_bytes": sum(a.usage_bytes for a in attachments),
        "file_counts": counts(attachments),
        "status": svc.store_status(s, attachments),
        "expires_after": expires,
        "expires_at": s.expires_at(),
        "last_active_at": s.last_active_at,
        "metadata": dict(s.metadata) if s.metadata is not None else {},
    }


def attachment_object(a: StoreFile) -> dict[str, Any]:
    error = {"code": a.error_code, "message": a.error_message} if a.error_code else None
    return {
        "id": a.file_id,
        "object": "vector_store.file",
        "usage_bytes": a.usage_bytes,
        "created_at": a.created_at,
        "vector_store_id": a.store_id,
        "status": a.status,
        "last_error": error,
        "chunking_strategy": {
            "type": "static",
            "static": {"max_chunk_size_tokens": a.max_tokens, "chunk_overlap_tokens": a.overlap},
        },
        "attributes": dict(a.attributes) if a.attributes is not None else {},
    }


def batch_object(svc: DocumentService, b: BatchRecord) -> dict[str, Any]:
    attachments = svc.attachments(b.store_id, b.id)
    return {
        "id": b.id,
        "object": "vector_store.files_batch",
        "created_at": b.created_at,
        "vector_store_id": b.store_id,
        "status": svc.batch_status(b, attachments),
        "file_counts": counts(attachments),
    }


def hit_object(h: SearchHit) -> dict[str, Any]:
    return {
        "file_id": h.file_id,
        "filename": h.filename,
        "score": h.score,
        "attributes": dict(h.attributes),
        "content": [{"type": "text", "text": h.text}],
    }


def page(
    items: Sequence[T],
    key: Callable[[T], str],
    render: Callable[[T], dict[str, Any]],
    limit: int,
    order: str,
    after: str | None,
    before: str | None,
) -> dict[str, Any]:
    """One page of ``items`` (given oldest first) in ``order``, after / before a cursor id."""
    ordered = list(items) if order == "asc" else list(reversed(items))
    ids = [key(i) for i in ordered]
    start, stop = 0, len(ordered)
    if after is not None:
        if after not in ids:
            raise RequestError(f"No object found for cursor 'after': {after}", param="after")
        start = ids.index(after) + 1
    if before is not None:
        if before not in ids:
            raise RequestError(f"No object found for cursor 'before': {before}", param="before")
        stop = ids.index(before)
    window = ordered[start:stop]
    # with only "before", the page is the one just before the cursor
    chosen = window[-limit:] if before is not None and after is None else window[:limit]
    data = [render(i) for i in chosen]
    has_more = len(window) > len(chosen)
    return {
        "object": "list",
        "data": data,
        "first_id": key(chosen[0]) if chosen else None,
        "last_id": key(chosen[-1]) if chosen else None,
        "has_more": has_more,
    }
