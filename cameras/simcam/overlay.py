"""Hand-drawn overlays in a luma plane: 7-segment digits and a machine-readable block time code.

Everything works on a tightly packed 8-bit plane (``width * height`` bytes, one byte per pixel), so
no font or imaging library is needed. The readers also accept RGB24 or RGBA frames (what a browser
canvas ``getImageData`` returns) and read their green channel.

Block code layout (the contract a browser reads back from a canvas at the video's native size):

* block size ``B = max(16, (width // 40) // 16 * 16)`` px (16 at 640 px wide, 48 at 1920), so blocks
  sit on whole macroblocks and survive compression;
* a black quiet box, then ``ROWS = 4`` rows of ``COLUMNS = 17`` blocks whose top-left block starts at
  ``(B, B)``; row ``r`` spans ``y = B + r*B`` .. ``B + (r+1)*B``, column ``c`` spans ``x = B + c*B``;
* in every row: column 0 white, column 1 black (start guard); columns 2..13 twelve data bits, most
  significant first (white = 1, black = 0); column 14 a parity block, white when the row's data bits
  hold an odd number of ones (so each row has an even count including parity); column 15 black,
  column 16 white (stop guard);
* row 0 carries bits 47..36 of the value, row 3 bits 11..0: 48 bits in all. The live clock writes
  the frame's capture time in ms since the Unix epoch; the looped clip writes its frame number;
* read a block as the mean of its central ``B/2 x B/2`` square: >= 128 is white. Any guard or parity
  mismatch means "no code" (``None``).

Digits: 7-segment glyphs of width ``DW = width // 20`` and height ``2*DW`` in light grey on a black
box, centred horizontally, vertically centred but always below the block code.
"""

from __future__ import annotations

from dataclasses import dataclass

BLACK = 16
WHITE = 235
ROWS = 4
BITS_PER_ROW = 12
COLUMNS = BITS_PER_ROW + 5
CODE_BITS = ROWS * BITS_PER_ROW
MIN_WIDTH = 320
MIN_HEIGHT = 180

# Segment order a, b, c, d, e, f, g (top, top-right, bottom-right, bottom, bottom-left, top-left, middle).
SEGMENTS = {
    "0": "abcdef", "1": "bc", "2": "abdeg", "3": "abcdg", "4": "bcfg",
    "5": "acdfg", "6": "acdefg", "7": "abc", "8": "abcdefg", "9": "abcdfg",
}
NARROW = ":."


def block_size(width: int) -> int:
    """Side of one time-code block in pixels for a frame this wide."""
    return max(16, (width // 40) // 16 * 16)


def check_size(width: int, height: int) -> None:
    """Refuse frame sizes the overlays do not fit in (or odd ones, which 4:2:0 cannot carry)."""
    if width < MIN_WIDTH or height < MIN_HEIGHT or width % 2 or height % 2:
        raise ValueError(f"frame size must be even and at least {MIN_WIDTH}x{MIN_HEIGHT}, got {width}x{height}")


def fill_rect(plane: bytearray, width: int, x: int, y: int, w: int, h: int, value: int) -> None:
    """Paint a filled rectangle into a packed 8-bit plane."""
    row = bytes([value]) * w
    for top in range(y * width + x, (y + h) * width + x, width):
        plane[top:top + w] = row


# ---- block time code -------------------------------------------------------------------------


def _row_blocks(bits: list[int]) -> list[int]:
    return [1, 0, *bits, sum(bits) % 2, 0, 1]


def draw_timecode(plane: bytearray, width: int, height: int, value: int) -> None:
    """Write ``value`` (0 <= value < 2**48) as the block code described in the module docstring."""
    if not 0 <= value < 1 << CODE_BITS:
        raise ValueError("time code value out of range")
    b = block_size(width)
    fill_rect(plane, width, b // 2, b // 2, (COLUMNS + 1) * b, (ROWS + 1) * b, BLACK)
    for r in range(ROWS):
        shift = (ROWS - 1 - r) * BITS_PER_ROW
        bits = [(value >> (shift + BITS_PER_ROW - 1 - i)) & 1 for i in range(BITS_PER_ROW)]
        for c, bit in enumerate(_row_blocks(bits)):
            if bit:
                fill_rect(plane, width, b + c * b, b + r * b, b, b, WHITE)


def _sampler(data, width: int, height: int):
    """A function (x, y, side) -> mean brightness of that square, for Y, RGB24 or RGBA input."""
    view = memoryview(data).cast("B")
    size = len(view)
    if size == width * height * 3:
        step, stride, offset = 3, width * 3, 1
    elif size == width * height * 4:
        step, stride, offset = 4, width * 4, 1
    elif size >= width * height and size % height == 0:
        step, stride, offset = 1, size // height, 0
    else:
        raise ValueError(f"{size} bytes is not a {width}x{height} Y, RGB or RGBA image")

    def mean(x: int, y: int, side: int) -> float:
        total = 0
        for row in range(y, y + side):
            start = row * stride + x * step + offset
            total += sum(view[start:start + side * step:step])
        return total / (side * side)

    return mean


def decode_timecode(data, width: int, height: int) -> int | None:
    """Read the block code back from a decoded frame (Y plane, RGB24 or RGBA); None if it is absent or damaged."""
    mean = _sampler(data, width, height)
    b = block_size(width)
    side, inset = max(2, b // 2), b // 4
    value = 0
    for r in range(ROWS):
        blocks = [int(mean(b + c * b + inset, b + r * b + inset, side) >= 128) for c in range(COLUMNS)]
        data_bits = blocks[2:2 + BITS_PER_ROW]
        if blocks != _row_blocks(data_bits):
            return None
        for bit in data_bits:
            value = value << 1 | bit
    return value


# ---- 7-segment digits ------------------------------------------------------------------------


@dataclass(frozen=True)
class TextLayout:
    """Where a line of 7-segment text sits in a frame."""

    x: int
    y: int
    digit_w: int
    digit_h: int
    thickness: int

    @property
    def advance(self) -> int:
        return self.digit_w * 5 // 4

    def char_width(self, char: str) -> int:
        return self.advance // 2 if char in NARROW else self.advance


def text_layout(width: int, height: int, text: str) -> TextLayout:
    """Centre ``text`` in the frame, below the block code."""
    dw = width // 20
    dh = 2 * dw
    probe = TextLayout(0, 0, dw, dh, max(3, dw // 6))
    total = sum(probe.char_width(c) for c in text)
    code_bottom = block_size(width) * (ROWS + 2)
    y = max((height - dh) // 2, code_bottom + dw // 2)
    return TextLayout((width - total) // 2, min(y, height - dh - 2), dw, dh, probe.thickness)


def _segment_rects(layout: TextLayout, x: int) -> dict[str, tuple[int, int, int, int]]:
    w, h, t, y = layout.digit_w, layout.digit_h, layout.thickness, layout.y
    half = h // 2
    return {
        "a": (x, y, w, t), "d": (x, y + h - t, w, t), "g": (x, y + (h - t) // 2, w, t),
        "f": (x, y, t, half), "b": (x + w - t, y, t, half),
        "e": (x, y + half, t, h - half), "c": (x + w - t, y + half, t, h - half),
    }


def draw_text(plane: bytearray, width: int, height: int, text: str) -> None:
    """Draw digits, ':' and '.' in 7-segment style on a black box."""
    layout = text_layout(width, height, text)
    pad = layout.digit_w // 4
    total = sum(layout.char_width(c) for c in text)
    fill_rect(plane, width, layout.x - pad, layout.y - pad, total + pad, layout.digit_h + 2 * pad, BLACK)
    x, t = layout.x, layout.thickness
    for char in text:
        if char in SEGMENTS:
            rects = _segment_rects(layout, x)
            for seg in SEGMENTS[char]:
                fill_rect(plane, width, *rects[seg], WHITE)
        elif char == ":":
            for frac in (1, 3):
                fill_rect(plane, width, x + (layout.advance // 2 - t) // 2, layout.y + layout.digit_h * frac // 4, t, t,
                          WHITE)
        elif char == ".":
            fill_rect(plane, width, x + (layout.advance // 2 - t) // 2, layout.y + layout.digit_h - t, t, t, WHITE)
        x += layout.char_width(char)


def read_text(data, width: int, height: int, pattern: str) -> str | None:
    """Read back 7-segment text drawn by ``draw_text``; ``pattern`` gives its shape (e.g. "00:00:00.000")."""
    mean = _sampler(data, width, height)
    layout = text_layout(width, height, pattern)
    t = layout.thickness
    side = max(1, t // 2)
    lookup = {frozenset(segs): digit for digit, segs in SEGMENTS.items()}
    out, x = [], layout.x
    for char in pattern:
        if char in NARROW:
            out.append(char)
        else:
            lit = set()
            for seg, (sx, sy, sw, sh) in _segment_rects(layout, x).items():
                cx, cy = sx + sw // 2 - side // 2, sy + sh // 2 - side // 2
                if mean(cx, cy, side) >= 128:
                    lit.add(seg)
            digit = lookup.get(frozenset(lit))
            if digit is None:
                return None
            out.append(digit)
        x += layout.char_width(char)
    return "".join(out)
