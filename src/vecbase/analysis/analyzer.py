"""The analyzer: Qdrant's tokenizers and token processing, for documents and queries.

Token processing, per token and in Qdrant's order: ASCII folding, lowercasing, stop word
removal, stemming, then the length bounds (``min_token_len``, ``max_token_len``). The
``prefix`` tokenizer indexes every prefix of a processed word, from ``min_token_len`` to
``max_token_len`` characters, and turns a query word into one prefix of at most
``max_token_len`` characters, stop words kept (a partial word may look like one). The
``multilingual`` tokenizer segments Japanese and Chinese into words, lowercases, and skips
tokens without a letter; Japanese words skip the stemmer and the length bounds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from functools import cache
from typing import Any, Callable, Mapping

from vecbase.analysis import segmentation
from vecbase.analysis.folding import fold_to_ascii
from vecbase.analysis.stemming import stemmer
from vecbase.analysis.stopwords import stopword_set


class TokenizerType(str, Enum):
    WORD = "word"
    WHITESPACE = "whitespace"
    PREFIX = "prefix"
    MULTILINGUAL = "multilingual"


@dataclass(frozen=True, slots=True)
class AnalyzerConfig:
    """Qdrant's ``TextIndexParams`` (and the text part of ``Bm25Config``) with defaults
    applied: ``stemmer`` is a Snowball language or None, stop words are languages plus
    custom words."""

    tokenizer: TokenizerType = TokenizerType.WORD
    lowercase: bool = True
    ascii_folding: bool = False
    stopword_languages: tuple[str, ...] = ()
    custom_stopwords: tuple[str, ...] = ()
    stemmer: str | None = None
    min_token_len: int | None = None
    max_token_len: int | None = None


def config_from_params(params: Mapping[str, Any]) -> AnalyzerConfig:
    """An analyzer from Qdrant's ``TextIndexParams`` as a mapping (unset keys: defaults);
    ValueError for an unknown tokenizer, language or stemmer."""
    stopwords = params.get("stopwords")
    languages: tuple[str, ...] = ()
    custom: tuple[str, ...] = ()
    if isinstance(stopwords, str):
        languages = (stopwords,)
    elif isinstance(stopwords, Mapping):
        languages = tuple(stopwords.get("languages") or ())
        custom = tuple(stopwords.get("custom") or ())
    stem = params.get("stemmer")
    language = None
    if isinstance(stem, Mapping) and stem.get("type") == "snowball":
        language = str(stem.get("language"))
    return AnalyzerConfig(
        tokenizer=TokenizerType(params.get("tokenizer") or "word"),
        lowercase=params.get("lowercase") is not False,
        ascii_folding=bool(params.get("ascii_folding")),
        stopword_languages=languages,
        custom_stopwords=custom,
        stemmer=language,
        min_token_len=params.get("min_token_len"),
        max_token_len=params.get("max_token_len"),
    )


_MEMO_SIZE = 1 << 17


@dataclass(frozen=True, eq=False)
class Analyzer:
    config: AnalyzerConfig
    _stopwords: frozenset[str] = field(init=False)
    _stem: Callable[[str], str] | None = field(init=False)
    # word -> its token (None: dropped); words repeat, and the pipeline (folding, stop
    # words, Snowball) is the bulk of indexing time. Bounded; cleared when full.
    _memo: dict[str, str | None] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_memo", {})
        c = self.config
        object.__setattr__(self, "_stopwords", stopword_set(c.stopword_languages, c.custom_stopwords, c.lowercase))
        object.__setattr__(self, "_stem", stemmer(c.stemmer) if c.stemmer else None)

    # -- token processing ---------------------------------------------------------------
    def _normalize(self, token: str) -> str:
        if self.config.ascii_folding:
            token = fold_to_ascii(token)
        return token.lower() if self.config.lowercase else token

    def process(self, token: str, check_max_len: bool = True) -> str | None:
        """One token through folding, lowercasing, stop words, stemming and the length
        bounds; None when it is dropped."""
        if not token:
            return None
        token = self._normalize(token)
        if token in self._stopwords:
            return None
        if self._stem is not None:
            token = self._stem(token)
        c = self.config
        n = len(token)
        if c.min_token_len is not None and n < c.min_token_len:
            return None
        if check_max_len and c.max_token_len is not None and n > c.max_token_len:
            return None
        return token

    def _cached(self, word: str) -> str | None:
        memo = self._memo
        try:
            return memo[word]
        except KeyError:
            token = self.process(word)
            if len(memo) >= _MEMO_SIZE:
                memo.clear()
            memo[word] = token
            return token

    # -- tokenizers ---------------------------------------------------------------------
    def tokenize_doc(self, text: str) -> list[str]:
        """The tokens a document is indexed under, in order (repeats kept)."""
        kind = self.config.tokenizer
        if kind is TokenizerType.PREFIX:
            return self._prefixes(text)
        if kind is TokenizerType.MULTILINGUAL:
            return self._multilingual(text)
        words = text.split() if kind is TokenizerType.WHITESPACE else segmentation.unicode_words(text)
        out = []
        cached = self._cached
        for word in words:
            token = cached(word)
            if token is not None:
                out.append(token)
        return out

    def tokenize_query(self, text: str) -> list[str]:
        """The tokens a query looks up: a document's, except for the prefix tokenizer."""
        if self.config.tokenizer is not TokenizerType.PREFIX:
            return self.tokenize_doc(text)
        c = self.config
        out = []
        for word in segmentation.unicode_words(text):
            token = self._normalize(word)
            if self._stem is not None:
                token = self._stem(token)
            if c.min_token_len is not None and len(token) < c.min_token_len:
                continue  # shorter tokens are not in the index
            out.append(token[: c.max_token_len] if c.max_token_len is not None else token)
        return out

    def _prefixes(self, text: str) -> list[str]:
        c = self.config
        n_min = c.min_token_len if c.min_token_len is not None else 1
        out = []
        for word in segmentation.unicode_words(text):
            token = self.process(word, check_max_len=False)
            if token is None:
                continue
            n = n_min
            while c.max_token_len is None or n <= c.max_token_len:
                if n >= len(token):
                    out.append(token)  # the whole word ends the prefixes
                    break
                out.append(token[:n])
                n += 1
        return out

    def _multilingual(self, text: str) -> list[str]:
        script = segmentation.script_of(text)
        out = []
        if script == "japanese":
            for word in segmentation.japanese_words(text):
                if word in self._stopwords or not any(ch.isalpha() for ch in word):
                    continue
                out.append(word.lower() if self.config.lowercase else word)
            return out
        words = segmentation.chinese_words(text) if script == "chinese" else segmentation.unicode_words(text)
        for word in words:
            if not any(ch.isalpha() for ch in word):
                continue  # numbers and punctuation are not words here
            token = self.process(word.lower())
            if token is not None:
                out.append(token)
        return out


@cache
def analyzer(config: AnalyzerConfig) -> Analyzer:
    """The analyzer of a configuration, built once (its stop word set and stemmer with it)."""
    return Analyzer(config)
