"""Every comparison operator and compound filter of the search endpoint against an oracle
computed over the attributes in Python."""

from __future__ import annotations

import random
from typing import Any

import openai

CATEGORIES = ["news", "blog", "paper"]


def make_attributes(rng: random.Random) -> dict[str, Any]:
    attributes: dict[str, Any] = {}
    if rng.random() < 0.85:
        attributes["category"] = rng.choice(CATEGORIES)
    if rng.random() < 0.85:
        attributes["year"] = rng.choice([2019, 2020, 2021, 2022, 2023.5])
    if rng.random() < 0.85:
        attributes["public"] = rng.random() < 0.5
    return attributes


def holds(f: dict[str, Any], attributes: dict[str, Any]) -> bool:
    if f["type"] == "and":
        return all(holds(g, attributes) for g in f["filters"])
    if f["type"] == "or":
        return any(holds(g, attributes) for g in f["filters"])
    op, key, value = f["type"], f["key"], f["value"]
    present = key in attributes
    actual = attributes.get(key)

    def equal(v: Any) -> bool:
        if not present or isinstance(actual, bool) != isinstance(v, bool):
            return False
        return bool(actual == v)

    if op == "eq":
        return equal(value)
    if op == "ne":
        return not equal(value)
    if op == "in":
        return any(equal(v) for v in value)
    if op == "nin":
        return not any(equal(v) for v in value)
    if not present or isinstance(actual, (bool, str)):
        return False
    return bool({"gt": actual > value, "gte": actual >= value, "lt": actual < value, "lte": actual <= value}[op])


FILTERS: list[dict[str, Any]] = [
    {"type": "eq", "key": "category", "value": "news"},
    {"type": "ne", "key": "category", "value": "news"},
    {"type": "eq", "key": "public", "value": True},
    {"type": "ne", "key": "public", "value": False},
    {"type": "eq", "key": "year", "value": 2020},
    {"type": "ne", "key": "year", "value": 2020},
    {"type": "gt", "key": "year", "value": 2020},
    {"type": "gte", "key": "year", "value": 2021},
    {"type": "lt", "key": "year", "value": 2021},
    {"type": "lte", "key": "year", "value": 2023.5},
    {"type": "in", "key": "category", "value": ["news", "paper"]},
    {"type": "nin", "key": "category", "value": ["news", "paper"]},
    {"type": "in", "key": "year", "value": [2019, 2022]},
    {"type": "nin", "key": "year", "value": [2019, 2022]},
    {
        "type": "and",
        "filters": [
            {"type": "eq", "key": "category", "value": "blog"},
            {"type": "gte", "key": "year", "value": 2021},
        ],
    },
    {
        "type": "or",
        "filters": [
            {"type": "eq", "key": "public", "value": True},
            {
                "type": "and",
                "filters": [
                    {"type": "lt", "key": "year", "value": 2021},
                    {"type": "nin", "key": "category", "value": ["blog"]},
                ],
            },
        ],
    },
]


def test_every_operator_matches_the_oracle(client: openai.OpenAI) -> None:
    rng = random.Random(13)
    store = client.vector_stores.create(name="filters")
    expected_by_file: dict[str, dict[str, Any]] = {}
    files = []
    for i in range(40):
        attributes = make_attributes(rng)
        file_id = client.files.create(file=(f"f{i}.txt", f"common words number {i}".encode()), purpose="assistants").id
        files.append({"file_id": file_id, "attributes": attributes})
        expected_by_file[file_id] = attributes
    batch = client.vector_stores.file_batches.create_and_poll(vector_store_id=store.id, files=files)  # type: ignore[arg-type]
    assert batch.file_counts.completed == 40
    for f in FILTERS:
        page = client.vector_stores.search(
            vector_store_id=store.id,
            query="common words",
            filters=f,
            max_num_results=50,  # type: ignore[arg-type]
        )
        got = {hit.file_id for hit in page.data}
        want = {fid for fid, attributes in expected_by_file.items() if holds(f, attributes)}
        assert got == want, f
        assert want, f"filter {f} selects nothing: the oracle check would be vacuous"
