"""Text conditions through a text index use the field's analyzer (stemmer, stop words,
multilingual segmentation), and the index with its settings survives a restart."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.api.qdrant.rest import ok
from tests.live_server import Server

DOCS = {
    1: {
        "en": "The foxes were running through the forest",
        "ru": "Машины быстро ехали по городу",
        "zh": "我爱北京天安门",
    },
    2: {"en": "A fox runs", "ru": "Машина стоит в гараже", "zh": "北京是中国的首都"},
    3: {"en": "Nothing to see here", "ru": "Собаки бегают", "zh": "上海是一个大城市"},
}
INDEXES = {
    "en": {
        "type": "text",
        "tokenizer": "word",
        "stopwords": "english",
        "stemmer": {"type": "snowball", "language": "english"},
    },
    "ru": {"type": "text", "stopwords": "russian", "stemmer": {"type": "snowball", "language": "russian"}},
    "zh": {"type": "text", "tokenizer": "multilingual", "stopwords": "chinese", "phrase_matching": True},
}


def _setup(http: httpx.Client, name: str) -> None:
    ok(http.put(f"/collections/{name}", json={"vectors": {"size": 2, "distance": "Dot"}}))
    points = [{"id": i, "vector": [1.0, 0.0], "payload": p} for i, p in DOCS.items()]
    ok(http.put(f"/collections/{name}/points?wait=true", json={"points": points}))
    for field, schema in INDEXES.items():
        ok(http.put(f"/collections/{name}/index?wait=true", json={"field_name": field, "field_schema": schema}))


def _ids(http: httpx.Client, name: str, key: str, match: dict[str, Any]) -> set[int]:
    flt = {"must": [{"key": key, "match": match}]}
    return {p["id"] for p in ok(http.post(f"/collections/{name}/points/scroll", json={"filter": flt}))["points"]}


def _check(http: httpx.Client, name: str) -> None:
    assert _ids(http, name, "en", {"text": "fox running"}) == {1, 2}  # stems: fox, run
    assert _ids(http, name, "en", {"text": "the"}) == set()  # a stop word alone matches nothing
    assert _ids(http, name, "en", {"text_any": "forest seeing"}) == {1, 3}
    assert _ids(http, name, "ru", {"text": "машина"}) == {1, 2}  # машины / машина share a stem
    assert _ids(http, name, "ru", {"text": "бегать"}) == {3}
    assert _ids(http, name, "zh", {"text": "北京"}) == {1, 2}  # a word inside an unspaced sentence
    assert _ids(http, name, "zh", {"text": "上海"}) == {3}
    assert _ids(http, name, "zh", {"phrase": "北京天安门"}) == {1}
    assert _ids(http, name, "zh", {"phrase": "天安门北京"}) == set()


def test_text_conditions_use_the_field_analyzer(http: httpx.Client) -> None:
    _setup(http, "analyzed")
    _check(http, "analyzed")


def test_text_indexes_and_their_settings_survive_a_restart(tmp_path: Path) -> None:
    server = Server(tmp_path / "storage")
    with server, httpx.Client(base_url=server.url, timeout=60) as http:
        _setup(http, "kept")
    with server, httpx.Client(base_url=server.url, timeout=60) as http:
        schema = ok(http.get("/collections/kept"))["payload_schema"]
        assert schema["en"]["params"]["stemmer"] == {"type": "snowball", "language": "english"}
        assert schema["zh"]["params"]["tokenizer"] == "multilingual"
        _check(http, "kept")


@pytest.mark.parametrize("tokenizer", ["word", "whitespace"])
def test_a_whitespace_or_word_split_does_not_find_chinese_words(http: httpx.Client, tokenizer: str) -> None:
    name = f"zh_{tokenizer}"
    ok(http.put(f"/collections/{name}", json={"vectors": {"size": 2, "distance": "Dot"}}))
    ok(
        http.put(
            f"/collections/{name}/points?wait=true",
            json={"points": [{"id": 1, "vector": [1, 0], "payload": {"zh": DOCS[1]["zh"]}}]},
        )
    )
    ok(
        http.put(
            f"/collections/{name}/index?wait=true",
            json={"field_name": "zh", "field_schema": {"type": "text", "tokenizer": tokenizer}},
        )
    )
    assert _ids(http, name, "zh", {"text": "北京"}) == set()
