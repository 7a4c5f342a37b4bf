"""Tests of the per-camera ingest (recording/recorder)."""
