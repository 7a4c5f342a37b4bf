"""Console views: login/logout and the home page (camera overview). Pages call services only."""

from __future__ import annotations

from django import forms
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.http import require_http_methods, require_POST

from accounts.principal import principal_of
from accounts.services import LoginFailed, authenticate_login
from nvr.console import overview


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
    return render(request, "console/home.html", overview.build(principal))
