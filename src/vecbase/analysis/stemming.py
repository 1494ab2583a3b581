"""Snowball stemmers (the C implementation, through PyStemmer), one per language."""

from __future__ import annotations

import threading
from functools import cache
from typing import Callable

import Stemmer

SNOWBALL_LANGUAGES = (
    "arabic",
    "armenian",
    "danish",
    "dutch",
    "english",
    "finnish",
    "french",
    "german",
    "greek",
    "hungarian",
    "italian",
    "norwegian",
    "portuguese",
    "romanian",
    "russian",
    "spanish",
    "swedish",
    "tamil",
    "turkish",
)


@cache
def stemmer(language: str) -> Callable[[str], str]:
    """The stem function of a ``SnowballLanguage`` (ValueError for another name)."""
    if language not in SNOWBALL_LANGUAGES:
        raise ValueError(f"no Snowball stemmer for {language!r}")
    local = threading.local()  # a PyStemmer object must not be shared between threads

    def stem(word: str) -> str:
        algorithm = getattr(local, "algorithm", None)
        if algorithm is None:
            algorithm = local.algorithm = Stemmer.Stemmer(language)
        return algorithm.stemWord(word)  # type: ignore[no-any-return]

    return stem
