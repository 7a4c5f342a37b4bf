"""RTSP authentication as cameras do it: Digest (MD5, server nonce) challenge, Basic also accepted."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import secrets
import time

_PARAM = re.compile(r'(\w+)\s*=\s*(?:"([^"]*)"|([^\s,]*))')


def _md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()  # noqa: S324 - RFC 2617 Digest is MD5 by definition


def digest_params(value: str) -> dict[str, str]:
    """The key=value pairs of a Digest header."""
    return {m.group(1).lower(): m.group(2) if m.group(2) is not None else m.group(3) for m in _PARAM.finditer(value)}


def digest_response(user: str, realm: str, password: str, method: str, uri: str, nonce: str,
                    qop: str | None = None, nc: str = "", cnonce: str = "") -> str:
    """The Digest ``response`` value (RFC 2617 §3.2.2), with or without qop=auth."""
    ha1 = _md5(f"{user}:{realm}:{password}")
    ha2 = _md5(f"{method}:{uri}")
    if qop:
        return _md5(f"{ha1}:{nonce}:{nc}:{cnonce}:{qop}:{ha2}")
    return _md5(f"{ha1}:{nonce}:{ha2}")


class Authenticator:
    """Checks one user's credentials; nonces are stateless (timestamp + HMAC) and live ``nonce_ttl`` seconds."""

    def __init__(self, user: str, password: str, realm: str = "simcam", nonce_ttl: float = 24 * 3600):
        self.user, self.password, self.realm, self.nonce_ttl = user, password, realm, nonce_ttl
        self._key = secrets.token_bytes(32)

    def _sign(self, stamp: str) -> str:
        return hmac.new(self._key, stamp.encode(), hashlib.sha256).hexdigest()[:32]

    def new_nonce(self) -> str:
        """A nonce this authenticator will recognise (hex issue time + signature)."""
        stamp = f"{int(time.time()):x}"
        return stamp + self._sign(stamp)

    def nonce_state(self, nonce: str) -> str:
        """"fresh", "stale" (ours but expired) or "bad"."""
        stamp, signature = nonce[:-32], nonce[-32:]
        if not stamp or not hmac.compare_digest(signature.encode(), self._sign(stamp).encode()):
            return "bad"
        try:
            issued = int(stamp, 16)
        except ValueError:
            return "bad"
        return "fresh" if time.time() - issued <= self.nonce_ttl else "stale"

    def challenge(self, stale: bool = False) -> list[tuple[str, str]]:
        """``WWW-Authenticate`` headers for a 401: Digest first (clients prefer it), then Basic."""
        digest = f'Digest realm="{self.realm}", nonce="{self.new_nonce()}"'
        if stale:
            digest += ", stale=TRUE"
        return [("WWW-Authenticate", digest), ("WWW-Authenticate", f'Basic realm="{self.realm}"')]

    def verify(self, method: str, authorization: str | None) -> str:
        """"ok", "stale" (retry with a new nonce) or "denied"."""
        if not authorization:
            return "denied"
        scheme, _, value = authorization.strip().partition(" ")
        if scheme.lower() == "basic":
            return "ok" if self._basic_ok(value) else "denied"
        if scheme.lower() == "digest":
            return self._digest_state(method, digest_params(value))
        return "denied"

    def _basic_ok(self, value: str) -> bool:
        try:
            user, _, password = base64.b64decode(value.strip(), validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return False
        return hmac.compare_digest(user.encode(), self.user.encode()) & hmac.compare_digest(
            password.encode(), self.password.encode())

    def _digest_state(self, method: str, params: dict[str, str]) -> str:
        nonce = params.get("nonce", "")
        expected = digest_response(self.user, self.realm, self.password, method, params.get("uri", ""), nonce,
                                   params.get("qop"), params.get("nc", ""), params.get("cnonce", ""))
        matches = hmac.compare_digest(params.get("username", "").encode(), self.user.encode()) & hmac.compare_digest(
            params.get("response", "").lower().encode(), expected.encode())
        if not matches:
            return "denied"
        state = self.nonce_state(nonce)
        return {"fresh": "ok", "stale": "stale"}.get(state, "denied")
