"""Ingestion: an attached file becomes the points of its store's collection.

Each store is one engine collection (named after the store) with a dense vector ``dense``
(the dense text model, Cosine) and a sparse vector ``bm25`` (``qdrant/bm25``, IDF modifier);
every chunk is one point with payload ``file_id``, ``filename``, ``chunk`` (its index),
``text`` and ``attributes`` (the attachment's), so attribute filters are engine filters on
``attributes.<key>``. Point ids are UUIDs derived from (file, chunk index): ingesting a file
again overwrites its points, so a job resumed after a crash ends in the same state.

A worker thread takes attachment jobs from a queue, several at a time: their chunks are
embedded together (the embedding model's batches stay full when files are small), then each
file's points are written (``wait``: fsynced) and its attachment marked ``completed`` (or
``failed`` with a reason). Before the final mark, the attachment is read again: one that was
cancelled or detached meanwhile has its points removed instead.
"""

from __future__ import annotations

import logging
import queue
import threading
import uuid
from dataclasses import dataclass, replace
from typing import Any, Callable

import numpy as np

from vecbase.analysis.scripts import guess_language
from vecbase.core.config import (
    CollectionConfig,
    DenseVectorConfig,
    Distance,
    Modifier,
    PayloadIndexSpec,
    PayloadType,
    SparseVectorConfig,
)
from vecbase.core.errors import VecbaseError
from vecbase.core.filter import FieldMatch, Filter, MatchAny, MatchValue
from vecbase.core.operations import UpsertPoints
from vecbase.core.points import DenseColumn, ListColumn, PayloadDocs, SparseVector
from vecbase.documents.chunking import chunk_text, word_spans
from vecbase.documents.parsers import DocumentError, parse, parse_chunks
from vecbase.documents.records import COMPLETED, FAILED, IN_PROGRESS, FileRecord, StoreFile
from vecbase.engine.collection import Collection
from vecbase.inference.base import Registry, UnknownModelError
from vecbase.inference.dense import MINILM

log = logging.getLogger("vecbase.documents")

DENSE, SPARSE = "dense", "bm25"
BM25_MODEL = "qdrant/bm25"
_NAMESPACE = uuid.UUID("6f0c2a52-8d1e-4a57-9a55-3c4f4d3b9e10")
_JOBS_PER_ROUND = 32
_STOP = ""


def bm25_options(text: str) -> dict[str, Any]:
    """BM25 analysis for a text in the language its script suggests: that language's stop
    words and Snowball stemmer, and the multilingual tokenizer outside Latin script (Chinese
    and Japanese are segmented into words)."""
    language = guess_language(text)
    if language is None or language == "english":
        return {"language": "english"}
    return {"language": language, "tokenizer": "multilingual"}


@dataclass(frozen=True, slots=True)
class Models:
    """The models a store embeds with: BM25 always, the dense model when it is installed."""

    registry: Registry
    dense_name: str | None

    @classmethod
    def default(cls, registry: Registry) -> Models:
        try:
            registry.get(MINILM)
            return cls(registry, MINILM)
        except UnknownModelError:
            return cls(registry, None)

    def collection_config(self) -> CollectionConfig:
        vectors = {DENSE: DenseVectorConfig(384, Distance.COSINE)} if self.dense_name else {}
        return CollectionConfig(vectors=vectors, sparse_vectors={SPARSE: SparseVectorConfig(Modifier.IDF)})

    @staticmethod
    def indexes() -> dict[str, PayloadIndexSpec]:
        """Payload indexes of a store's collection: chunks are selected by file."""
        return {"file_id": PayloadIndexSpec(PayloadType.KEYWORD)}

    def spans(self, text: str) -> list[tuple[int, int]]:
        if self.dense_name is None:
            return word_spans(text)
        model = self.registry.get(self.dense_name)
        token_spans: Callable[[str], list[tuple[int, int]]] | None = getattr(model, "token_spans", None)
        return token_spans(text) if token_spans is not None else word_spans(text)

    def sparse(self, texts: list[str], query: bool) -> list[SparseVector]:
        model = self.registry.get(BM25_MODEL)
        return [model.embed([t], bm25_options(t), query=query)[0] for t in texts]  # type: ignore[misc]

    def dense(self, texts: list[str]) -> np.ndarray[Any, np.dtype[np.float32]] | None:
        if self.dense_name is None or not texts:
            return None
        vectors = self.registry.get(self.dense_name).embed(texts, None, query=False)
        return np.stack([np.asarray(v, dtype=np.float32) for v in vectors])


def file_filter(file_id: str) -> Filter:
    return Filter(must=(FieldMatch("file_id", MatchValue(file_id)),))


def point_id(file_id: str, index: int) -> str:
    return str(uuid.uuid5(_NAMESPACE, f"{file_id}/{index}"))


@dataclass(frozen=True, slots=True)
class _Job:
    attachment: StoreFile
    file: FileRecord
    chunks: list[str]


class Ingestor:
    """The worker. ``load`` reads the current attachment (None once detached); ``finish``
    records outcomes, each unless its attachment changed meanwhile (one durable write for
    all), and says which it recorded; both come from the service."""

    def __init__(
        self,
        models: Models,
        collection: Callable[[str], Collection],
        load: Callable[[str], tuple[StoreFile, FileRecord, bytes] | None],
        finish: Callable[[list[tuple[StoreFile, StoreFile]]], list[bool]],
    ) -> None:
        self.models = models
        self._collection = collection
        self._load = load
        self._finish = finish
        self._queue: queue.Queue[str] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="vecbase-ingest", daemon=True)
        self._thread.start()

    def submit(self, key: str) -> None:
        self._queue.put(key)

    def idle(self) -> bool:
        return self._queue.unfinished_tasks == 0

    def close(self) -> None:
        self._queue.put(_STOP)
        self._thread.join(timeout=30)

    def _run(self) -> None:
        while True:
            keys = [self._queue.get()]
            while len(keys) < _JOBS_PER_ROUND:
                try:
                    keys.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            try:
                if _STOP in keys:
                    return
                self._round(list(dict.fromkeys(keys)))
            except Exception as exc:  # a bug must not kill the worker, nor leave jobs in progress
                log.exception("ingestion round failed")
                self._fail_keys(keys, f"Ingestion failed: {exc}")
            finally:
                for _ in keys:
                    self._queue.task_done()

    def _round(self, keys: list[str]) -> None:
        jobs: list[_Job] = []
        failures: list[tuple[StoreFile, StoreFile]] = []
        for key in keys:
            loaded = self._load(key)
            if loaded is None or loaded[0].status != IN_PROGRESS:
                continue
            attachment, file, data = loaded
            try:
                jobs.append(_Job(attachment, file, self._chunks(attachment, file, data)))
            except DocumentError as exc:
                failures.append((attachment, _failed(attachment, exc.code, exc.message)))
        if failures:
            self._finish(failures)
        if not jobs:
            return
        texts = [c for job in jobs for c in job.chunks]
        dense = self.models.dense(texts)
        sparse = self.models.sparse(texts, query=False)
        by_store: dict[str, list[tuple[_Job, int]]] = {}
        at = 0
        for job in jobs:
            by_store.setdefault(job.attachment.store_id, []).append((job, at))
            at += len(job.chunks)
        outcomes: list[tuple[StoreFile, StoreFile]] = []
        for store_id, store_jobs in by_store.items():
            try:
                usages = self._write(store_id, store_jobs, dense, sparse)
            except VecbaseError as exc:
                outcomes += [
                    (job.attachment, _failed(job.attachment, "server_error", str(exc))) for job, _ in store_jobs
                ]
            else:
                outcomes += [
                    (job.attachment, replace(job.attachment, status=COMPLETED, usage_bytes=usage))
                    for (job, _), usage in zip(store_jobs, usages)
                ]
        recorded = self._finish(outcomes)
        for (before, after), kept in zip(outcomes, recorded):
            if not kept or after.status != COMPLETED:
                self._remove_points([before])

    def _chunks(self, attachment: StoreFile, file: FileRecord, data: bytes) -> list[str]:
        if file.format == "chunks":
            return [c for c in parse_chunks(data) if c.strip()]
        text = parse(file.filename, data)
        return chunk_text(text, self.models.spans, attachment.max_tokens, attachment.overlap)

    def _write(
        self,
        store_id: str,
        jobs: list[tuple[_Job, int]],
        dense: np.ndarray[Any, np.dtype[np.float32]] | None,
        sparse: list[SparseVector],
    ) -> list[int]:
        """Every chunk of the store's jobs in one upsert (one fsync); each file's bytes."""
        col = self._collection(store_id)
        files = tuple(job.file.id for job, _ in jobs)
        stale = Filter(must=(FieldMatch("file_id", MatchAny(files)),))
        if col.count(stale):  # a resumed or re-attached file: its earlier chunks go
            col.delete(stale, wait=True)
        ids: list[str] = []
        payloads: list[dict[str, Any]] = []
        rows: list[int] = []
        usages = []
        for job, at in jobs:
            attributes = dict(job.attachment.attributes or {})
            for i, text in enumerate(job.chunks):
                ids.append(point_id(job.file.id, i))
                payloads.append(
                    {
                        "file_id": job.file.id,
                        "filename": job.file.filename,
                        "chunk": i,
                        "text": text,
                        "attributes": attributes,
                    }
                )
                rows.append(at + i)
            # what the store holds for the file: chunk texts and their vectors
            usages.append(
                sum(
                    len(t.encode("utf-8"))
                    + (dense.shape[1] * 4 if dense is not None else 0)
                    + 8 * sparse[at + i].indices.shape[0]
                    for i, t in enumerate(job.chunks)
                )
            )
        if ids:
            vectors: dict[str, Any] = {SPARSE: ListColumn(tuple(sparse[r] for r in rows))}
            if dense is not None:
                vectors[DENSE] = DenseColumn(dense[rows])
            col.upsert(UpsertPoints(tuple(ids), vectors, PayloadDocs.of(payloads)), wait=True)
        return usages

    def _fail_keys(self, keys: list[str], message: str) -> None:
        outcomes = []
        for key in keys:
            try:
                loaded = self._load(key)
            except Exception:
                continue
            if loaded is not None and loaded[0].status == IN_PROGRESS:
                outcomes.append((loaded[0], _failed(loaded[0], "server_error", message)))
        try:
            self._finish(outcomes)
        except Exception:
            log.exception("recording failed ingestion jobs")

    def _remove_points(self, attachments: list[StoreFile]) -> None:
        for attachment in attachments:
            try:
                self._collection(attachment.store_id).delete(file_filter(attachment.file_id), wait=True)
            except VecbaseError:
                pass  # the store is gone, and its points with it


def _failed(attachment: StoreFile, code: str, message: str) -> StoreFile:
    return replace(attachment, status=FAILED, error_code=code, error_message=message)
