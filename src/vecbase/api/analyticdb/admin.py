"""Collection management of the AnalyticDB dialect: create, describe, list, delete and modify
collections, payload and vector indexes. Each action reads its parameters and works on the
tenancy's schemas and the engine's collections through the service."""

from __future__ import annotations

import dataclasses
import uuid
from typing import TYPE_CHECKING, Any

import orjson

from vecbase.api.analyticdb import collections as cols
from vecbase.api.analyticdb.sql import column_kind
from vecbase.api.analyticdb.tenancy import Schema, check_name
from vecbase.api.analyticdb.wire import AdbError, Params
from vecbase.core.config import DenseVectorConfig, SparseVectorConfig
from vecbase.core.errors import ConflictError
from vecbase.engine.collection import Collection
from vecbase.query.model import ScrollRequest, WithPayload

if TYPE_CHECKING:
    from vecbase.api.analyticdb.service import AnalyticDBService


def replace_indices(schema: Schema, indices: tuple[str, ...]) -> Schema:
    return dataclasses.replace(schema, indices=indices)


class CollectionAdmin:
    def __init__(self, svc: AnalyticDBService) -> None:
        self.svc = svc

    # -- collections --------------------------------------------------------------------
    def create_collection(self, p: Params) -> dict[str, Any]:
        ns = self.svc.namespace_of(p, password=False)
        name = p.required("Collection")
        check_name("collection", name)
        metadata = cols.check_metadata_schema(p.json("Metadata") or {})
        metrics = (p.text("Metrics", "cosine") or "cosine").lower()
        if metrics not in cols.METRICS:
            raise AdbError("InvalidParameter", f"Metrics must be one of l2, ip, cosine, got {metrics!r}.")
        parser = (p.text("Parser", "zh_cn") or "zh_cn").lower()
        if parser not in cols.PARSERS:
            raise AdbError("InvalidParameter", f"Unsupported Parser {parser!r}: one of {', '.join(cols.PARSERS)}.")
        full_text = tuple(p.names("FullTextRetrievalFields"))
        indices = tuple(p.names("MetadataIndices"))
        for field in full_text + indices:
            if field not in metadata:
                raise AdbError("InvalidParameter", f"Field {field} is not defined in Metadata.")
        hnsw_m = p.integer("HnswM", 16, 1, 1000) or 16
        ef = p.integer("HnswEfConstruction", 64, 4, 4000) or 64
        schema = Schema(
            namespace=ns,
            name=name,
            dimension=p.integer("Dimension", None, 1, 65536),
            metrics=metrics,
            metadata=metadata,
            full_text_fields=full_text,
            parser=parser,
            support_sparse=p.boolean("SupportSparse"),
            indices=indices,
            extra={"HnswM": hnsw_m, "HnswEfConstruction": ef},
        )
        self.create_engine_collection(schema, hnsw_m, ef, p.integer("PqEnable", 0) == 1)
        return {"Message": "success"}

    def create_engine_collection(self, schema: Schema, hnsw_m: int, ef_construct: int, pq: bool) -> None:
        """Record the schema and create its engine collection with its payload indexes; the
        schema is taken back when the engine refuses."""
        self.svc.tenancy.add_schema(schema)
        try:
            col = self.svc.toc.create(schema.engine_name, cols.engine_config(schema, hnsw_m, ef_construct, pq))
            for key, spec in cols.payload_indexes(schema).items():
                col.create_field_index(key, spec)
        except ConflictError:
            # a delete of the same name is still removing its engine collection
            self.svc.tenancy.remove_schema(schema)
            message = f"Collection {schema.name} already exists in {schema.namespace}."
            raise AdbError("Collection.AlreadyExists", message, 409) from None
        except Exception:
            self.svc.tenancy.remove_schema(schema)
            raise

    def describe_collection(self, p: Params) -> dict[str, Any]:
        schema, _ = self.svc.collection_of(p)
        return {
            "Dimension": schema.dimension,
            "FullTextRetrievalFields": ",".join(schema.full_text_fields),
            "Metadata": dict(schema.metadata),
            "Metrics": schema.metrics,
            "Namespace": schema.namespace,
            "Parser": schema.parser,
            "SupportSparse": schema.support_sparse,
            "SparseVectorMetrics": "ip" if schema.support_sparse else None,
        }

    def list_collections(self, p: Params) -> dict[str, Any]:
        ns = self.svc.namespace_of(p)
        names = [s.name for s in self.svc.tenancy.schemas(ns)]
        return {"Namespace": ns, "Count": len(names), "Collections": {"Collection": names}}

    def delete_collection(self, p: Params) -> dict[str, Any]:
        schema, _ = self.svc.collection_of(p)
        self.svc.tenancy.remove_schema(schema)
        self.svc.toc.delete(schema.engine_name)
        return {"Message": "success"}

    def modify_collection(self, p: Params) -> dict[str, Any]:
        """``Metadata = {"operations": [...]}``: ``add`` a field (``newMetaName``,
        ``newMetaType``, ``fullTextRetrieval``), or ``replace`` one (``oldMetaName`` renamed to
        ``newMetaName`` and / or converted to ``newMetaType``; every row's value is converted
        first, and a value that does not convert refuses the whole call)."""
        schema, col = self.svc.collection_of(p)
        spec = p.json("Metadata")
        operations = spec.get("operations") if isinstance(spec, dict) else None
        if not isinstance(operations, list) or not operations:
            raise AdbError("InvalidParameter", 'Metadata must be {"operations": [...]}.')
        metadata = dict(schema.metadata)
        full_text = list(schema.full_text_fields)
        renames: list[tuple[str, str, str]] = []
        for op in operations:
            if not isinstance(op, dict) or op.get("operator") not in ("add", "replace"):
                raise AdbError("InvalidParameter", "Each operation needs operator add or replace.")
            new_name = str(op.get("newMetaName") or op.get("oldMetaName") or "")
            new_type = op.get("newMetaType")
            if op["operator"] == "add":
                if not new_name or not new_type or new_name in metadata:
                    raise AdbError("InvalidParameter", f"Cannot add metadata field {new_name!r}.")
                check_name("metadata field", new_name)
                metadata.update(cols.check_metadata_schema({new_name: new_type}))
                if op.get("fullTextRetrieval"):
                    if not schema.full_text_fields:
                        raise AdbError("InvalidParameter", "The collection was created without full-text retrieval.")
                    full_text.append(new_name)
                continue
            old = str(op.get("oldMetaName") or "")
            if old not in metadata:
                raise AdbError("InvalidParameter", f"Metadata field {old!r} does not exist.")
            check_name("metadata field", new_name)
            pg_type = str(new_type or metadata[old])
            cols.check_metadata_schema({new_name: pg_type})
            del metadata[old]
            metadata[new_name] = pg_type
            full_text = [new_name if f == old else f for f in full_text]
            renames.append((old, new_name, pg_type))
        changed = dataclasses.replace(schema, metadata=metadata, full_text_fields=tuple(full_text))
        self._convert(col, renames)
        self.svc.tenancy.put_schema(changed)
        return {"Metadata": orjson.dumps(metadata).decode()}

    def _convert(self, col: Collection, renames: list[tuple[str, str, str]]) -> None:
        if not renames:
            return
        records, _ = col.scroll(ScrollRequest(limit=10_000_000, with_payload=WithPayload(True)))
        updates = []
        for r in records:
            payload = r.payload or {}
            changes = {}
            for old, new, pg_type in renames:
                if payload.get(old) is not None:
                    changes[new] = cols.coerce(column_kind(pg_type), new, payload[old])
            if changes:
                updates.append((r.id, changes, [old for old, new, _ in renames if old in payload and old != new]))
        for pid, changes, removed in updates:  # every value converted: now write
            if removed:
                col.delete_payload([pid], removed, wait=False)
            col.set_payload([pid], changes, None, wait=False)
        col.flush()

    def create_index(self, p: Params) -> dict[str, Any]:
        schema, col = self.svc.collection_of(p)
        field = p.required("IndexField")
        if field not in schema.metadata:
            raise AdbError("InvalidParameter", f"IndexField {field} is not a metadata field.")
        spec = cols.payload_indexes(replace_indices(schema, (field,))).get(field)
        if spec is None:
            raise AdbError("InvalidParameter", f"Fields of type {schema.metadata[field]} cannot be indexed.")
        col.create_field_index(field, spec)
        self.svc.tenancy.put_schema(replace_indices(schema, tuple(dict.fromkeys(schema.indices + (field,)))))
        return {"JobId": str(uuid.uuid4())}

    def _manager_collection(self, p: Params) -> tuple[Schema, Collection]:
        ns = self.svc.namespace_of(p, password=False)
        schema = self.svc.tenancy.schema(ns, p.required("Collection"))
        return schema, self.svc.toc.get(schema.engine_name)

    def create_vector_index(self, p: Params) -> dict[str, Any]:
        """A dense index (``Type=Dense``: adds the vector to a collection created without
        ``Dimension``, or rebuilds searching by index after DeleteVectorIndex) or a sparse one."""
        schema, col = self._manager_collection(p)
        kind = (p.text("Type") or "Dense").capitalize()
        config = col.config
        if kind == "Sparse":
            if schema.support_sparse:
                raise AdbError(
                    "VectorIndex.AlreadyExists", f"Collection {schema.name} already has a sparse index.", 409
                )
            sparse = {**config.sparse_vectors, cols.SPARSE: SparseVectorConfig()}
            col.change_vector_names(dataclasses.replace(config, sparse_vectors=sparse))
            self.svc.tenancy.put_schema(dataclasses.replace(schema, support_sparse=True))
            return {"Message": "success"}
        if kind != "Dense":
            raise AdbError("InvalidParameter", f"Type must be Dense or Sparse, got {kind!r}.")
        metrics = (p.text("Metrics") or schema.metrics).lower()
        if metrics not in cols.METRICS:
            raise AdbError("InvalidParameter", f"Metrics must be one of l2, ip, cosine, got {metrics!r}.")
        dimension = p.integer("Dimension", schema.dimension, 1, 65536)
        if schema.dimension is not None:
            if schema.extra.get("dense_index") is not False:
                raise AdbError(
                    "VectorIndex.AlreadyExists", f"Collection {schema.name} already has a vector index.", 409
                )
            if dimension != schema.dimension or metrics != schema.metrics:
                raise AdbError("InvalidParameter", "The dimension and metric must match the collection's vectors.")
            self.svc.tenancy.put_schema(dataclasses.replace(schema, extra={**schema.extra, "dense_index": True}))
            return {"Message": "success"}
        if dimension is None:
            raise AdbError("MissingParameter", "Dimension is required for a dense vector index.")
        vectors = {**config.vectors, cols.DENSE: DenseVectorConfig(dimension, cols.METRICS[metrics])}
        col.change_vector_names(dataclasses.replace(config, vectors=vectors))
        changed = dataclasses.replace(
            schema, dimension=dimension, metrics=metrics, extra={**schema.extra, "dense_index": True}
        )
        self.svc.tenancy.put_schema(changed)
        return {"Message": "success"}

    def delete_vector_index(self, p: Params) -> dict[str, Any]:
        """The dense index stops serving (searches scan the vectors exactly; the vectors stay);
        a sparse index is removed with its vectors."""
        schema, col = self._manager_collection(p)
        kind = (p.text("Type") or "Dense").capitalize()
        if kind == "Sparse":
            if not schema.support_sparse:
                raise AdbError("VectorIndex.NotFound", f"Collection {schema.name} has no sparse index.", 404)
            sparse = {k: v for k, v in col.config.sparse_vectors.items() if k != cols.SPARSE}
            col.change_vector_names(dataclasses.replace(col.config, sparse_vectors=sparse))
            self.svc.tenancy.put_schema(dataclasses.replace(schema, support_sparse=False))
            return {"Message": "success"}
        if schema.dimension is None or schema.extra.get("dense_index") is False:
            raise AdbError("VectorIndex.NotFound", f"Collection {schema.name} has no vector index.", 404)
        self.svc.tenancy.put_schema(dataclasses.replace(schema, extra={**schema.extra, "dense_index": False}))
        return {"Message": "success"}
