"""What operators made, as Django renders it: the clips page, the camera page's snapshot and clip sections,
and the navigation showing only what the caller's capabilities allow."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from accounts import capabilities as caps
from accounts.principal import Principal
from tests.conftest import make_camera
from tests.console.test_footage_pages import logged_in, page_config

pytestmark = pytest.mark.django_db

CLIPS_LINK = re.compile(r'<a href="/clips/"[^>]*>Clips</a>')


def test_clips_page_lists_through_the_api_with_a_camera_filter():
    make_camera("yard", name="Yard")
    make_camera("gate", name="Gate")
    response = logged_in().get("/clips/")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'src="/static/console/clips-page.js"' in page and 'id="clip-filters"' in page
    assert '<option value="gate">Gate</option>' in page and page.index(">Gate<") < page.index(">Yard<")
    config = page_config(response)
    assert config["cameras"] == {"gate": "Gate", "yard": "Yard"} and config["api"] == "/api/v1"
    assert "kept 48 h" in page
    assert '<a href="/clips/" aria-current="page">Clips</a>' in page


def test_clips_page_needs_login_and_video_export(monkeypatch):
    assert Client().get("/clips/")["Location"] == "/login/?next=/clips/"
    monkeypatch.setitem(caps.ROLE_CAPABILITIES, "viewer", caps.VIEW_SET - {caps.VIDEO_EXPORT})
    client = logged_in("viewer")
    assert client.get("/clips/").status_code == 403
    home = client.get("/").content.decode()
    assert 'href="/clips/"' not in home, "the navigation hides what the role cannot use"


@pytest.mark.parametrize("url", ["/", "/live/", "/cameras/gate/"])
def test_navigation_links_the_clips_page_for_those_who_may_export(url):
    make_camera("gate")
    page = logged_in().get(url).content.decode()
    assert CLIPS_LINK.search(page)


def test_clips_page_shows_only_the_cameras_in_scope(monkeypatch):
    make_camera("gate", name="Gate")
    make_camera("yard", name="Yard")
    scoped = Principal(kind="user", id="u1", name="scoped", role="viewer", capabilities=caps.VIEW_SET,
                       camera_scope=frozenset({"yard"}))
    monkeypatch.setattr("nvr.console.views.principal_of", lambda request: scoped)
    config = page_config(logged_in().get("/clips/"))
    assert config["cameras"] == {"yard": "Yard"}


def test_camera_page_has_snapshot_and_clip_sections_and_the_player_extras():
    make_camera("gate", name="Gate")
    response = logged_in("viewer").get("/cameras/gate/")
    page = response.content.decode()
    assert 'id="snapshots"' in page and 'id="still-dialog"' in page
    assert 'id="clips"' in page and 'href="/clips/?camera_id=gate"' in page
    for control in ('data-action="fullscreen"', 'data-action="sound"', 'data-action="step-back"', 'data-span="300000"',
                    'data-span="3600000"', 'data-span="86400000"'):
        assert control in page, control
    assert page_config(response)["snapshots"] == {"canDelete": False}
    assert 'data-role="delete" class="danger"' not in page, "a viewer may not delete snapshots"


def test_a_manager_may_delete_snapshots_on_the_camera_page():
    make_camera("gate")
    response = logged_in("manager").get("/cameras/gate/")
    assert page_config(response)["snapshots"] == {"canDelete": True}
    assert 'data-role="delete" class="danger"' in response.content.decode()


def test_camera_page_hides_the_sections_the_role_may_not_use(monkeypatch):
    monkeypatch.setitem(caps.ROLE_CAPABILITIES, "viewer", caps.VIEW_SET - {caps.VIDEO_EXPORT, caps.VIDEO_PLAYBACK})
    make_camera("gate")
    page = logged_in("viewer").get("/cameras/gate/").content.decode()
    assert 'id="snapshots"' not in page and 'id="still-dialog"' not in page
    assert 'id="clips"' not in page and 'href="/clips/' not in page
    assert 'data-action="sound"' not in page and 'data-span="300000"' not in page
    assert 'data-action="fullscreen"' in page, "live view still goes fullscreen"


def test_clips_page_query_count_does_not_grow_with_cameras(django_assert_max_num_queries):
    client = logged_in()
    for index in range(10):
        make_camera(f"cam{index}")
    with django_assert_max_num_queries(4):
        assert client.get("/clips/").status_code == 200
