"""URL map: console, admin, the /api/v1/ API with its schema and docs, health probes."""

from django.contrib import admin
from django.urls import include, path
from django.views import defaults
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from nvr import health
from nvr.api.exceptions import json_or_html
from nvr.console import views as console_views

api_v1 = [
    path("", include("accounts.api.urls")),
    path("", include("cameras.api.urls")),
    path("", include("recording.api.urls")),
    path("", include("ai.api.urls")),
    path("", include("backups.api.urls")),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
]

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("api/v1/", include(api_v1)),
    path("admin/login/", console_views.admin_login_redirect, name="admin-login"),
    path("admin/", admin.site.urls),
    path("", include("nvr.console.urls")),
]

handler400 = json_or_html(defaults.bad_request, 400, "bad request", "bad_request")
handler403 = json_or_html(defaults.permission_denied, 403, "forbidden", "forbidden")
handler404 = json_or_html(defaults.page_not_found, 404, "not found", "not_found")
handler500 = json_or_html(defaults.server_error, 500, "internal error", "internal_error")
