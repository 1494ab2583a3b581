"""The document layer's records: uploaded files, vector stores, the files attached to a store,
and batches of attachments. Frozen values; ``to_json`` / ``from_json`` for the catalog."""

from __future__ import annotations

import dataclasses
import secrets
import time
from dataclasses import dataclass
from typing import Any, Mapping, TypeVar

T = TypeVar("T")

# attachment and batch states, as the OpenAI API names them
IN_PROGRESS, COMPLETED, FAILED, CANCELLED = "in_progress", "completed", "failed", "cancelled"
EXPIRED = "expired"


def new_id(prefix: str) -> str:
    return prefix + secrets.token_hex(12)


def now() -> int:
    return int(time.time())


def to_json(record: Any) -> dict[str, Any]:
    return dataclasses.asdict(record)


def from_json(cls: type[T], raw: Mapping[str, Any]) -> T:
    names = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    values = {k: (tuple(v) if isinstance(v, list) else v) for k, v in raw.items() if k in names}
    return cls(**values)


@dataclass(frozen=True, slots=True)
class FileRecord:
    id: str
    project: str
    filename: str
    bytes: int
    created_at: int
    purpose: str
    expires_at: int | None = None
    # "chunks": JSONL of pre-chunked text, one {"body": ...} per line (Yandex)
    format: str | None = None


@dataclass(frozen=True, slots=True)
class Chunking:
    """Token windows of the embedding model's tokenizer; ``auto`` is 800 / 400."""

    max_tokens: int = 800
    overlap: int = 400
    auto: bool = True


@dataclass(frozen=True, slots=True)
class StoreRecord:
    id: str
    project: str
    created_at: int
    last_active_at: int
    name: str = ""
    description: str | None = None
    metadata: Mapping[str, str] | None = None
    # (anchor, days): anchor "last_active_at" (OpenAI) or "created_at" (Yandex)
    expires_anchor: str | None = None
    expires_days: int | None = None

    def expires_at(self) -> int | None:
        if self.expires_anchor is None or self.expires_days is None:
            return None
        start = self.created_at if self.expires_anchor == "created_at" else self.last_active_at
        return start + self.expires_days * 86400

    def expired(self, at: int | None = None) -> bool:
        deadline = self.expires_at()
        return deadline is not None and (at if at is not None else now()) >= deadline


@dataclass(frozen=True, slots=True)
class StoreFile:
    """A file attached to a store: its ingestion state and the attributes its chunks carry."""

    store_id: str
    file_id: str
    created_at: int
    status: str = IN_PROGRESS
    error_code: str | None = None
    error_message: str | None = None
    attributes: Mapping[str, Any] | None = None
    max_tokens: int = 800
    overlap: int = 400
    auto: bool = True
    usage_bytes: int = 0
    batch_id: str | None = None
    # bumped by every attachment: a worker's result for an older attachment is dropped
    generation: int = 0

    @property
    def key(self) -> str:
        return f"{self.store_id}/{self.file_id}"


@dataclass(frozen=True, slots=True)
class BatchRecord:
    id: str
    store_id: str
    created_at: int
    file_ids: tuple[str, ...]
    cancelled: bool = False
