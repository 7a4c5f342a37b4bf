"""The project's own simulated IP camera: an asyncio RTSP server with a live clock and a looped clip,
and optionally an ONVIF device (Device, Media, Events/PullPoint with a motion alarm) beside it.

Start it with ``manage.py simcam`` or in-process through ``SimCam`` / ``BackgroundSimCam`` /
``run_simcam`` (``SimCamOptions(onvif=OnvifOptions(...))`` for ONVIF); ``decode_timecode`` reads the
clock's time code back from a decoded frame.
"""

from cameras.simcam.onvif import OnvifOptions
from cameras.simcam.overlay import decode_timecode, read_text
from cameras.simcam.server import BackgroundSimCam, MountSpec, SimCam, SimCamOptions, run_simcam

__all__ = ["BackgroundSimCam", "MountSpec", "OnvifOptions", "SimCam", "SimCamOptions", "decode_timecode", "read_text",
           "run_simcam"]
