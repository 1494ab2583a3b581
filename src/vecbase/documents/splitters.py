"""Character-based text splitters (AnalyticDB's ``TextSplitterName``), beside the token
windows of ``chunking``.

- ``RecursiveCharacterTextSplitter``: split on the first separator (default ``\\n\\n``, ``\\n``,
  `` ``, ``""``) that occurs, recurse into pieces still longer than ``chunk_size`` with the
  next separators, then merge neighbouring pieces into chunks of at most ``chunk_size``
  characters, each starting with up to ``chunk_overlap`` characters of the previous one;
- ``ChineseRecursiveTextSplitter``: the same over Chinese and Western sentence ends
  (``\\n\\n``, ``\\n``, ``。！？``, ``.!?`` followed by a space, ``；;``, ``，,``), separators kept;
- ``MarkdownHeaderTextSplitter``: one section per heading (``#`` to ``######``), each then
  split recursively, the heading path kept at the start of its chunks.
Separators are regular expressions for the Chinese splitter, plain strings otherwise.
"""

from __future__ import annotations

import re
from typing import Sequence

DEFAULT_SEPARATORS = ("\n\n", "\n", " ", "")
CHINESE_SEPARATORS = ("\n\n", "\n", "[。！？]", r"[.!?]\s", r"[；;]\s?", r"[，,]\s?")
SPLITTERS = ("RecursiveCharacterTextSplitter", "ChineseRecursiveTextSplitter", "MarkdownHeaderTextSplitter")
_HEADING = re.compile(r"^(#{1,6})\s+(.*)$")


def _split_keep(text: str, separator: str, regex: bool) -> list[str]:
    """``text`` cut after each separator occurrence (the separator stays with the piece before)."""
    if separator == "":
        return list(text)
    pattern = re.compile(separator if regex else re.escape(separator))
    pieces, start = [], 0
    for match in pattern.finditer(text):
        if match.end() > start:
            pieces.append(text[start : match.end()])
            start = match.end()
    pieces.append(text[start:])
    return [p for p in pieces if p]


def _pieces(text: str, separators: Sequence[str], size: int, regex: bool) -> list[str]:
    if len(text) <= size:
        return [text]
    for i, separator in enumerate(separators):
        found = separator == "" or (re.search(separator, text) if regex else separator in text)
        if not found:
            continue
        out: list[str] = []
        for piece in _split_keep(text, separator, regex):
            out.extend(_pieces(piece, separators[i + 1 :], size, regex) if len(piece) > size else [piece])
        return out
    return [text[i : i + size] for i in range(0, len(text), size)]


def _merge(pieces: list[str], size: int, overlap: int) -> list[str]:
    chunks: list[str] = []
    current = ""
    for piece in pieces:
        if current and len(current) + len(piece) > size:
            chunks.append(current)
            tail = current[-overlap:] if overlap else ""
            current = tail if len(tail) + len(piece) <= size else ""
        current += piece
    if current.strip():
        chunks.append(current)
    return [c.strip() for c in chunks if c.strip()]


def split_text(
    text: str,
    chunk_size: int = 500,
    chunk_overlap: int = 50,
    splitter: str = "RecursiveCharacterTextSplitter",
    separators: Sequence[str] | None = None,
) -> list[str]:
    if chunk_size < 1 or not 0 <= chunk_overlap < chunk_size:
        raise ValueError("chunk_overlap must be smaller than chunk_size, and both non-negative")
    if splitter == "MarkdownHeaderTextSplitter":
        return _markdown(text, chunk_size, chunk_overlap, separators)
    if splitter == "ChineseRecursiveTextSplitter":
        return _merge(_pieces(text, separators or CHINESE_SEPARATORS, chunk_size, True), chunk_size, chunk_overlap)
    if splitter != "RecursiveCharacterTextSplitter":
        raise ValueError(f"unknown text splitter {splitter!r}: one of {', '.join(SPLITTERS)}")
    return _merge(_pieces(text, separators or DEFAULT_SEPARATORS, chunk_size, False), chunk_size, chunk_overlap)


def _markdown(text: str, size: int, overlap: int, separators: Sequence[str] | None) -> list[str]:
    sections: list[tuple[list[str], list[str]]] = []
    path: list[str] = []
    body: list[str] = []
    for line in text.splitlines():
        heading = _HEADING.match(line)
        if heading:
            if body:
                sections.append((list(path), body))
            level = len(heading.group(1))
            path = path[: level - 1] + [heading.group(2).strip()]
            body = []
        else:
            body.append(line)
    if body or path:
        sections.append((list(path), body))
    out = []
    for headings, lines in sections:
        content = "\n".join(lines).strip()
        if not content:
            continue
        prefix = " / ".join(headings)
        room = max(1, size - len(prefix) - 1) if prefix else size
        for chunk in _merge(
            _pieces(content, separators or DEFAULT_SEPARATORS, room, False), room, min(overlap, room - 1)
        ):
            out.append(f"{prefix}\n{chunk}" if prefix else chunk)
    return out
