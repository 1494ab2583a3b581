"""Qdrant's text pipeline: each tokenizer and option on English, Russian, Chinese and
Japanese samples (expected tokens as Qdrant 1.19's own tests state them where it has them)."""

from __future__ import annotations

import pytest

from vecbase.analysis.analyzer import Analyzer, AnalyzerConfig, TokenizerType
from vecbase.analysis.folding import fold_to_ascii
from vecbase.analysis.stopwords import LANGUAGES, language_stopwords

W, WS, P, M = TokenizerType.WORD, TokenizerType.WHITESPACE, TokenizerType.PREFIX, TokenizerType.MULTILINGUAL


def tokens(text: str, **config: object) -> list[str]:
    return Analyzer(AnalyzerConfig(**config)).tokenize_doc(text)  # type: ignore[arg-type]


def test_word_tokenizer_splits_on_non_alphanumerics() -> None:
    assert tokens("hello, world! Привет, мир!", lowercase=False) == ["hello", "world", "Привет", "мир"]
    assert tokens("hello, world! Привет, мир!") == ["hello", "world", "привет", "мир"]
    assert tokens("it's a well-known e-mail_address 42") == [
        "it",
        "s",
        "a",
        "well",
        "known",
        "e",
        "mail",
        "address",
        "42",
    ]


def test_whitespace_tokenizer_keeps_punctuation() -> None:
    assert tokens("Hello, world!  Привет\tмир", tokenizer=WS) == ["hello,", "world!", "привет", "мир"]


def test_prefix_tokenizer_documents_and_queries() -> None:
    config = AnalyzerConfig(tokenizer=P, min_token_len=1, max_token_len=4)
    a = Analyzer(config)
    assert a.tokenize_doc("hello, мир!") == ["h", "he", "hel", "hell", "м", "ми", "мир"]
    assert a.tokenize_query("hello, мир!") == ["hell", "мир"]
    unbounded = Analyzer(AnalyzerConfig(tokenizer=P, min_token_len=2))
    assert unbounded.tokenize_doc("theory") == ["th", "the", "theo", "theor", "theory"]
    # a query keeps a stop word: it may be the start of a longer word
    stop = Analyzer(AnalyzerConfig(tokenizer=P, stopword_languages=("english",)))
    assert "the" not in stop.tokenize_doc("the theory") or stop.tokenize_doc("the") == []
    assert stop.tokenize_query("the") == ["the"]


def test_multilingual_segments_japanese_chinese_and_others() -> None:
    japanese = "日本語のテキストです。Qdrantのコードで単体テストで使用されています。"
    assert "|".join(tokens(japanese, tokenizer=M, lowercase=False)) == (
        "日本|語|の|テキスト|です|Qdrant|の|コード|で|単体|テスト|で|使用|さ|れ|て|い|ます"
    )
    assert tokens("これはテストです", tokenizer=M) == ["これ", "は", "テスト", "です"]
    chinese = tokens("这是一段德语文本。它用于 Qdrant 代码的单元测试中。", tokenizer=M)
    assert chinese == ["这是", "一段", "德语", "文本", "它", "用于", "qdrant", "代码", "的", "单元测试", "中"]
    english = "This is english text. It's being used within Qdrant's code in a unit test."
    assert "|".join(tokens(english, tokenizer=M, lowercase=False)) == (
        "this|is|english|text|it|s|being|used|within|qdrant|s|code|in|a|unit|test"
    )
    assert tokens("Testing this", tokenizer=M, stemmer="english") == ["test", "this"]
    # a whitespace split fails Chinese: the word tokenizer keeps a whole run as one token
    assert tokens("我爱北京天安门", tokenizer=W) == ["我爱北京天安门"]
    assert tokens("我爱北京天安门", tokenizer=M) == ["我", "爱", "北京", "天安门"]
    # mixed scripts: the Chinese runs are segmented, the rest split into words
    assert tokens("数据库 vector search 向量数据库", tokenizer=M) == ["数据库", "vector", "search", "向量", "数据库"]


def test_stop_words_and_stemming() -> None:
    english = tokens("The foxes are running quickly", stopword_languages=("english",), stemmer="english")
    assert english == ["fox", "run", "quick"]
    russian = tokens("Они были лучшими машинами в городе", stopword_languages=("russian",), stemmer="russian")
    assert russian == ["лучш", "машин", "город"]
    chinese = tokens("我们的数据库是最好的", tokenizer=M, stopword_languages=("chinese",))
    assert "的" not in chinese and "数据库" in chinese
    combined = tokens("the und le data", stopword_languages=("english", "german", "french"))
    assert combined == ["data"]
    custom = tokens("Foo bar BAZ", custom_stopwords=("FOO", "baz"))
    assert custom == ["bar"]
    case_kept = tokens("Foo bar foo", lowercase=False, custom_stopwords=("foo",))
    assert case_kept == ["Foo", "bar"]


def test_nltk_stop_word_lists_as_qdrant() -> None:
    english = language_stopwords("english")
    assert len(english) == 179 and {"the", "ain", "couldn't", "mightn"} <= english
    assert len(language_stopwords("russian")) == 151
    assert len(language_stopwords("chinese")) == 841
    # NLTK's corpus, Qdrant's lists: the sizes of Qdrant 1.19's lists for the languages that
    # no other offline source carries
    sizes = {"azerbaijani": 165, "hinglish": 1036, "kazakh": 276, "nepali": 254, "arabic": 701, "slovene": 1784}
    for language, size in sizes.items():
        assert len(language_stopwords(language)) == size, language
    assert "алайда" in language_stopwords("kazakh")
    for language in LANGUAGES:
        assert len(language_stopwords(language)) > 40, language
    with pytest.raises(ValueError):
        language_stopwords("klingon")


def test_token_lengths() -> None:
    assert tokens("a an the quick", min_token_len=3) == ["the", "quick"]
    assert tokens("a an the quick", max_token_len=3) == ["a", "an", "the"]


def test_ascii_folding() -> None:
    assert fold_to_ascii("ação Straße Ærø Łódź naïve") == "acao Strasse AEro Lodz naive"
    assert fold_to_ascii("привет 東京") == "привет 東京"  # other scripts stay
    assert tokens("Ação café", ascii_folding=True) == ["acao", "cafe"]
    assert tokens("Ação café") == ["ação", "café"]
