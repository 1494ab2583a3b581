"""The node quotas of ``/quotas``: resident memory and disk usage limits. While enabled, a
write that needs more memory or disk is refused (507) once a resource reaches its limit,
and keeps being refused until usage falls ``release_margin_percent`` below it."""

from __future__ import annotations

import threading
from pathlib import Path

from vecbase.api.qdrant import models as m
from vecbase.core.errors import InsufficientStorageError
from vecbase.storage import usage

DEFAULT_RELEASE_MARGIN = 5


class NodeQuotas:
    def __init__(self, storage_path: Path | None) -> None:
        self.config = m.QuotaConfig(enabled=False)
        self.path = storage_path if storage_path is not None else Path(".")
        self._lock = threading.Lock()
        self._tripped: dict[str, bool] = {}

    def update(self, config: m.QuotaConfig) -> bool:
        if config.enabled is None:
            config = config.model_copy(update={"enabled": False})
        with self._lock:
            self.config = config
            self._tripped.clear()
        return True

    def usage(self) -> m.QuotaUsage:
        return m.QuotaUsage(
            resident_memory_percent=usage.resident_memory_percent(),
            disk_usage_percent=usage.disk_usage_percent(self.path),
        )

    def status(self) -> m.QuotaStatus:
        return m.QuotaStatus(config=self.config, usage=self.usage())

    def _exceeded(self, resource: str, used: int | None, limit: int | None) -> bool:
        if used is None or limit is None:
            self._tripped.pop(resource, None)
            return False
        margin = self.config.release_margin_percent
        margin = DEFAULT_RELEASE_MARGIN if margin is None else margin
        tripped = used >= limit or (self._tripped.get(resource, False) and used > limit - margin)
        self._tripped[resource] = tripped
        return tripped

    def check(self) -> None:
        """Refuse a write that needs memory or disk while a quota is exceeded."""
        config = self.config
        if not config.enabled:
            return
        with self._lock:
            disk = usage.disk_usage_percent(self.path) if config.max_disk_usage_percent is not None else None
            if self._exceeded("disk", disk, config.max_disk_usage_percent):
                raise InsufficientStorageError(
                    f"Disk usage is at {disk}% of capacity, exceeding the node quota of"
                    f" {config.max_disk_usage_percent}%. Free disk space, or raise max_disk_usage_percent"
                    " (PUT /quotas)"
                )
            memory = usage.resident_memory_percent() if config.max_resident_memory_percent is not None else None
            if self._exceeded("memory", memory, config.max_resident_memory_percent):
                raise InsufficientStorageError(
                    f"Resident memory usage is at {memory}% of total memory, exceeding the node quota of"
                    f" {config.max_resident_memory_percent}%. Reduce memory usage, or raise"
                    " max_resident_memory_percent (PUT /quotas)"
                )
