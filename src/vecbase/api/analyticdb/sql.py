"""AnalyticDB's ``Filter``: a SQL WHERE expression, parsed by sqlglot (PostgreSQL dialect) and
translated to an engine filter with PostgreSQL's three-valued logic.

A predicate over columns that may be NULL is TRUE, FALSE or NULL; WHERE keeps the rows where
it is TRUE. Each SQL node therefore becomes two engine conditions: where it is TRUE and where
it is FALSE (elsewhere it is NULL). ``NOT p`` swaps them, ``a AND b`` is TRUE where both are and
FALSE where either is, ``a OR b`` the reverse; a comparison is TRUE where the column holds a
matching value and FALSE where it holds another (a missing or null column makes it NULL).
So ``NOT (x = 1)`` keeps no row whose ``x`` is NULL, as PostgreSQL.

Supported: ``=``, ``<>``, ``!=``, ``<``, ``>``, ``<=``, ``>=``, ``AND``, ``OR``, ``NOT``,
parentheses, ``IN`` / ``NOT IN``, ``BETWEEN``, ``LIKE`` / ``ILIKE`` (``NOT`` too), ``IS [NOT]
NULL``, a boolean column alone; literals: numbers, strings, ``TRUE`` / ``FALSE``, ``NULL`` and
timestamps (a string, or ``'...'::timestamp``); strings order by code point (the ``C``
collation). Columns are the collection's metadata fields
and ``id``. Anything else (functions, subqueries, several statements, unknown columns, a
comparison between mismatched types) raises ``SqlFilterError`` before anything runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Callable, Mapping

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError

from vecbase.core import limits
from vecbase.core.datetimes import parse_micros
from vecbase.core.filter import (
    Condition,
    DatetimeRange,
    FieldMatch,
    FieldRange,
    Filter,
    HasId,
    IsEmpty,
    MatchAny,
    MatchPattern,
    MatchTextRange,
    MatchValue,
    Range,
)

NEVER = Filter(must=(HasId(frozenset()),))
ALWAYS = Filter()
ID_COLUMN = "id"

INT, FLOAT, TEXT, BOOL, TIMESTAMP, JSON = "int", "float", "text", "bool", "timestamp", "json"
_KINDS = {
    INT: ("smallint", "int", "integer", "bigint", "int2", "int4", "int8", "serial", "bigserial"),
    FLOAT: ("real", "float", "float4", "float8", "double", "double precision", "numeric", "decimal"),
    TEXT: ("text", "varchar", "character varying", "char", "character", "uuid", "name", "bpchar"),
    BOOL: ("bool", "boolean"),
    TIMESTAMP: ("timestamp", "timestamptz", "timestamp without time zone", "timestamp with time zone", "date"),
    JSON: ("json", "jsonb"),
}


class SqlFilterError(ValueError):
    """A filter that is not a supported WHERE expression over the collection's columns."""


def column_kind(pg_type: str) -> str:
    """The value kind of a PostgreSQL type name (``varchar(32)`` is text); ValueError if unknown."""
    base = pg_type.strip().lower().split("(")[0].strip()
    for kind, names in _KINDS.items():
        if base in names:
            return kind
    raise ValueError(f"unsupported data type {pg_type!r}")


@dataclass(frozen=True, slots=True)
class _Truth:
    true: Condition
    false: Condition


def _and(a: Condition, b: Condition) -> Condition:
    if a is ALWAYS:
        return b
    if b is ALWAYS:
        return a
    if a is NEVER or b is NEVER:
        return NEVER
    return Filter(must=(a, b))


def _or(a: Condition, b: Condition) -> Condition:
    if a is NEVER:
        return b
    if b is NEVER:
        return a
    if a is ALWAYS or b is ALWAYS:
        return ALWAYS
    return Filter(should=(a, b))


def _not(a: Condition) -> Condition:
    if a is ALWAYS:
        return NEVER
    if a is NEVER:
        return ALWAYS
    return Filter(must_not=(a,))


class _Translator:
    def __init__(self, columns: Mapping[str, str], key: Callable[[str], str]) -> None:
        self.columns = columns  # name -> kind
        self.key = key  # column -> payload path

    def column(self, node: exp.Expression) -> tuple[str, str]:
        if not isinstance(node, exp.Column) or node.table:
            raise SqlFilterError(f"expected a column name, got {node.sql(dialect='postgres')!r}")
        name = node.name
        kind = TEXT if name == ID_COLUMN else self.columns.get(name)
        if kind is None:
            raise SqlFilterError(f'column "{name}" does not exist')
        return name, kind

    def literal(self, node: exp.Expression, kind: str, name: str) -> Any:
        """The literal's value for a column of ``kind``; None for NULL."""
        if isinstance(node, exp.Null):
            return None
        if isinstance(node, exp.Paren):
            return self.literal(node.this, kind, name)
        if isinstance(node, exp.Cast):
            return self.literal(node.this, kind, name)
        if isinstance(node, exp.Neg):
            value = self.literal(node.this, kind, name)
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                return -value
            raise SqlFilterError(f"cannot negate {node.this.sql(dialect='postgres')!r}")
        if isinstance(node, exp.Boolean):
            if kind != BOOL:
                raise SqlFilterError(f'operator does not exist: {kind} = boolean (column "{name}")')
            return bool(node.this)
        if not isinstance(node, exp.Literal):
            raise SqlFilterError(f"expected a literal value, got {node.sql(dialect='postgres')!r}")
        text = node.this
        try:
            if kind == INT:
                number = float(text)
                return int(number) if number.is_integer() else number
            if kind == FLOAT:
                return float(text)
            if kind == BOOL:
                lowered = text.strip().lower()
                if lowered in ("t", "true", "yes", "on", "1"):
                    return True
                if lowered in ("f", "false", "no", "off", "0"):
                    return False
                raise ValueError(text)
            if kind == TIMESTAMP:
                micros = parse_micros(text.strip().replace(" ", "T", 1))
                if micros is None:
                    raise ValueError(text)
                return datetime.fromtimestamp(micros / 1e6, tz=UTC)
        except ValueError:
            raise SqlFilterError(f'invalid input syntax for type {kind}: "{text}" (column "{name}")') from None
        if kind == JSON:
            raise SqlFilterError(f'comparisons on json column "{name}" are not supported')
        if not node.is_string:
            raise SqlFilterError(f'operator does not exist: text = numeric (column "{name}")')
        return text

    def equals(self, key: str, kind: str, value: Any) -> Condition:
        if kind in (INT, FLOAT):
            return FieldRange(key, Range(gte=float(value), lte=float(value)))
        if kind == TIMESTAMP:
            return FieldRange(key, DatetimeRange(gte=value, lte=value))
        return FieldMatch(key, MatchValue(value))

    def ordered(self, key: str, kind: str, op: str, value: Any) -> Condition:
        if kind in (INT, FLOAT):
            return FieldRange(key, Range(**{op: float(value)}))
        if kind == TIMESTAMP:
            return FieldRange(key, DatetimeRange(**{op: value}))
        if kind == TEXT:
            return FieldMatch(key, MatchTextRange(**{op: value}))
        raise SqlFilterError(f"ordering comparisons on {kind} columns are not supported")

    def present(self, key: str) -> Condition:
        return IsEmpty(key, expected=False)

    def comparison(self, node: exp.Expression) -> _Truth:
        ops: dict[type[exp.Expression], str] = {
            exp.EQ: "eq",
            exp.NEQ: "ne",
            exp.GT: "gt",
            exp.GTE: "gte",
            exp.LT: "lt",
            exp.LTE: "lte",
        }
        op = ops[type(node)]
        left, right = node.this, node.expression
        if not isinstance(left, exp.Column) and isinstance(right, exp.Column):
            left, right = right, left
            op = {"gt": "lt", "lt": "gt", "gte": "lte", "lte": "gte"}.get(op, op)
        name, kind = self.column(left)
        value = self.literal(right, kind, name)
        if value is None:
            return _Truth(NEVER, NEVER)  # a comparison with NULL is NULL
        key = self.key(name)
        if op in ("eq", "ne"):
            hit = self.equals(key, kind, value)
        else:
            hit = self.ordered(key, kind, op, value)
        miss = _and(self.present(key), _not(hit))
        return _Truth(miss, hit) if op == "ne" else _Truth(hit, miss)

    def truth(self, node: exp.Expression) -> _Truth:
        base = self._truth(node)
        # sqlglot marks IS NOT NULL, NOT LIKE, NOT ILIKE with ``negate`` on the node itself
        return _Truth(base.false, base.true) if node.args.get("negate") else base

    def _truth(self, node: exp.Expression) -> _Truth:
        if isinstance(node, exp.Paren):
            return self.truth(node.this)
        if isinstance(node, exp.And):
            a, b = self.truth(node.this), self.truth(node.expression)
            return _Truth(_and(a.true, b.true), _or(a.false, b.false))
        if isinstance(node, exp.Or):
            a, b = self.truth(node.this), self.truth(node.expression)
            return _Truth(_or(a.true, b.true), _and(a.false, b.false))
        if isinstance(node, exp.Not):
            inner = self.truth(node.this)
            return _Truth(inner.false, inner.true)
        if isinstance(node, (exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE)):
            return self.comparison(node)
        if isinstance(node, exp.Is):
            if not isinstance(node.expression, exp.Null):
                raise SqlFilterError("only IS NULL and IS NOT NULL are supported")
            name, _ = self.column(node.this)
            key = self.key(name)
            return _Truth(IsEmpty(key), self.present(key))
        if isinstance(node, exp.In):
            return self.one_of(node)
        if isinstance(node, exp.Between):
            name, kind = self.column(node.this)
            low = self.literal(node.args["low"], kind, name)
            high = self.literal(node.args["high"], kind, name)
            if low is None or high is None:
                return _Truth(NEVER, NEVER)
            key = self.key(name)
            hit = _and(self.ordered(key, kind, "gte", low), self.ordered(key, kind, "lte", high))
            return _Truth(hit, _and(self.present(key), _not(hit)))
        if isinstance(node, (exp.Like, exp.ILike)):
            name, kind = self.column(node.this)
            if kind != TEXT:
                raise SqlFilterError(f'operator does not exist: {kind} ~~ unknown (column "{name}")')
            pattern = self.literal(node.expression, TEXT, name)
            if pattern is None:
                return _Truth(NEVER, NEVER)
            key = self.key(name)
            hit = FieldMatch(key, MatchPattern(pattern, isinstance(node, exp.ILike)))
            return _Truth(hit, _and(self.present(key), _not(hit)))
        if isinstance(node, exp.Column):
            name, kind = self.column(node)
            if kind != BOOL:
                raise SqlFilterError(f'argument of WHERE must be type boolean, not type {kind} (column "{name}")')
            key = self.key(name)
            return _Truth(FieldMatch(key, MatchValue(True)), FieldMatch(key, MatchValue(False)))
        if isinstance(node, exp.Boolean):
            return _Truth(ALWAYS, NEVER) if node.this else _Truth(NEVER, ALWAYS)
        raise SqlFilterError(f"unsupported expression: {node.sql(dialect='postgres')!r}")

    def one_of(self, node: exp.In) -> _Truth:
        if node.args.get("query") is not None or node.args.get("unnest") is not None:
            raise SqlFilterError("subqueries are not supported")
        name, kind = self.column(node.this)
        values = [self.literal(v, kind, name) for v in node.expressions]
        key = self.key(name)
        known = [v for v in values if v is not None]
        if not known:
            hit: Condition = NEVER
        elif kind == TEXT or kind == BOOL:
            hit = FieldMatch(key, MatchAny(tuple(known)))
        else:
            hit = NEVER
            for v in known:
                hit = _or(hit, self.equals(key, kind, v))
        # x IN (..., NULL) is NULL where no listed value matches: never FALSE
        miss = NEVER if len(known) < len(values) else _and(self.present(key), _not(hit))
        return _Truth(hit, miss)


def parse_where(sql: str, columns: Mapping[str, str], key: Callable[[str], str] = lambda c: c) -> Filter:
    """The engine filter of a WHERE expression over ``columns`` (name -> kind, see
    ``column_kind``); ``key`` maps a column to its payload path."""
    if not sql.strip():
        return ALWAYS
    try:
        statements = sqlglot.parse(f"SELECT 1 WHERE {sql}", read="postgres")
    except (ParseError, sqlglot.errors.TokenError) as exc:
        raise SqlFilterError(f"syntax error in filter: {str(exc).splitlines()[0]}") from None
    if len(statements) != 1 or not isinstance(statements[0], exp.Select):
        raise SqlFilterError("the filter must be a single WHERE expression")
    select = statements[0]
    extra = [k for k, v in select.args.items() if v and k not in ("expressions", "where")]
    if extra or len(select.expressions) != 1:
        raise SqlFilterError("the filter must be a single WHERE expression")
    where = select.args.get("where")
    if where is None:
        raise SqlFilterError("the filter must be a single WHERE expression")
    predicates = sum(1 for node in where.walk() if isinstance(node, exp.Predicate))
    if predicates > limits.current().max_filter_conditions:
        raise SqlFilterError(
            f"the filter has {predicates} conditions, more than the limit of {limits.current().max_filter_conditions}"
        )
    truth = _Translator(columns, key).truth(where.this)
    return truth.true if isinstance(truth.true, Filter) else Filter(must=(truth.true,))
