"""Chunking: windows of ``max_tokens`` tokens of the embedding model's tokenizer, each starting
``max_tokens - overlap`` tokens after the previous one (OpenAI's static strategy; ``auto`` is
800 / 400). A chunk is the text from its first token's first character to its last token's
last character, so chunks are verbatim slices of the document and overlap by whole tokens.
"""

from __future__ import annotations

import re
from typing import Callable, Sequence

Spans = Callable[[str], Sequence[tuple[int, int]]]

AUTO_MAX_TOKENS = 800
AUTO_OVERLAP = 400
MIN_MAX_TOKENS, MAX_MAX_TOKENS = 100, 4096

_WORD = re.compile(r"\w+|[^\w\s]", re.UNICODE)


def word_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of words and punctuation marks: the tokenizer when no model has one."""
    return [m.span() for m in _WORD.finditer(text)]


def check_strategy(max_tokens: int, overlap: int) -> str | None:
    """Why a static strategy is invalid, or None (the bounds of OpenAI's API)."""
    if not MIN_MAX_TOKENS <= max_tokens <= MAX_MAX_TOKENS:
        return f"max_chunk_size_tokens must be between {MIN_MAX_TOKENS} and {MAX_MAX_TOKENS}, got {max_tokens}"
    if overlap < 0:
        return f"chunk_overlap_tokens must be non-negative, got {overlap}"
    if overlap > max_tokens // 2:
        return f"chunk_overlap_tokens must not exceed half of max_chunk_size_tokens ({max_tokens // 2}), got {overlap}"
    return None


def chunk_text(text: str, spans: Spans, max_tokens: int, overlap: int) -> list[str]:
    """The chunks of ``text`` (none for a text without tokens)."""
    if check_strategy(max_tokens, overlap) is not None and not (0 < max_tokens and 0 <= overlap < max_tokens):
        raise ValueError(f"invalid chunking {max_tokens} / {overlap}")
    tokens = [s for s in spans(text) if s[1] > s[0]]
    if not tokens:
        return []
    step = max_tokens - overlap
    chunks = []
    start = 0
    while True:
        window = tokens[start : start + max_tokens]
        chunks.append(text[window[0][0] : window[-1][1]])
        if start + max_tokens >= len(tokens):
            return chunks
        start += step
