"""Server settings: defaults < YAML config file < environment < CLI flags.

The environment is read in Qdrant's spelling too: ``QDRANT__SECTION__KEY`` (and Qdrant's
top-level ``QDRANT__LOG_LEVEL``), so a deployment written for Qdrant configures vecbase
unchanged. ``VECBASE__SECTION__KEY`` wins over the same key in Qdrant's spelling, and Qdrant
settings vecbase has no use for (cluster, telemetry, ...) are ignored rather than refused.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any, Mapping

import yaml  # type: ignore[import-untyped]

ENV_PREFIX = "VECBASE__"
QDRANT_ENV_PREFIX = "QDRANT__"
log = logging.getLogger("vecbase.server")

# section.key in the config file / environment -> Settings field (Qdrant's config layout)
KEYS = {
    ("service", "host"): "host",
    ("service", "http_port"): "port",
    ("service", "grpc_port"): "grpc_port",
    ("service", "api_key"): "api_key",
    ("service", "read_only_api_key"): "read_only_api_key",
    ("service", "alt_api_key"): "alt_api_key",
    ("service", "read_only"): "read_only",
    ("service", "jwt_rbac"): "jwt_rbac",
    ("service", "enable_static_content"): "enable_static_content",
    ("service", "static_content_dir"): "static_content_dir",
    ("storage", "storage_path"): "storage_path",
    ("storage", "snapshots_path"): "snapshots_path",
    ("storage", "flush_interval_sec"): "flush_interval_sec",
    ("storage", "max_collections"): "max_collections",
    ("log", "level"): "log_level",
    ("inference", "models_path"): "models_path",
    ("service", "max_request_size_mb"): "max_request_size_mb",
    ("service", "slow_query_secs"): "slow_query_secs",
    ("service", "enable_cors"): "enable_cors",
    ("service", "max_filter_conditions"): "max_filter_conditions",
    ("service", "max_concurrent_ingestion_jobs"): "max_ingestion_jobs",
    ("audit", "enabled"): "audit_enabled",
    ("audit", "path"): "audit_path",
    ("service", "enable_tls"): "enable_tls",
    ("service", "verify_https_client_certificate"): "verify_client_certificate",
    ("tls", "cert"): "tls_cert",
    ("tls", "key"): "tls_key",
    ("tls", "ca_cert"): "tls_ca_cert",
    ("tls", "cert_ttl"): "tls_cert_ttl",
    ("openai", "max_upload_size_mb"): "max_upload_size_mb",
    ("analyticdb", "access_key_id"): "adb_access_key_id",
    ("analyticdb", "access_key_secret"): "adb_access_key_secret",
    ("analyticdb", "manager_account"): "adb_manager_account",
    ("analyticdb", "manager_account_password"): "adb_manager_password",
}


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 6333
    # Qdrant's gRPC API; None: not served
    grpc_port: int | None = 6334
    storage_path: str = "./storage"
    snapshots_path: str | None = None
    api_key: str | None = None
    read_only_api_key: str | None = None
    # a second full key (key rotation)
    alt_api_key: str | None = None
    # refuse every write of every dialect
    read_only: bool = False
    # JWT tokens signed with api_key / alt_api_key carry per-collection access
    jwt_rbac: bool = False
    # the web dashboard at /dashboard: the files of ``static_content_dir`` when that directory
    # exists (a build of Qdrant's web UI, as Qdrant serves it), else vecbase's own
    enable_static_content: bool = True
    static_content_dir: str = "./static"
    flush_interval_sec: float = 5.0
    # the most collections the node holds (every dialect's): None, no limit
    max_collections: int | None = None
    log_level: str = "INFO"
    # a directory of sentence-transformers models (one per sub-directory) to serve as well
    models_path: str | None = None
    # request bodies: Qdrant's limit, and the vector-stores dialect's per-file upload limit
    max_request_size_mb: int = 32
    # the audit log: a JSON line per request (default file: <storage>/audit.log)
    audit_enabled: bool = False
    audit_path: str | None = None
    # a read slower than this reports the unindexed fields of its filters under /issues
    slow_query_secs: float = 1.2
    # CORS headers for browser clients of any origin, as Qdrant's default
    enable_cors: bool = True
    # conditions in one request's filters, in every dialect
    max_filter_conditions: int = 10_000
    # AnalyticDB's background jobs (async upserts, document uploads) running at once
    max_ingestion_jobs: int = 8
    # TLS, as Qdrant's config: certificate files re-read every ``tls_cert_ttl`` seconds
    enable_tls: bool = False
    verify_client_certificate: bool = False
    tls_cert: str | None = None
    tls_key: str | None = None
    tls_ca_cert: str | None = None
    tls_cert_ttl: int = 3600
    max_upload_size_mb: int = 512
    # AnalyticDB: the SDK's signature is verified when a key pair is set; namespace and
    # collection management checks the manager account when one is set
    adb_access_key_id: str | None = None
    adb_access_key_secret: str | None = None
    adb_manager_account: str | None = None
    adb_manager_password: str | None = None

    def with_values(self, values: Mapping[str, Any]) -> Settings:
        types = {f.name: f.type for f in fields(self)}
        cast: dict[str, Any] = {}
        for k, v in values.items():
            if v is None:
                if k == "grpc_port":  # an explicit null turns the gRPC server off
                    cast[k] = None
                continue
            t = str(types[k])
            if t == "bool":
                if isinstance(v, str) and v.strip().lower() not in ("true", "false", "1", "0", "yes", "no"):
                    raise SettingsError(f"`{k}` must be true or false, got {v!r}")
                v = v if isinstance(v, bool) else str(v).strip().lower() in ("true", "1", "yes")
            elif "int" in t and "str" not in t:
                if "None" in t and isinstance(v, str) and v.strip().lower() in ("null", "none", ""):
                    cast[k] = None
                    continue
                v = int(v)
            elif "float" in t:
                v = float(v)
            else:
                v = str(v)
            cast[k] = v
        return replace(self, **cast)


class SettingsError(ValueError):
    pass


def from_mapping(data: Mapping[str, Any], origin: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for section, values in data.items():
        if not isinstance(values, Mapping):
            raise SettingsError(f"{origin}: section `{section}` must be a mapping")
        for key, value in values.items():
            field = KEYS.get((str(section), str(key)))
            if field is None:
                raise SettingsError(f"{origin}: unknown setting `{section}.{key}`")
            out[field] = value
    return out


def from_env(env: Mapping[str, str]) -> dict[str, Any]:
    out = _from_qdrant_env(env)
    nested: dict[str, dict[str, str]] = {}
    for name, value in env.items():
        if not name.startswith(ENV_PREFIX):
            continue
        parts = name[len(ENV_PREFIX) :].lower().split("__")
        if len(parts) != 2:
            raise SettingsError(f"environment: {name} must look like VECBASE__SECTION__KEY")
        nested.setdefault(parts[0], {})[parts[1]] = value
    return {**out, **from_mapping(nested, "environment")}


def _from_qdrant_env(env: Mapping[str, str]) -> dict[str, Any]:
    """The ``QDRANT__`` variables vecbase knows; the others are Qdrant's alone, logged and
    skipped (a Qdrant deployment sets cluster or telemetry switches vecbase has no use for)."""
    out: dict[str, Any] = {}
    for name, value in env.items():
        if not name.startswith(QDRANT_ENV_PREFIX):
            continue
        parts = tuple(name[len(QDRANT_ENV_PREFIX) :].lower().split("__"))
        if parts == ("log_level",):
            parts = ("log", "level")
        field = KEYS.get(parts) if len(parts) == 2 else None
        if field is None:
            log.warning("environment: %s is not a setting vecbase has; ignored", name)
            continue
        out[field] = value
    return out


def load(config_file: str | None, flags: Mapping[str, Any], env: Mapping[str, str] | None = None) -> Settings:
    settings = Settings()
    if config_file is not None:
        raw = yaml.safe_load(Path(config_file).read_text()) or {}
        if not isinstance(raw, Mapping):
            raise SettingsError(f"{config_file}: the config file must be a YAML mapping")
        settings = _apply(settings, from_mapping(raw, config_file), config_file)
    settings = _apply(settings, from_env(os.environ if env is None else env), "environment")
    return _apply(settings, flags, "command line")


def _apply(settings: Settings, values: Mapping[str, Any], origin: str) -> Settings:
    try:
        return settings.with_values(values)
    except ValueError as e:
        raise SettingsError(f"{origin}: {e}") from None
