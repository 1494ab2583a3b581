"""Word segmentation for the ``multilingual`` tokenizer: Japanese with Sudachi (its small
dictionary, short units), Chinese with jieba, every other script by Unicode word boundaries.
Both dictionaries ship with their packages and load once, on first use."""

from __future__ import annotations

import re
import threading
from functools import lru_cache
from typing import Any, Iterator

_KANA = re.compile(r"[\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9f]")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
# a word: letters, marks and digits (an apostrophe or hyphen splits, as in Qdrant)
WORD = re.compile(r"[^\W_]+")
_LOCK = threading.Lock()


@lru_cache(maxsize=1)
def _jieba() -> Any:
    with _LOCK:
        import jieba

        jieba.setLogLevel(60)  # the dictionary load is not worth a log line
        jieba.initialize()
        return jieba


_local = threading.local()


def _sudachi() -> Any:
    tokenizer = getattr(_local, "sudachi", None)
    if tokenizer is None:  # a Sudachi tokenizer is not thread-safe
        from sudachipy import dictionary

        tokenizer = _local.sudachi = dictionary.Dictionary(dict="small").tokenizer()
    return tokenizer


def script_of(text: str) -> str:
    """``japanese`` when the text has kana, ``chinese`` when it has Han characters and no
    kana, ``other`` otherwise (decided for the whole text, as Qdrant does)."""
    if _KANA.search(text):
        return "japanese"
    if _HAN.search(text):
        return "chinese"
    return "other"


def japanese_words(text: str) -> Iterator[str]:
    from sudachipy import tokenizer as sudachi

    for morpheme in _sudachi().tokenize(text, sudachi.Tokenizer.SplitMode.A):
        yield morpheme.surface()


def chinese_words(text: str) -> Iterator[str]:
    for word in _jieba().cut(text):
        if _HAN.search(word):
            yield word
        else:  # latin words, numbers, punctuation between Chinese runs
            yield from WORD.findall(word)


def unicode_words(text: str) -> list[str]:
    return WORD.findall(text)
