"""Text out of uploaded files, chosen by the file name's extension.

Plain text, Markdown and source-like text formats are decoded (UTF-8, with a BOM or UTF-16
detected); HTML loses its markup, scripts and styles (the standard library's parser);
JSON is re-printed indented, JSONL line by line; CSV becomes one line per row, cells
separated by `` | ``; PDF through ``pypdf``; DOCX through ``python-docx`` (paragraphs and
table cells). A file of another kind raises ``DocumentError("unsupported_file")``, a
file that cannot be read as its kind ``DocumentError("invalid_file")``.
"""

from __future__ import annotations

import csv
import io
import json
from html.parser import HTMLParser
from pathlib import PurePath
from typing import Callable


class DocumentError(Exception):
    """Why a file cannot be ingested; ``code`` is OpenAI's ``last_error.code``."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


_TEXT_EXTENSIONS = {
    ".txt",
    ".md",
    ".markdown",
    ".rst",
    ".tex",
    ".log",
    ".py",
    ".js",
    ".ts",
    ".java",
    ".c",
    ".cpp",
    ".h",
    ".cs",
    ".go",
    ".rb",
    ".php",
    ".sh",
    ".css",
    ".xml",
    ".yaml",
    ".yml",
    ".toml",
    ".ini",
    ".sql",
}


def decode_text(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DocumentError("invalid_file", f"The file is not valid UTF-8 text: {exc.reason}") from None


class _HtmlText(HTMLParser):
    _SKIP = {"script", "style", "head", "noscript", "template"}
    _BLOCK = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "section", "article", "table"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIP:
            self._skipping += 1
        elif tag in self._BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP and self._skipping:
            self._skipping -= 1
        elif tag in self._BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def _html(data: bytes) -> str:
    parser = _HtmlText()
    parser.feed(decode_text(data))
    parser.close()
    lines = (" ".join(line.split()) for line in "".join(parser.parts).splitlines())
    return "\n".join(line for line in lines if line)


def _json(data: bytes) -> str:
    try:
        return json.dumps(json.loads(decode_text(data)), ensure_ascii=False, indent=2)
    except json.JSONDecodeError as exc:
        raise DocumentError("invalid_file", f"The file is not valid JSON: {exc}") from None


def _jsonl(data: bytes) -> str:
    lines = []
    for number, line in enumerate(decode_text(data).splitlines(), 1):
        if not line.strip():
            continue
        try:
            lines.append(json.dumps(json.loads(line), ensure_ascii=False))
        except json.JSONDecodeError as exc:
            raise DocumentError("invalid_file", f"Line {number} is not valid JSON: {exc}") from None
    return "\n".join(lines)


def _csv(data: bytes) -> str:
    try:
        rows = list(csv.reader(io.StringIO(decode_text(data))))
    except csv.Error as exc:
        raise DocumentError("invalid_file", f"The file is not valid CSV: {exc}") from None
    return "\n".join(" | ".join(cell.strip() for cell in row) for row in rows if any(c.strip() for c in row))


def _pdf(data: bytes) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        return "\n\n".join((page.extract_text() or "").strip() for page in reader.pages).strip()
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise DocumentError("invalid_file", f"The PDF file cannot be read: {exc}") from None


def _docx(data: bytes) -> str:
    import zipfile

    import docx

    try:
        document = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise DocumentError("invalid_file", f"The DOCX file cannot be read: {exc}") from None
    parts = [p.text for p in document.paragraphs if p.text.strip()]
    for table in document.tables:
        for row in table.rows:
            parts.append(" | ".join(cell.text.strip() for cell in row.cells))
    return "\n".join(parts)


_PARSERS: dict[str, Callable[[bytes], str]] = {
    ".html": _html,
    ".htm": _html,
    ".json": _json,
    ".jsonl": _jsonl,
    ".csv": _csv,
    ".pdf": _pdf,
    ".docx": _docx,
}


def supported(filename: str) -> bool:
    suffix = PurePath(filename).suffix.lower()
    return suffix in _PARSERS or suffix in _TEXT_EXTENSIONS


def parse(filename: str, data: bytes) -> str:
    """The text of one file; DocumentError when it is of an unsupported kind or unreadable."""
    suffix = PurePath(filename).suffix.lower()
    parser = _PARSERS.get(suffix)
    if parser is not None:
        return parser(data)
    if suffix in _TEXT_EXTENSIONS:
        return decode_text(data)
    kind = suffix or "without an extension"
    raise DocumentError("unsupported_file", f"Files of type {kind} are not supported for vector store ingestion")


def parse_chunks(data: bytes) -> list[str]:
    """Pre-chunked text (Yandex's ``format=chunks``): JSONL, one ``{"body": text}`` per line."""
    chunks = []
    for number, line in enumerate(decode_text(data).splitlines(), 1):
        if not line.strip():
            continue
        try:
            body = json.loads(line)["body"]
        except (json.JSONDecodeError, KeyError, TypeError):
            raise DocumentError("invalid_file", f'Line {number} is not a JSON object with a "body" string') from None
        if not isinstance(body, str):
            raise DocumentError("invalid_file", f'Line {number}: "body" must be a string')
        chunks.append(body)
    return chunks
