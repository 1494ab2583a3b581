"""The ``qdrant/bm25`` model: Qdrant's BM25 sparse vectors, with ``Bm25Config`` options.

Options (all optional): ``k``, ``b``, ``avg_len``, ``tokenizer``, ``language`` (default
English: its stop words and Snowball stemmer unless ``stopwords`` / ``stemmer`` say
otherwise; a language without either disables them), ``lowercase``, ``ascii_folding``,
``stopwords``, ``stemmer``, ``min_token_len``, ``max_token_len``.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any, Mapping, Sequence

from vecbase.analysis.analyzer import Analyzer, AnalyzerConfig, analyzer, config_from_params
from vecbase.analysis.bm25 import Bm25Params, embed_document, embed_query
from vecbase.analysis.stemming import SNOWBALL_LANGUAGES
from vecbase.analysis.stopwords import LANGUAGES
from vecbase.core.errors import BadRequestError
from vecbase.core.points import SparseVector
from vecbase.inference import usage
from vecbase.inference.base import Embedding

_PARAMS = {"k", "b", "avg_len"}
_TEXT = {
    "tokenizer",
    "language",
    "lowercase",
    "ascii_folding",
    "stopwords",
    "stemmer",
    "min_token_len",
    "max_token_len",
}


def bm25_setup(options: Mapping[str, Any] | None) -> tuple[Analyzer, Bm25Params]:
    """The analyzer and BM25 parameters of a request's options (cached per distinct options)."""
    return _setup(json.dumps(options or {}, sort_keys=True))


@lru_cache(maxsize=256)
def _setup(key: str) -> tuple[Analyzer, Bm25Params]:
    options = json.loads(key)
    if not isinstance(options, dict):
        raise BadRequestError("Bad request: Invalid BM25 config: options must be an object")
    unknown = set(options) - _PARAMS - _TEXT
    if unknown:
        raise BadRequestError(f"Bad request: Invalid BM25 config: unknown field(s) {sorted(unknown)}")
    try:
        params = Bm25Params(
            k=float(options.get("k", 1.2)),
            b=float(options.get("b", 0.75)),
            avg_len=float(options.get("avg_len", 256.0)),
        )
        params.check()
        language = str(options.get("language") or "english")
        text = {k: v for k, v in options.items() if k in _TEXT and k != "language" and v is not None}
        if "stopwords" not in text and language in LANGUAGES:
            text["stopwords"] = language
        if "stemmer" not in text and language in SNOWBALL_LANGUAGES:
            text["stemmer"] = {"type": "snowball", "language": language}
        config: AnalyzerConfig = config_from_params(text)
        return analyzer(config), params
    except (TypeError, ValueError) as e:
        raise BadRequestError(f"Bad request: Invalid BM25 config: {e}") from None


class Bm25Model:
    name = "qdrant/bm25"

    def embed(self, texts: Sequence[str], options: Mapping[str, Any] | None, query: bool) -> list[Embedding]:
        a, params = bm25_setup(options)
        out: list[Embedding] = []
        spent = 0
        for text in texts:
            tokens = a.tokenize_query(text) if query else a.tokenize_doc(text)
            spent += len(tokens)
            dims, values = embed_query(tokens) if query else embed_document(tokens, params)
            out.append(SparseVector(dims, values))
        usage.record(self.name, spent)
        return out
