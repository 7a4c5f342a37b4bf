"""Credentials masked out of free text: URLs, error messages, log lines. Pure functions.

Project-wide plumbing (the log filter in nvr.logging needs it, and imports no app); cameras.stream_urls
re-exports `mask_credentials` beside the URL builder it masks.
"""

from __future__ import annotations

import re

# scheme://userinfo@ — userinfo runs to the LAST '@' before the authority ends ('/', '?', '#',
# whitespace), so a password containing '@' is hidden entirely.
_USERINFO = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.\-]*://)(?P<userinfo>[^\s/?#]*)@")

# Credentials some cameras take in the query string (`?user=admin&password=...`, Dahua/Axis style).
_QUERY_SECRET = re.compile(
    r"(?P<key>[?&;](?:password|passwd|pass|pwd|token|auth|authkey|key|secret|user|username|login)=)(?P<value>[^&;#\s]*)",
    re.IGNORECASE,
)


def mask_credentials(text: str | None) -> str | None:
    """Replace `scheme://user:pass@` (or `user@`) with `scheme://***@` and credential query values with `***`."""
    if not text:
        return text
    text = _USERINFO.sub(lambda m: f"{m.group('scheme')}***@", text)
    return _QUERY_SECRET.sub(lambda m: f"{m.group('key')}***" if m.group("value") else m.group(0), text)
