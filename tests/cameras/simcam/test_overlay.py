"""The hand-drawn overlays read back exactly what was drawn, from luma, RGB or RGBA pixels."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cameras.simcam.clock import clock_text, paint_clock
from cameras.simcam.overlay import (
    CODE_BITS,
    block_size,
    check_size,
    decode_timecode,
    draw_text,
    draw_timecode,
    read_text,
)

W, H = 640, 360


def blank(value: int = 90, width: int = W, height: int = H) -> bytearray:
    return bytearray([value]) * (width * height)


@given(st.integers(min_value=0, max_value=(1 << CODE_BITS) - 1))
def test_time_code_round_trips_every_48_bit_value(value):
    plane = blank()
    draw_timecode(plane, W, H, value)
    assert decode_timecode(plane, W, H) == value


@pytest.mark.parametrize("width,height", [(320, 180), (640, 360), (1280, 720), (1920, 1080)])
def test_time_code_fits_every_supported_size(width, height):
    plane = blank(width=width, height=height)
    draw_timecode(plane, width, height, 1_767_225_600_123)
    assert decode_timecode(plane, width, height) == 1_767_225_600_123


def test_blocks_are_macroblock_aligned_and_at_least_16_px():
    assert [block_size(w) for w in (320, 640, 1280, 1920)] == [16, 16, 32, 48]


def test_time_code_is_read_from_rgb_and_rgba_canvases():
    plane = blank()
    draw_timecode(plane, W, H, 123456789)
    rgb = bytes(v for y in plane for v in (y, y, y))
    rgba = bytes(v for y in plane for v in (y, y, y, 255))
    assert decode_timecode(rgb, W, H) == 123456789
    assert decode_timecode(rgba, W, H) == 123456789


def test_time_code_is_read_from_a_padded_plane():
    plane = blank()
    draw_timecode(plane, W, H, 42)
    padded = b"".join(bytes(plane[r * W:(r + 1) * W]) + bytes(64) for r in range(H))
    assert decode_timecode(padded, W, H) == 42


def test_missing_or_damaged_code_reads_as_none():
    assert decode_timecode(blank(), W, H) is None
    plane = blank()
    draw_timecode(plane, W, H, 0b1011)
    b = block_size(W)
    # flip one data bit of the last row: its parity no longer matches
    x, y = b + 13 * b, b + 3 * b
    for row in range(y, y + b):
        plane[row * W + x:row * W + x + b] = bytes([16]) * b
    assert decode_timecode(plane, W, H) is None


def test_wrong_buffer_size_is_refused():
    with pytest.raises(ValueError):
        decode_timecode(b"\x00" * 100, W, H)


@pytest.mark.parametrize("text", ["000000", "123456", "987654", "12:34:56.789", "00:00:00.000"])
def test_seven_segment_text_reads_back(text):
    plane = blank()
    draw_text(plane, W, H, text)
    pattern = "".join(c if c in ":." else "0" for c in text)
    assert read_text(plane, W, H, pattern) == text


def test_clock_frame_shows_the_same_instant_as_digits_and_code():
    ms = 1_767_225_600_000 + 45_678
    plane = paint_clock(W, H, ms, bytes([48]) * (W * H))
    assert decode_timecode(plane, W, H) == ms
    assert read_text(plane, W, H, "00:00:00.000") == clock_text(ms)
    assert clock_text(ms).endswith(".678")


@pytest.mark.parametrize("width,height", [(318, 180), (320, 170), (641, 360)])
def test_sizes_too_small_or_odd_are_refused(width, height):
    with pytest.raises(ValueError):
        check_size(width, height)
