"""How full the node is: the storage filesystem's used space and the process's resident
memory, in percent (None where they cannot be read). Read for the node quotas and the
deprecated strict-mode memory limit."""

from __future__ import annotations

import os
import shutil
from pathlib import Path


def disk_usage_percent(path: Path | str) -> int | None:
    try:
        usage = shutil.disk_usage(path)
    except OSError:
        return None
    return int(100 * usage.used / usage.total) if usage.total else None


def resident_memory_percent() -> int | None:
    """Resident memory of this process against the memory available to it (a cgroup limit
    when one applies, else the machine's)."""
    try:
        rss_pages = int(Path("/proc/self/statm").read_text().split()[1])
        meminfo = Path("/proc/meminfo").read_text().split("\n", 1)[0]  # MemTotal: N kB
        total = int(meminfo.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    try:
        limit = Path("/sys/fs/cgroup/memory.max").read_text().strip()
        if limit.isdigit():
            total = min(total, int(limit))
    except OSError:
        pass
    rss = rss_pages * os.sysconf("SC_PAGE_SIZE")
    return int(100 * rss / total) if total else None
