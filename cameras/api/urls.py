"""cameras API routes."""

urlpatterns: list = []
