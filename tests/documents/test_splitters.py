"""Character splitters: chunk sizes, overlaps, separators, Markdown sections."""

from __future__ import annotations

import pytest

from vecbase.documents.splitters import split_text


def test_recursive_character_splitter() -> None:
    text = "\n\n".join(f"Paragraph {i}. " + "word " * 30 for i in range(6))
    chunks = split_text(text, chunk_size=120, chunk_overlap=20)
    assert all(len(c) <= 120 for c in chunks)
    assert chunks[0].startswith("Paragraph 0.")
    # every word of the text is in some chunk, in order
    joined = " ".join(chunks)
    assert all(f"Paragraph {i}." in joined for i in range(6))
    # neighbours overlap by up to 20 characters
    assert any(chunks[i][-10:].strip() in chunks[i + 1] for i in range(len(chunks) - 1))


def test_small_text_is_one_chunk() -> None:
    assert split_text("short text", chunk_size=100, chunk_overlap=10) == ["short text"]


def test_chinese_splitter_cuts_at_sentence_ends() -> None:
    text = "向量数据库存储向量。它支持相似度检索！全文检索也可以？" * 4
    chunks = split_text(text, chunk_size=30, chunk_overlap=0, splitter="ChineseRecursiveTextSplitter")
    assert all(len(c) <= 30 for c in chunks)
    assert all(c.endswith(("。", "！", "？")) for c in chunks)
    assert "".join(chunks) == text


def test_markdown_sections() -> None:
    text = "# Guide\nintro text\n## Install\npip install it\n## Use\nrun it\n"
    chunks = split_text(text, chunk_size=200, chunk_overlap=0, splitter="MarkdownHeaderTextSplitter")
    assert chunks == ["Guide\nintro text", "Guide / Install\npip install it", "Guide / Use\nrun it"]


def test_bad_arguments() -> None:
    with pytest.raises(ValueError):
        split_text("x", chunk_size=10, chunk_overlap=10)
    with pytest.raises(ValueError):
        split_text("x", splitter="LLMSplitter")
