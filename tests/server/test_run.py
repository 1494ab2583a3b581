"""The server process takes its hard limit of open files: each busy collection holds its WAL
open, and a shell's usual soft limit (1,024) would cap them below what the system allows."""

from __future__ import annotations

import resource
import subprocess
import sys

import pytest

PROBE = """
import resource
from vecbase.server.run import raise_open_files_limit
now = raise_open_files_limit()
print(now, resource.getrlimit(resource.RLIMIT_NOFILE)[0])
"""


def run_with_soft_limit(soft: int) -> tuple[int, int]:
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    out = subprocess.run(
        [sys.executable, "-c", PROBE],
        preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard)),
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return int(out[0]), int(out[1])


def test_a_low_soft_limit_is_raised_to_the_hard_one() -> None:
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    if hard != resource.RLIM_INFINITY and hard <= 64:
        pytest.skip(f"the hard limit here ({hard}) leaves nothing to raise")
    expected = 1 << 20 if hard == resource.RLIM_INFINITY else min(hard, 1 << 20)
    assert run_with_soft_limit(64) == (expected, expected)
