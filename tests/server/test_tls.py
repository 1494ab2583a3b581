"""TLS: the dialects over https with a throwaway CA, mutual TLS, and a certificate replaced
on disk served without a restart."""

from __future__ import annotations

import datetime
import ipaddress
import socket
import ssl
import subprocess
import sys
import time
from pathlib import Path

import grpc
import httpx
import openai
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from qdrant_client import QdrantClient

from tests.live_server import Server
from vecbase.api.qdrant.grpc.proto.collections_pb2 import ListCollectionsRequest
from vecbase.api.qdrant.grpc.proto.collections_service_pb2_grpc import CollectionsStub


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])


def make_ca(folder: Path) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name("vecbase test CA"))
        .issuer_name(_name("vecbase test CA"))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    path = folder / "ca.pem"
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return key, cert, path


def issue(
    ca_key: ec.EllipticCurvePrivateKey, ca: x509.Certificate, folder: Path, name: str, server: bool = True
) -> tuple[Path, Path, int]:
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(name))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
    )
    if server:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False
        )
    cert = builder.sign(ca_key, hashes.SHA256())
    cert_path, key_path = folder / f"{name}.pem", folder / f"{name}.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path, cert.serial_number


def served_serial(port: int, ca: Path, alpn: str | None = None) -> int:
    """The serial of the certificate a port presents to a fresh TLS connection (``alpn``:
    the protocol to offer, ``h2`` for the gRPC port)."""
    context = ssl.create_default_context(cafile=str(ca))
    if alpn is not None:
        context.set_alpn_protocols([alpn])
    with (
        socket.create_connection(("127.0.0.1", port)) as raw,
        context.wrap_socket(raw, server_hostname="127.0.0.1") as tls,
    ):
        der = tls.getpeercert(binary_form=True)
    assert der is not None
    return x509.load_der_x509_certificate(der).serial_number


def test_https_and_reload(tmp_path: Path) -> None:
    ca_key, ca, ca_path = make_ca(tmp_path)
    cert, key, serial = issue(ca_key, ca, tmp_path, "server")
    env = {
        "VECBASE__SERVICE__ENABLE_TLS": "true",
        "VECBASE__TLS__CERT": str(cert),
        "VECBASE__TLS__KEY": str(key),
        "VECBASE__TLS__CERT_TTL": "1",
    }
    trust = ssl.create_default_context(cafile=str(ca_path))
    server = Server(tmp_path / "storage", tls=trust)
    server.start(env=env)
    try:
        qdrant = QdrantClient(url=server.url, https=True, verify=trust, check_compatibility=False)  # type: ignore[arg-type]
        qdrant.create_collection("c", vectors_config={"size": 2, "distance": "Dot"})  # type: ignore[arg-type]
        assert qdrant.collection_exists("c")
        # gRPC speaks TLS with the same certificate
        credentials = grpc.ssl_channel_credentials(root_certificates=ca_path.read_bytes())
        with grpc.secure_channel(f"127.0.0.1:{server.grpc_port}", credentials) as channel:
            listed = CollectionsStub(channel).List(ListCollectionsRequest())
            assert [c.name for c in listed.collections] == ["c"]
        with httpx.Client(verify=trust) as http:
            client = openai.OpenAI(base_url=server.url + "/v1", api_key="x", http_client=http, max_retries=0)
            assert client.vector_stores.create(name="tls").name == "tls"
        # the SDK pools its connection process-wide with no way to close it (uvicorn's graceful
        # shutdown would wait for it): it runs in a child process
        script = (
            "import sys\n"
            "from alibabacloud_gpdb20160503 import models as m\n"
            "from alibabacloud_gpdb20160503.client import Client\n"
            "from alibabacloud_tea_openapi import models as om\n"
            "c = Client(om.Config(access_key_id='ak', access_key_secret='sk', endpoint=sys.argv[1],"
            " protocol='https', ca=sys.argv[2]))\n"
            "c.init_vector_database(m.InitVectorDatabaseRequest(dbinstance_id='d', region_id='r',"
            " manager_account_password='p'))\n"
            "r = c.list_namespaces(m.ListNamespacesRequest(dbinstance_id='d', region_id='r'))\n"
            "print(','.join(r.body.namespaces.namespace))\n"
        )
        done = subprocess.run(
            [sys.executable, "-c", script, f"127.0.0.1:{server.port}", str(ca_path)],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.stdout.strip() == "public", done.stderr
        with pytest.raises(httpx.ConnectError):  # an unknown CA is refused
            httpx.get(server.url + "/collections")
        assert served_serial(server.port, ca_path) == serial
        new_cert, new_key, new_serial = issue(ca_key, ca, tmp_path, "server-renewed")
        key.write_bytes(new_key.read_bytes())
        cert.write_bytes(new_cert.read_bytes())
        deadline = time.monotonic() + 15
        while served_serial(server.port, ca_path) != new_serial and time.monotonic() < deadline:
            time.sleep(0.3)
        assert served_serial(server.port, ca_path) == new_serial
        # gRPC picks the renewed certificate up on a new connection too
        deadline = time.monotonic() + 15
        while served_serial(server.grpc_port, ca_path, alpn="h2") != new_serial and time.monotonic() < deadline:
            time.sleep(0.3)
        assert served_serial(server.grpc_port, ca_path, alpn="h2") == new_serial
    finally:
        server.stop()


def test_mutual_tls(tmp_path: Path) -> None:
    ca_key, ca, ca_path = make_ca(tmp_path)
    cert, key, _ = issue(ca_key, ca, tmp_path, "server")
    client_cert, client_key, _ = issue(ca_key, ca, tmp_path, "client", server=False)
    env = {
        "VECBASE__SERVICE__ENABLE_TLS": "true",
        "VECBASE__SERVICE__VERIFY_HTTPS_CLIENT_CERTIFICATE": "true",
        "VECBASE__TLS__CERT": str(cert),
        "VECBASE__TLS__KEY": str(key),
        "VECBASE__TLS__CA_CERT": str(ca_path),
    }
    context = ssl.create_default_context(cafile=str(ca_path))
    context.load_cert_chain(str(client_cert), str(client_key))
    server = Server(tmp_path / "storage", tls=context)
    server.start(env=env)
    try:
        assert httpx.get(server.url + "/collections", verify=context).status_code == 200
        with pytest.raises((httpx.ConnectError, httpx.ReadError, httpx.RemoteProtocolError)):
            httpx.get(server.url + "/collections", verify=ssl.create_default_context(cafile=str(ca_path)))
    finally:
        server.stop()
