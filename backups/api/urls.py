"""backups API routes."""

urlpatterns: list = []
