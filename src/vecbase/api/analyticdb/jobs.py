"""The dialect's background jobs (UpsertCollectionDataAsync, UploadDocumentAsync): work run by
a thread with a durable job record that the Get*Job actions read and Cancel*Job stops. A job
found unfinished when the server starts is marked failed with the reason (what it wrote up to
its last batch stays). Their input comes from a URL (``file://`` or http(s))."""

from __future__ import annotations

import logging
import threading
import urllib.parse
import urllib.request
import uuid
from pathlib import Path
from typing import Any, Callable

import orjson

from vecbase.api.analyticdb.wire import AdbError, now_text
from vecbase.documents.catalog import Catalog
from vecbase.storage.files import read_bytes_if_exists

log = logging.getLogger("vecbase.api.analyticdb")
JOBS = "jobs"
BATCH = 500


def fetch(url: str) -> bytes:
    parsed = urllib.parse.urlparse(url)
    if parsed.scheme == "file":
        data = read_bytes_if_exists(Path(urllib.parse.unquote(parsed.path)))
        if data is None:
            raise AdbError("InvalidParameter.FileUrl", f"The file {url} does not exist.")
        return data
    if parsed.scheme in ("http", "https"):
        with urllib.request.urlopen(url, timeout=60) as response:  # noqa: S310 (the scheme is checked)
            body: bytes = response.read()
            return body
    raise AdbError("InvalidParameter.FileUrl", f"FileUrl must be an http(s) or file URL, got {url!r}.")


class Progress:
    """What a running job sees of its record: progress updates and cancellation."""

    def __init__(self, jobs: Jobs, job_id: str) -> None:
        self._jobs, self.job_id = jobs, job_id

    def update(self, value: int) -> None:
        self._jobs.update(self.job_id, Progress=value)

    def cancelled(self) -> bool:
        return self._jobs.cancelled(self.job_id)


class Jobs:
    """Background jobs, at most ``max_running`` at once: a job past the limit is refused
    (429), the client retries when one finishes."""

    def __init__(self, catalog: Catalog, max_running: int = 8) -> None:
        self.catalog = catalog
        self.max_running = max_running
        self._running = 0
        self._cancel: set[str] = set()
        self._lock = threading.Lock()
        for stored in self.catalog.values(JOBS):
            if not stored["Completed"]:
                raw = dict(stored)
                raw.update(Completed=True, Error="The server restarted before the job finished.", UpdateTime=now_text())
                self.catalog.put(JOBS, raw["Id"], raw)

    def start(self, collection_key: str, work: Callable[[Progress], dict[str, Any] | None]) -> str:
        """Run ``work`` in a thread as a job; it reports progress through the ``Progress`` it
        gets, stops when told the job was cancelled, and may return fields to record."""
        with self._lock:
            if self._running >= self.max_running:
                raise AdbError(
                    "Throttling.ConcurrentJobs",
                    f"{self._running} jobs are running, the most this server runs at once"
                    " (service.max_concurrent_ingestion_jobs); retry when one has finished.",
                    429,
                )
            self._running += 1
        job_id = str(uuid.uuid4())
        record = {
            "Id": job_id,
            "Collection": collection_key,
            "Completed": False,
            "Progress": 0,
            "Error": None,
            "Status": "Running",
            "CreateTime": now_text(),
            "UpdateTime": now_text(),
        }
        try:
            self.catalog.put(JOBS, job_id, record)
            threading.Thread(target=self._run, args=(job_id, work), name="vecbase-adb-job", daemon=True).start()
        except BaseException:
            with self._lock:
                self._running -= 1
            raise
        return job_id

    def start_upsert(self, collection_key: str, url: str, upsert: Callable[[list[Any]], None]) -> str:
        def work(progress: Progress) -> None:
            lines = [line for line in fetch(url).decode("utf-8").splitlines() if line.strip()]
            rows = [orjson.loads(line) for line in lines]
            done = 0
            for start in range(0, len(rows), BATCH):
                if progress.cancelled():
                    return
                upsert(rows[start : start + BATCH])
                done += len(rows[start : start + BATCH])
                progress.update(done)

        return self.start(collection_key, work)

    def cancelled(self, job_id: str) -> bool:
        with self._lock:
            return job_id in self._cancel

    def update(self, job_id: str, **changes: Any) -> None:
        with self.catalog.lock:
            raw = dict(self.catalog.get(JOBS, job_id) or {})
            raw.update(changes, UpdateTime=now_text())
            self.catalog.put(JOBS, job_id, raw)

    def _run(self, job_id: str, work: Callable[[Progress], dict[str, Any] | None]) -> None:
        progress = Progress(self, job_id)
        try:
            extra = work(progress) or {}
            if progress.cancelled():
                self.update(job_id, Completed=True, Status="Cancelled")
            else:
                self.update(job_id, Completed=True, Status="Success", **extra)
        except AdbError as exc:
            self.update(job_id, Completed=True, Status="Failed", Error=exc.message, ErrorCode=exc.code)
        except Exception as exc:  # a bad file or URL ends the job with the reason
            log.info("job %s failed: %s", job_id, exc)
            self.update(job_id, Completed=True, Status="Failed", Error=str(exc))
        finally:
            with self._lock:
                self._running -= 1

    def get(self, collection_key: str, job_id: str) -> dict[str, Any]:
        raw = self.catalog.get(JOBS, job_id)
        if raw is None or raw["Collection"] != collection_key:
            raise AdbError("Job.NotFound", f"Job {job_id} does not exist.", 404)
        return raw

    def cancel(self, collection_key: str, job_id: str) -> None:
        raw = self.get(collection_key, job_id)
        if raw["Completed"]:
            raise AdbError("Job.Completed", f"Job {job_id} has already finished.", 409)
        with self._lock:
            self._cancel.add(job_id)
