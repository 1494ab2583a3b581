"""AnalyticDB document collections (knowledge bases): text chunks embedded server-side.

A document collection is an AnalyticDB collection whose rows are chunks: payload ``id``,
``content``, ``file_name``, ``source`` (the upload's URL), ``chunk`` (index in its file) and
the collection's metadata fields; the dense vector is the ``EmbeddingModel``'s embedding of
the content (a local model: MiniLM by default), the ``text`` vector its BM25 (``Parser``).
Uploaded documents are parsed by ``documents.parsers`` and split by ``documents.splitters``;
their records (file name, size, MD5, version, chunk count, splitter) live in the dialect's
catalog. QueryContent embeds the query, searches dense and full text, and fuses them as
QueryCollectionData does; ``RecallWindow`` adds each match's neighbouring chunks.
"""

from __future__ import annotations

import hashlib
import uuid
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

import numpy as np
import orjson

from vecbase.api.analyticdb import collections as cols
from vecbase.api.analyticdb.jobs import Progress, fetch
from vecbase.api.analyticdb.query import Hit, fuse_paths, hybrid_mode, query_metric, scan_path, search_path
from vecbase.api.analyticdb.tenancy import Schema, check_name
from vecbase.api.analyticdb.wire import AdbError, Params, now_text
from vecbase.core.filter import FieldMatch, Filter, HasId, MatchAny, MatchValue, and_filters
from vecbase.core.operations import UpsertPoints
from vecbase.core.points import DenseColumn, ListColumn, PayloadDocs, VectorColumn
from vecbase.documents.parsers import DocumentError, parse
from vecbase.documents.splitters import SPLITTERS, split_text
from vecbase.engine.collection import Collection
from vecbase.inference import usage
from vecbase.inference.dense import MINILM
from vecbase.query.model import ScrollRequest, WithPayload, WithVectors

if TYPE_CHECKING:
    from vecbase.api.analyticdb.service import AnalyticDBService

DOCUMENTS = "documents"
PATHS = ("dense", "sparse", "fulltext")
# RetrievalSource: which paths found a match, as bits (1 dense, 2 full text, 4 sparse)
SOURCE_BITS = {"dense": 1, "fulltext": 2, "sparse": 4}
IMPLICIT = {"content": "text", "file_name": "text", "source": "text", "chunk": "int"}


def _sparse_text(schema: Schema, payload: dict[str, Any]) -> str:
    fields = schema.extra.get("sparse_fields") or ["content"]
    return " ".join(str(payload[f]) for f in fields if payload.get(f) is not None)


def _file_filter(file_name: str) -> Filter:
    return Filter(must=(FieldMatch("file_name", MatchValue(file_name)),))


class Knowledge:
    def __init__(self, svc: AnalyticDBService) -> None:
        self.svc = svc
        svc.actions.update(
            {
                "CreateDocumentCollection": self.create,
                "ListDocumentCollections": self.list_collections,
                "DeleteDocumentCollection": self.delete,
                "UpsertChunks": self.upsert_chunks,
                "UploadDocumentAsync": self.upload,
                "GetUploadDocumentJob": self.get_job,
                "CancelUploadDocumentJob": self.cancel_job,
                "ListDocuments": self.list_documents,
                "DescribeDocument": self.describe_document,
                "DeleteDocument": self.delete_document,
                "QueryContent": self.query,
            }
        )

    # -- collections --------------------------------------------------------------------
    def collection_of(self, p: Params) -> tuple[Schema, Collection]:
        schema, col = self.svc.collection_of(p)
        if not schema.extra.get("document"):
            raise AdbError("Collection.NotDocumentCollection", f"{schema.name} is not a document collection.")
        return schema, col

    def create(self, p: Params) -> dict[str, Any]:
        ns = self.svc.namespace_of(p, password=False)
        name = p.required("Collection")
        check_name("collection", name)
        model = self.svc.model_name(p.text("EmbeddingModel") or MINILM)
        dimension = len(self.svc.registry.get(model).embed(["dimension probe"], None, query=True)[0])  # type: ignore[arg-type]
        if p.integer("Dimension") not in (None, dimension):
            raise AdbError("InvalidParameter", f"Model {model} makes {dimension}-d vectors.")
        metadata = cols.check_metadata_schema(p.json("Metadata") or {})
        clash = set(metadata) & set(IMPLICIT)
        if clash:
            raise AdbError("InvalidParameter", f"Reserved field names: {', '.join(sorted(clash))}.")
        metrics = (p.text("Metrics") or "cosine").lower()
        parser = (p.text("Parser") or "zh_cn").lower()
        if metrics not in cols.METRICS or parser not in cols.PARSERS:
            raise AdbError(
                "InvalidParameter", "Metrics must be l2, ip or cosine; Parser one of " + ", ".join(cols.PARSERS)
            )
        extra_fields = tuple(f for f in p.names("FullTextRetrievalFields") if f != "content")
        sparse_fields = tuple(f for f in p.names("SparseRetrievalFields") if f != "content")
        for field in extra_fields + sparse_fields + tuple(p.names("MetadataIndices")):
            if field not in metadata:
                raise AdbError("InvalidParameter", f"Field {field} is not defined in Metadata.")
        schema = Schema(
            namespace=ns,
            name=name,
            dimension=dimension,
            metrics=metrics,
            metadata={**metadata, **IMPLICIT},
            full_text_fields=("content", *extra_fields),
            parser=parser,
            support_sparse=p.boolean("SupportSparse") or p.json("SparseVectorIndexConfig") is not None,
            indices=tuple(p.names("MetadataIndices")) + ("file_name",),
            extra={
                "document": True,
                "EmbeddingModel": model,
                "user_fields": list(metadata),
                "sparse_fields": ["content", *sparse_fields],
            },
        )
        hnsw_m = p.integer("HnswM", 16, 1, 1000) or 16
        ef = p.integer("HnswEfConstruction", 64, 4, 4000) or 64
        self.svc.admin.create_engine_collection(schema, hnsw_m, ef, False)
        return {"Message": "success"}

    def list_collections(self, p: Params) -> dict[str, Any]:
        ns = self.svc.namespace_of(p)
        items = []
        for schema in self.svc.tenancy.schemas(ns):
            if not schema.extra.get("document"):
                continue
            user = {k: schema.metadata[k] for k in schema.extra.get("user_fields", [])}
            items.append(
                {
                    "CollectionName": schema.name,
                    "Dimension": schema.dimension,
                    "EmbeddingModel": schema.extra.get("EmbeddingModel"),
                    "FullTextRetrievalFields": ",".join(schema.full_text_fields),
                    "Metadata": orjson.dumps(user).decode(),
                    "Metrics": schema.metrics,
                    "Parser": schema.parser,
                    "SparseRetrievalFields": "",
                    "SupportSparse": False,
                }
            )
        return {"Count": len(items), "Items": {"CollectionList": items}}

    def delete(self, p: Params) -> dict[str, Any]:
        schema, _ = self.collection_of(p)
        for record in self._records(schema):
            self.svc.catalog.remove(DOCUMENTS, record["key"])
        self.svc.tenancy.remove_schema(schema)
        self.svc.toc.delete(schema.engine_name)
        return {"Message": "success"}

    # -- writing chunks -----------------------------------------------------------------
    def _write(
        self,
        schema: Schema,
        col: Collection,
        file_name: str | None,
        source: str | None,
        chunks: list[dict[str, Any]],
        first: int = 0,
    ) -> int:
        """Embed and upsert chunks (``content``, ``metadata``, optional ``id``); the tokens used."""
        model = self.svc.registry.get(str(schema.extra["EmbeddingModel"]))
        texts = [c["content"] for c in chunks]
        with usage.scope() as tokens:
            vectors = model.embed(texts, None, query=False)
        rows = []
        for i, (chunk, vector) in enumerate(zip(chunks, vectors)):
            metadata = cols.check_metadata(schema, chunk.get("metadata") or {})
            for implicit in IMPLICIT:
                metadata.pop(implicit, None)
            row_id = str(chunk.get("id") or uuid.uuid4())
            payload = {**metadata, "content": chunk["content"], "chunk": first + i}
            if file_name is not None:
                payload["file_name"] = file_name
            if source is not None:
                payload["source"] = source
            rows.append((row_id, payload, vector))
        bm25 = self.svc.registry.get("qdrant/bm25")
        options = cols.PARSERS[schema.parser]
        text_vectors = bm25.embed([cols.full_text(schema, payload) for _, payload, _ in rows], options, query=False)
        columns: dict[str, VectorColumn] = {
            cols.DENSE: DenseColumn(np.stack([np.asarray(v, dtype=np.float32) for _, _, v in rows])),
            cols.TEXT_VECTOR: ListColumn(tuple(text_vectors)),
        }
        if schema.support_sparse:
            texts = [_sparse_text(schema, payload) for _, payload, _ in rows]
            columns[cols.SPARSE] = ListColumn(tuple(bm25.embed(texts, options, query=False)))
        op = UpsertPoints(
            tuple(cols.point_id(schema, rid) for rid, _, _ in rows),
            columns,
            PayloadDocs.of([{**payload, "id": rid} for rid, payload, _ in rows]),
        )
        col.upsert(op, wait=True)
        return sum(tokens.values())

    def upsert_chunks(self, p: Params) -> dict[str, Any]:
        schema, col = self.collection_of(p)
        raw = p.json("TextChunks")
        if not isinstance(raw, list) or not raw:
            raise AdbError("InvalidParameter", "TextChunks must be a non-empty array.")
        insert_unmatched = p.boolean("AllowInsertWithFilter", True)
        chunks = []
        for item in raw:
            if not isinstance(item, dict) or not isinstance(item.get("Content"), str) or not item["Content"].strip():
                raise AdbError("InvalidParameter", "Each text chunk needs a non-empty Content.")
            chunk = {"content": item["Content"], "metadata": item.get("Metadata"), "id": item.get("Id")}
            condition = item.get("Filter")
            if condition is None or condition == "":
                chunks.append(chunk)
                continue
            if not isinstance(condition, str):
                raise AdbError("InvalidParameter", "TextChunks.Filter must be a SQL WHERE expression.")
            # a chunk with a Filter rewrites the rows it matches, keeping their ids
            records, _ = col.scroll(
                ScrollRequest(self.svc.filter_of(schema, condition), 10_000, with_payload=WithPayload(True))
            )
            matched = [str((r.payload or {}).get("id")) for r in records if (r.payload or {}).get("id") is not None]
            chunks.extend({**chunk, "id": rid} for rid in matched)
            if not matched and insert_unmatched:
                chunks.append(chunk)
        file_name = p.text("FileName")
        if file_name and p.boolean("ShouldReplaceFile"):
            col.delete(_file_filter(file_name), wait=True)
        used = self._write(schema, col, file_name, None, chunks) if chunks else 0
        if file_name:
            self._record(schema, file_name, None, b"", col.count(_file_filter(file_name)), "UpsertChunks", "")
        return {"EmbeddingTokens": str(used)}

    def upload(self, p: Params) -> dict[str, Any]:
        schema, col = self.collection_of(p)
        url = p.required("FileUrl")
        file_name = p.text("FileName") or PurePosixPath(urlparse(url).path).name
        if not file_name:
            raise AdbError("MissingParameter", "FileName is required when the URL names no file.")
        size = p.integer("ChunkSize", 500, 1, 2048) or 500
        overlap = p.integer("ChunkOverlap", 50, 0) or 0
        if overlap >= size:
            raise AdbError("InvalidParameter", "ChunkOverlap must be smaller than ChunkSize.")
        splitter = p.text("TextSplitterName") or "ChineseRecursiveTextSplitter"
        if splitter not in SPLITTERS:
            raise AdbError("InvalidParameter", f"TextSplitterName must be one of {', '.join(SPLITTERS)}.")
        separators = p.json("Separators")
        metadata = cols.check_metadata(schema, p.json("Metadata"))
        dry_run = p.boolean("DryRun")

        def work(progress: Progress) -> dict[str, Any]:
            data = fetch(url)
            try:
                text = parse(file_name, data)
            except DocumentError as exc:
                raise AdbError(f"Document.{exc.code}", exc.message) from None
            pieces = split_text(text, size, overlap, splitter, separators)
            progress.update(10)
            if progress.cancelled() or dry_run:
                return {"Progress": 100, "Chunks": len(pieces)}
            col.delete(_file_filter(file_name), wait=True)
            used = 0
            for start in range(0, len(pieces), 64):
                if progress.cancelled():
                    col.delete(_file_filter(file_name), wait=True)
                    return {}
                batch = [
                    {"content": t, "metadata": metadata, "id": f"{file_name}#{start + i}"}
                    for i, t in enumerate(pieces[start : start + 64])
                ]
                used += self._write(schema, col, file_name, url, batch, start)
                progress.update(10 + int(90 * min(len(pieces), start + 64) / max(1, len(pieces))))
            self._record(schema, file_name, url, data, len(pieces), splitter, "local parser")
            return {"Progress": 100, "EmbeddingTokens": used, "EmbeddingEntries": len(pieces)}

        return {"JobId": self.svc.jobs.start(schema.engine_name, work)}

    def get_job(self, p: Params) -> dict[str, Any]:
        schema, _ = self.collection_of(p)
        raw = self.svc.jobs.get(schema.engine_name, p.required("JobId"))
        job = {k: raw.get(k) for k in ("Id", "Completed", "Progress", "Error", "ErrorCode", "CreateTime", "UpdateTime")}
        out: dict[str, Any] = {"Job": job}
        if raw.get("EmbeddingTokens") is not None:
            out["Usage"] = {"EmbeddingTokens": raw["EmbeddingTokens"], "EmbeddingEntries": raw.get("EmbeddingEntries")}
        return out

    def cancel_job(self, p: Params) -> dict[str, Any]:
        schema, _ = self.collection_of(p)
        self.svc.jobs.cancel(schema.engine_name, p.required("JobId"))
        return {"Message": "success"}

    # -- documents ----------------------------------------------------------------------
    def _record(
        self, schema: Schema, file_name: str, source: str | None, data: bytes, chunks: int, splitter: str, loader: str
    ) -> None:
        key = f"{schema.engine_name}/{file_name}"
        previous = self.svc.catalog.get(DOCUMENTS, key)
        self.svc.catalog.put(
            DOCUMENTS,
            key,
            {
                "key": key,
                "collection": schema.engine_name,
                "FileName": file_name,
                "Source": source or "",
                "FileExt": PurePosixPath(file_name).suffix.lstrip("."),
                "FileSize": len(data),
                "FileMd5": hashlib.md5(data).hexdigest(),  # noqa: S324 (a checksum, as AnalyticDB reports)
                "FileVersion": (previous["FileVersion"] + 1) if previous else 1,
                "FileMtime": now_text(),
                "DocsCount": chunks,
                "TextSplitter": splitter,
                "DocumentLoader": loader,
            },
        )

    def _records(self, schema: Schema) -> list[dict[str, Any]]:
        return [r for r in self.svc.catalog.values(DOCUMENTS) if r["collection"] == schema.engine_name]

    def list_documents(self, p: Params) -> dict[str, Any]:
        schema, _ = self.collection_of(p)
        records = sorted(self._records(schema), key=lambda r: r["FileName"])
        limit = p.integer("MaxResults", 100, 1, 100) or 100
        after = p.text("NextToken")
        if after:
            records = [r for r in records if r["FileName"] > after]
        page = records[:limit]
        out: dict[str, Any] = {
            "Count": len(page),
            "Items": {"DocumentList": [{"FileName": r["FileName"], "Source": r["Source"]} for r in page]},
        }
        if len(records) > limit:
            out["NextToken"] = page[-1]["FileName"]
        return out

    def describe_document(self, p: Params) -> dict[str, Any]:
        schema, _ = self.collection_of(p)
        record = self.svc.catalog.get(DOCUMENTS, f"{schema.engine_name}/{p.required('FileName')}")
        if record is None:
            raise AdbError("Document.NotFound", f"Document {p.text('FileName')} does not exist.", 404)
        return {k: v for k, v in record.items() if k not in ("key", "collection")}

    def delete_document(self, p: Params) -> dict[str, Any]:
        schema, col = self.collection_of(p)
        file_name = p.required("FileName")
        key = f"{schema.engine_name}/{file_name}"
        if self.svc.catalog.get(DOCUMENTS, key) is None:
            raise AdbError("Document.NotFound", f"Document {file_name} does not exist.", 404)
        col.delete(_file_filter(file_name), wait=True)
        self.svc.catalog.remove(DOCUMENTS, key)
        return {"Message": "success"}

    # -- query --------------------------------------------------------------------------
    def _paths(self, schema: Schema, args: dict[str, Any]) -> list[str]:
        setting = args.get("HybridPathsSetting") or {}
        raw = setting.get("paths", "dense,fulltext") if isinstance(setting, dict) else None
        if not isinstance(raw, str):
            raise AdbError("InvalidParameter", 'HybridPathsSetting must look like {"paths": "dense,fulltext"}.')
        wanted = {name.strip().lower() for name in raw.split(",") if name.strip()}
        if not wanted or not wanted <= set(PATHS):
            raise AdbError(
                "InvalidParameter", f"HybridPathsSetting.paths names dense, sparse or fulltext, got {raw!r}."
            )
        if "sparse" in wanted and not schema.support_sparse:
            raise AdbError("InvalidParameter", f"Collection {schema.name} does not support sparse vectors.")
        return [name for name in PATHS if name in wanted]

    def query(self, p: Params) -> dict[str, Any]:
        schema, col = self.collection_of(p)
        content = p.text("Content")
        if not content:
            raise AdbError("MissingParameter", "Content is required (image search is not supported).")
        top_k = p.integer("TopK", 10, 1, 1000) or 10
        if p.json("RerankModel") is not None or p.number("RerankFactor") is not None:
            raise AdbError(
                "Rerank.ModelNotFound", "Reranking needs a rerank model, and the local model registry has none."
            )
        flt = self.svc.filter_of(schema, p.text("Filter"))
        mode = hybrid_mode(p)
        args = p.json("HybridSearchArgs") or {}
        if not isinstance(args, dict):
            raise AdbError("InvalidParameter", "HybridSearchArgs must be a JSON object.")
        paths = self._paths(schema, args)
        metrics = query_metric(p, schema)
        offset = p.integer("Offset", 0, 0) or 0
        order_by = p.text("OrderBy")
        with_vectors = WithVectors(True, (cols.DENSE,)) if p.boolean("IncludeVector") else WithVectors()
        ascending = metrics == "l2"
        window = max(100, top_k + offset)
        options = cols.PARSERS[schema.parser]
        bm25 = self.svc.registry.get("qdrant/bm25")
        found: dict[str, list[Hit]] = {}
        with usage.scope() as tokens:
            if "fulltext" in paths:
                text_query = bm25.embed([content], options, query=True)[0]
                found["fulltext"] = search_path(col, cols.TEXT_VECTOR, text_query, flt, window, with_vectors)
            restrict = flt
            if mode == "Cascaded" and "fulltext" in found:
                restrict = and_filters(flt, Filter(must=(HasId(frozenset(h.id for h in found["fulltext"])),)))
            if "dense" in paths:
                model = self.svc.registry.get(str(schema.extra["EmbeddingModel"]))
                vector = np.asarray(model.embed([content], None, query=True)[0], dtype=np.float32)
                if metrics != schema.metrics:
                    found["dense"] = scan_path(col, metrics, vector, restrict, window, with_vectors)
                else:
                    found["dense"] = search_path(col, cols.DENSE, vector, restrict, window, with_vectors)
            if "sparse" in paths:
                sparse_query = bm25.embed([content], options, query=True)[0]
                found["sparse"] = search_path(col, cols.SPARSE, sparse_query, restrict, window, with_vectors)
        ordered = {name: found[name] for name in PATHS if name in found}
        if len(ordered) == 1:
            hits = list(next(iter(ordered.values())))[: top_k + offset]
        else:
            hits = fuse_paths(mode, args, ordered, ascending, top_k + offset)
        if order_by:
            hits = self.svc.ordered(schema, hits, order_by)
        hits = hits[offset : offset + top_k]
        sources = {name: {h.id for h in found[name]} for name in found}
        include = p.names("IncludeMetadataFields")
        user_fields = list(schema.extra.get("user_fields", []))
        matches = []
        for h in hits:
            fields = include or user_fields
            source = sum(bit for name, bit in SOURCE_BITS.items() if h.id in sources.get(name, ()))
            match: dict[str, Any] = {
                "Id": h.payload.get("id"),
                "Content": h.payload.get("content", ""),
                "FileName": h.payload.get("file_name", ""),
                "Score": h.score,
                "RetrievalSource": source,
                "Metadata": {k: cols.as_text(h.payload[k]) for k in fields if k in h.payload},
                "LoaderMetadata": "",
            }
            if p.boolean("IncludeFileUrl"):
                match["FileURL"] = h.payload.get("source", "")
            if p.boolean("IncludeVector") and cols.DENSE in h.vectors:
                match["Vector"] = {"VectorList": [float(x) for x in h.vectors[cols.DENSE]]}
            matches.append(match)
        out: dict[str, Any] = {
            "Matches": {"MatchList": matches},
            "EmbeddingTokens": str(sum(tokens.values())),
            "Usage": {"EmbeddingTokens": str(sum(tokens.values())), "EmbeddingEntries": "1"},
        }
        recall = p.json("RecallWindow")
        if recall is not None:
            out["WindowMatches"] = {"windowMatches": self._windows(col, hits, recall)}
        return out

    def _windows(self, col: Collection, hits: list[Hit], recall: Any) -> list[dict[str, Any]]:
        if not (isinstance(recall, list) and len(recall) == 2 and -10 <= recall[0] <= 0 <= recall[1] <= 10):
            raise AdbError("InvalidParameter", "RecallWindow must be [A, B] with -10 <= A <= 0 <= B <= 10.")
        out: list[dict[str, Any]] = []
        for h in hits:
            file_name, chunk = h.payload.get("file_name"), h.payload.get("chunk")
            if file_name is None or chunk is None:
                out.append({"WindowMatch": {"windowMatch": []}})
                continue
            wanted = tuple(range(int(chunk) + recall[0], int(chunk) + recall[1] + 1))
            flt = Filter(must=(_file_filter(file_name), FieldMatch("chunk", MatchAny(wanted))))
            records, _ = col.scroll(ScrollRequest(filter=flt, limit=64, with_payload=WithPayload(True)))
            window = sorted((r.payload or {} for r in records), key=lambda payload: payload.get("chunk", 0))
            out.append(
                {
                    "WindowMatch": {
                        "windowMatch": [
                            {"Id": w.get("id"), "Content": w.get("content", ""), "FileName": file_name, "Metadata": {}}
                            for w in window
                        ]
                    }
                }
            )
        return out
