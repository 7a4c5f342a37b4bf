"""The simulated camera's ONVIF device (Device, Media, Events with PullPoint) over HTTP/SOAP 1.2, asyncio only."""

from cameras.simcam.onvif.server import OnvifOptions, OnvifServer

__all__ = ["OnvifOptions", "OnvifServer"]
