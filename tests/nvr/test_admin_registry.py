"""Every model of the project's apps is in the Django admin, and every changelist renders for an admin."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib import admin
from django.test import Client

from tests.conftest import make_user

PROJECT_APPS = ("accounts", "cameras", "recording", "ai", "backups")


def project_models():
    return [model for app in PROJECT_APPS for model in apps.get_app_config(app).get_models()]


def test_every_project_model_is_registered():
    missing = [model._meta.label for model in project_models() if model not in admin.site._registry]
    assert not missing, f"not in the Django admin: {missing}"


@pytest.mark.django_db
@pytest.mark.parametrize("model", project_models(), ids=lambda model: model._meta.label)
def test_changelist_and_add_page_answer(model):
    browser = Client()
    browser.force_login(make_user("boss", "admin"))
    opts = model._meta
    assert browser.get(f"/admin/{opts.app_label}/{opts.model_name}/").status_code == 200
    assert browser.get(f"/admin/{opts.app_label}/{opts.model_name}/add/").status_code in (200, 403)
