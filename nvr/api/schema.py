"""drf-spectacular hooks: the error envelope component and the error responses of every operation."""

ERROR_SCHEMA = {
    "type": "object",
    "properties": {
        "error": {"type": "string", "description": "Human-readable message"},
        "code": {"type": "string", "description": "Machine-readable code"},
        "fields": {
            "type": "object",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
            "description": "Per-field messages (validation errors only)",
        },
    },
    "required": ["error", "code"],
}

_DESCRIPTIONS = {
    "400": "Invalid input",
    "401": "Authentication required",
    "403": "Missing capability or outside the credential's camera scope",
    "404": "Not found",
    "405": "Method not allowed",
    "406": "Not acceptable",
    "409": "Conflict",
    "413": "Request body too large",
    "415": "Unsupported media type",
    "503": "Temporarily unavailable (retry)",
}


def add_error_responses(result, generator, request, public):
    """Postprocessing hook: register `Error` and attach it to every operation's 4xx answers."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    ref = {"$ref": "#/components/schemas/Error"}
    for path, methods in result.get("paths", {}).items():
        for method, operation in methods.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            responses = operation.setdefault("responses", {})
            codes = ["400", "401", "403", "404", "405", "406", "503"]
            if method in ("post", "put", "patch"):
                codes += ["409", "413", "415"]
            for code in codes:
                responses.setdefault(code, {"description": _DESCRIPTIONS[code], "content": {"application/json": {"schema": ref}}})
    return result
