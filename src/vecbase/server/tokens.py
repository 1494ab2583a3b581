"""JWT tokens (``service.jwt_rbac``), as Qdrant reads them: HS256 signed with the API key or
the alternate key, 30 s of leeway on ``exp`` (not required), no audience. Claims: ``access``
(see ``core.access``; absent: full access), ``value_exists`` (the token is valid only while a
point with the given payload values exists in a collection), ``sub`` and ``subject``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import jwt

from vecbase.core.access import Access, AccessClaimError, access_from_claim

LEEWAY_S = 30
# (collection, [(key, value)]) -> True / False, or None when the collection does not exist
ExistsCheck = Callable[[str, list[tuple[str, Any]]], "bool | None"]


class TokenRefused(Exception):
    """The token is refused: ``status`` 401 or 403, ``message`` as Qdrant's plain text."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True, slots=True)
class Token:
    access: Access
    subject: str | None


def _claims(token: str, secret: str) -> dict[str, Any] | None:
    """The claims if ``secret`` signed ``token``; None when it is not a token we can read;
    ``TokenRefused`` (403) for an expired token or a bad signature, as Qdrant."""
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=["HS256"],
            leeway=LEEWAY_S,
            options={"verify_aud": False, "verify_iat": False, "verify_nbf": False, "require": []},
        )
    except jwt.ExpiredSignatureError:
        raise TokenRefused(403, "ExpiredSignature") from None
    except jwt.InvalidSignatureError:
        raise TokenRefused(403, "InvalidSignature") from None
    except jwt.PyJWTError:
        return None
    return claims if isinstance(claims, dict) else None


def read_token(token: str, secrets: tuple[str, ...], exists: ExistsCheck) -> Token | None:
    """The token's access, None when no secret reads it (not a JWT at all)."""
    claims: dict[str, Any] | None = None
    refusal: TokenRefused | None = None
    for secret in secrets:
        try:
            claims = _claims(token, secret)
        except TokenRefused as exc:
            refusal = refusal or exc
            continue
        if claims is not None:
            break
    if claims is None:
        if refusal is not None:
            raise refusal
        return None
    try:
        access = access_from_claim(claims.get("access"))
    except AccessClaimError as exc:
        raise TokenRefused(401, str(exc)) from None
    condition = claims.get("value_exists")
    if condition is not None:
        _check_value_exists(condition, exists)
    subject = claims.get("subject")
    return Token(access, subject if isinstance(subject, str) else None)


def _check_value_exists(condition: Any, exists: ExistsCheck) -> None:
    failed = "Invalid JWT, stateful validation failed"
    if not (
        isinstance(condition, dict)
        and isinstance(condition.get("collection"), str)
        and isinstance(condition.get("matches"), list)
        and all(isinstance(m, dict) and isinstance(m.get("key"), str) and "value" in m for m in condition["matches"])
    ):
        raise TokenRefused(401, failed)
    found = exists(condition["collection"], [(m["key"], m["value"]) for m in condition["matches"]])
    if found is None:
        raise TokenRefused(403, failed)
    if not found:
        raise TokenRefused(401, failed)
