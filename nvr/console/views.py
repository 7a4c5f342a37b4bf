"""Console views: login/logout, the home page (camera overview), the live grid, the camera page and the clips.

Pages call services/querysets only (`overview`, `footage`, `clips`); the page scripts do the rest through the API.
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
from nvr.console import clips, footage, overview


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


def _page(request, template: str, context: dict, nav: str, principal=None):
    """Render a console page; `nav_caps` lets the navigation show only what the caller may use."""
    principal = principal or principal_of(request)
    flags = footage.capability_flags(principal) if principal is not None else {}
    return render(request, template, {**context, "nav": nav, "nav_caps": flags})


@login_required
def home(request):
    principal = principal_of(request)
    return _page(request, "console/home.html", overview.build(principal), "home", principal)


def _camera_reader(request):
    """The caller of a footage page; 403 without `camera:read` (the pages show nothing else)."""
    principal = principal_of(request)
    if principal is None or not principal.can(caps.CAMERA_READ):
        raise PermissionDenied("you may not view cameras")
    return principal


@login_required
def live_grid(request):
    principal = _camera_reader(request)
    return _page(request, "console/live.html", footage.live_grid(principal), "live", principal)


@login_required
def camera_page(request, camera_id: str):
    principal = _camera_reader(request)
    context = footage.camera_page(principal, camera_id)
    # Deleting a kept snapshot is a registry change (the API's rule); the page offers it only to those who may.
    may_delete = principal.can(caps.REGISTRY_MANAGE)
    context["config"]["snapshots"] = {"canDelete": may_delete}
    return _page(request, "console/camera.html", {**context, "snapshot_delete": may_delete}, "live", principal)


@login_required
def clips_page(request):
    """Every clip the caller may download; 403 without `video:export` (the navigation hides the link)."""
    principal = _camera_reader(request)
    flags = footage.capability_flags(principal)
    if not flags["export"]:
        raise PermissionDenied("you may not export clips")
    return _page(request, "console/clips.html", clips.clips_page(principal, flags), "clips", principal)
