"""Limit/offset pagination with strict parameters (bad values are a 400, never silently replaced).

Views set `default_limit` / `max_limit` (reference §6.3); the response is
`{"count", "next", "previous", "results"}`.
"""

from __future__ import annotations

from rest_framework import pagination
from rest_framework.exceptions import ValidationError

MAX_OFFSET = 10_000_000


def parse_bounded_int(raw: str | None, name: str, default: int, minimum: int, maximum: int) -> int:
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise ValidationError({name: [f"must be an integer between {minimum} and {maximum}"]}) from None
    if not minimum <= value <= maximum:
        raise ValidationError({name: [f"must be between {minimum} and {maximum}"]})
    return value


class LimitOffsetPagination(pagination.LimitOffsetPagination):
    default_limit = 100
    max_limit = 1000

    def _bounds(self, view) -> tuple[int, int]:
        return getattr(view, "default_limit", self.default_limit), getattr(view, "max_limit", self.max_limit)

    def paginate_queryset(self, queryset, request, view=None):
        self.default_limit, self.max_limit = self._bounds(view)
        return super().paginate_queryset(queryset, request, view)

    def get_limit(self, request):
        return parse_bounded_int(
            request.query_params.get(self.limit_query_param), "limit", self.default_limit, 1, self.max_limit
        )

    def get_offset(self, request):
        return parse_bounded_int(request.query_params.get(self.offset_query_param), "offset", 0, 0, MAX_OFFSET)

    def get_schema_operation_parameters(self, view):
        default_limit, max_limit = self._bounds(view)
        return [
            {
                "name": self.limit_query_param,
                "required": False,
                "in": "query",
                "description": f"Number of results to return (default {default_limit}).",
                "schema": {"type": "integer", "minimum": 1, "maximum": max_limit},
            },
            {
                "name": self.offset_query_param,
                "required": False,
                "in": "query",
                "description": "The initial index from which to return the results.",
                "schema": {"type": "integer", "minimum": 0, "maximum": MAX_OFFSET},
            },
        ]
