"""Backup destination secrets: masking for display, the `***` round-trip on update, error scrubbing.

Pure functions over plain dicts and strings (SPEC §4; reference §2.18 with the §5.19 fixes).
"""

from __future__ import annotations

import re
from urllib.parse import quote

SECRET_KEYS: tuple[str, ...] = (
    "pass",
    "password",
    "secret",
    "secret_key",
    "access_key",
    "secret_access_key",
    "private_key",
    "passphrase",
    "token",
)
MASK = "***"


def is_secret_key(key: object) -> bool:
    return key in SECRET_KEYS


def _is_set(value: object) -> bool:
    return isinstance(value, str) and value != ""


def mask_backup_config(config):
    """(masked copy, has_credentials): every non-empty string under a secret key becomes `***`.

    Non-string or empty secret values are left as they are and do not count as credentials;
    a non-object config is returned unchanged with False (the reference contract).
    """
    if not isinstance(config, dict):
        return config, False
    masked = dict(config)
    has_credentials = False
    for key in SECRET_KEYS:
        if _is_set(masked.get(key)):
            masked[key] = MASK
            has_credentials = True
    return masked, has_credentials


def merge_config_update(stored, new: dict, allowed_keys=None) -> dict:
    """The config to store when a client sends `new` over an existing `stored` config.

    Non-secret keys: `new` replaces the object (an omitted key is gone). Secret keys:
    * exactly `***` keeps the stored value (dropped when nothing is stored);
    * `null` or `""` clears the secret;
    * omitted keeps the stored value (fix of reference §5.19), unless `allowed_keys` is given and
      does not contain the key — a secret the (possibly new) kind cannot use is not carried over.
    Any other value (including a wrongly typed one, left for validation) is taken as sent.
    """
    stored = stored if isinstance(stored, dict) else {}
    merged: dict = {}
    for key, value in new.items():
        if not is_secret_key(key):
            merged[key] = value
        elif value == MASK:
            if _is_set(stored.get(key)):
                merged[key] = stored[key]
        elif value is None or value == "":
            continue
        else:
            merged[key] = value
    for key in SECRET_KEYS:
        if key in new or not _is_set(stored.get(key)):
            continue
        if allowed_keys is None or key in allowed_keys:
            merged[key] = stored[key]
    return merged


def secret_values(config) -> list[str]:
    """Every non-empty secret string of a config, longest first."""
    if not isinstance(config, dict):
        return []
    values = {config[key] for key in SECRET_KEYS if _is_set(config.get(key))}
    return sorted(values, key=len, reverse=True)


def scrub_secrets(text, config):
    """`text` with every secret value of `config` (also in URL-encoded form) replaced by `***`."""
    if not isinstance(text, str) or not text:
        return text
    needles: set[str] = set()
    for value in secret_values(config):
        needles.add(value)
        needles.add(quote(value, safe="", errors="surrogatepass"))
        needles.add(quote(value, safe="-._~", errors="surrogatepass"))
    if not needles:
        return text
    # One pass over an alternation, longest first, so a secret containing another one is hidden whole.
    pattern = re.compile("|".join(re.escape(n) for n in sorted(needles, key=len, reverse=True)))
    return pattern.sub(MASK, text)
