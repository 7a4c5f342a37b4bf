"""Per-camera ingest: RTSP demux (PyAV, stream copy), fragmented MP4 segments, pre-roll, reconnects."""
