"""Bad input answers as Qdrant 1.19 answers it: the right status (422 validation, 400 format
or bad request), in the right order (body validation before the collection lookup), and in
Qdrant's wording where clients show it. No input produces a 500."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.api.qdrant.rest import error, ok

C = "/collections/valid"
P = C + "/points"
BIG = 123456789012345678901234567890  # past any 64-bit integer


@pytest.fixture(scope="module", autouse=True)
def _collections(http: httpx.Client) -> None:
    ok(http.put(C, json={"vectors": {"size": 2, "distance": "Dot"}, "sparse_vectors": {"s": {}}}))
    points = [
        {"id": i, "vector": [1.0, float(i)], "payload": {"n": i, "t": "Hello World", "d": f"2024-01-0{i}"}}
        for i in range(1, 6)
    ]
    ok(http.put(P + "?wait=true", json={"points": points}))
    multi = {"vectors": {"size": 2, "distance": "Dot", "multivector_config": {"comparator": "max_sim"}}}
    ok(http.put("/collections/valid_multi", json=multi))


@pytest.mark.parametrize(
    "body",
    [
        {"points": [{"id": 1, "vector": [1.0, 2.0]}, {"id": 2, "vector": [1.0, 2.0, 3.0]}]},
        {"points": [{"id": 1, "vector": [1.0, 2.0, 3.0]}]},
        {"batch": {"ids": [1, 2], "vectors": [[1.0, 2.0], [1.0, 2.0, 3.0]]}},
    ],
)
def test_a_vector_of_another_width_is_named_with_its_width(http: httpx.Client, body: dict[str, Any]) -> None:
    message = error(http.put(P + "?wait=true", json=body), 400)
    assert message == "Wrong input: Vector dimension error: expected dim: 2, got 3"


@pytest.mark.parametrize(
    ("path", "body", "where"),
    [
        (P, {"points": [{"id": 1, "vector": []}]}, "points[0].vector: dense vector must not be empty"),
        (P, {"points": [{"id": 1, "vector": {"": []}}]}, "points[0].vector.: dense vector must not be empty"),
        (
            P,
            {"batch": {"ids": [1, 2], "vectors": [[1.0, 2.0], []]}},
            "batch.vectors[1]: dense vector must not be empty",
        ),
        (
            P,
            {"points": [{"id": 1, "vector": {"s": {"indices": [1, 2], "values": [0.5]}}}]},
            "points[0].vector.s.values: must be the same length as indices",
        ),
        (
            P,
            {"points": [{"id": 1, "vector": {"s": {"indices": [1, 1], "values": [0.5, 0.5]}}}]},
            "points[0].vector.s.indices: must be unique",
        ),
        (
            "/collections/valid_multi/points",
            {"points": [{"id": 1, "vector": [[]]}]},
            "multivector must not contain empty vectors",
        ),
        ("/collections/valid_multi/points", {"points": [{"id": 1, "vector": [[1.0, 2.0], [1.0]]}]}, "same dimension"),
        (P + "/vectors", {"points": [{"id": 1, "vector": {}}]}, "must specify vectors to update for point"),
        (P + "/vectors", {"points": []}, "points: must specify points to update"),
    ],
)
def test_vector_shape_errors_are_validation_errors(
    http: httpx.Client, path: str, body: dict[str, Any], where: str
) -> None:
    message = error(http.put(path, json=body), 422)
    assert message.startswith("Validation error in JSON body: [")
    assert where in message
    # detected before the collection is looked up, as Qdrant validates the body first
    missing = path.replace("/collections/valid", "/collections/no_such_collection")
    assert http.put(missing, json=body).status_code == 422


def test_query_vector_shapes_and_examples(http: httpx.Client) -> None:
    assert "query.nearest: dense vector must not be empty" in error(
        http.post(P + "/query", json={"query": {"nearest": []}}), 422
    )
    assert "query: dense vector must not be empty" in error(http.post(P + "/query", json={"query": []}), 422)
    sparse = {"query": {"indices": [1, 1], "values": [1.0, 2.0]}, "using": "s"}
    assert "query.indices: must be unique" in error(http.post(P + "/query", json=sparse), 422)
    no_examples = {"query": {"recommend": {"positive": [], "negative": []}}}
    message = error(http.post(P + "/query", json=no_examples), 422)
    assert "At least one positive or negative vector/id must be provided" in message
    feedback = {
        "query": {
            "relevance_feedback": {"target": [1, 0], "feedback": [], "strategy": {"naive": {"a": 1, "b": 1, "c": 1}}}
        }
    }
    assert "feedback" in error(http.post(P + "/query", json=feedback), 422)
    batch = {"searches": [{"query": [1, 0]}, {"prefetch": [{"query": []}], "query": {"fusion": "rrf"}}]}
    assert "searches[1].prefetch[0].query: dense vector must not be empty" in error(
        http.post(P + "/query/batch", json=batch), 422
    )


def test_query_node_rules(http: httpx.Client) -> None:
    prefetch_only = {"prefetch": [{"query": [1, 0], "limit": 3}]}
    assert error(http.post(P + "/query", json=prefetch_only), 400) == (
        "Bad request: A query is needed to merge the prefetches. Can't have prefetches without defining a query."
    )
    nested = {"prefetch": [{"prefetch": [{"query": [1, 0]}]}], "query": {"fusion": "rrf"}}
    assert "A query is needed to merge the prefetches" in error(http.post(P + "/query", json=nested), 400)
    threshold = {"score_threshold": 0.5}
    assert "A query is needed to use the score_threshold" in error(http.post(P + "/query", json=threshold), 400)
    ordered = {"query": {"order_by": "n"}, "score_threshold": 0.5}
    assert (
        error(http.post(P + "/query", json=ordered), 400)
        == "Bad request: Can't use score_threshold with an order_by query."
    )
    fused = {"prefetch": [{"query": [1, 0]}], "query": {"fusion": "rrf"}, "using": "s"}
    assert (
        error(http.post(P + "/query", json=fused), 400)
        == "Bad request: Fusion queries cannot be combined with the 'using' field."
    )
    fused["using"] = ""
    assert http.post(P + "/query", json=fused).status_code == 200


def test_integer_index_needs_a_capability(http: httpx.Client) -> None:
    body = {"field_name": "n", "field_schema": {"type": "integer", "lookup": False, "range": False}}
    message = error(http.put(C + "/index", json=body), 422)
    assert "the 'lookup' and 'range' capabilities can't be both disabled" in message
    body["field_schema"]["range"] = True  # type: ignore[index]
    assert http.put(C + "/index?wait=true", json=body).status_code == 200


@pytest.mark.parametrize(
    ("path", "body"),
    [
        (P + "/query", {"query": [1, 0], "limit": -1}),
        (P + "/query", {"query": [1, 0], "offset": -3}),
        (P + "/scroll", {"limit": -1}),
        (P + "/query", {"query": [1, 0], "params": {"hnsw_ef": -1}}),
        (P, {"points": [{"id": -5, "vector": [1, 2]}]}),
        ("/collections/valid_new", {"vectors": {"size": 0, "distance": "Dot"}}),
        # serde converts nothing: a string, a boolean or a fraction is not a number
        (P + "/query", {"query": [1, 0], "limit": "3"}),
        (P + "/query", {"query": [1, 0], "limit": 3.0}),
        (P + "/scroll", {"limit": True}),
        (P + "/query", {"query": [1, "0"]}),
        (P + "/search", {"vector": [1, 0], "limit": 3, "score_threshold": "0.5"}),
        (P + "/query", {"query": [1, 0], "with_payload": "true"}),
        (P, {"points": [{"id": 1, "vector": [1, "2"]}]}),
        (P, {"points": [{"id": 1, "vector": [1, None]}]}),
        (P, {"points": [{"id": 1, "vector": [True, False]}]}),
        (P, {"points": [{"id": 1, "vector": {"": [1, "2"]}}]}),
        (P, {"batch": {"ids": [1, 2], "vectors": [[1, 2], [1, "2"]]}}),
        (P, {"points": [{"id": 1, "vector": [1, 2]}, {"id": 2.0, "vector": [1, 2]}]}),
        (P, {"points": [{"id": True, "vector": [1, 2]}]}),
        (P, {"batch": {"ids": [1, 2.0], "vectors": [[1, 2], [1, 2]]}}),
        ("/collections/valid_new", {"vectors": {"size": "4", "distance": "Dot"}}),
        # serde reads an integer past 64 bits as a float, which no integer field takes
        (P + "/query", {"query": [1, 0], "limit": BIG}),
        ("/collections/valid_new", {"vectors": {"size": 4, "distance": "Dot"}, "hnsw_config": {"m": BIG}}),
        (
            "/collections/valid_new",
            {"vectors": {"size": 4, "distance": "Dot"}, "optimizers_config": {"indexing_threshold": -BIG}},
        ),
    ],
)
def test_values_the_types_rule_out_are_format_errors(http: httpx.Client, path: str, body: dict[str, Any]) -> None:
    method = http.put if path.endswith(("/points", "valid_new")) else http.post
    assert error(method(path, json=body), 400).startswith("Format error in JSON body")


@pytest.mark.parametrize(
    "body",
    [
        {"points": [{"id": 50, "vector": [1, 2], "payload": {"big": BIG, "u64": 2**64 - 1, "neg": [-(2**63) - 1]}}]},
        # the same payload on the typed path (named vectors with a sparse one: no bulk read)
        {
            "points": [
                {
                    "id": 50,
                    "vector": {"": [1, 2], "s": {"indices": [1], "values": [1]}},
                    "payload": {"big": BIG, "u64": 2**64 - 1, "neg": [-(2**63) - 1]},
                }
            ]
        },
    ],
)
def test_integers_past_64_bits_read_as_json_numbers(http: httpx.Client, body: dict[str, Any]) -> None:
    """As Qdrant's serde_json reads them: a float past the 64-bit integers, the u64 range kept."""
    ok(http.put(P + "?wait=true", json=body))
    ok(http.post(P + "/payload?wait=true", json={"points": [50], "payload": {"set": BIG}}))
    (point,) = ok(http.post(P, json={"ids": [50]}))
    assert point["payload"] == {
        "big": 1.2345678901234568e29,
        "u64": 2**64 - 1,
        "neg": [-9.223372036854776e18],
        "set": 1.2345678901234568e29,
    }
    ok(http.put(P + "/payload?wait=true", json={"points": [50], "payload": {"only": -BIG}}))
    assert ok(http.post(P, json={"ids": [50]}))[0]["payload"] == {"only": -1.2345678901234568e29}
    ok(http.post(P + "/delete?wait=true", json={"points": [50]}))


@pytest.mark.parametrize(
    ("path", "body"),
    [
        (P, {"ids": [1, "not-a-uuid"]}),
        (P + "/delete", {"points": ["not-a-uuid"]}),
        (P + "/scroll", {"offset": "not-a-uuid"}),
        (P + "/scroll", {"filter": {"must": [{"has_id": [1, "12345"]}]}}),
        (P + "/count", {"filter": {"must_not": [{"has_id": ["{not-a-uuid}"]}]}}),
        (P + "/query", {"query": {"recommend": {"positive": ["not-a-uuid"]}}}),
        (P + "/payload", {"points": ["550e8400-e29b-41d4-a716-44665544000"], "payload": {"a": 1}}),
        # numbers that are no u64
        (P, {"ids": [-1]}),
        (P + "/scroll", {"offset": 2**64}),
        (P + "/delete", {"points": [1.5]}),
        (P + "/scroll", {"filter": {"must": [{"has_id": [True]}]}}),
    ],
)
def test_a_point_id_neither_u64_nor_uuid_fails_the_parse(http: httpx.Client, path: str, body: dict[str, Any]) -> None:
    """serde's untagged id enum refuses the body, reads included (none of them is 'not found')."""
    assert error(http.post(path, json=body), 400) == (
        "Format error in JSON body: data did not match any variant of untagged enum ExtendedPointId"
    )


def test_every_uuid_form_qdrant_parses_is_an_id(http: httpx.Client) -> None:
    canonical = "550e8400-e29b-41d4-a716-446655440000"
    ok(http.put(P + "?wait=true", json={"points": [{"id": canonical, "vector": [1, 2]}]}))
    forms = [canonical.upper(), canonical.replace("-", ""), "{" + canonical + "}", "urn:uuid:" + canonical]
    for form in forms:
        assert [p["id"] for p in ok(http.post(P, json={"ids": [form]}))] == [canonical]
    ok(http.post(P + "/delete?wait=true", json={"points": [canonical]}))


def test_the_point_id_in_a_path_is_parsed_as_qdrant_parses_it(http: httpx.Client) -> None:
    ok(http.put(P + "?wait=true", json={"points": [{"id": 0, "vector": [1, 2]}]}))
    assert ok(http.get(P + "/0"))["id"] == 0  # id 0 is an id like any other
    for raw in ("not-a-uuid", str(2**64)):
        assert error(http.get(P + "/" + raw), 400) == f'Wrong input: Can not recognize "{raw}" as point id'
    assert error(http.get(P + "/7"), 404) == "Not found: No point with id 7 found"
    ok(http.post(P + "/delete?wait=true", json={"points": [0]}))


def test_collection_metadata_reads_integers_as_json_numbers(http: httpx.Client) -> None:
    body = {"vectors": {"size": 2, "distance": "Dot"}, "metadata": {"big": BIG, "u64": 2**64 - 1}}
    ok(http.put("/collections/valid_meta", json=body))
    ok(http.patch("/collections/valid_meta", json={"metadata": {"more": -BIG}}))
    metadata = ok(http.get("/collections/valid_meta"))["config"]["metadata"]
    assert metadata == {"big": 1.2345678901234568e29, "u64": 2**64 - 1, "more": -1.2345678901234568e29}
    ok(http.delete("/collections/valid_meta"))


def test_a_number_past_the_float_range_is_a_format_error(http: httpx.Client) -> None:
    body = '{"points": [1], "payload": {"x": 1%s}}' % ("0" * 400)
    r = http.post(P + "/payload?wait=true", content=body, headers={"content-type": "application/json"})
    assert error(r, 400).startswith("Format error in JSON body")


def test_validator_bounds_stay_validation_errors(http: httpx.Client) -> None:
    assert error(http.post(P + "/query", json={"query": [1, 0], "limit": 0}), 422) == (
        "Validation error in JSON body: [limit: value 0 invalid, must be 1 or larger]"
    )
    body = {"vectors": {"x": {"size": 2, "distance": "Dot", "hnsw_config": {"ef_construct": 2}}}}
    assert error(http.put("/collections/valid_bounds", json=body), 422) == (
        "Validation error in JSON body: [vectors.x.hnsw_config.ef_construct: value 2 invalid, must be 4 or larger]"
    )


@pytest.mark.parametrize("selector", [["nope"], ["", "nope"]])
def test_unknown_vector_names_in_with_vector(http: httpx.Client, selector: list[str]) -> None:
    expected = "Wrong input: Not existing vector name error: nope"
    for key in ("with_vector", "with_vectors"):
        assert error(http.post(P + "/query", json={"query": [1, 0], key: selector}), 400) == expected
        assert error(http.post(P + "/scroll", json={key: selector}), 400) == expected
        assert error(http.post(P, json={"ids": [1], key: selector}), 400) == expected


@pytest.mark.parametrize("path", ["", "a..b", "a[", ".a", "a."])
def test_malformed_payload_paths_are_format_errors(http: httpx.Client, path: str) -> None:
    expected = "Format error in JSON body: Invalid json path"
    flt = {"must": [{"key": path, "match": {"value": 1}}]}
    assert error(http.post(P + "/scroll", json={"filter": flt}), 400) == expected
    assert error(http.post(P + "/count", json={"filter": {"must": [{"is_empty": {"key": path}}]}}), 400) == expected
    assert (
        error(http.post(P + "/payload?wait=true", json={"payload": {"x": 1}, "points": [1], "key": path}), 400)
        == expected
    )
    assert error(http.post(P + "/payload/delete?wait=true", json={"keys": [path], "points": [1]}), 400) == expected
    assert error(http.put(C + "/index", json={"field_name": path, "field_schema": "keyword"}), 400) == expected
    assert error(http.post(P + "/query/groups", json={"query": [1, 0], "group_by": path}), 400) == expected
    # nothing was applied: the payload is as it was
    assert http.get(P + "/1").json()["result"]["payload"] == {"n": 1, "t": "Hello World", "d": "2024-01-01"}


@pytest.mark.parametrize("bound", ["20240101", "1700000000", "2024-13-01", "yesterday"])
def test_datetime_bounds_must_be_rfc3339(http: httpx.Client, bound: str) -> None:
    flt = {"must": [{"key": "d", "range": {"gte": bound}}]}
    assert error(http.post(P + "/count", json={"filter": flt}), 400).startswith("Format error in JSON body")


def test_rfc3339_datetime_bounds_work(http: httpx.Client) -> None:
    for bound in ("2024-01-03", "2024-01-03T00:00:00Z", "2024-01-03 00:00:00", "2024-01-03T01:00:00+01:00"):
        flt = {"must": [{"key": "d", "range": {"gte": bound}}]}
        r = http.post(P + "/count", json={"filter": flt, "exact": True})
        assert r.status_code == 200, r.text
        assert r.json()["result"]["count"] == 3, bound


def test_vector_params_rules_at_create(http: httpx.Client) -> None:
    big = {"vectors": {"size": 70000, "distance": "Dot"}}
    assert error(http.put("/collections/valid_big", json=big), 422) == (
        "Validation error in JSON body: [vectors.size: value 70000 invalid, must be from 1 to 65536]"
    )
    pinned = {"vectors": {"v": {"size": 2, "distance": "Dot", "memory": "pinned"}}}
    message = error(http.put("/collections/valid_big", json=pinned), 422)
    assert "vectors.v.memory: `pinned` memory placement is not supported for dense vector storage" in message


def test_vector_name_rules_at_create(http: httpx.Client) -> None:
    clash = {"vectors": {"x": {"size": 2, "distance": "Dot"}}, "sparse_vectors": {"x": {}}}
    assert error(http.put("/collections/valid_clash", json=clash), 400) == (
        "Wrong input: Dense and sparse vector names must be unique - duplicate found with 'x'"
    )
    empty = {"vectors": {"size": 2, "distance": "Dot"}, "sparse_vectors": {"": {}}}
    assert "sparse vector name must not be empty" in error(http.put("/collections/valid_clash", json=empty), 422)
    assert http.get("/collections/valid_clash").status_code == 404


def test_collection_name_in_the_path_is_validated(http: httpx.Client) -> None:
    long = "x" * 256
    message = error(http.get(f"/collections/{long}"), 422)
    assert message.startswith("Validation error in path parameters: [")
    assert error(http.put(f"/collections/{long}", json={"vectors": {"size": 2, "distance": "Dot"}}), 422)
    assert error(http.post(f"/collections/{long}/points/scroll", json={}), 422)
    assert "cannot contain" in error(http.get("/collections/a:b"), 422)
    assert http.get("/collections/" + "y" * 255).status_code == 404


def test_missing_lookup_collection_is_named_as_qdrant_does(http: httpx.Client) -> None:
    body = {"query": 1, "lookup_from": {"collection": "nowhere"}}
    assert error(http.post(P + "/query", json=body), 404) == "Collection nowhere not found"
    groups = {"query": [1, 0], "group_by": "n", "with_lookup": "nowhere"}
    assert error(http.post(P + "/query/groups", json=groups), 404) == "Collection nowhere not found"


def test_probe_texts(http: httpx.Client) -> None:
    assert http.get("/livez").text == "healthz check passed"
    assert http.get("/healthz").text == "healthz check passed"
    assert http.get("/readyz").text == "all shards are ready"


def test_a_missing_point_fails_a_waited_write_only(http: httpx.Client) -> None:
    ok(http.put(P + "?wait=true", json={"points": [{"id": 31, "vector": [1, 2]}]}))
    waited = {"payload": {"k": 1}, "points": [31, 32]}
    assert error(http.post(P + "/payload?wait=true", json=waited), 404) == "Not found: No point with id 32 found"
    # not waited for: Qdrant acknowledges before it applies, so the missing point is no error
    for path, body in (
        ("/payload", {"payload": {"k": 2}, "points": [31, 32]}),
        ("/payload/delete", {"keys": ["gone"], "points": [32]}),
        ("/payload/clear", {"points": [33]}),
    ):
        assert ok(http.post(P + path + "?wait=false", json=body))["status"] == "acknowledged"
    vectors = {"points": [{"id": 31, "vector": [3, 4]}, {"id": 32, "vector": [5, 6]}]}
    assert ok(http.put(P + "/vectors?wait=false", json=vectors))["status"] == "acknowledged"
    point = ok(http.post(P, json={"ids": [31, 32], "with_vector": True}))
    assert [(p["id"], p["payload"], p["vector"]) for p in point] == [(31, {"k": 2}, [3.0, 4.0])]
    ok(http.post(P + "/delete?wait=true", json={"points": [31]}))
