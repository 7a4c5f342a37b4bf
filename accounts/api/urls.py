"""Accounts API routes: auth, users, API keys, audit log."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from accounts.api import views

router = SimpleRouter(trailing_slash=False)
router.register("users", views.UserViewSet, basename="users")
router.register("api-keys", views.ApiKeyViewSet, basename="api-keys")
router.register("audit", views.AuditLogViewSet, basename="audit")

urlpatterns = [
    path("auth/login", views.LoginView.as_view(), name="auth-login"),
    path("auth/logout", views.LogoutView.as_view(), name="auth-logout"),
    path("auth/me", views.MeView.as_view(), name="auth-me"),
    *router.urls,
]
