"""The AnalyticDB actions: each reads its parameters, checks the namespace, and calls the
engine; the result is the response body without ``RequestId`` / ``Status``."""

from __future__ import annotations

import dataclasses
import functools
import hmac
from pathlib import Path
from typing import Any, Callable

import numpy as np

from vecbase.api.analyticdb import collections as cols
from vecbase.api.analyticdb.admin import CollectionAdmin
from vecbase.api.analyticdb.jobs import Jobs
from vecbase.api.analyticdb.knowledge import Knowledge
from vecbase.api.analyticdb.query import Hit, fuse, hybrid_mode, query_metric, search_path, vector_path
from vecbase.api.analyticdb.relational import RelationalTables
from vecbase.api.analyticdb.sql import INT, SqlFilterError, parse_where
from vecbase.api.analyticdb.tenancy import DEFAULT_NAMESPACE, Schema, Tenancy
from vecbase.api.analyticdb.wire import AdbError, Params
from vecbase.core.errors import BadRequestError, CollectionNotFoundError
from vecbase.core.filter import FieldMatch, Filter, HasId, MatchAny, and_filters
from vecbase.core.operations import UpdateVectors
from vecbase.core.points import ListColumn
from vecbase.documents.catalog import Catalog
from vecbase.engine.collection import Collection
from vecbase.engine.toc import TableOfContent
from vecbase.inference import usage
from vecbase.inference.base import Registry
from vecbase.inference.dense import MINILM
from vecbase.query.model import ScrollRequest, WithPayload, WithVectors

Action = Callable[[Params], dict[str, Any]]


@dataclasses.dataclass(frozen=True, slots=True)
class _Shape:
    """What each match of a query carries, read once per request."""

    fields: list[str]
    values: bool
    sparse_values: bool
    kinds: dict[str, str]


class AnalyticDBService:
    def __init__(
        self,
        toc: TableOfContent,
        root: Path | None,
        registry: Registry,
        access: tuple[str, str] | None = None,
        manager: tuple[str, str] | None = None,
        max_jobs: int = 8,
    ) -> None:
        self.toc = toc
        self.access = access  # (key id, secret): the SDK's signature is verified
        self.manager = manager  # (account, password): management calls must name it
        self.registry = registry
        self.catalog = Catalog(root)
        self.tenancy = Tenancy(self.catalog)
        self.jobs = Jobs(self.catalog, max_jobs)
        self.tables = RelationalTables(root)
        self.admin = admin = CollectionAdmin(self)
        self.actions: dict[str, Action] = {
            "InitVectorDatabase": self.init_vector_database,
            "CreateNamespace": self.create_namespace,
            "DescribeNamespace": self.describe_namespace,
            "ListNamespaces": self.list_namespaces,
            "DeleteNamespace": self.delete_namespace,
            "CreateCollection": admin.create_collection,
            "DescribeCollection": admin.describe_collection,
            "ListCollections": admin.list_collections,
            "DeleteCollection": admin.delete_collection,
            "ModifyCollection": admin.modify_collection,
            "CreateIndex": admin.create_index,
            "CreateVectorIndex": admin.create_vector_index,
            "DeleteVectorIndex": admin.delete_vector_index,
            "UpsertCollectionData": self.upsert,
            "UpsertCollectionDataAsync": self.upsert_async,
            "GetUpsertCollectionDataJob": self.get_job,
            "CancelUpsertCollectionDataJob": self.cancel_job,
            "DeleteCollectionData": self.delete_data,
            "UpdateCollectionDataMetadata": self.update_metadata,
            "QueryCollectionData": self.query,
            "TextEmbedding": self.text_embedding,
            "ExecuteStatement": self.execute_statement,
            "Rerank": self.rerank,
        }
        Knowledge(self)  # document collections add their actions

    def close(self) -> None:
        self.tables.close()
        self.catalog.close()

    # -- helpers ------------------------------------------------------------------------
    def namespace_of(self, p: Params, password: bool = True) -> str:
        name = p.text("Namespace", DEFAULT_NAMESPACE) or DEFAULT_NAMESPACE
        if password:
            self.tenancy.check_password(name, p.text("NamespacePassword"))
        else:
            self.tenancy.namespace(name)
        return name

    def collection_of(self, p: Params) -> tuple[Schema, Collection]:
        ns = self.namespace_of(p)
        schema = self.tenancy.schema(ns, p.required("Collection"))
        try:
            return schema, self.toc.get(schema.engine_name)
        except CollectionNotFoundError:
            raise AdbError("Collection.NotFound", f"Collection {schema.name} does not exist.", 404) from None

    def filter_of(self, schema: Schema, sql: str | None) -> Filter | None:
        if not sql:
            return None
        try:
            return _parsed(sql, tuple(schema.kinds().items()))
        except SqlFilterError as exc:
            raise AdbError("InvalidParameter.Filter", f"Invalid filter: {exc}") from None

    # -- namespaces ---------------------------------------------------------------------
    def init_vector_database(self, p: Params) -> dict[str, Any]:
        self.tenancy.init_public(p.text("ManagerAccountPassword") or "")
        return {"Message": "success"}

    def create_namespace(self, p: Params) -> dict[str, Any]:
        self.tenancy.create_namespace(p.required("Namespace"), p.required("NamespacePassword"))
        return {"Message": "success"}

    def describe_namespace(self, p: Params) -> dict[str, Any]:
        name = p.text("Namespace", DEFAULT_NAMESPACE) or DEFAULT_NAMESPACE
        self.tenancy.namespace(name)
        return {
            "Namespace": name,
            "NamespaceInfo": {"Namespace": name, "Owner": name},
            "DBInstanceId": p.text("DBInstanceId"),
            "RegionId": p.text("RegionId"),
        }

    def list_namespaces(self, p: Params) -> dict[str, Any]:
        names = self.tenancy.namespaces()
        return {"Count": len(names), "Namespaces": {"Namespace": names}}

    def delete_namespace(self, p: Params) -> dict[str, Any]:
        for schema in self.tenancy.delete_namespace(p.required("Namespace")):
            self.toc.delete(schema.engine_name)
        return {"Message": "success"}

    # -- data ---------------------------------------------------------------------------
    def upsert(self, p: Params) -> dict[str, Any]:
        schema, col = self.collection_of(p)
        op = cols.rows_to_points(schema, p.json("Rows"), self.registry)
        col.upsert(op, wait=True)
        return {"Message": "success"}

    def upsert_async(self, p: Params) -> dict[str, Any]:
        schema, col = self.collection_of(p)
        url = p.required("FileUrl")

        def write(rows: list[Any]) -> None:
            col.upsert(cols.rows_to_points(self.tenancy.schema(schema.namespace, schema.name), rows, self.registry))

        return {"JobId": self.jobs.start_upsert(schema.engine_name, url, write)}

    def get_job(self, p: Params) -> dict[str, Any]:
        schema, _ = self.collection_of(p)
        raw = self.jobs.get(schema.engine_name, p.required("JobId"))
        job = {k: raw[k] for k in ("Id", "Completed", "Progress", "Error", "Status", "CreateTime", "UpdateTime")}
        return {"Job": job}

    def cancel_job(self, p: Params) -> dict[str, Any]:
        schema, _ = self.collection_of(p)
        self.jobs.cancel(schema.engine_name, p.required("JobId"))
        return {"Message": "success"}

    def _selection(self, schema: Schema, ids: Any, sql: str | None) -> Filter:
        parts: list[Filter] = []
        if ids:
            if isinstance(ids, str):
                ids = [i.strip() for i in ids.split(",") if i.strip()]
            if not isinstance(ids, list):
                raise AdbError("InvalidParameter", "Ids must be an array of row ids.")
            parts.append(Filter(must=(FieldMatch("id", MatchAny(tuple(str(i) for i in ids))),)))
        flt = self.filter_of(schema, sql)
        if flt is not None:
            parts.append(flt)
        if not parts:
            raise AdbError("MissingParameter", "Specify the rows by ids, by a filter, or both.")
        out = parts[0]
        for extra in parts[1:]:
            out = and_filters(out, extra) or out
        return out

    def delete_data(self, p: Params) -> dict[str, Any]:
        schema, col = self.collection_of(p)
        raw = p.text("CollectionData")
        ids: Any = None
        if raw:
            try:
                ids = p.json("CollectionData")
            except AdbError:
                ids = raw
        selection = self._selection(schema, ids, p.text("CollectionDataFilter"))
        applied = col.count(selection)
        if applied:
            col.delete(selection, wait=True)
        return {"AppliedRows": applied}

    def update_metadata(self, p: Params) -> dict[str, Any]:
        schema, col = self.collection_of(p)
        metadata = cols.check_metadata(schema, p.json("Metadata"))
        if not metadata:
            raise AdbError("MissingParameter", "Metadata must name at least one field to update.")
        selection = self._selection(schema, p.json("Ids"), p.text("Filter"))
        applied = col.count(selection)
        if applied:
            changes = {k: v for k, v in metadata.items() if v is not None}
            cleared = [k for k, v in metadata.items() if v is None]
            if changes:
                col.set_payload(selection, changes, None, wait=True)
            if cleared:
                col.delete_payload(selection, cleared, wait=True)
            if schema.full_text_fields and set(metadata) & set(schema.full_text_fields):
                self._reindex_text(schema, col, selection)
        return {"AppliedRows": applied}

    def _reindex_text(self, schema: Schema, col: Collection, selection: Filter) -> None:
        records, _ = col.scroll(ScrollRequest(filter=selection, limit=1_000_000, with_payload=WithPayload(True)))
        texts = [cols.full_text(schema, r.payload or {}) for r in records]
        embedded = self.registry.get("qdrant/bm25").embed(texts, cols.PARSERS[schema.parser], query=False)
        col.update_vectors(
            UpdateVectors(tuple(r.id for r in records), {cols.TEXT_VECTOR: ListColumn(tuple(embedded))}), wait=True
        )

    def execute_statement(self, p: Params) -> dict[str, Any]:
        """DDL and DML on the namespace's relational tables: ``Database`` names the namespace,
        ``SecretArn`` carries its password (see ``relational``)."""
        namespace = p.text("Database") or DEFAULT_NAMESPACE
        self.tenancy.check_password(namespace, p.text("SecretArn"))
        rows = self.tables.execute(namespace, p.required("Sql"))
        return {"Database": namespace, "Data": {"TotalNumRows": rows}}

    # -- models -------------------------------------------------------------------------
    def model_name(self, name: str | None) -> str:
        """AnalyticDB's model names map to the local registry; the hosted ones it names by
        default (text-embedding-v3, ...) are not available offline."""
        if name is None:
            return MINILM
        if name not in self.registry.names():
            known = ", ".join(n for n in self.registry.names() if n != "qdrant/bm25")
            raise AdbError("InvalidParameter.Model", f"Unknown embedding model {name!r}; local models: {known}.")
        return name

    def text_embedding(self, p: Params) -> dict[str, Any]:
        texts = p.json("Input")
        if not isinstance(texts, list) or not texts or not all(isinstance(t, str) for t in texts):
            raise AdbError("InvalidParameter", "Input must be a non-empty array of strings.")
        if len(texts) > 100:
            raise AdbError("InvalidParameter", "Input may hold at most 100 texts.")
        name = self.model_name(p.text("Model"))
        dimension = p.integer("Dimension")
        with usage.scope() as tokens:
            vectors = self.registry.get(name).embed(texts, None, query=False)
        results = []
        for i, v in enumerate(vectors):
            values = [float(x) for x in v]  # type: ignore[union-attr]
            if dimension is not None and dimension != len(values):
                raise AdbError("InvalidParameter", f"Model {name} makes {len(values)}-d vectors, not {dimension}.")
            results.append({"Index": i, "Embedding": {"Embedding": values}})
        return {"Results": {"Results": results}, "TextTokens": sum(tokens.values())}

    def rerank(self, p: Params) -> dict[str, Any]:
        model = p.text("Model") or "bge-reranker-v2-m3"
        raise AdbError(
            "Rerank.ModelNotFound",
            f"No rerank model is available: {model!r} is not in the local model registry, which has no"
            " cross-encoder (rerank) models yet.",
        )

    # -- query --------------------------------------------------------------------------
    def query(self, p: Params) -> dict[str, Any]:
        schema, col = self.collection_of(p)
        top_k = p.integer("TopK", None, 1, 10000)
        if top_k is None:
            raise AdbError(
                "MissingParameter",
                "The input parameter TopK that is mandatory for processing this request is not supplied.",
            )
        raw_vector, content = p.json("Vector"), p.text("Content")
        raw_sparse = p.json("SparseVector")
        if raw_vector is None and content is None and raw_sparse is None:
            raise AdbError("MissingParameter", "Specify Vector, SparseVector or Content (at least one).")
        metrics = query_metric(p, schema)
        flt = self.filter_of(schema, p.text("Filter"))
        relational = p.json("RelationalTableFilter")
        if relational is not None:
            joined = self.tables.condition(schema.namespace, relational, schema.kinds())
            flt = and_filters(flt, Filter(must=(joined,)))
        mode = hybrid_mode(p)
        args = p.json("HybridSearchArgs") or {}
        offset = p.integer("Offset", None, 0)
        order_by = p.text("OrderBy")
        with_vectors = (
            WithVectors(True, ("vector",) + (("sparse",) if schema.support_sparse else ()))
            if (p.boolean("IncludeValues") or p.boolean("IncludeSparseValues"))
            else WithVectors()
        )
        ascending = metrics == "l2"
        dense = cols.dense_vector(schema, raw_vector) if raw_vector is not None else None
        sparse = cols.sparse_vector(raw_sparse) if raw_sparse is not None else None
        if sparse is not None and not schema.support_sparse:
            raise AdbError("InvalidParameter", f"Collection {schema.name} does not support sparse vectors.")
        hybrid = content is not None and (dense is not None or sparse is not None)
        if hybrid and (offset is not None or order_by):
            raise AdbError("InvalidParameter", "Offset and OrderBy are not supported in hybrid search.")
        window = top_k + (offset or 0)
        vector_hits: list[Hit] = []
        text_hits: list[Hit] = []
        if content is not None:
            if not schema.full_text_fields:
                raise AdbError("InvalidParameter", f"Collection {schema.name} has no full-text retrieval fields.")
            query = self.registry.get("qdrant/bm25").embed([content], cols.PARSERS[schema.parser], query=True)[0]
            text_hits = search_path(
                col, cols.TEXT_VECTOR, query, flt, window if not hybrid else max(window, 100), with_vectors
            )
        if dense is not None or sparse is not None:
            restrict = flt
            if mode == "Cascaded" and hybrid:
                restrict = and_filters(flt, Filter(must=(HasId(frozenset(h.id for h in text_hits)),)))
            size = window if not hybrid else max(window, 100)
            exact = schema.extra.get("dense_index") is False
            override = metrics if metrics != schema.metrics and dense is not None else None
            vector_hits = vector_path(col, dense, sparse, restrict, size, with_vectors, ascending, exact, override)
        if hybrid:
            hits = fuse(mode, args, vector_hits, text_hits, ascending, top_k)
            total = None
        else:
            hits = text_hits if content is not None else vector_hits
            if order_by:
                hits = self.ordered(schema, hits, order_by)
            hits = hits[offset or 0 : (offset or 0) + top_k]
            total = self._total(col, flt, text_hits if content is not None else None) if offset else None
        shape = _Shape(
            p.names("IncludeMetadataFields"),
            p.boolean("IncludeValues"),
            p.boolean("IncludeSparseValues"),
            schema.kinds(),
        )
        body: dict[str, Any] = {"Matches": {"match": [self._match(schema, h, shape, relational) for h in hits]}}
        if total is not None:
            body["Total"] = total
        return body

    def _total(self, col: Collection, flt: Filter | None, text_hits: list[Hit] | None) -> int:
        if text_hits is None:
            return col.count(flt)
        return len(text_hits)

    def ordered(self, schema: Schema, hits: list[Hit], order_by: str) -> list[Hit]:
        """``hits`` sorted by an ``OrderBy`` clause (``a, b DESC``), NULLs as PostgreSQL places them."""
        keys: list[tuple[str, bool]] = []
        kinds = schema.kinds()
        for part in order_by.split(","):
            words = part.split()
            if not words or len(words) > 2 or (len(words) == 2 and words[1].upper() not in ("ASC", "DESC")):
                raise AdbError("InvalidParameter", f"Invalid OrderBy {order_by!r}.")
            if words[0] != "id" and words[0] not in kinds:
                raise AdbError("InvalidParameter", f'OrderBy: column "{words[0]}" does not exist.')
            keys.append((words[0], len(words) == 2 and words[1].upper() == "DESC"))
        out = list(hits)
        for name, desc in reversed(keys):  # stable sorts, last key first; NULLs last as PostgreSQL's ASC
            present = [h for h in out if h.payload.get(name) is not None]
            missing = [h for h in out if h.payload.get(name) is None]
            present.sort(key=lambda h: h.payload[name], reverse=desc)
            out = (missing + present) if desc else (present + missing)
        return out

    def _match(self, schema: Schema, hit: Hit, shape: _Shape, relational: Any = None) -> dict[str, Any]:
        fields = shape.fields
        metadata = cols.metadata_out(schema, hit.payload, [f for f in fields if "." not in f])
        if relational is not None and any("." in f for f in fields):
            key = hit.payload.get(str(relational.get("CollectionMetadataField")))
            metadata.update(self.tables.joined(schema.namespace, relational, fields, key))
        kinds = shape.kinds
        match: dict[str, Any] = {
            "Id": hit.payload.get("id"),
            "Score": hit.score,
            "Metadata": {k: cols.as_text(v) for k, v in metadata.items()},
            "MetadataV2": {k: (int(v) if kinds.get(k) == INT and v is not None else v) for k, v in metadata.items()},
        }
        if shape.values and cols.DENSE in hit.vectors:
            written = np.asarray(hit.vectors[cols.DENSE], dtype=np.float32) * float(hit.payload.get(cols.NORM, 1.0))
            match["Values"] = {"value": [float(x) for x in written]}
        if shape.sparse_values and "sparse" in hit.vectors:
            sv = hit.vectors["sparse"]
            match["SparseValues"] = {
                "Indices": {"Indice": [int(i) for i in sv.indices]},
                "Values": {"Value": [float(v) for v in sv.values]},
            }
        return match


@functools.lru_cache(maxsize=512)
def _parsed(sql: str, kinds: tuple[tuple[str, str], ...]) -> Filter:
    """Parsed filters, kept: applications send the same few filters again and again, and
    parsing with sqlglot costs more than the search itself."""
    return parse_where(sql, dict(kinds))


MANAGEMENT = (
    "InitVectorDatabase",
    "CreateVectorIndex",
    "DeleteVectorIndex",
    "CreateNamespace",
    "DescribeNamespace",
    "ListNamespaces",
    "DeleteNamespace",
    "CreateCollection",
)


def run_action(svc: AnalyticDBService, action: str, params: Params) -> dict[str, Any]:
    handler = svc.actions.get(action)
    if handler is None:
        raise AdbError("InvalidAction.NotFound", f"The action {action!r} is not supported.", 404)
    if action in MANAGEMENT and svc.manager is not None:
        account, password = params.text("ManagerAccount"), params.text("ManagerAccountPassword")
        if account != svc.manager[0] or not hmac.compare_digest(password or "", svc.manager[1]):
            raise AdbError("InvalidManagerAccount", "The manager account or its password is incorrect.", 403)
    try:
        return handler(params)
    except CollectionNotFoundError:
        # dropped by another call after this one looked it up: as if it never had been there
        name = params.text("Collection")
        raise AdbError("Collection.NotFound", f"Collection {name} does not exist.", 404) from None
    except BadRequestError as exc:
        raise AdbError("InvalidParameter", str(exc)) from None
