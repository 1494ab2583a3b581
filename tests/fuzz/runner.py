"""Schemathesis against a live server: every operation of an OpenAPI document, requests
generated from its schemas, each response checked (no 5xx, the documented schema, an answer
before the timeout). Shared by the CI test (few examples) and ``bench/fuzz.py`` (many)."""

from __future__ import annotations

import collections
import random
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import requests
import schemathesis
import yaml
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as hypothesis_seed
from schemathesis import checks as st_checks
from schemathesis.core.failures import FailureGroup

from tests.openapi import SPEC_DIR

QDRANT_SPEC = SPEC_DIR / "openapi.json"
OPENAI_SPEC = SPEC_DIR.parent / "openai" / "vector-stores-subset.yaml"
TIMEOUT_S = 30


@dataclass
class Report:
    examples: int = 0
    statuses: collections.Counter[int] = field(default_factory=collections.Counter)
    failures: dict[str, str] = field(default_factory=dict)  # "METHOD /path: check" -> first message
    slowest_s: float = 0.0

    def lines(self) -> list[str]:
        return [f"{where}: {message}" for where, message in sorted(self.failures.items())]


def load(path: Path) -> Any:
    if path.suffix not in (".yaml", ".yml"):
        return schemathesis.openapi.from_path(str(path))
    return schemathesis.openapi.from_dict(as_sent(yaml.safe_load(path.read_text())))


def _or_null(schema: Any) -> Any:
    return {"anyOf": [schema, {"type": "null"}]}


def as_sent(spec: dict[str, Any]) -> dict[str, Any]:
    """OpenAI's document as its API answers: an unset optional property is sent as null
    (``expires_at``, ``status_details``, ``expires_after``...) and an empty page has null
    ``first_id`` / ``last_id``, where the document declares a type and no null; a file's
    ``purpose`` is echoed from its upload."""
    for schema in spec.get("components", {}).get("schemas", {}).values():
        properties = schema.get("properties") if isinstance(schema, dict) else None
        if not isinstance(properties, dict):
            continue
        required = set(schema.get("required", ()))
        for name, prop in list(properties.items()):
            if name not in required or name in ("first_id", "last_id"):
                properties[name] = _or_null(prop)
    # a file's purpose is the one it was uploaded with, which the upload accepts from a longer list
    schemas = spec.get("components", {}).get("schemas", {})
    upload = schemas.get("CreateFileRequest", {}).get("properties", {}).get("purpose", {})
    file_purpose = schemas.get("OpenAIFile", {}).get("properties", {}).get("purpose", {})
    if "enum" in upload and "enum" in file_purpose:
        file_purpose["enum"] = sorted(set(file_purpose["enum"]) | set(upload["enum"]))
    return spec


def fuzz(
    spec: Path,
    base_url: str,
    examples: int,
    prepare: Callable[[Any], None] | None = None,
    headers: dict[str, str] | None = None,
    seed: int | None = None,
) -> Report:
    """Up to ``examples`` generated requests per operation of ``spec`` against ``base_url``
    (which replaces the spec's servers). ``prepare`` may edit each case before it is sent
    (point path parameters at things that exist, say). ``seed`` fixes the generated
    requests (the same run twice); None draws new ones on every run."""
    schema = load(spec)
    report = Report()
    checks = [st_checks.not_a_server_error, st_checks.response_schema_conformance]
    session = requests.Session()
    for result in schema.get_all_operations():
        _operation(result.ok(), base_url, examples, prepare, headers, session, checks, report, seed)
    return report


def _operation(
    operation: Any,
    base_url: str,
    examples: int,
    prepare: Callable[[Any], None] | None,
    headers: dict[str, str] | None,
    session: requests.Session,
    checks: list[Any],
    report: Report,
    seed: int | None,
) -> None:
    label = f"{operation.method.upper()} {operation.path}"

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy())
    def run(case: Any) -> None:
        if prepare is not None:
            prepare(case)
        report.examples += 1
        started = time.perf_counter()
        try:
            response = case.call(base_url=base_url, session=session, headers=headers, timeout=TIMEOUT_S)
        except requests.Timeout:
            report.failures.setdefault(f"{label}: timeout", f"no answer within {TIMEOUT_S} s")
            return
        report.slowest_s = max(report.slowest_s, time.perf_counter() - started)
        report.statuses[response.status_code] += 1
        try:
            case.validate_response(response, checks=checks)
        except FailureGroup as group:  # keep the first failures of each operation
            messages = "\n".join(str(e).strip() for e in group.exceptions)
            report.failures.setdefault(label, messages[:3000])

    if seed is not None:
        run = hypothesis_seed(seed)(run)
    run()


def aim(param: str, value: str, rng: random.Random, share: float = 0.75) -> Callable[[Any], None]:
    """A ``prepare`` that points ``share`` of the cases at an existing object (random names
    only reach the 404 path); deleting the collection itself stays aimed at random names, so
    the operations after it still find it."""

    def prepare(case: Any) -> None:
        operation = case.operation
        if operation.method.upper() == "PUT" and operation.path == "/quotas" and isinstance(case.body, dict):
            # an enabled quota at a generated limit refuses every later write with 507 (by
            # design, as Qdrant): the config is still fuzzed, the node stays writable
            case.body["enabled"] = False
        if operation.method.upper() == "DELETE" and operation.path.endswith("{" + param + "}"):
            return
        if case.path_parameters and param in case.path_parameters and rng.random() < share:
            case.path_parameters[param] = value

    return prepare
