"""Text out of every supported file kind, and the reasons a file cannot be ingested."""

from __future__ import annotations

import io

import docx
import pytest

from vecbase.documents.parsers import DocumentError, parse, parse_chunks


def minimal_pdf(text: str) -> bytes:
    """A one-page PDF showing ``text`` in Helvetica, with a correct cross-reference table."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def minimal_docx() -> bytes:
    document = docx.Document()
    document.add_paragraph("First paragraph of the report.")
    document.add_paragraph("Second paragraph.")
    table = document.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text = "cell one"
    table.rows[0].cells[1].text = "cell two"
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_text_formats() -> None:
    assert parse("a.txt", "plain текст 文字".encode()) == "plain текст 文字"
    assert parse("a.md", b"\xef\xbb\xbf# Title\nbody") == "# Title\nbody"  # BOM dropped
    assert parse("a.txt", "utf-16 text".encode("utf-16")) == "utf-16 text"
    assert parse("script.py", b"print('x')") == "print('x')"


def test_html_keeps_text_only() -> None:
    html = b"<html><head><title>T</title><style>p{color:red}</style></head><body><h1>Head</h1>" + (
        b"<p>One &amp; two</p><script>alert(1)</script><div>Three</div></body></html>"
    )
    assert parse("page.html", html) == "Head\nOne & two\nThree"


def test_structured_formats() -> None:
    assert parse("d.json", b'{"a": [1, "x"]}') == '{\n  "a": [\n    1,\n    "x"\n  ]\n}'
    assert parse("d.jsonl", b'{"a": 1}\n\n{"b": "\\u00e9"}\n') == '{"a": 1}\n{"b": "\u00e9"}'
    assert parse("d.csv", b"name,age\nAnn, 30\n,\n") == "name | age\nAnn | 30"


def test_pdf_and_docx() -> None:
    assert parse("doc.pdf", minimal_pdf("Hello from a PDF")) == "Hello from a PDF"
    text = parse("report.docx", minimal_docx())
    assert text == "First paragraph of the report.\nSecond paragraph.\ncell one | cell two"


@pytest.mark.parametrize(
    ("name", "data", "code"),
    [
        ("image.png", b"\x89PNG\r\n", "unsupported_file"),
        ("noext", b"text", "unsupported_file"),
        ("bad.pdf", b"%PDF-1.4 garbage", "invalid_file"),
        ("bad.docx", b"not a zip", "invalid_file"),
        ("bad.json", b"{", "invalid_file"),
        ("bad.jsonl", b'{"a": 1}\nnope', "invalid_file"),
        ("latin1.txt", "café".encode("latin-1"), "invalid_file"),
    ],
)
def test_unusable_files(name: str, data: bytes, code: str) -> None:
    with pytest.raises(DocumentError) as info:
        parse(name, data)
    assert info.value.code == code and info.value.message


def test_prechunked() -> None:
    assert parse_chunks(b'{"body": "one"}\n\n{"body": "two"}\n') == ["one", "two"]
    for bad in (b'{"text": "x"}', b'{"body": 3}', b"not json"):
        with pytest.raises(DocumentError):
            parse_chunks(bad)
