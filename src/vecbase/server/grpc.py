"""The gRPC server beside the HTTP one: same process, same service layer, same credentials.

A small thread pool runs the calls: the engine releases the GIL in its native parts, and
more threads only contend for it (bench/rest.py, 8 clients, 2 cores, 20k x 128: 560 q/s with
2 workers, 686 with 4, 637 with 8, 451 with 16). No message size cap (qdrant-client's
uploads exceed gRPC's 4 MB default), gzip accepted, the standard health service and server
reflection."""

from __future__ import annotations

import logging
import time
from concurrent import futures
from typing import Any, Mapping

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from vecbase.api.qdrant.grpc import SERVICE_NAMES, add_services
from vecbase.api.qdrant.grpc.proto._pool import POOL
from vecbase.api.qdrant.rest.stats import RequestStats
from vecbase.api.qdrant.service import QdrantService
from vecbase.core.access import Access
from vecbase.core.errors import ForbiddenError, UnauthenticatedError
from vecbase.server.access import Authenticator, key_of
from vecbase.server.settings import Settings
from vecbase.server.tls import stamp, tls_files
from vecbase.server.tokens import TokenRefused

log = logging.getLogger("vecbase.grpc")
UNLIMITED = -1


def _authenticate(authenticator: Authenticator) -> Any:
    def check(metadata: Mapping[str, str]) -> Access:
        try:
            return authenticator.check(key_of(metadata)).access
        except TokenRefused as exc:
            if exc.status == 401:
                raise UnauthenticatedError(exc.message) from None
            raise ForbiddenError(exc.message) from None

    return check


def _tls_credentials(settings: Settings) -> Any:
    """Server credentials that pick up renewed certificate files on the next handshake after
    they change, as the HTTPS listener does (checked at most every ``tls.cert_ttl`` seconds)."""
    paths = [p for p in (settings.tls_cert, settings.tls_key, settings.tls_ca_cert) if p]

    def configuration() -> Any:
        cert, key, ca = tls_files(settings)
        return grpc.ssl_server_certificate_configuration([(key, cert)], root_certificates=ca)

    seen: dict[str, Any] = {"stamp": stamp(paths), "checked": time.monotonic()}

    def fetch() -> Any:
        now = time.monotonic()
        if now - float(seen["checked"]) < settings.tls_cert_ttl:
            return None
        seen["checked"] = now
        current = stamp(paths)
        if current == seen["stamp"]:
            return None
        try:
            renewed = configuration()
        except Exception:  # a half-written file: keep serving the old certificate
            log.exception("TLS certificate reload for gRPC failed")
            return None
        seen["stamp"] = current
        log.info("gRPC TLS certificate reloaded")
        return renewed

    return grpc.dynamic_ssl_server_credentials(
        configuration(), fetch, require_client_authentication=settings.verify_client_certificate
    )


class _Timing(grpc.ServerInterceptor):  # type: ignore[misc]
    """Each unary call's duration and status code into the server's request statistics
    (``/telemetry``'s ``requests.grpc``, ``/metrics``' ``grpc_responses_*``)."""

    def __init__(self, stats: RequestStats) -> None:
        self.stats = stats

    def intercept_service(self, continuation: Any, details: Any) -> Any:
        handler = continuation(details)
        if handler is None or handler.unary_unary is None:
            return handler
        inner, method, stats = handler.unary_unary, details.method, self.stats

        def timed(request: Any, context: Any) -> Any:
            started = time.perf_counter()
            code = grpc.StatusCode.OK
            try:
                return inner(request, context)
            except Exception:
                code = context.code() or grpc.StatusCode.UNKNOWN
                raise
            finally:
                stats.observe_grpc(method, int(code.value[0]), time.perf_counter() - started)

        return grpc.unary_unary_rpc_method_handler(
            timed, request_deserializer=handler.request_deserializer, response_serializer=handler.response_serializer
        )


def start_grpc(
    settings: Settings,
    svc: QdrantService,
    authenticator: Authenticator,
    workers: int = 4,
    stats: RequestStats | None = None,
) -> Any:
    """Start serving on ``settings.grpc_port``; returns the server (``stop(grace)`` drains).
    ``stats``: where each call's duration and status go."""
    options = [
        ("grpc.max_receive_message_length", UNLIMITED),
        ("grpc.max_send_message_length", UNLIMITED),
    ]
    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=workers, thread_name_prefix="vecbase-grpc"),
        options=options,
        compression=None,
        interceptors=[_Timing(stats)] if stats is not None else None,
    )
    add_services(server, svc, _authenticate(authenticator) if authenticator.enabled else None)
    health_servicer = health.HealthServicer()
    for name in ("", *SERVICE_NAMES):
        health_servicer.set(name, health_pb2.HealthCheckResponse.SERVING)
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    names = (*SERVICE_NAMES, health.SERVICE_NAME, reflection.SERVICE_NAME)
    reflection.enable_server_reflection(names, server, pool=POOL)
    address = f"{settings.host}:{settings.grpc_port}"
    if settings.enable_tls:
        server.add_secure_port(address, _tls_credentials(settings))
    else:
        server.add_insecure_port(address)
    server.start()
    log.info("gRPC listening on %s", address)
    return server
