"""Model fields that keep their value encrypted at rest (see nvr.crypto)."""

from __future__ import annotations

import json
import logging

from django.db import models

from nvr import crypto

log = logging.getLogger(__name__)


class EncryptedTextField(models.TextField):
    """Text sealed with the field key. A value that cannot be unsealed reads as None."""

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return None if value is None else ""
        try:
            return crypto.unseal(value)
        except crypto.UnsealError:
            log.warning("cannot unseal %s: treating it as absent (was the field key replaced?)", self.name)
            return None

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return crypto.seal(value)


class EncryptedJSONField(models.TextField):
    """A JSON value stored as sealed text; reads as None if it cannot be unsealed."""

    def from_db_value(self, value, expression, connection):
        if value is None:
            return None
        try:
            return json.loads(crypto.unseal(value))
        except (crypto.UnsealError, ValueError):
            log.warning("cannot unseal %s: treating it as absent (was the field key replaced?)", self.name)
            return None

    def to_python(self, value):
        if isinstance(value, str):
            try:
                return json.loads(crypto.unseal(value))
            except (crypto.UnsealError, ValueError):
                return None
        return value

    def get_prep_value(self, value):
        if value is None:
            return None
        return crypto.seal(json.dumps(value, sort_keys=True))

    def value_to_string(self, obj):
        return json.dumps(self.value_from_object(obj))
