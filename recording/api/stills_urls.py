"""recording API routes of the stills endpoints (included by recording/api/urls.py)."""

urlpatterns: list = []
