"""Cameras, stream URLs, ONVIF profiles and PTZ presets."""

from django.apps import AppConfig


class CamerasConfig(AppConfig):
    name = "cameras"
