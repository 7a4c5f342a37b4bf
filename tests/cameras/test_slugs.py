"""Camera id slugs (reference §2.1 id rule)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cameras.models import CAMERA_ID_MAX_LENGTH
from cameras.slugs import is_valid_camera_id, slugify_camera_id


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("Gate A 01", "gate_a_01"),
        ("Café-Cam #2", "caf_cam_2"),
        ("!!!", "camera"),
        ("", "camera"),
        ("  __Lobby__  ", "lobby"),
        ("already_a_slug", "already_a_slug"),
        ("UPPER lower 123", "upper_lower_123"),
        ("a---b___c", "a_b_c"),
        ("\u212a\u0130x", "x"),  # Kelvin sign and dotted I are not ASCII, even though lower() makes them so
        ("日本語カメラ", "camera"),
    ],
)
def test_slugify_follows_the_reference_rule(text, slug):
    assert slugify_camera_id(text) == slug


def test_slug_is_truncated_to_the_id_length():
    assert slugify_camera_id("a" * 100) == "a" * CAMERA_ID_MAX_LENGTH


def test_truncation_never_leaves_a_trailing_underscore():
    text = "a" * (CAMERA_ID_MAX_LENGTH - 1) + " b"
    assert slugify_camera_id(text) == "a" * (CAMERA_ID_MAX_LENGTH - 1)


@pytest.mark.parametrize("value", ["gate_a_01", "camera", "a", "0"])
def test_valid_ids(value):
    assert is_valid_camera_id(value)


@pytest.mark.parametrize("value", ["", "_a", "a_", "a__b", "A", "a-b", "..", "a/b", "a" * 65, None, 3])
def test_invalid_ids(value):
    assert not is_valid_camera_id(value)


@given(st.text())
def test_every_slug_is_a_valid_id_and_stable(text):
    slug = slugify_camera_id(text)
    assert is_valid_camera_id(slug)
    assert slugify_camera_id(slug) == slug
