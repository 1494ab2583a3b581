"""The full-text payload index: token postings over segment offsets, analysed by the field's
``TextIndexParams`` (``analysis``), answering ``text``, ``text_any`` and ``phrase``.

Appendable: token -> set of offsets, each posting turned into a sorted array on first use
and cached until it changes; the token tuples of each offset are kept (phrases are checked
on them). Frozen: token -> sorted int32 offsets, and the token sequence of every offset as
vocabulary ids in one CSR pair of arrays (values separated by -1, so no phrase spans two
values), a few bytes per token instead of a Python tuple per offset.

``text`` intersects the postings from the shortest up, probing each longer posting by
binary search (work proportional to the candidates, not to the postings); ``text_any``
scatters the postings into a mask; ``phrase`` checks the intersection's token sequences.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np
import numpy.typing as npt

from vecbase.analysis.analyzer import analyzer, config_from_params
from vecbase.core.conditions import Mask, empty_mask
from vecbase.core.config import PayloadIndexSpec
from vecbase.core.filter import Condition, FieldMatch, MatchPhrase, MatchText, MatchTextAny
from vecbase.index.field import (
    I32,
    I64,
    FieldIndex,
    mapped_rows,
    merged_postings,
    pack_postings,
    range_positions,
    split_postings,
)

_GAP = -1  # between the values of one offset in the frozen token sequences


def intersect_sorted(postings: Sequence[I32]) -> I32:
    """The offsets in every posting (each sorted, distinct): the shortest filtered by binary
    search in each of the others, shortest first."""
    if not postings:
        return np.empty(0, dtype=np.int32)
    ordered = sorted(postings, key=len)
    out = ordered[0]
    for posting in ordered[1:]:
        if not out.shape[0]:
            break
        at = np.searchsorted(posting, out)
        at[at == posting.shape[0]] = 0
        out = out[posting[at] == out]
    return out


def _contains(sequence: list[int], phrase: list[int]) -> bool:
    n = len(phrase)
    first = phrase[0]
    return any(sequence[i : i + n] == phrase for i in range(len(sequence) - n + 1) if sequence[i] == first)


class TextIndex(FieldIndex):
    def __init__(self, key: str, spec: PayloadIndexSpec) -> None:
        super().__init__(key, spec)
        self.analyzer = analyzer(config_from_params(spec.params))
        self._postings: dict[str, set[int]] = {}
        self._arrays: dict[str, I32] = {}
        # frozen token sequences: ids of _vocab, offset o's tokens at _starts[o]:_starts[o + 1]
        self._vocab: dict[str, int] = {}
        self._tokens: I32 = np.empty(0, dtype=np.int32)
        self._starts: I64 = np.zeros(1, dtype=np.int64)

    def tokens(self, text: str) -> list[str]:
        """A query's tokens, analysed as the field's documents are."""
        return self.analyzer.tokenize_query(text)

    def extract(self, raw: Any) -> Any | None:
        return tuple(self.analyzer.tokenize_doc(raw)) if isinstance(raw, str) else None

    def _added(self, offset: int, values: tuple[Any, ...]) -> None:
        for tokens in values:
            for t in tokens:
                self._postings.setdefault(t, set()).add(offset)
                self._arrays.pop(t, None)

    def _removed(self, offset: int, values: tuple[Any, ...]) -> None:
        for tokens in values:
            for t in tokens:
                self._arrays.pop(t, None)
                posting = self._postings.get(t)
                if posting is not None:
                    posting.discard(offset)
                    if not posting:
                        del self._postings[t]

    def _posting(self, token: str) -> I32 | None:
        array = self._arrays.get(token)
        if array is None and not self.frozen:
            posting = self._postings.get(token)
            if not posting:
                return None
            array = np.sort(np.fromiter(posting, dtype=np.int32, count=len(posting)))
            self._arrays[token] = array
        return array

    def _freeze(self) -> bool:
        for token in list(self._postings):
            self._posting(token)
        self._postings = {}
        vocab = {token: i for i, token in enumerate(self._arrays)}
        n = max(self._values, default=-1) + 1
        lengths = np.zeros(n + 1, dtype=np.int64)
        sequences: list[int] = []
        for offset in sorted(self._values):
            before = len(sequences)
            for k, tokens in enumerate(self._values[offset]):
                if k:
                    sequences.append(_GAP)
                sequences.extend(vocab[t] for t in tokens)
            lengths[offset + 1] = len(sequences) - before
        self._vocab = vocab
        self._tokens = np.array(sequences, dtype=np.int32)
        self._starts = np.cumsum(lengths)
        return True

    def _gather(self, parts: Sequence[tuple[FieldIndex, I64]]) -> I64:
        texts = [(index, new_of) for index, new_of in parts if isinstance(index, TextIndex)]
        assert len(texts) == len(parts)
        self._postings = {}
        self._arrays = merged_postings([(index._arrays, new_of) for index, new_of in texts])
        self._vocab = {token: i for i, token in enumerate(self._arrays)}  # as ``_freeze`` numbers them
        rows, lengths, sequences, held = [], [], [], []
        for index, new_of in texts:
            assert index._holding is not None
            # holders, not postings: a value without tokens (an empty string) holds too
            held.append(mapped_rows(np.flatnonzero(index._holding), new_of))
            # the copied offsets' token sequences, renumbered in the merged vocabulary (a
            # copied offset's tokens all have a merged posting; _GAP, -1, picks the last entry)
            have = min(index._starts.shape[0] - 1, new_of.shape[0])
            offs = np.flatnonzero((new_of[:have] >= 0) & index._holding[:have])
            starts = index._starts[offs]
            size = index._starts[offs + 1] - starts
            renumber = np.array([self._vocab.get(t, _GAP) for t in index._arrays] + [_GAP], dtype=np.int32)
            sequences.append(renumber[index._tokens[range_positions(starts, size)]])
            rows.append(new_of[offs])
            lengths.append(size)
        row = np.concatenate([*rows, np.zeros(0, dtype=np.int64)])
        size = np.concatenate([*lengths, np.zeros(0, dtype=np.int64)])
        flat = np.concatenate([*sequences, np.zeros(0, dtype=np.int32)])
        order = np.argsort(row, kind="stable")  # the sequences laid out by merged row
        self._tokens = flat[range_positions((np.cumsum(size) - size)[order], size[order])].astype(np.int32)
        top = int(row.max()) + 1 if row.shape[0] else 0
        self._starts = np.cumsum(np.bincount(row + 1, weights=size, minlength=top + 1).astype(np.int64))
        return np.concatenate([*held, np.zeros(0, dtype=np.int64)])

    def _dump(self) -> tuple[dict[str, Any], dict[str, npt.NDArray[Any]]]:
        offsets, ends = pack_postings(list(self._arrays.values()))
        arrays: dict[str, npt.NDArray[Any]] = {
            "offsets": offsets,
            "ends": ends,
            "sequence": self._tokens,
            "starts": self._starts,
        }
        return {"tokens": list(self._arrays)}, arrays

    def _adopt(self, described: dict[str, Any], arrays: Mapping[str, npt.NDArray[Any]]) -> None:
        tokens: list[str] = described["tokens"]
        self._postings = {}
        self._arrays = dict(zip(tokens, split_postings(arrays["offsets"], arrays["ends"])))
        self._vocab = {token: i for i, token in enumerate(tokens)}  # as ``_freeze`` numbers them
        self._tokens = np.asarray(arrays["sequence"], dtype=np.int32)
        self._starts = np.asarray(arrays["starts"], dtype=np.int64)

    def _sequence(self, offset: int) -> list[list[Any]]:
        """The token sequences of one offset's values (vocabulary ids when frozen)."""
        if not self.frozen:
            return [list(tokens) for tokens in self._values.get(offset, ())]
        if offset + 1 >= self._starts.shape[0]:
            return []
        return [self._tokens[self._starts[offset] : self._starts[offset + 1]].tolist()]

    def _phrase_terms(self, phrase: list[str]) -> list[Any] | None:
        if not self.frozen:
            return list(phrase)
        ids = [self._vocab.get(t) for t in phrase]
        return None if any(i is None for i in ids) else ids

    def _hits(self, cond: Condition) -> I32 | None:
        """Sorted offsets whose text satisfies ``cond`` (removed ones included when frozen)."""
        if not isinstance(cond, FieldMatch):
            return None
        m = cond.match
        if isinstance(m, MatchText):
            query = self.tokens(m.text)
            if not query:
                return np.empty(0, dtype=np.int32)
            postings = [self._posting(t) for t in dict.fromkeys(query)]
            if any(p is None for p in postings):
                return np.empty(0, dtype=np.int32)
            return intersect_sorted(postings)  # type: ignore[arg-type]
        if isinstance(m, MatchTextAny):
            found = [p for p in map(self._posting, dict.fromkeys(self.tokens(m.text))) if p is not None]
            if len(found) == 1:
                return found[0]
            return np.unique(np.concatenate(found)) if found else np.empty(0, dtype=np.int32)
        if isinstance(m, MatchPhrase):
            phrase = self.tokens(m.phrase)
            terms = self._phrase_terms(phrase)
            postings = [self._posting(t) for t in dict.fromkeys(phrase)]
            if not phrase or terms is None or any(p is None for p in postings):
                return np.empty(0, dtype=np.int32)
            candidates = intersect_sorted(postings)  # type: ignore[arg-type]
            keep = [any(_contains(seq, terms) for seq in self._sequence(o)) for o in candidates.tolist()]
            return candidates[np.array(keep, dtype=bool)] if keep else candidates
        return None

    def mask(self, cond: Condition, n: int) -> Mask | None:
        out = empty_mask(n)
        if isinstance(cond, FieldMatch) and isinstance(cond.match, MatchTextAny):
            # a union needs no sorting: each posting scattered into the mask
            for p in map(self._posting, dict.fromkeys(self.tokens(cond.match.text))):
                if p is not None:
                    out[p[p < n] if self.frozen else p] = True
            return out
        hits = self._hits(cond)
        if hits is None:
            return None
        out[hits[hits < n]] = True
        return out

    def offsets(self, cond: Condition) -> I64 | None:
        hits = self._hits(cond)
        return None if hits is None else hits.astype(np.int64)
