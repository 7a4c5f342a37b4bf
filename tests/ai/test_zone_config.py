"""Zone engine config keys: type checks, clamps and lenient effective values (pure)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ai.zones.config import ConfigError, ZoneSettings, effective_settings, normalise_config


def test_known_keys_are_clamped_into_their_ranges():
    config = normalise_config({
        "confirm_frames": 99, "min_confidence": -1, "static_epsilon": 9, "static_after_seconds": 1,
    })
    assert config == {"confirm_frames": 10, "min_confidence": 0.0, "static_epsilon": 0.5, "static_after_seconds": 5.0}
    assert normalise_config({"confirm_frames": 0, "min_confidence": 7, "static_epsilon": 0, "static_after_seconds": 10**30}) == {
        "confirm_frames": 1, "min_confidence": 1.0, "static_epsilon": 0.001, "static_after_seconds": 86400.0,
    }


def test_unknown_keys_are_kept():
    assert normalise_config({"note": "lobby", "direction": "ab"}) == {"note": "lobby", "direction": "ab"}


def test_integral_float_is_accepted_for_confirm_frames():
    assert normalise_config({"confirm_frames": 3.0}) == {"confirm_frames": 3}


@pytest.mark.parametrize(
    "config, key",
    [
        ({"confirm_frames": 2.5}, "confirm_frames"),
        ({"confirm_frames": "2"}, "confirm_frames"),
        ({"confirm_frames": True}, "confirm_frames"),
        ({"min_confidence": None}, "min_confidence"),
        ({"min_confidence": float("nan")}, "min_confidence"),
        ({"static_suppression": 1}, "static_suppression"),
        ({"static_suppression": "false"}, "static_suppression"),
        ({"static_epsilon": [0.1]}, "static_epsilon"),
        ({"static_after_seconds": float("inf")}, "static_after_seconds"),
        ({"direction": "left"}, "direction"),
        ({"direction": ["ab"]}, "direction"),
    ],
)
def test_wrongly_typed_known_keys_are_refused(config, key):
    with pytest.raises(ConfigError) as caught:
        normalise_config(config)
    assert caught.value.key == key


def test_effective_settings_fall_back_to_defaults():
    assert effective_settings({}) == ZoneSettings()
    assert effective_settings(None) == ZoneSettings()
    assert effective_settings({"confirm_frames": "x", "direction": "ba"}) == ZoneSettings(direction="ba")
    assert ZoneSettings().confirm_frames == 2 and ZoneSettings().min_confidence == 0.5


@given(st.dictionaries(
    st.sampled_from(["confirm_frames", "min_confidence", "static_suppression", "static_epsilon", "static_after_seconds", "direction", "x"]),
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=4),
))
def test_normalise_config_only_raises_config_error_and_respects_ranges(config):
    try:
        out = normalise_config(config)
    except ConfigError:
        return
    if "confirm_frames" in out:
        assert 1 <= out["confirm_frames"] <= 10
    if "min_confidence" in out:
        assert 0 <= out["min_confidence"] <= 1
    if "static_epsilon" in out:
        assert 0.001 <= out["static_epsilon"] <= 0.5
    if "static_after_seconds" in out:
        assert 5 <= out["static_after_seconds"] <= 86400
