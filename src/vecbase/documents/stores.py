"""Vector stores: their records, the files attached to them, batches of attachments, and
search; the service the file-ingesting dialects translate to.

Records live in the catalog (durable before a call returns); each store's chunks are one
engine collection named after the store. Attachments start ``in_progress`` and are
completed by the ingestion worker; on open, attachments still ``in_progress`` (a crash
mid-ingestion) are queued again, so none stays stuck. Every record belongs to a project: a
store, file or batch of another project is not found.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from typing import Any, Mapping, Sequence

from vecbase.analysis.scripts import guess_language
from vecbase.analysis.stopwords import language_stopwords
from vecbase.core.errors import BadRequestError, CollectionNotFoundError, NotFoundError
from vecbase.core.filter import Filter
from vecbase.documents.catalog import Catalog
from vecbase.documents.files import FileStore
from vecbase.documents.ingest import Ingestor, Models, file_filter
from vecbase.documents.records import (
    CANCELLED,
    COMPLETED,
    EXPIRED,
    FAILED,
    IN_PROGRESS,
    BatchRecord,
    Chunking,
    FileRecord,
    StoreFile,
    StoreRecord,
    from_json,
    new_id,
    now,
    to_json,
)
from vecbase.documents.search import SearchHit, search
from vecbase.engine.collection import Collection
from vecbase.engine.toc import TableOfContent
from vecbase.inference.base import Registry
from vecbase.query.model import ScrollRequest, WithPayload

STORES, ATTACHMENTS, BATCHES = "stores", "attachments", "batches"
STATES = (IN_PROGRESS, COMPLETED, FAILED, CANCELLED)
UNSET: Any = object()
_WORD = re.compile(r"\w+", re.UNICODE)


class StoreNotFound(NotFoundError):
    def __init__(self, store_id: str) -> None:
        super().__init__(f"No vector store found with id '{store_id}'.")


class AttachmentNotFound(NotFoundError):
    def __init__(self, store_id: str, file_id: str) -> None:
        super().__init__(f"No file found with id '{file_id}' in vector store '{store_id}'.")


class BatchNotFound(NotFoundError):
    def __init__(self, batch_id: str) -> None:
        super().__init__(f"No file batch found with id '{batch_id}'.")


def rewrite(text: str) -> str:
    """The offline query rewrite: the query's words without the stop words of its language
    (and without punctuation), or the query itself when nothing would be left."""
    language = guess_language(text) or "english"
    try:
        stop = language_stopwords(language)
    except ValueError:
        stop = frozenset()
    words = [w for w in _WORD.findall(text) if w.lower() not in stop]
    return " ".join(words) or text.strip()


def counts(attachments: Sequence[StoreFile]) -> dict[str, int]:
    out = dict.fromkeys(STATES, 0)
    for a in attachments:
        out[a.status] += 1
    out["total"] = len(attachments)
    return out


class DocumentService:
    def __init__(self, toc: TableOfContent, root: Path | None, registry: Registry) -> None:
        self.toc = toc
        self.catalog = Catalog(root / "catalog" if root is not None else None)
        self.files = FileStore(self.catalog, root)
        self.models = Models.default(registry)
        self.ingestor = Ingestor(self.models, self._collection, self._load_job, self._finish_jobs)
        for raw in self.catalog.values(ATTACHMENTS):
            if raw["status"] == IN_PROGRESS:
                self.ingestor.submit(from_json(StoreFile, raw).key)

    def close(self) -> None:
        self.ingestor.close()
        self.catalog.close()

    # -- ingestion callbacks ----------------------------------------------------------
    def _collection(self, store_id: str) -> Collection:
        return self.toc.get(store_id)

    def _load_job(self, key: str) -> tuple[StoreFile, FileRecord, bytes] | None:
        raw = self.catalog.get(ATTACHMENTS, key)
        if raw is None:
            return None
        attachment = from_json(StoreFile, raw)
        file_raw = self.catalog.get("files", attachment.file_id)
        if file_raw is None:
            return None
        file = from_json(FileRecord, file_raw)
        return attachment, file, self.files.content(file)

    def _finish_jobs(self, outcomes: list[tuple[StoreFile, StoreFile]]) -> list[bool]:
        with self.catalog.lock:
            kept = []
            changes = {}
            for before, after in outcomes:
                raw = self.catalog.get(ATTACHMENTS, before.key)
                current = raw is not None and raw["status"] == IN_PROGRESS and raw["generation"] == before.generation
                kept.append(current)
                if current:
                    changes[after.key] = to_json(after)
            if changes:
                self.catalog.put_many(ATTACHMENTS, changes)
            return kept

    # -- stores -------------------------------------------------------------------------
    def store(self, project: str, store_id: str) -> StoreRecord:
        raw = self.catalog.get(STORES, store_id)
        if raw is None or raw["project"] != project:
            raise StoreNotFound(store_id)
        return from_json(StoreRecord, raw)

    def create_store(
        self,
        project: str,
        name: str | None,
        description: str | None,
        metadata: Mapping[str, str] | None,
        expires: tuple[str, int] | None,
        file_ids: Sequence[str],
        chunking: Chunking,
    ) -> StoreRecord:
        files = [self.files.get(project, f) for f in file_ids]
        created = now()
        record = StoreRecord(
            id=new_id("vs_"),
            project=project,
            created_at=created,
            last_active_at=created,
            name=name or "",
            description=description,
            metadata=dict(metadata) if metadata is not None else None,
            expires_anchor=expires[0] if expires else None,
            expires_days=expires[1] if expires else None,
        )
        col = self.toc.create(record.id, self.models.collection_config())
        for key, spec in self.models.indexes().items():
            col.create_field_index(key, spec)
        self.catalog.put(STORES, record.id, to_json(record))
        if files:
            self._attach_all(record, [(file, None, chunking) for file in files], None)
        return record

    def list_stores(self, project: str) -> list[StoreRecord]:
        return [from_json(StoreRecord, r) for r in self.catalog.values(STORES) if r["project"] == project]

    def modify_store(
        self, project: str, store_id: str, name: Any = UNSET, expires: Any = UNSET, metadata: Any = UNSET
    ) -> StoreRecord:
        with self.catalog.lock:
            record = self.store(project, store_id)
            changes: dict[str, Any] = {}
            if name is not UNSET:
                changes["name"] = name or ""
            if metadata is not UNSET:
                changes["metadata"] = dict(metadata) if metadata is not None else None
            if expires is not UNSET:
                changes["expires_anchor"] = expires[0] if expires else None
                changes["expires_days"] = expires[1] if expires else None
            record = replace(record, **changes)
            self.catalog.put(STORES, record.id, to_json(record))
            return record

    def delete_store(self, project: str, store_id: str) -> None:
        with self.catalog.lock:
            record = self.store(project, store_id)
            self.catalog.remove_many(ATTACHMENTS, [a.key for a in self.attachments(record.id)])
            self.catalog.remove_many(
                BATCHES, [b["id"] for b in self.catalog.values(BATCHES) if b["store_id"] == record.id]
            )
            self.catalog.remove(STORES, record.id)
        self.toc.delete(record.id)

    def store_status(self, record: StoreRecord, attachments: Sequence[StoreFile] | None = None) -> str:
        """``attachments``: the store's, when the caller has them already."""
        if record.expired():
            return EXPIRED
        if attachments is None:
            attachments = self.attachments(record.id)
        if any(a.status == IN_PROGRESS for a in attachments):
            return IN_PROGRESS
        return COMPLETED

    # -- attachments --------------------------------------------------------------------
    def attachments(self, store_id: str, batch_id: str | None = None) -> list[StoreFile]:
        return [
            from_json(StoreFile, r)
            for r in self.catalog.values(ATTACHMENTS)
            if r["store_id"] == store_id and (batch_id is None or r["batch_id"] == batch_id)
        ]

    def _attach_all(
        self,
        store: StoreRecord,
        files: Sequence[tuple[FileRecord, Mapping[str, Any] | None, Chunking]],
        batch_id: str | None,
    ) -> list[StoreFile]:
        """Attach files in one durable catalog write, then queue their ingestion."""
        with self.catalog.lock:
            attachments = []
            for file, attributes, chunking in files:
                previous = self.catalog.get(ATTACHMENTS, f"{store.id}/{file.id}")
                attachments.append(
                    StoreFile(
                        store_id=store.id,
                        file_id=file.id,
                        created_at=now(),
                        attributes=dict(attributes) if attributes is not None else None,
                        max_tokens=chunking.max_tokens,
                        overlap=chunking.overlap,
                        auto=chunking.auto,
                        batch_id=batch_id,
                        generation=(previous["generation"] + 1) if previous else 0,
                    )
                )
            self.catalog.put_many(ATTACHMENTS, {a.key: to_json(a) for a in attachments})
        for attachment in attachments:
            self.ingestor.submit(attachment.key)
        return attachments

    def attach(
        self,
        project: str,
        store_id: str,
        file_id: str,
        attributes: Mapping[str, Any] | None,
        chunking: Chunking,
    ) -> StoreFile:
        store = self.store(project, store_id)
        return self._attach_all(store, [(self.files.get(project, file_id), attributes, chunking)], None)[0]

    def attachment(self, project: str, store_id: str, file_id: str) -> StoreFile:
        self.store(project, store_id)
        raw = self.catalog.get(ATTACHMENTS, f"{store_id}/{file_id}")
        if raw is None:
            raise AttachmentNotFound(store_id, file_id)
        return from_json(StoreFile, raw)

    def update_attributes(
        self, project: str, store_id: str, file_id: str, attributes: Mapping[str, Any] | None
    ) -> StoreFile:
        with self.catalog.lock:
            attachment = replace(
                self.attachment(project, store_id, file_id),
                attributes=dict(attributes) if attributes is not None else None,
            )
            self.catalog.put(ATTACHMENTS, attachment.key, to_json(attachment))
        # the chunks already written carry the new attributes too; chunks still being
        # written read them from the record
        col = self._collection(store_id)
        if col.count(file_filter(file_id)):
            col.set_payload(file_filter(file_id), {"attributes": dict(attributes or {})}, None, wait=True)
        return attachment

    def detach(self, project: str, store_id: str, file_id: str) -> None:
        with self.catalog.lock:
            attachment = self.attachment(project, store_id, file_id)
            self.catalog.remove(ATTACHMENTS, attachment.key)
        try:
            self._collection(store_id).delete(file_filter(file_id), wait=True)
        except CollectionNotFoundError:
            pass

    def attachment_text(self, project: str, store_id: str, file_id: str) -> list[str]:
        """The parsed content of an attached file: its chunks' texts, in order."""
        self.attachment(project, store_id, file_id)
        records, _ = self._collection(store_id).scroll(
            ScrollRequest(filter=file_filter(file_id), limit=1_000_000, with_payload=WithPayload(True))
        )
        chunks = sorted(((r.payload or {}).get("chunk", 0), (r.payload or {}).get("text", "")) for r in records)
        return [text for _, text in chunks]

    def delete_file(self, project: str, file_id: str) -> None:
        """Delete an uploaded file and remove it from every store it is attached to."""
        record = self.files.get(project, file_id)
        for raw in self.catalog.values(ATTACHMENTS):
            if raw["file_id"] == file_id:
                store = self.catalog.get(STORES, raw["store_id"])
                if store is not None:
                    self.detach(store["project"], raw["store_id"], file_id)
        self.files.delete(record)

    # -- batches ------------------------------------------------------------------------
    def create_batch(
        self,
        project: str,
        store_id: str,
        files: Sequence[tuple[str, Mapping[str, Any] | None, Chunking]],
    ) -> BatchRecord:
        store = self.store(project, store_id)
        records = [self.files.get(project, file_id) for file_id, _, _ in files]
        batch = BatchRecord(
            id=new_id("vsfb_"), store_id=store.id, created_at=now(), file_ids=tuple(f for f, _, _ in files)
        )
        self.catalog.put(BATCHES, batch.id, to_json(batch))
        self._attach_all(store, [(r, a, c) for r, (_, a, c) in zip(records, files)], batch.id)
        return batch

    def batch(self, project: str, store_id: str, batch_id: str) -> BatchRecord:
        self.store(project, store_id)
        raw = self.catalog.get(BATCHES, batch_id)
        if raw is None or raw["store_id"] != store_id:
            raise BatchNotFound(batch_id)
        return from_json(BatchRecord, raw)

    def batch_status(self, batch: BatchRecord, attachments: Sequence[StoreFile] | None = None) -> str:
        """``attachments``: the batch's, when the caller has them already."""
        if batch.cancelled:
            return CANCELLED
        if attachments is None:
            attachments = self.attachments(batch.store_id, batch.id)
        states = {a.status for a in attachments}
        return IN_PROGRESS if IN_PROGRESS in states else COMPLETED

    def cancel_batch(self, project: str, store_id: str, batch_id: str) -> BatchRecord:
        with self.catalog.lock:
            batch = self.batch(project, store_id, batch_id)
            if self.batch_status(batch) != IN_PROGRESS:
                return batch
            for attachment in self.attachments(store_id, batch_id):
                if attachment.status == IN_PROGRESS:
                    self.catalog.put(ATTACHMENTS, attachment.key, to_json(replace(attachment, status=CANCELLED)))
            batch = replace(batch, cancelled=True)
            self.catalog.put(BATCHES, batch.id, to_json(batch))
            return batch

    # -- search -------------------------------------------------------------------------
    def search(
        self,
        project: str,
        store_id: str,
        queries: Sequence[str],
        flt: Filter | None,
        limit: int,
        ranker: str,
        score_threshold: float,
    ) -> list[SearchHit]:
        with self.catalog.lock:
            record = self.store(project, store_id)
            if record.expired():
                raise BadRequestError(f"Vector store {store_id} is expired and cannot be searched.")
            touched = now()
            if touched != record.last_active_at:
                self.catalog.put(STORES, record.id, to_json(replace(record, last_active_at=touched)))
        return search(self._collection(store_id), self.models, queries, flt, limit, ranker, score_threshold)
