"""The default word tokenizer of full-text matching (also used on fields without a text index)."""

from __future__ import annotations

import re

_WORD = re.compile(r"[^\W_]+")


def word_tokens(text: str, lowercase: bool = True) -> list[str]:
    tokens = _WORD.findall(text)
    return [t.lower() for t in tokens] if lowercase else tokens
