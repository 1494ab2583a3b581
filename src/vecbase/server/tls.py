"""TLS as Qdrant configures it: ``service.enable_tls`` with ``tls.cert`` / ``tls.key``, an
optional ``tls.ca_cert`` and ``service.verify_https_client_certificate`` (mutual TLS). The
certificate and key are re-read every ``tls.cert_ttl`` seconds when their files changed, into
the running SSL context: new connections get the new certificate, no restart needed."""

from __future__ import annotations

import logging
import os
import ssl
import threading
from pathlib import Path
from typing import Any

from vecbase.server.settings import Settings, SettingsError
from vecbase.storage.files import read_bytes

log = logging.getLogger("vecbase.tls")


def tls_options(settings: Settings) -> dict[str, Any]:
    """uvicorn's SSL arguments for the settings (none without TLS)."""
    if not settings.enable_tls:
        return {}
    if not settings.tls_cert or not settings.tls_key:
        raise SettingsError("service.enable_tls needs tls.cert and tls.key")
    if settings.verify_client_certificate and not settings.tls_ca_cert:
        raise SettingsError("service.verify_https_client_certificate needs tls.ca_cert")
    return {
        "ssl_certfile": settings.tls_cert,
        "ssl_keyfile": settings.tls_key,
        "ssl_ca_certs": settings.tls_ca_cert,
        "ssl_cert_reqs": ssl.CERT_REQUIRED if settings.verify_client_certificate else ssl.CERT_NONE,
    }


def stamp(paths: list[str]) -> tuple[float, ...]:
    """The files' modification times (-1 for a missing one): what a reload compares."""
    out = []
    for path in paths:
        try:
            out.append(os.stat(path).st_mtime)
        except OSError:
            out.append(-1.0)
    return tuple(out)


def start_reloader(context: ssl.SSLContext, settings: Settings) -> threading.Thread:
    assert settings.tls_cert is not None and settings.tls_key is not None
    cert, key = settings.tls_cert, settings.tls_key
    stop = threading.Event()

    def run() -> None:
        seen = stamp([cert, key])
        while not stop.wait(max(1, settings.tls_cert_ttl)):
            now = stamp([cert, key])
            if now == seen:
                continue
            try:
                context.load_cert_chain(cert, key)
                seen = now
                log.info("TLS certificate reloaded from %s", cert)
            except (OSError, ssl.SSLError) as exc:  # a half-written pair: try again next time
                log.warning("TLS certificate not reloaded: %s", exc)

    thread = threading.Thread(target=run, name="vecbase-tls-reload", daemon=True)
    thread.start()
    return thread


def tls_files(settings: Settings) -> tuple[bytes, bytes, bytes | None]:
    """(certificate chain, private key, client CA or None) as PEM bytes, for the gRPC server."""
    if settings.tls_cert is None or settings.tls_key is None:
        raise SettingsError("service.enable_tls needs tls.cert and tls.key")
    ca = read_bytes(Path(settings.tls_ca_cert)) if settings.tls_ca_cert else None
    return read_bytes(Path(settings.tls_cert)), read_bytes(Path(settings.tls_key)), ca
