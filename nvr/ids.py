"""Server-generated identifiers: a type prefix plus a UUIDv4 as 32 lowercase hex characters."""

import re
import uuid

from django.utils.deconstruct import deconstructible

ID_MAX_LENGTH = 40
_ID_RE = re.compile(r"^[a-z]{2,6}_[0-9a-f]{32}$")


def new_id(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex}"


def looks_like_id(value: str, prefix: str) -> bool:
    return bool(_ID_RE.match(value)) and value.startswith(prefix + "_")


@deconstructible
class IdFactory:
    """Callable model-field default producing `<prefix>_<hex>` ids (serialisable in migrations)."""

    def __init__(self, prefix: str):
        self.prefix = prefix

    def __call__(self) -> str:
        return new_id(self.prefix)

    def __eq__(self, other):
        return isinstance(other, IdFactory) and other.prefix == self.prefix

    def __hash__(self):
        return hash(self.prefix)
