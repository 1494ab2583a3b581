"""The file store: uploaded files' bytes under ``<root>/files/<id>`` (written and fsynced
before the upload is acknowledged) and their records in the catalog. Without a root the
bytes stay in memory. Files belong to a project; another project's file is not found."""

from __future__ import annotations

import threading
from pathlib import Path

from vecbase.core.errors import NotFoundError
from vecbase.documents.catalog import Catalog
from vecbase.documents.records import FileRecord, from_json, new_id, now, to_json
from vecbase.storage.files import atomic_write, ensure_dir, read_bytes_if_exists, remove_file

FILES = "files"


class FileNotFound(NotFoundError):
    def __init__(self, file_id: str) -> None:
        super().__init__(f"No such File object: {file_id}")
        self.file_id = file_id


class FileStore:
    def __init__(self, catalog: Catalog, root: Path | None) -> None:
        self.catalog = catalog
        self.root = ensure_dir(root / "files") if root is not None else None
        self._memory: dict[str, bytes] = {}
        self._lock = threading.Lock()

    def create(
        self,
        project: str,
        filename: str,
        data: bytes,
        purpose: str,
        expires_after: int | None = None,
        format: str | None = None,
    ) -> FileRecord:
        created = now()
        record = FileRecord(
            id=new_id("file-"),
            project=project,
            filename=filename,
            bytes=len(data),
            created_at=created,
            purpose=purpose,
            expires_at=created + expires_after if expires_after is not None else None,
            format=format,
        )
        if self.root is not None:
            atomic_write(self.root / record.id, data)
        else:
            with self._lock:
                self._memory[record.id] = data
        self.catalog.put(FILES, record.id, to_json(record))
        return record

    def get(self, project: str, file_id: str) -> FileRecord:
        raw = self.catalog.get(FILES, file_id)
        if raw is None or raw["project"] != project:
            raise FileNotFound(file_id)
        record = from_json(FileRecord, raw)
        if record.expires_at is not None and record.expires_at <= now():
            raise FileNotFound(file_id)
        return record

    def list(self, project: str, purpose: str | None = None) -> list[FileRecord]:
        records = [from_json(FileRecord, raw) for raw in self.catalog.values(FILES) if raw["project"] == project]
        at = now()
        return [
            r
            for r in records
            if (purpose is None or r.purpose == purpose) and (r.expires_at is None or r.expires_at > at)
        ]

    def content(self, record: FileRecord) -> bytes:
        if self.root is None:
            with self._lock:
                data = self._memory.get(record.id)
        else:
            data = read_bytes_if_exists(self.root / record.id)
        if data is None:
            raise FileNotFound(record.id)
        return data

    def delete(self, record: FileRecord) -> None:
        self.catalog.remove(FILES, record.id)
        if self.root is not None:
            remove_file(self.root / record.id)
        else:
            with self._lock:
                self._memory.pop(record.id, None)
