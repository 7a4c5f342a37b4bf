"""Field-key rotation: re-encrypt every sealed column under a new key, then retire the old keys."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from cryptography.fernet import Fernet
from django.apps import apps
from django.conf import settings
from django.db import connection, transaction

from nvr import crypto
from nvr.fields import EncryptedJSONField, EncryptedTextField


class KeyRotationError(Exception):
    """Rotation cannot proceed (keys managed outside the key file, undecryptable data, ...)."""


@dataclass
class RotationReport:
    rows: int = 0
    columns: list[str] = field(default_factory=list)


def encrypted_columns():
    """(model, field) for every encrypted field of every installed model."""
    for model in apps.get_models():
        for f in model._meta.concrete_fields:
            if isinstance(f, (EncryptedTextField, EncryptedJSONField)):
                yield model, f


def _reseal_column(model, f) -> int:
    table, column, pk = model._meta.db_table, f.column, model._meta.pk.column
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {qn(pk)}, {qn(column)} FROM {qn(table)} WHERE {qn(column)} IS NOT NULL")
        rows = cursor.fetchall()
        for row_pk, value in rows:
            if not value:
                continue
            try:
                new_value = crypto.reseal(value)
            except crypto.UnsealError:
                raise KeyRotationError(f"{table}.{column} row {row_pk} cannot be decrypted with the current keys") from None
            cursor.execute(f"UPDATE {qn(table)} SET {qn(column)} = %s WHERE {qn(pk)} = %s", [new_value, row_pk])
    return len(rows)


def rotate_field_key() -> RotationReport:
    """Make a new primary key, re-encrypt all sealed data with it, and drop the old keys.

    Crash-safe: the key file first holds new + old keys (everything stays readable while rows are
    re-encrypted in one transaction); only after the commit are the old keys removed.
    """
    if settings.NVR_FIELD_KEY:
        raise KeyRotationError(
            "field keys come from NVR_FIELD_KEY: put a new key first in that variable (comma-separated, "
            "keep the old one after it), run this command, then remove the old key"
        )
    path = Path(settings.NVR_FIELD_KEY_PATH)
    old_keys = crypto.configured_keys()
    new_key = Fernet.generate_key()
    crypto.write_key_file(path, [new_key, *old_keys])
    crypto.forget_keys()
    report = RotationReport()
    with transaction.atomic():
        for model, f in encrypted_columns():
            report.rows += _reseal_column(model, f)
            report.columns.append(f"{model._meta.db_table}.{f.column}")
    crypto.write_key_file(path, [new_key])
    crypto.forget_keys()
    return report
