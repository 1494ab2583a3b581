"""Stop word lists of Qdrant's ``Language`` values.

Most lists are the NLTK ones Qdrant uses, as the ``bm25s`` package ships them; languages it
does not ship come from ``stopwordsiso``; none is known offline for Azerbaijani, Hinglish,
Kazakh, Nepali and Tajik (no word is removed for them).
"""

from __future__ import annotations

from functools import cache
from typing import Iterable

LANGUAGES = (
    "arabic",
    "azerbaijani",
    "basque",
    "bengali",
    "catalan",
    "chinese",
    "danish",
    "dutch",
    "english",
    "finnish",
    "french",
    "german",
    "greek",
    "hebrew",
    "hinglish",
    "hungarian",
    "indonesian",
    "italian",
    "japanese",
    "kazakh",
    "nepali",
    "norwegian",
    "portuguese",
    "romanian",
    "russian",
    "slovene",
    "spanish",
    "swedish",
    "tajik",
    "turkish",
)

# bm25s's names of NLTK's lists (english: "EN_PLUS", NLTK's 179 words)
_BM25S = {
    "chinese": "STOPWORDS_CHINESE",
    "danish": "STOPWORDS_DANISH",
    "dutch": "STOPWORDS_DUTCH",
    "english": "STOPWORDS_EN_PLUS",
    "french": "STOPWORDS_FRENCH",
    "german": "STOPWORDS_GERMAN",
    "italian": "STOPWORDS_ITALIAN",
    "norwegian": "STOPWORDS_NORWEGIAN",
    "portuguese": "STOPWORDS_PORTUGUESE",
    "russian": "STOPWORDS_RUSSIAN",
    "spanish": "STOPWORDS_SPANISH",
    "swedish": "STOPWORDS_SWEDISH",
    "turkish": "STOPWORDS_TURKISH",
}
_ISO = {
    "arabic": "ar",
    "basque": "eu",
    "bengali": "bn",
    "catalan": "ca",
    "finnish": "fi",
    "greek": "el",
    "hebrew": "he",
    "hungarian": "hu",
    "indonesian": "id",
    "japanese": "ja",
    "romanian": "ro",
    "slovene": "sl",
}


@cache
def language_stopwords(language: str) -> frozenset[str]:
    """The stop words of one language (ValueError for a name that is not a ``Language``)."""
    if language not in LANGUAGES:
        raise ValueError(f"unknown stop words language {language!r}")
    if language in _BM25S:
        from bm25s import stopwords as nltk_lists

        return frozenset(getattr(nltk_lists, _BM25S[language]))
    if language in _ISO:
        import stopwordsiso

        return frozenset(stopwordsiso.stopwords(_ISO[language]))
    return frozenset()


def stopword_set(languages: Iterable[str], custom: Iterable[str], lowercase: bool) -> frozenset[str]:
    """Qdrant's stop word filter: the languages' lists and the custom words, lowercased
    when the analyzer lowercases (tokens are compared after lowercasing)."""
    words: set[str] = set()
    for language in languages:
        words.update(language_stopwords(language))
    words.update(custom)
    return frozenset(w.lower() for w in words) if lowercase else frozenset(words)
