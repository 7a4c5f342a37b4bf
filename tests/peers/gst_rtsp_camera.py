#!/usr/bin/python3
"""Loopback fake RTSP camera (gst-rtsp-server) for the recorder tests; run with Debian's /usr/bin/python3.

Usage: /usr/bin/python3 gst_rtsp_camera.py PORT SECURE_PORT [WIDTHxHEIGHT] [BITRATE_KBPS]
Open mounts on PORT: /h264, /h265 (Main), /h264aac (H.264 + AAC), /h264pcmu (H.264 + G.711 µ-law),
/h264opus (H.264 + Opus, only when the Opus plugins are installed), and /file when the environment variable
FAKE_CAM_FILE names an MP4 with H.264 video (served without re-encoding, once, paced in real time).
Auth mount on SECURE_PORT: /h264, Digest challenge for admin:secret (pre-emptive Basic also accepted).
All sources run at 25 fps with an IDR every second. Binds 127.0.0.1 only. Prints one "READY ..." line once
both servers listen; SIGTERM or SIGINT quits cleanly (exit 0).
"""

import os
import signal
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtsp", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtsp, GstRtspServer  # noqa: E402

Gst.init(None)


def has(*elements):
    """True when every named GStreamer element is installed."""
    return all(Gst.ElementFactory.find(name) is not None for name in elements)


def launch_lines(width, height, kbps):
    """The mount → gst-launch description table (one shared encoder pipeline per mount)."""
    raw = (f"videotestsrc is-live=true pattern={{pat}} ! video/x-raw,format=I420,width={width},height={height},"
           "framerate=25/1 ! clockoverlay")
    # key-int-max=25 at 25 fps: an IDR every second, so segments cut cleanly on keyframes.
    x264 = (f"x264enc tune=zerolatency speed-preset=ultrafast key-int-max=25 bitrate={kbps} "
            "! video/x-h264,profile=baseline")
    # I420 caps above keep x265 at the Main profile (4:4:4 would give Rext, which most decoders refuse).
    x265 = f"x265enc tune=zerolatency speed-preset=ultrafast key-int-max=25 bitrate={kbps}"
    pay264 = "rtph264pay name=pay0 pt=96 config-interval=1"
    tone = "audiotestsrc is-live=true wave=sine freq=440 volume=0.3 ! audioconvert ! audioresample"
    video = f"{raw.format(pat='smpte')} ! {x264} ! {pay264}"
    mounts = {
        "/h264": f"( {video} )",
        "/h265": f"( {raw.format(pat='ball')} ! {x265} ! rtph265pay name=pay0 pt=96 config-interval=1 )",
        "/h264aac": (f"( {video} {tone} ! avenc_aac ! aacparse ! rtpmp4gpay name=pay1 pt=97 )"),
        "/h264pcmu": (f"( {video} {tone} ! audio/x-raw,rate=8000,channels=1 ! mulawenc "
                      "! rtppcmupay name=pay1 pt=0 )"),
    }
    if has("opusenc", "rtpopuspay"):
        mounts["/h264opus"] = f"( {video} {tone} ! opusenc ! rtpopuspay name=pay1 pt=98 )"
    if os.environ.get("FAKE_CAM_FILE"):
        mounts["/file"] = (f"( filesrc location={os.environ['FAKE_CAM_FILE']} ! qtdemux ! h264parse "
                           "! rtph264pay name=pay0 pt=96 config-interval=1 )")
    return mounts


def make_server(port, mounts_map, auth=None):
    """One RTSP server on 127.0.0.1:port; with `auth`, every mount needs the admin role."""
    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(str(port))
    mounts = server.get_mount_points()
    for path, launch in mounts_map.items():
        factory = GstRtspServer.RTSPMediaFactory()
        factory.set_launch(launch)
        factory.set_shared(True)
        if auth:
            factory.add_role_from_structure(Gst.Structure.from_string(
                "admin, media.factory.access=(boolean)true, media.factory.construct=(boolean)true")[0])
        mounts.add_factory(path, factory)
    if auth:
        server.set_auth(auth)
    if server.attach(None) == 0:
        sys.exit(f"could not bind 127.0.0.1:{port}")
    return server


def digest_auth():
    """admin:secret; no default token, so anonymous clients get 401 (and then send credentials)."""
    auth = GstRtspServer.RTSPAuth()
    token = GstRtspServer.RTSPToken()
    token.set_string(GstRtspServer.RTSP_TOKEN_MEDIA_FACTORY_ROLE, "admin")
    auth.add_basic(GstRtspServer.RTSPAuth.make_basic("admin", "secret"), token)
    auth.add_digest("admin", "secret", token)
    # PyGObject cannot OR BASIC|DIGEST; challenge with Digest, pre-emptive Basic still works.
    auth.set_supported_methods(GstRtsp.RTSPAuthMethod.DIGEST)
    return auth


def main():
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8554
    secure_port = int(sys.argv[2]) if len(sys.argv) > 2 else 8555
    width, height = (sys.argv[3] if len(sys.argv) > 3 else "320x240").split("x")
    kbps = int(sys.argv[4]) if len(sys.argv) > 4 else 400
    mounts = launch_lines(int(width), int(height), kbps)
    servers = [make_server(port, mounts), make_server(secure_port, {"/h264": mounts["/h264"]}, digest_auth())]
    print(f"READY rtsp://127.0.0.1:{port} rtsp://127.0.0.1:{secure_port} mounts={','.join(mounts)}", flush=True)
    loop = GLib.MainLoop()
    GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGTERM, loop.quit)
    GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGINT, loop.quit)
    loop.run()
    del servers


if __name__ == "__main__":
    main()
