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
from vecbase.index.text import TextIndex

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


def scan(config: dict[str, Any], docs: list[list[str]], kind: str, query: str) -> list[bool]:
    """A point matches when one of its text values does (a phrase never spans two values)."""
    a = analyzer(config_from_params(config))
    q = a.tokenize_query(query)
    out = []
    for values in docs:
        token_lists = [a.tokenize_doc(v) for v in values]
        tokens = {t for ts in token_lists for t in ts}
        if kind == "text":
            out.append(bool(q) and set(q) <= tokens)
        elif kind == "text_any":
            out.append(bool(set(q) & tokens))
        else:
            out.append(any(_phrase_in(q, ts) for ts in token_lists))
    return out


@settings(max_examples=300, deadline=None)
@given(
    config=params,
    docs=st.lists(st.lists(texts, min_size=1, max_size=2), min_size=1, max_size=12),
    kind=st.sampled_from(["text", "text_any", "phrase"]),
    query=texts,
    frozen=st.booleans(),
    removed=st.sets(st.integers(0, 11), max_size=3),
)
def test_index_answers_like_a_scan(
    config: dict[str, Any], docs: list[list[str]], kind: str, query: str, frozen: bool, removed: set[int]
) -> None:
    index = TextIndex("t", PayloadIndexSpec(PayloadType.TEXT, config))
    for offset, values in enumerate(docs):
        index.set(offset, {"t": values if len(values) > 1 else values[0]})
    removed = {o for o in removed if o < len(docs)}
    if frozen:
        index.freeze(len(docs))
    for offset in removed:
        index.remove(offset)
    cond = FieldMatch("t", {"text": MatchText, "text_any": MatchTextAny, "phrase": MatchPhrase}[kind](query))
    mask = index.mask(cond, len(docs))
    offsets = index.offsets(cond)
    assert mask is not None and offsets is not None
    expected = scan(config, docs, kind, query)
    live = [o not in removed for o in range(len(docs))]
    # removed offsets may still be listed by a frozen index; callers mask them with live rows
    assert [m and ok for m, ok in zip(mask.tolist(), live)] == [e and ok for e, ok in zip(expected, live)]
    assert offsets.tolist() == sorted(set(offsets.tolist()))
    assert set(offsets.tolist()) == set(np.flatnonzero(mask).tolist())
    if not frozen:
        assert mask.tolist() == [e and ok for e, ok in zip(expected, live)]
