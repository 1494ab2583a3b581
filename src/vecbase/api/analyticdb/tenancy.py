"""Namespaces and collection schemas of the AnalyticDB dialect, kept in a durable catalog.

A namespace has a password, stored as a salted PBKDF2 hash; every data call names the
namespace and its password. ``InitVectorDatabase`` creates the default namespace ``public``
with the manager account's password. A collection's schema (dimension, metric, metadata
fields with their PostgreSQL types, full-text fields and parser, sparse support) is what the
wire needs beyond the engine collection, which is named ``adb__<namespace>__<collection>``.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import re
import secrets
import threading
from dataclasses import dataclass, field
from typing import Any, Mapping

from vecbase.api.analyticdb.sql import column_kind
from vecbase.api.analyticdb.wire import AdbError
from vecbase.documents.catalog import Catalog
from vecbase.documents.records import from_json, to_json

NAMESPACES, COLLECTIONS = "namespaces", "collections"
DEFAULT_NAMESPACE = "public"
RESERVED = ("id", "vector", "to_tsvector", "source")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")
_ITERATIONS = 20_000


def check_name(kind: str, name: str) -> None:
    if not _NAME.match(name):
        raise AdbError("InvalidParameter", f"The {kind} name {name!r} does not follow PostgreSQL naming rules.")


def _hash(password: str, salt: bytes) -> bytes:
    return hashlib.pbkdf2_hmac("sha256", password.encode(), salt, _ITERATIONS)


@dataclass(frozen=True, slots=True)
class Namespace:
    name: str
    salt: str
    digest: str


@dataclass(frozen=True, slots=True)
class Schema:
    namespace: str
    name: str
    dimension: int | None
    metrics: str
    metadata: Mapping[str, str]
    full_text_fields: tuple[str, ...] = ()
    parser: str = "zh_cn"
    support_sparse: bool = False
    indices: tuple[str, ...] = ()
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def engine_name(self) -> str:
        return engine_name(self.namespace, self.name)

    def kinds(self) -> dict[str, str]:
        return dict(_kinds(tuple(self.metadata.items())))


@functools.lru_cache(maxsize=1024)
def _kinds(metadata: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
    return tuple((k, column_kind(t)) for k, t in metadata)


def engine_name(namespace: str, collection: str) -> str:
    return f"adb__{namespace}__{collection}"


class Tenancy:
    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self._verified: set[tuple[str, bytes]] = set()
        self._lock = threading.Lock()

    # -- namespaces ---------------------------------------------------------------------
    def create_namespace(self, name: str, password: str) -> None:
        check_name("namespace", name)
        if not password:
            raise AdbError("InvalidParameter", "NamespacePassword must not be empty.")
        with self.catalog.lock:
            if self.catalog.get(NAMESPACES, name) is not None:
                raise AdbError("Namespace.AlreadyExists", f"Namespace {name} already exists.", 409)
            salt = secrets.token_bytes(16)
            record = Namespace(name, salt.hex(), _hash(password, salt).hex())
            self.catalog.put(NAMESPACES, name, to_json(record))

    def init_public(self, password: str) -> None:
        if self.catalog.get(NAMESPACES, DEFAULT_NAMESPACE) is None:
            self.create_namespace(DEFAULT_NAMESPACE, password or "public")

    def namespace(self, name: str) -> Namespace:
        raw = self.catalog.get(NAMESPACES, name)
        if raw is None:
            raise AdbError("Namespace.NotFound", f"Namespace {name} does not exist.", 404)
        return from_json(Namespace, raw)

    def namespaces(self) -> list[str]:
        return [raw["name"] for raw in self.catalog.values(NAMESPACES)]

    def delete_namespace(self, name: str) -> list[Schema]:
        """Remove a namespace; the schemas of its collections, whose engine collections the
        caller drops."""
        self.namespace(name)
        schemas = self.schemas(name)
        with self.catalog.lock:
            self.catalog.remove_many(COLLECTIONS, [s.engine_name for s in schemas])
            self.catalog.remove(NAMESPACES, name)
        with self._lock:
            self._verified = {v for v in self._verified if v[0] != name}
        return schemas

    def check_password(self, name: str, password: str | None) -> None:
        record = self.namespace(name)
        token = hashlib.sha256((password or "").encode()).digest()
        with self._lock:
            if (name, token) in self._verified:
                return
        if password is None or not hmac.compare_digest(
            _hash(password, bytes.fromhex(record.salt)).hex(), record.digest
        ):
            raise AdbError("Namespace.PasswordInvalid", f"The password of namespace {name} is incorrect.", 403)
        with self._lock:
            self._verified.add((name, token))

    # -- collections --------------------------------------------------------------------
    def add_schema(self, schema: Schema) -> None:
        with self.catalog.lock:
            if self.catalog.get(COLLECTIONS, schema.engine_name) is not None:
                raise AdbError(
                    "Collection.AlreadyExists", f"Collection {schema.name} already exists in {schema.namespace}.", 409
                )
            self.catalog.put(COLLECTIONS, schema.engine_name, to_json(schema))

    def put_schema(self, schema: Schema) -> None:
        self.catalog.put(COLLECTIONS, schema.engine_name, to_json(schema))

    def schema(self, namespace: str, name: str) -> Schema:
        raw = self.catalog.get(COLLECTIONS, engine_name(namespace, name))
        if raw is None:
            raise AdbError("Collection.NotFound", f"Collection {name} does not exist in namespace {namespace}.", 404)
        return from_json(Schema, raw)

    def schemas(self, namespace: str) -> list[Schema]:
        return [from_json(Schema, raw) for raw in self.catalog.values(COLLECTIONS) if raw["namespace"] == namespace]

    def remove_schema(self, schema: Schema) -> None:
        self.catalog.remove(COLLECTIONS, schema.engine_name)
