"""Console views: login/logout, the home page (camera overview), the live grid and the camera page.

Pages call services/querysets only (`overview`, `footage`); the page scripts do the rest through the API.
"""

from __future__ import annotations

from django import forms
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.http import require_http_methods, require_POST

from accounts import capabilities as caps
from accounts.principal import principal_of
from accounts.services import LoginFailed, authenticate_login
from nvr.console import footage, overview


class LoginForm(forms.Form):
    username = forms.CharField(max_length=150)
    password = forms.CharField(max_length=1024, widget=forms.PasswordInput)


@require_http_methods(["GET", "POST"])
def login_view(request):
    form = LoginForm(request.POST or None)
    error = None
    if request.method == "POST" and form.is_valid():
        try:
            user = authenticate_login(form.cleaned_data["username"], form.cleaned_data["password"], request)
        except LoginFailed:
            error = "Invalid username or password."
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            target = request.GET.get("next", "")
            if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
                target = "console:home"
            return redirect(target)
    elif request.method == "POST":
        error = "Enter a username and a password."
    status = 401 if error else 200
    return render(request, "console/login.html", {"form": form, "error": error}, status=status)


def admin_login_redirect(request):
    """The admin's own login form would bypass lockout and audit: send people to the console login."""
    target = request.GET.get("next", "/admin/")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/admin/"
    return redirect(f"{reverse('console:login')}?{urlencode({'next': target})}")


@require_POST
def logout_view(request):
    logout(request)
    return redirect("console:login")


@login_required
def home(request):
    principal = principal_of(request)
    return render(request, "console/home.html", {**overview.build(principal), "nav": "home"})


def _camera_reader(request):
    """The caller of a footage page; 403 without `camera:read` (the pages show nothing else)."""
    principal = principal_of(request)
    if principal is None or not principal.can(caps.CAMERA_READ):
        raise PermissionDenied("you may not view cameras")
    return principal


@login_required
def live_grid(request):
    context = footage.live_grid(_camera_reader(request))
    return render(request, "console/live.html", {**context, "nav": "live"})


@login_required
def camera_page(request, camera_id: str):
    context = footage.camera_page(_camera_reader(request), camera_id)
    return render(request, "console/camera.html", {**context, "nav": "live"})
