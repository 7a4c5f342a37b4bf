"""Operator console pages."""

from django.urls import path

from nvr.console import views

app_name = "console"
urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("live/", views.live_grid, name="live"),
    path("cameras/<str:camera_id>/", views.camera_page, name="camera"),
    path("clips/", views.clips_page, name="clips"),
]
