"""Verification of the SDK's ACS3-HMAC-SHA256 request signature, when the server is given
an access key pair (``analyticdb.access_key_id`` / ``access_key_secret``).

The client signs a canonical request: the method, the path, the query parameters sorted by
name with their values percent-encoded (only ``~`` kept), the signed headers as
``name:value`` lines (names lowercased and sorted), their names joined by ``;``, and the
body's SHA-256 (its ``x-acs-content-sha256`` header). The string to sign is the algorithm
name and the canonical request's SHA-256; the signature is its HMAC-SHA256 with the secret.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from typing import Mapping
from urllib.parse import parse_qsl, quote

from vecbase.api.analyticdb.wire import AdbError

ALGORITHM = "ACS3-HMAC-SHA256"
_AUTH = re.compile(rf"^{ALGORITHM} Credential=([^,]+),SignedHeaders=([^,]+),Signature=([0-9a-f]+)$")


def _refused(message: str) -> AdbError:
    return AdbError("InvalidAccessKeyId.NotFound" if "key" in message else "SignatureDoesNotMatch", message, 403)


def verify(
    method: str, path: str, query: str, headers: Mapping[str, str], body: bytes, key_id: str, secret: str
) -> None:
    """Raise AdbError (403) unless the request carries a valid signature by ``key_id``."""
    match = _AUTH.match(headers.get("authorization", ""))
    if match is None:
        raise _refused("The request is not signed with ACS3-HMAC-SHA256.")
    credential, signed, signature = match.groups()
    if not hmac.compare_digest(credential, key_id):
        raise _refused(f"Specified access key is not found: {credential}.")
    payload_hash = hashlib.sha256(body).hexdigest()
    if headers.get("x-acs-content-sha256", payload_hash) != payload_hash:
        raise _refused("The body does not match x-acs-content-sha256.")
    params = sorted(parse_qsl(query, keep_blank_values=True))
    canonical_query = "&".join(f"{k}={quote(v, safe='~', encoding='utf-8')}" for k, v in params)
    names = signed.split(";")
    canonical_headers = "".join(f"{name}:{headers.get(name, '').strip()}\n" for name in names)
    canonical = "\n".join([method, path or "/", canonical_query, canonical_headers, signed, payload_hash])
    to_sign = f"{ALGORITHM}\n{hashlib.sha256(canonical.encode()).hexdigest()}"
    expected = hmac.new(secret.encode(), to_sign.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, signature):
        raise _refused("The request signature does not conform to Aliyun standards.")
