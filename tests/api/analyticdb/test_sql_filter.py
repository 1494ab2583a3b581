"""SQL WHERE filters give exactly the rows PostgreSQL would: each generated expression is run by
SQLite on the same rows (NULLs included) and by the engine through ``parse_where``."""

from __future__ import annotations

import sqlite3
from typing import Any

import numpy as np
import pytest
import sqlglot
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlglot import exp

from vecbase.api.analyticdb.sql import SqlFilterError, parse_where
from vecbase.core.config import CollectionConfig
from vecbase.core.operations import UpsertPoints
from vecbase.core.points import PayloadDocs
from vecbase.engine.collection import Collection
from vecbase.query.model import ScrollRequest, WithPayload

COLUMNS = {"n": "int", "x": "float", "s": "text", "b": "bool"}
rng = np.random.default_rng(5)
WORDS = ["apple", "Apple", "banana", "b%n", "", "cherry_pie", None]
ROWS: list[dict[str, Any]] = []
for i in range(60):
    ROWS.append(
        {
            "id": f"r{i}",
            "n": None if rng.random() < 0.2 else int(rng.integers(-3, 6)),
            "x": None if rng.random() < 0.2 else round(float(rng.normal()), 2),
            "s": WORDS[int(rng.integers(0, len(WORDS)))],
            "b": None if rng.random() < 0.2 else bool(rng.random() < 0.5),
        }
    )


@pytest.fixture(scope="module")
def engine() -> Collection:
    col = Collection.create("rows", CollectionConfig(vectors={}), None)
    payloads = []
    for i, row in enumerate(ROWS):
        # a NULL is sometimes an explicit null, sometimes a missing key
        payloads.append({k: v for k, v in row.items() if v is not None or i % 2})
    col.upsert(UpsertPoints(tuple(range(len(ROWS))), {}, PayloadDocs.of(payloads)))
    return col


@pytest.fixture(scope="module")
def sqlite() -> sqlite3.Connection:
    db = sqlite3.connect(":memory:")
    db.execute("PRAGMA case_sensitive_like = ON")
    db.execute("CREATE TABLE t (id TEXT, n INTEGER, x REAL, s TEXT, b BOOLEAN)")
    db.executemany("INSERT INTO t VALUES (:id, :n, :x, :s, :b)", ROWS)
    return db


def engine_ids(col: Collection, sql: str) -> set[str]:
    flt = parse_where(sql, COLUMNS)
    records, _ = col.scroll(ScrollRequest(filter=flt, limit=1000, with_payload=WithPayload(True)))
    return {(r.payload or {})["id"] for r in records}


def sqlite_ids(db: sqlite3.Connection, sql: str) -> set[str]:
    tree = sqlglot.parse_one(f"SELECT id FROM t WHERE {sql}", read="postgres")

    def escape(node: exp.Expression) -> exp.Expression:
        # PostgreSQL's LIKE escapes with a backslash by default; SQLite needs it said
        if isinstance(node, (exp.Like, exp.ILike)) and not isinstance(node.parent, exp.Escape):
            return exp.Escape(this=node.copy(), expression=exp.Literal.string("\\"))
        return node

    where = tree.transform(escape).sql(dialect="sqlite")
    return {row[0] for row in db.execute(where)}


ints = st.integers(-4, 7).map(str)
floats = st.floats(-2, 2, allow_nan=False).map(lambda f: f"{f:.2f}")
texts = st.sampled_from(["'apple'", "'Apple'", "'banana'", "''", "'b%n'"])
patterns = st.sampled_from(["'a%'", "'%e'", "'_pple'", "'%an%'", "'b\\%n'", "'%'", "'cherry\\_pie'", "'APPLE'"])
comparisons = st.sampled_from(["=", "<>", "!=", "<", ">", "<=", ">="])

atoms = st.one_of(
    st.builds(lambda op, v: f"n {op} {v}", comparisons, ints),
    st.builds(lambda op, v: f"x {op} {v}", comparisons, floats),
    st.builds(lambda op, v: f"{v} {op} n", comparisons, ints),
    st.builds(lambda op, v: f"s {op} {v}", comparisons, texts),
    st.builds(lambda a, b: f"s BETWEEN {a} AND {b}", texts, texts),
    st.builds(lambda v: f"s LIKE {v}", patterns),
    st.builds(lambda v: f"s NOT LIKE {v}", patterns),
    st.builds(lambda v: f"s ILIKE {v}", patterns),
    st.builds(lambda vs: f"n IN ({', '.join(vs)})", st.lists(st.one_of(ints, st.just("NULL")), min_size=1, max_size=4)),
    st.builds(
        lambda vs: f"n NOT IN ({', '.join(vs)})", st.lists(st.one_of(ints, st.just("NULL")), min_size=1, max_size=4)
    ),
    st.builds(lambda vs: f"s IN ({', '.join(vs)})", st.lists(texts, min_size=1, max_size=3)),
    st.builds(lambda a, b: f"n BETWEEN {a} AND {b}", ints, ints),
    st.builds(lambda a, b: f"x NOT BETWEEN {a} AND {b}", floats, floats),
    st.sampled_from(
        ["n IS NULL", "n IS NOT NULL", "s IS NULL", "b IS NOT NULL", "b", "NOT b", "b = TRUE", "b <> FALSE", "n = NULL"]
    ),
)
expressions = st.recursive(
    atoms,
    lambda inner: st.one_of(
        st.builds(lambda a, b: f"({a}) AND ({b})", inner, inner),
        st.builds(lambda a, b: f"({a}) OR ({b})", inner, inner),
        st.builds(lambda a: f"NOT ({a})", inner),
    ),
    max_leaves=5,
)


@settings(max_examples=400, deadline=None)
@given(sql=expressions)
def test_where_matches_sqlite(engine: Collection, sqlite: sqlite3.Connection, sql: str) -> None:
    assert engine_ids(engine, sql) == sqlite_ids(sqlite, sql), sql


def test_id_column(engine: Collection) -> None:
    assert engine_ids(engine, "id = 'r3' OR id IN ('r5', 'r7')") == {"r3", "r5", "r7"}


@pytest.mark.parametrize(
    "sql",
    [
        "n = 1; DROP TABLE t",
        "n = 1) OR (1 = 1",
        "n = (SELECT 1)",
        "n IN (SELECT n FROM t)",
        "lower(s) = 'a'",
        "missing = 1",
        "n = 'abc'",
        "s = 5",
        "n",
        "n = 1 ORDER BY n",
        "t.n = 1",
        "",
    ],
)
def test_malformed_and_malicious_filters_are_refused(sql: str) -> None:
    if not sql:
        assert parse_where(sql, COLUMNS).must == ()
        return
    with pytest.raises(SqlFilterError):
        parse_where(sql, COLUMNS)
