"""Token windows with overlap, as verbatim slices of the document."""

from __future__ import annotations

import pytest

from vecbase.documents.chunking import check_strategy, chunk_text, word_spans


def test_windows_overlap_by_whole_tokens() -> None:
    text = " ".join(f"w{i}" for i in range(250))
    chunks = chunk_text(text, word_spans, 100, 40)
    # windows start every 60 tokens: 0, 60, 120, 180 (the last one reaches the end)
    assert [c.split()[0] for c in chunks] == ["w0", "w60", "w120", "w180"]
    assert [len(c.split()) for c in chunks] == [100, 100, 100, 70]
    assert all(c in text for c in chunks)
    assert chunks[0].split()[-40:] == chunks[1].split()[:40]


def test_short_and_empty_texts() -> None:
    assert chunk_text("just a few words.", word_spans, 800, 400) == ["just a few words."]
    assert chunk_text("   \n ", word_spans, 800, 400) == []


def test_model_tokenizer_spans() -> None:
    from vecbase.inference.registry import REGISTRY

    model = REGISTRY.get("sentence-transformers/all-MiniLM-L6-v2")
    text = "Tokenization splits unbelievably long words. " * 40
    spans = model.token_spans(text)  # type: ignore[attr-defined]
    chunks = chunk_text(text, model.token_spans, 100, 20)  # type: ignore[attr-defined]
    assert len(spans) > 300  # word pieces, more than the words
    assert len(chunks) == 1 + -(-(len(spans) - 100) // 80)
    assert chunks[0] == text[: spans[99][1]]


@pytest.mark.parametrize(
    ("size", "overlap", "ok"),
    [(100, 50, True), (4096, 0, True), (99, 0, False), (4097, 0, False), (200, 101, False), (200, -1, False)],
)
def test_strategy_bounds(size: int, overlap: int, ok: bool) -> None:
    assert (check_strategy(size, overlap) is None) is ok
