"""recording API routes of the clips endpoints (included by recording/api/urls.py)."""

urlpatterns: list = []
