"""Real RTSP cameras for the recorder tests."""

from tests.peers.rtsp import gst_camera  # noqa: F401  (fixture)
