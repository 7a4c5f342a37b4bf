"""Digest (with and without qop) and Basic credentials; forged, stale and wrong ones are told apart."""

import base64

from cameras.simcam.auth import Authenticator, digest_params, digest_response

URI = "rtsp://127.0.0.1:8554/cam1"


def digest_header(auth: Authenticator, nonce: str, password: str, method: str = "DESCRIBE", **qop) -> str:
    response = digest_response("admin", auth.realm, password, method, URI, nonce, **qop)
    extra = "".join(f', {k}="{v}"' for k, v in qop.items())
    return (f'Digest username="admin", realm="{auth.realm}", nonce="{nonce}", uri="{URI}", '
            f'response="{response}"{extra}')


def test_challenge_offers_digest_then_basic():
    auth = Authenticator("admin", "secret")
    headers = auth.challenge()
    assert [name for name, _ in headers] == ["WWW-Authenticate", "WWW-Authenticate"]
    assert headers[0][1].startswith('Digest realm="simcam", nonce="') and headers[1][1].startswith("Basic")


def test_digest_with_the_right_password_is_accepted():
    auth = Authenticator("admin", "secret")
    nonce = digest_params(auth.challenge()[0][1])["nonce"]
    assert auth.verify("DESCRIBE", digest_header(auth, nonce, "secret")) == "ok"
    assert auth.verify("DESCRIBE", digest_header(auth, nonce, "secret", qop="auth", nc="00000001",
                                                 cnonce="abc")) == "ok"


def test_digest_with_a_wrong_password_method_or_forged_nonce_is_denied():
    auth = Authenticator("admin", "secret")
    nonce = auth.new_nonce()
    assert auth.verify("DESCRIBE", digest_header(auth, nonce, "wrong")) == "denied"
    assert auth.verify("SETUP", digest_header(auth, nonce, "secret", method="DESCRIBE")) == "denied"
    forged = nonce[:-1] + ("0" if nonce[-1] != "0" else "1")
    assert auth.verify("DESCRIBE", digest_header(auth, forged, "secret")) == "denied"
    assert auth.verify("DESCRIBE", None) == "denied"
    assert auth.verify("DESCRIBE", "Bearer abc") == "denied"


def test_expired_nonce_is_stale_not_denied():
    auth = Authenticator("admin", "secret", nonce_ttl=-1)
    nonce = auth.new_nonce()
    assert auth.verify("DESCRIBE", digest_header(auth, nonce, "secret")) == "stale"
    assert "stale=TRUE" in auth.challenge(stale=True)[0][1]


def test_basic_credentials():
    auth = Authenticator("admin", "s:ecret")
    good = base64.b64encode(b"admin:s:ecret").decode()
    bad = base64.b64encode(b"admin:nope").decode()
    assert auth.verify("DESCRIBE", f"Basic {good}") == "ok"
    assert auth.verify("DESCRIBE", f"Basic {bad}") == "denied"
    assert auth.verify("DESCRIBE", "Basic %%%") == "denied"
    assert auth.verify("DESCRIBE", "Basic " + base64.b64encode(b"\xff\xfe").decode()) == "denied"
