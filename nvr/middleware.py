"""Request hygiene before any view runs: no NUL characters in the path or query string."""

from __future__ import annotations

from django.http import HttpResponseBadRequest, JsonResponse

from nvr.api.exceptions import envelope


class RejectNulMiddleware:
    """A NUL byte can never be a valid id or parameter, and PostgreSQL refuses it in text: answer 400."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path or "%00" in request.META.get("QUERY_STRING", "") or "\x00" in request.META.get("QUERY_STRING", ""):
            if request.path.startswith("/api/"):
                return JsonResponse(envelope("NUL characters are not allowed in URLs", "bad_request"), status=400)
            return HttpResponseBadRequest("NUL characters are not allowed in URLs")
        return self.get_response(request)
