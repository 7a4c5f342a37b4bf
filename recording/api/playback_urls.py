"""recording API routes of the playback endpoints (included by recording/api/urls.py)."""

urlpatterns: list = []
