"""Directories replaced whole: a crash at any point of ``write_dir`` leaves the old
directory or the new one, complete, once ``settle_dir`` has run."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from vecbase.storage import files as files_module
from vecbase.storage.files import remove_tree, replace_dir, settle_dir, stored_dirs, write_dir

OLD = {"a": b"old a", "b": b"old b"}
NEW = {"a": b"new a", "b": b"new b", "c": b"new c"}


class Crash(BaseException):
    """The process dying at this point."""


def contents(path: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(path.iterdir())}


def crash_on_call(n: int, real: Any) -> Any:
    calls = [0]

    def fake(*args: Any, **kwargs: Any) -> Any:
        calls[0] += 1
        if calls[0] == n:
            raise Crash
        return real(*args, **kwargs)

    return fake


@pytest.mark.parametrize(
    ("where", "call", "survivor"),
    [
        ("replace", 1, OLD),  # setting the old directory aside
        ("replace", 2, NEW),  # between the two renames: the new one is complete
        ("rmtree", 1, NEW),  # removing the old one, set aside
        ("fsync", 2, OLD),  # writing the new one
    ],
)
def test_a_crash_inside_write_dir_leaves_one_whole_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str, call: int, survivor: dict[str, bytes]
) -> None:
    target = tmp_path / "seg"
    write_dir(target, OLD)
    if where == "replace":
        monkeypatch.setattr(files_module.os, "replace", crash_on_call(call, os.replace))
    elif where == "rmtree":
        monkeypatch.setattr(files_module.shutil, "rmtree", crash_on_call(call, shutil.rmtree))
    else:
        monkeypatch.setattr(files_module.os, "fsync", crash_on_call(call, os.fsync))
    with pytest.raises(Crash):
        write_dir(target, NEW)
    monkeypatch.undo()
    settle_dir(target)
    assert contents(target) == survivor
    assert sorted(p.name for p in tmp_path.iterdir()) == ["seg"]


def test_settle_dir_leaves_a_whole_directory_alone(tmp_path: Path) -> None:
    target = tmp_path / "seg"
    write_dir(target, OLD)
    write_dir(target, NEW)
    settle_dir(target)
    assert contents(target) == NEW
    assert sorted(p.name for p in tmp_path.iterdir()) == ["seg"]


def test_a_removal_that_stops_part_way_is_finished_by_the_next_listing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_dir(tmp_path / "keep", OLD)
    write_dir(tmp_path / "gone", NEW)
    real_remove = os.remove

    def remove_one_then_crash(path: Any, *args: Any, **kwargs: Any) -> None:
        real_remove(path, *args, **kwargs)
        raise Crash

    monkeypatch.setattr(shutil.os, "unlink", remove_one_then_crash)
    with pytest.raises(Crash):
        remove_tree(tmp_path / "gone")
    monkeypatch.undo()
    assert [p.name for p in stored_dirs(tmp_path)] == ["keep"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep"]
    assert contents(tmp_path / "keep") == OLD


@pytest.mark.parametrize(("call", "survivor"), [(1, OLD), (2, OLD), (None, NEW)])
def test_replace_dir_leaves_the_old_or_the_new_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, call: int | None, survivor: dict[str, bytes]
) -> None:
    """A collection replaced by a recovered snapshot: a crash before the new directory is in
    place brings the old one back at the next listing."""
    write_dir(tmp_path / "col", OLD)
    write_dir(tmp_path / "staging" / "recovered", NEW)
    if call is not None:
        monkeypatch.setattr(files_module.os, "replace", crash_on_call(call, os.replace))
        with pytest.raises(Crash):
            replace_dir(tmp_path / "staging" / "recovered", tmp_path / "col")
        monkeypatch.undo()
    else:
        replace_dir(tmp_path / "staging" / "recovered", tmp_path / "col")
    assert [p.name for p in stored_dirs(tmp_path)] == ["col", "staging"]
    assert contents(tmp_path / "col") == survivor
