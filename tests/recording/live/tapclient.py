"""A minimal blocking client of the live tap, for tests (the product's clients are recording.live.client)."""

from __future__ import annotations

import socket

from recording.live import protocol
from recording.live.client import split_address


class TapConnection:
    """One authenticated request to a tap, then its answer frames."""

    def __init__(self, address: str, key: bytes, op: str, camera_id: str = "", timeout: float = 10.0):
        self.sock = socket.create_connection(split_address(address), timeout=timeout)
        hello = protocol.read_frame_sync(self.sock)
        assert hello.kind == protocol.HELLO
        self.sock.sendall(protocol.request_frame(key, hello.body, op, camera_id))

    def read(self) -> protocol.Frame:
        return protocol.read_frame_sync(self.sock)

    def read_until(self, kind: bytes, limit: int = 500) -> list[protocol.Frame]:
        """Frames up to and including the first of `kind`."""
        frames = []
        while len(frames) < limit:
            frames.append(self.read())
            if frames[-1].kind == kind:
                return frames
        raise AssertionError(f"no {kind!r} frame in {limit} frames")

    def close(self) -> None:
        self.sock.close()

    def __enter__(self) -> "TapConnection":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def tap_stats(address: str, key: bytes) -> dict:
    with TapConnection(address, key, "stats") as tap:
        frame = tap.read()
    assert frame.kind == protocol.STATS
    return frame.fields
