"""recording API routes."""

urlpatterns: list = []
