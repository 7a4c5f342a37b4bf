"""The OpenAPI schema is valid, warning-free, and documents the error envelope on every operation."""

from __future__ import annotations

import yaml
from django.core.management import call_command


def test_schema_validates_without_warnings(tmp_path):
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    schema = yaml.safe_load(target.read_text())
    assert schema["components"]["schemas"]["Error"]["required"] == ["error", "code"]
    operations = [(path, method, op) for path, methods in schema["paths"].items() for method, op in methods.items()]
    assert len(operations) > 40
    for path, method, op in operations:
        assert path.startswith("/api/v1/"), path
        assert "400" in op["responses"] and "401" in op["responses"], (path, method)
        assert op["responses"]["403"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
