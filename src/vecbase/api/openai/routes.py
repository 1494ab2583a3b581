"""Starlette routes of the OpenAI / Yandex vector-stores dialect under ``/v1``.

Each endpoint reads its wire input (JSON body, query parameters, multipart form), calls the
document service in a worker thread and renders the API's objects. The ``OpenAI-Project``
header scopes every call to a project (Yandex's folder); without it, the default project.
Responses about ingestion carry ``openai-poll-after-ms``, which the client's ``*_and_poll``
helpers wait between polls.
"""

from __future__ import annotations

from typing import Any, Awaitable, Callable

import orjson
from pydantic import BaseModel
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from vecbase.api.credentials import current
from vecbase.api.openai import objects
from vecbase.api.openai.errors import RequestError, error_for
from vecbase.api.openai.filters import to_filter
from vecbase.api.openai.rbac import authorize
from vecbase.api.openai.wire import (
    ChunkingParam,
    CreateFileBatch,
    CreateVectorStore,
    CreateVectorStoreFile,
    SearchRequest,
    StaticChunkingParam,
    UpdateAttributes,
    UpdateVectorStore,
)
from vecbase.api.threads import in_thread
from vecbase.core import limits
from vecbase.documents.records import CANCELLED, COMPLETED, FAILED, IN_PROGRESS, Chunking, StoreFile
from vecbase.documents.stores import UNSET, DocumentService, rewrite

DEFAULT_PROJECT = "default"
POLL_AFTER_MS = "100"
FILE_PURPOSES = ("assistants", "batch", "fine-tune", "vision", "user_data", "evals")
Handler = Callable[[DocumentService, Request, str], Awaitable[Any]]


def _json(value: Any, poll: bool = False) -> Response:
    headers = {"openai-poll-after-ms": POLL_AFTER_MS} if poll else None
    return Response(orjson.dumps(value), media_type="application/json", headers=headers)


async def _json_object(request: Request) -> dict[str, Any]:
    raw = await request.body()
    try:
        data = orjson.loads(raw) if raw else {}
    except orjson.JSONDecodeError:
        raise RequestError("We could not parse the JSON body of your request.") from None
    if not isinstance(data, dict):
        raise RequestError("The request body must be a JSON object.")
    return data


async def _body(request: Request, model: type[BaseModel]) -> Any:
    return model.model_validate(await _json_object(request))


def _int_param(request: Request, name: str, default: int, low: int, high: int) -> int:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise RequestError(f"Invalid '{name}': expected an integer, got '{raw}'.", param=name) from None
    if not low <= value <= high:
        raise RequestError(
            f"Invalid '{name}': integer below minimum value or above maximum value. Expected a value"
            f" between {low} and {high}, but got {value} instead.",
            param=name,
            code="integer_out_of_range" if value > high else "integer_below_min_value",
        )
    return value


def _listing(request: Request, default_limit: int, max_limit: int) -> tuple[int, str, str | None, str | None]:
    order = request.query_params.get("order", "desc")
    if order not in ("asc", "desc"):
        raise RequestError(f"Invalid 'order': expected 'asc' or 'desc', got '{order}'.", param="order")
    limit = _int_param(request, "limit", default_limit, 1, max_limit)
    return limit, order, request.query_params.get("after"), request.query_params.get("before")


def _chunking(param: ChunkingParam | None) -> Chunking:
    if isinstance(param, StaticChunkingParam):
        return Chunking(param.static.max_chunk_size_tokens, param.static.chunk_overlap_tokens, auto=False)
    return Chunking()


def _status_filter(request: Request) -> str | None:
    status = request.query_params.get("filter")
    if status is not None and status not in (IN_PROGRESS, COMPLETED, FAILED, CANCELLED):
        raise RequestError(
            f"Invalid 'filter': expected one of in_progress, completed, failed, cancelled, got '{status}'.",
            param="filter",
        )
    return status


# -- files ------------------------------------------------------------------------------
async def create_file(svc: DocumentService, request: Request, project: str) -> Response:
    form = await request.form(max_part_size=512 * 1024 * 1024)
    upload = form.get("file")
    if not isinstance(upload, UploadFile):
        raise RequestError("Missing required parameter: 'file'.", param="file", code="missing_required_parameter")
    purpose = form.get("purpose")
    if not isinstance(purpose, str):
        raise RequestError("Missing required parameter: 'purpose'.", param="purpose", code="missing_required_parameter")
    if purpose not in FILE_PURPOSES:
        raise RequestError(
            f"Invalid value for 'purpose': '{purpose}'. Supported values are: {', '.join(FILE_PURPOSES)}.",
            param="purpose",
            code="invalid_value",
        )
    expires = None
    anchor, seconds = form.get("expires_after[anchor]"), form.get("expires_after[seconds]")
    if anchor is not None or seconds is not None:
        if anchor != "created_at":
            raise RequestError(
                "Invalid value for 'expires_after.anchor': expected 'created_at'.", param="expires_after"
            )
        try:
            expires = int(str(seconds))
        except ValueError:
            raise RequestError("Invalid 'expires_after.seconds': expected an integer.", param="expires_after") from None
        if not 3600 <= expires <= 2592000:
            raise RequestError(
                "Invalid 'expires_after.seconds': must be between 3600 and 2592000.", param="expires_after"
            )
    fmt = form.get("format")
    if fmt is not None and fmt != "chunks":
        raise RequestError(f"Invalid value for 'format': '{fmt}'. Supported values are: chunks.", param="format")
    data = await upload.read()
    filename = upload.filename or "file"
    record = await in_thread(svc.files.create, project, filename, data, purpose, expires, fmt)
    return _json(objects.file_object(record))


async def list_files(svc: DocumentService, request: Request, project: str) -> Response:
    limit, order, after, before = _listing(request, 10000, 10000)
    files = svc.files.list(project, request.query_params.get("purpose"))
    return _json(objects.page(files, lambda f: f.id, objects.file_object, limit, order, after, before))


async def get_file(svc: DocumentService, request: Request, project: str) -> Response:
    return _json(objects.file_object(svc.files.get(project, request.path_params["file_id"])))


async def file_content(svc: DocumentService, request: Request, project: str) -> Response:
    record = svc.files.get(project, request.path_params["file_id"])
    data = await in_thread(svc.files.content, record)
    return Response(data, media_type="application/octet-stream")


async def delete_file(svc: DocumentService, request: Request, project: str) -> Response:
    file_id = request.path_params["file_id"]
    await in_thread(svc.delete_file, project, file_id)
    return _json({"id": file_id, "object": "file", "deleted": True})


# -- vector stores ----------------------------------------------------------------------
async def create_store(svc: DocumentService, request: Request, project: str) -> Response:
    body: CreateVectorStore = await _body(request, CreateVectorStore)
    expires = (body.expires_after.anchor, body.expires_after.days) if body.expires_after else None
    record = await in_thread(
        svc.create_store,
        project,
        body.name,
        body.description,
        body.metadata,
        expires,
        body.file_ids or [],
        _chunking(body.chunking_strategy),
    )
    return _json(objects.store_object(svc, record), poll=bool(body.file_ids))


async def list_stores(svc: DocumentService, request: Request, project: str) -> Response:
    limit, order, after, before = _listing(request, 20, 100)
    access = current(request.scope)
    stores = [s for s in svc.list_stores(project) if access.may_see(s.id)]
    return _json(
        objects.page(stores, lambda s: s.id, lambda s: objects.store_object(svc, s), limit, order, after, before)
    )


async def get_store(svc: DocumentService, request: Request, project: str) -> Response:
    return _json(objects.store_object(svc, svc.store(project, request.path_params["store_id"])))


async def modify_store(svc: DocumentService, request: Request, project: str) -> Response:
    body: UpdateVectorStore = await _body(request, UpdateVectorStore)
    fields = body.model_fields_set
    expires: Any = UNSET
    if "expires_after" in fields:
        expires = (body.expires_after.anchor, body.expires_after.days) if body.expires_after else None
    record = await in_thread(
        svc.modify_store,
        project,
        request.path_params["store_id"],
        body.name if "name" in fields else UNSET,
        expires,
        body.metadata if "metadata" in fields else UNSET,
    )
    return _json(objects.store_object(svc, record))


async def delete_store(svc: DocumentService, request: Request, project: str) -> Response:
    store_id = request.path_params["store_id"]
    await in_thread(svc.delete_store, project, store_id)
    return _json({"id": store_id, "object": "vector_store.deleted", "deleted": True})


# -- vector store files -----------------------------------------------------------------
async def attach_file(svc: DocumentService, request: Request, project: str) -> Response:
    body: CreateVectorStoreFile = await _body(request, CreateVectorStoreFile)
    attachment = await in_thread(
        svc.attach,
        project,
        request.path_params["store_id"],
        body.file_id,
        body.attributes,
        _chunking(body.chunking_strategy),
    )
    return _json(objects.attachment_object(attachment), poll=True)


def _attachment_page(request: Request, attachments: list[StoreFile]) -> Response:
    """A page of attachments, filtered by status, oldest first before ``order`` applies."""
    limit, order, after, before = _listing(request, 20, 100)
    status = _status_filter(request)
    items = sorted((a for a in attachments if status is None or a.status == status), key=lambda a: a.created_at)
    return _json(objects.page(items, lambda a: a.file_id, objects.attachment_object, limit, order, after, before))


async def list_store_files(svc: DocumentService, request: Request, project: str) -> Response:
    store = svc.store(project, request.path_params["store_id"])
    return _attachment_page(request, svc.attachments(store.id))


async def get_store_file(svc: DocumentService, request: Request, project: str) -> Response:
    p = request.path_params
    return _json(objects.attachment_object(svc.attachment(project, p["store_id"], p["file_id"])), poll=True)


async def update_store_file(svc: DocumentService, request: Request, project: str) -> Response:
    body: UpdateAttributes = await _body(request, UpdateAttributes)
    p = request.path_params
    attachment = await in_thread(svc.update_attributes, project, p["store_id"], p["file_id"], body.attributes)
    return _json(objects.attachment_object(attachment))


async def delete_store_file(svc: DocumentService, request: Request, project: str) -> Response:
    p = request.path_params
    await in_thread(svc.detach, project, p["store_id"], p["file_id"])
    return _json({"id": p["file_id"], "object": "vector_store.file.deleted", "deleted": True})


async def store_file_content(svc: DocumentService, request: Request, project: str) -> Response:
    p = request.path_params
    texts = await in_thread(svc.attachment_text, project, p["store_id"], p["file_id"])
    return _json(
        {
            "object": "vector_store.file_content.page",
            "data": [{"type": "text", "text": t} for t in texts],
            "has_more": False,
            "next_page": None,
        }
    )


# -- file batches -----------------------------------------------------------------------
async def create_batch(svc: DocumentService, request: Request, project: str) -> Response:
    body: CreateFileBatch = await _body(request, CreateFileBatch)
    if (body.file_ids is None) == (body.files is None):
        raise RequestError("Exactly one of 'file_ids' and 'files' must be given.", param="file_ids")
    if body.files is not None:
        files = [(f.file_id, f.attributes, _chunking(f.chunking_strategy)) for f in body.files]
    else:
        chunking = _chunking(body.chunking_strategy)
        files = [(f, body.attributes, chunking) for f in body.file_ids or []]
    batch = await in_thread(svc.create_batch, project, request.path_params["store_id"], files)
    return _json(objects.batch_object(svc, batch), poll=True)


async def get_batch(svc: DocumentService, request: Request, project: str) -> Response:
    p = request.path_params
    return _json(objects.batch_object(svc, svc.batch(project, p["store_id"], p["batch_id"])), poll=True)


async def cancel_batch(svc: DocumentService, request: Request, project: str) -> Response:
    p = request.path_params
    batch = await in_thread(svc.cancel_batch, project, p["store_id"], p["batch_id"])
    return _json(objects.batch_object(svc, batch))


async def list_batch_files(svc: DocumentService, request: Request, project: str) -> Response:
    p = request.path_params
    batch = svc.batch(project, p["store_id"], p["batch_id"])
    return _attachment_page(request, svc.attachments(batch.store_id, batch.id))


# -- search -----------------------------------------------------------------------------
def _comparisons(raw: Any) -> int:
    """How many comparisons a wire filter holds (compounds walked without recursion)."""
    total, stack = 0, [raw]
    while stack:
        node = stack.pop()
        if isinstance(node, dict) and isinstance(node.get("filters"), list):
            stack.extend(node["filters"])
        else:
            total += 1
    return total


async def search_store(svc: DocumentService, request: Request, project: str) -> Response:
    data = await _json_object(request)
    if data.get("filters") is not None:  # bounded before the filter is validated
        count = _comparisons(data["filters"])
        if count > limits.current().max_filter_conditions:
            raise RequestError(
                f"The filter has {count} comparisons, more than the limit of {limits.current().max_filter_conditions}.",
                param="filters",
            )
    body = SearchRequest.model_validate(data)
    queries = [body.query] if isinstance(body.query, str) else list(body.query)
    if body.rewrite_query:
        queries = [rewrite(q) for q in queries]
    flt = to_filter(body.filters.model_dump()) if body.filters is not None else None
    ranking = body.ranking_options
    hits = await in_thread(
        svc.search,
        project,
        request.path_params["store_id"],
        queries,
        flt,
        body.max_num_results,
        ranking.ranker if ranking else "auto",
        ranking.score_threshold if ranking else 0.0,
    )
    return _json(
        {
            "object": "vector_store.search_results.page",
            "search_query": queries,
            "data": [objects.hit_object(h) for h in hits],
            "has_more": False,
            "next_page": None,
        }
    )


def _endpoint(svc: DocumentService, label: str, handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        project = request.headers.get("openai-project") or DEFAULT_PROJECT
        try:
            authorize(label, current(request.scope), request.path_params.get("store_id"))
            response: Response = await handler(svc, request, project)
            return response
        except Exception as exc:  # every failure in OpenAI's envelope
            return error_for(exc)

    return endpoint


def openai_routes(svc: DocumentService) -> list[BaseRoute]:
    table: list[tuple[str, str, Handler]] = [
        ("/v1/files", "POST", create_file),
        ("/v1/files", "GET", list_files),
        ("/v1/files/{file_id}", "GET", get_file),
        ("/v1/files/{file_id}", "DELETE", delete_file),
        ("/v1/files/{file_id}/content", "GET", file_content),
        ("/v1/vector_stores", "POST", create_store),
        ("/v1/vector_stores", "GET", list_stores),
        ("/v1/vector_stores/{store_id}", "GET", get_store),
        ("/v1/vector_stores/{store_id}", "POST", modify_store),
        ("/v1/vector_stores/{store_id}", "DELETE", delete_store),
        ("/v1/vector_stores/{store_id}/files", "POST", attach_file),
        ("/v1/vector_stores/{store_id}/files", "GET", list_store_files),
        ("/v1/vector_stores/{store_id}/files/{file_id}", "GET", get_store_file),
        ("/v1/vector_stores/{store_id}/files/{file_id}", "POST", update_store_file),
        ("/v1/vector_stores/{store_id}/files/{file_id}", "DELETE", delete_store_file),
        ("/v1/vector_stores/{store_id}/files/{file_id}/content", "GET", store_file_content),
        ("/v1/vector_stores/{store_id}/file_batches", "POST", create_batch),
        ("/v1/vector_stores/{store_id}/file_batches/{batch_id}", "GET", get_batch),
        ("/v1/vector_stores/{store_id}/file_batches/{batch_id}/cancel", "POST", cancel_batch),
        ("/v1/vector_stores/{store_id}/file_batches/{batch_id}/files", "GET", list_batch_files),
        ("/v1/vector_stores/{store_id}/search", "POST", search_store),
    ]
    return [
        Route(path, _endpoint(svc, f"{method} {path}", handler), methods=[method]) for path, method, handler in table
    ]
