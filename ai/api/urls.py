"""ai API routes."""

urlpatterns: list = []
