"""The one error envelope: `{"error": str, "code": str, "fields": {field: [messages]}}`.

Every 4xx/5xx answer of the API goes through here, including DRF's own parse and validation
errors, Django's 404/SuspiciousOperation/RequestDataTooBig, integrity errors (409) and a locked
database (503 + Retry-After). Unexpected exceptions become a 500 envelope with no detail.
"""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError, IntegrityError, OperationalError
from django.http import Http404, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response

log = logging.getLogger(__name__)


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "resource already exists"
    default_code = "conflict"


class ServiceUnavailable(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "service temporarily unavailable, retry shortly"
    default_code = "unavailable"


class BadRequest(exceptions.APIException):
    """A 400 that is not about a single field (bad query parameter combination, state conflicts)."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = "bad request"
    default_code = "bad_request"


def envelope(message: str, code: str, fields: dict | None = None) -> dict:
    body = {"error": message, "code": code}
    if fields:
        body["fields"] = fields
    return body


def _flatten(detail, prefix: str = "") -> dict[str, list[str]]:
    """DRF nested error details → {"a.b": ["msg", ...]}."""
    out: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            for k, v in _flatten(value, name).items():
                out.setdefault(k, []).extend(v)
    elif isinstance(detail, list):
        if all(not isinstance(item, (dict, list)) for item in detail):
            out[prefix or "non_field_errors"] = [str(item) for item in detail]
        else:
            for index, item in enumerate(detail):
                name = f"{prefix}.{index}" if prefix else str(index)
                for k, v in _flatten(item, name).items():
                    out.setdefault(k, []).extend(v)
    else:
        out[prefix or "non_field_errors"] = [str(detail)]
    return out


def _validation_message(fields: dict[str, list[str]]) -> str:
    first_field, messages = next(iter(fields.items()))
    if first_field == "non_field_errors":
        return messages[0]
    return f"{first_field}: {messages[0]}"


def _first_code(detail) -> str:
    if isinstance(detail, dict):
        for value in detail.values():
            return _first_code(value)
    if isinstance(detail, list) and detail:
        return _first_code(detail[0])
    return getattr(detail, "code", None) or "invalid"


def exception_handler(exc, context):
    """DRF EXCEPTION_HANDLER: map everything to the envelope."""
    headers = {}
    if isinstance(exc, Http404):
        return Response(envelope(str(exc) if str(exc) else "not found", "not_found"), status=404)
    if isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    if isinstance(exc, RequestDataTooBig):
        return Response(envelope("request body too large", "too_large"), status=413)
    if isinstance(exc, SuspiciousOperation):
        return Response(envelope("bad request", "bad_request"), status=400)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages)
    if isinstance(exc, IntegrityError):
        log.info("integrity error answered as 409: %s", exc)
        return Response(envelope("resource already exists", "conflict"), status=409)
    if isinstance(exc, DataError):
        log.info("data error answered as 400: %s", exc)
        return Response(envelope("a value is out of range or contains characters that cannot be stored", "invalid"), status=400)
    if isinstance(exc, OperationalError) and _is_busy(exc):
        return Response(envelope("database busy, retry shortly", "unavailable"), status=503, headers={"Retry-After": "1"})

    if isinstance(exc, exceptions.ValidationError):
        fields = _flatten(exc.detail)
        return Response(envelope(_validation_message(fields), "validation_error", fields), status=400)
    if isinstance(exc, exceptions.APIException):
        if getattr(exc, "auth_header", None):
            headers["WWW-Authenticate"] = exc.auth_header
        if getattr(exc, "wait", None):
            headers["Retry-After"] = str(int(exc.wait))
        if isinstance(exc, ServiceUnavailable):
            headers.setdefault("Retry-After", "1")
        detail = exc.detail
        message = str(detail) if not isinstance(detail, (dict, list)) else _validation_message(_flatten(detail))
        code = _first_code(detail) if isinstance(detail, (dict, list)) else (getattr(detail, "code", None) or exc.default_code)
        return Response(envelope(message, str(code)), status=exc.status_code, headers=headers)

    log.exception("unhandled API error in %s", context.get("view").__class__.__name__ if context else "?")
    return Response(envelope("internal error", "internal_error"), status=500)


def _is_busy(exc: OperationalError) -> bool:
    text = str(exc).lower()
    return "locked" in text or "busy" in text or "too many connections" in text


# --- Django-level handlers (URLs that never reach a DRF view) ------------------------------------

def _wants_json(request) -> bool:
    return request.path.startswith("/api/") or "application/json" in request.headers.get("Accept", "")


def json_or_html(html_handler, status_code: int, message: str, code: str):
    def handler(request, exception=None, **kwargs):
        if _wants_json(request):
            return JsonResponse(envelope(message, code), status=status_code)
        if exception is not None:
            return html_handler(request, exception)
        return html_handler(request)

    return handler
