"""The JSON report every bench script writes: its name, the machine, and its results."""

from __future__ import annotations

import json
import os
import platform
from pathlib import Path
from typing import Any


def write_report(path: str, benchmark: str, results: Any) -> None:
    machine = f"{platform.machine()}, {os.cpu_count()} cpus, python {platform.python_version()}"
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"benchmark": benchmark, "machine": machine, "results": results}, indent=2) + "\n")
