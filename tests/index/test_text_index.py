"""The text payload index answers text, text_any and phrase conditions exactly as a scan of
the payloads with the same analyzer would."""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from vecbase.analysis.analyzer import analyzer, config_from_params
from vecbase.core.config import PayloadIndexSpec, PayloadType
from vecbase.core.filter import FieldMatch, MatchPhrase, MatchText, MatchTextAny
from vecbase.index.payload import TextIndex

WORDS = [
    "The",
    "running",
    "runs",
    "runner",
    "Fox",
    "foxes",
    "ação",
    "acao",
    "бегут",
    "бежать",
    "машины",
    "a",
    "and",
    "of",
]
texts = st.lists(st.sampled_from(WORDS), min_size=0, max_size=6).map(" ".join)
params = st.fixed_dictionaries(
    {},
    optional={
        "tokenizer": st.sampled_from(["word", "whitespace", "prefix", "multilingual"]),
        "lowercase": st.booleans(),
        "ascii_folding": st.booleans(),
        "stopwords": st.one_of(
            st.sampled_from(["english", "russian"]),
            st.fixed_dictionaries({"languages": st.just(["english"]), "custom": st.just(["Fox"])}),
        ),
        "stemmer": st.sampled_from(
            [{"type": "snowball", "language": "english"}, {"type": "snowball", "language": "russian"}, {"type": "none"}]
        ),
        "min_token_len": st.integers(1, 3),
        "max_token_len": st.integers(3, 6),
    },
)


def _phrase_in(phrase: list[str], tokens: list[str]) -> bool:
    n = len(phrase)
    return n > 0 and any(tokens[i : i + n] == phrase for i in range(len(tokens) - n + 1))


def scan(config: dict[str, Any], docs: list[str], kind: str, query: str) -> list[bool]:
    a = analyzer(config_from_params(config))
    q = a.tokenize_query(query)
    out = []
    for doc in docs:
        tokens = a.tokenize_doc(doc)
        if kind == "text":
            out.append(bool(q) and set(q) <= set(tokens))
        elif kind == "text_any":
            out.append(bool(set(q) & set(tokens)))
        else:
            out.append(_phrase_in(q, tokens))
    return out


@settings(max_examples=200, deadline=None)
@given(
    config=params,
    docs=st.lists(texts, min_size=1, max_size=12),
    kind=st.sampled_from(["text", "text_any", "phrase"]),
    query=texts,
)
def test_index_answers_like_a_scan(config: dict[str, Any], docs: list[str], kind: str, query: str) -> None:
    index = TextIndex("t", PayloadIndexSpec(PayloadType.TEXT, config))
    for offset, doc in enumerate(docs):
        index.set(offset, {"t": doc})
    match = {"text": MatchText, "text_any": MatchTextAny, "phrase": MatchPhrase}[kind](query)
    mask = index.mask(FieldMatch("t", match), len(docs))
    assert mask is not None
    assert mask.tolist() == scan(config, docs, kind, query)
    assert np.count_nonzero(mask) <= len(docs)
