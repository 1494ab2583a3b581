"""Relational tables beside a namespace's collections, for ``RelationalTableFilter``.

Each namespace has an embedded SQLite database (``<storage>/analyticdb/tables/<ns>.sqlite``).
Tables are created and filled with ``ExecuteStatement`` (the SDK's Data API): ``Database``
names the namespace and ``SecretArn`` carries its password; ``Sql`` is one PostgreSQL
statement among ``CREATE TABLE``, ``INSERT``, ``UPDATE``, ``DELETE`` and ``DROP TABLE``,
translated to SQLite by sqlglot (anything else is refused). A ``RelationalTableFilter``
``{TableName, TableField, CollectionMetadataField, Condition}`` keeps the rows whose
``CollectionMetadataField`` equals ``TableField`` of a table row satisfying ``Condition``
(parsed and checked like ``Filter``, then run by SQLite): the matching values become an
engine condition of the search.
"""

from __future__ import annotations

import re
import sqlite3
import threading
from pathlib import Path
from typing import Any

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError

from vecbase.api.analyticdb.sql import FLOAT, INT, TEXT, SqlFilterError, column_kind, parse_where
from vecbase.api.analyticdb.wire import AdbError
from vecbase.core.filter import Condition, FieldMatch, FieldRange, Filter, HasId, MatchAny, Range
from vecbase.storage.sqlite import open_database

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")
_ALLOWED = (exp.Create, exp.Insert, exp.Update, exp.Delete, exp.Drop)


def _ident(kind: str, name: Any) -> str:
    if not isinstance(name, str) or not _IDENT.match(name):
        raise AdbError("InvalidParameter.RelationalTableFilter", f"Invalid {kind} name {name!r}.")
    return name


class RelationalTables:
    def __init__(self, root: Path | None) -> None:
        self.root = root
        self._dbs: dict[str, sqlite3.Connection] = {}
        self._lock = threading.Lock()

    def _db(self, namespace: str) -> sqlite3.Connection:
        with self._lock:
            db = self._dbs.get(namespace)
            if db is None:
                path = self.root / "tables" / f"{namespace}.sqlite" if self.root is not None else None
                db = self._dbs[namespace] = open_database(path)
            return db

    def execute(self, namespace: str, sql: str) -> int:
        try:
            statements = sqlglot.parse(sql, read="postgres")
        except (ParseError, sqlglot.errors.TokenError) as exc:
            raise AdbError("InvalidParameter.Sql", f"syntax error: {str(exc).splitlines()[0]}") from None
        if len(statements) != 1 or not isinstance(statements[0], _ALLOWED):
            raise AdbError(
                "InvalidParameter.Sql", "Sql must be one CREATE TABLE, INSERT, UPDATE, DELETE or DROP TABLE statement."
            )
        statement = statements[0]
        if isinstance(statement, (exp.Create, exp.Drop)) and str(statement.args.get("kind", "")).upper() != "TABLE":
            raise AdbError("InvalidParameter.Sql", "Only tables can be created or dropped.")
        if any(isinstance(node, (exp.Select, exp.Command)) for node in statement.walk() if node is not statement):
            raise AdbError("InvalidParameter.Sql", "Subqueries are not supported.")
        db = self._db(namespace)
        with self._lock:
            try:
                # a CREATE keeps PostgreSQL's type names (SQLite accepts any), so that
                # conditions know a boolean column from an integer one
                dialect = "postgres" if isinstance(statement, exp.Create) else "sqlite"
                cursor = db.execute(statement.sql(dialect=dialect))
                db.commit()
            except sqlite3.Error as exc:
                db.rollback()
                raise AdbError("InvalidParameter.Sql", f"The statement failed: {exc}") from None
            return max(cursor.rowcount, 0)

    def _columns(self, db: sqlite3.Connection, table: str) -> dict[str, str]:
        rows = db.execute(f'PRAGMA table_info("{table}")').fetchall()
        if not rows:
            raise AdbError("InvalidParameter.RelationalTableFilter", f'relation "{table}" does not exist')
        kinds = {}
        for _, name, declared, *_ in rows:
            try:
                kinds[name] = column_kind(declared or "text")
            except ValueError:
                kinds[name] = TEXT
        return kinds

    def condition(self, namespace: str, spec: Any, collection_kinds: dict[str, str]) -> Condition:
        """The engine condition of a ``RelationalTableFilter``."""
        if not isinstance(spec, dict):
            raise AdbError("InvalidParameter.RelationalTableFilter", "RelationalTableFilter must be an object.")
        table = _ident("table", spec.get("TableName"))
        table_field = _ident("column", spec.get("TableField"))
        field = _ident("metadata field", spec.get("CollectionMetadataField"))
        if field != "id" and field not in collection_kinds:
            raise AdbError("InvalidParameter.RelationalTableFilter", f'column "{field}" does not exist')
        db = self._db(namespace)
        with self._lock:
            kinds = self._columns(db, table)
            if table_field not in kinds:
                raise AdbError("InvalidParameter.RelationalTableFilter", f'column "{table_field}" does not exist')
            where = str(spec.get("Condition") or "").strip()
            sql = f'SELECT DISTINCT "{table_field}" FROM "{table}"'
            if where:
                try:
                    parse_where(where, kinds)  # the same subset as Filter, checked before running
                except SqlFilterError as exc:
                    raise AdbError("InvalidParameter.RelationalTableFilter", f"Invalid condition: {exc}") from None
                tree = sqlglot.parse_one(f"SELECT 1 WHERE {where}", read="postgres")
                sql += " WHERE " + tree.args["where"].this.sql(dialect="sqlite")
            values = [row[0] for row in db.execute(sql).fetchall() if row[0] is not None]
        kind = TEXT if field == "id" else collection_kinds[field]
        if not values:
            return Filter(must=(HasId(frozenset()),))
        if kind in (INT, FLOAT):
            numbers = [float(v) for v in values if isinstance(v, (int, float))]
            return Filter(should=tuple(FieldRange(field, Range(gte=v, lte=v)) for v in numbers))
        return FieldMatch(field, MatchAny(tuple(str(v) for v in values)))

    def joined(self, namespace: str, spec: Any, fields: list[str], key: Any) -> dict[str, Any]:
        """``table.column`` values of the table row whose ``TableField`` equals ``key``."""
        table, table_field = spec["TableName"], spec["TableField"]
        wanted = [f.split(".", 1)[1] for f in fields if f.startswith(f"{table}.")]
        if not wanted or key is None:
            return {}
        db = self._db(namespace)
        with self._lock:
            kinds = self._columns(db, table)
            columns = [_ident("column", c) for c in wanted if c in kinds]
            if not columns:
                return {}
            quoted = ", ".join(f'"{c}"' for c in columns)
            row = db.execute(f'SELECT {quoted} FROM "{table}" WHERE "{table_field}" = ? LIMIT 1', (key,)).fetchone()
        return {f"{table}.{c}": v for c, v in zip(columns, row)} if row else {}

    def close(self) -> None:
        with self._lock:
            for db in self._dbs.values():
                db.close()
            self._dbs = {}
