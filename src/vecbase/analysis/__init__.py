"""Text analysis: text in, tokens out; pure functions, no I/O, no model.

Owns Qdrant's text pipeline (``TextIndexParams`` and ``Bm25Config``): tokenizers (word,
whitespace, prefix, multilingual), and the token processing each token then goes through,
in Qdrant's order: ASCII folding, lowercasing, stop words, stemming, length bounds. Also the
BM25 term weights and token ids of Qdrant's ``qdrant/bm25`` model.

Invariants: an ``Analyzer`` is a frozen value built from configuration; the same text gives
the same tokens on every run and every machine (the segmenters and lists ship with their
packages, nothing is downloaded); documents and queries may tokenize differently (the
prefix tokenizer), and callers say which one they have.
"""
