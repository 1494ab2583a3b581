"""The language of a text guessed from its writing system, for analyzers that must pick a
stemmer and stop words without being told (documents ingested by the vector-store dialects).

Letters are counted per script; the script with the most letters names the language its
text most likely is in: Latin -> English, Cyrillic -> Russian, Han -> Chinese, kana ->
Japanese (kana outweighs Han, which Japanese also writes), Greek, Arabic, Hebrew, Bengali.
A text without letters is None.
"""

from __future__ import annotations

import re

_SCRIPTS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("english", re.compile(r"[A-Za-z\u00C0-\u024F]")),
    ("russian", re.compile(r"[\u0400-\u04FF]")),
    ("chinese", re.compile(r"[\u4E00-\u9FFF\u3400-\u4DBF]")),
    ("japanese", re.compile(r"[\u3040-\u30FF]")),
    ("greek", re.compile(r"[\u0370-\u03FF]")),
    ("arabic", re.compile(r"[\u0600-\u06FF]")),
    ("hebrew", re.compile(r"[\u0590-\u05FF]")),
    ("bengali", re.compile(r"[\u0980-\u09FF]")),
)


def guess_language(text: str) -> str | None:
    counts = {language: len(pattern.findall(text)) for language, pattern in _SCRIPTS}
    if counts["japanese"]:
        counts["japanese"] += counts["chinese"]  # kanji are Japanese when kana are present
    language, letters = max(counts.items(), key=lambda kv: kv[1])
    return language if letters else None
