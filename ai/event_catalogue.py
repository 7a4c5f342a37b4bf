"""The built-in event types (reference §3.11): what the server itself writes to the event log."""

from __future__ import annotations

# event_type → description (severity and payload keys included for operators reading the list).
BUILTIN_EVENT_TYPES: dict[str, str] = {
    "camera_offline": "A camera started failing: logged once per outage, not per reconnect attempt "
                      "(warning; reason, cause, ran_seconds, detail).",
    "camera_recovered": "A failing camera streams again (info; reason, cause, attempts, down_seconds, since).",
    "recorder_error": "Recorder cannot run or went stale (warning; reason, threshold_seconds, last_segment_age_s).",
    "recording_gap": "A hole in the recording was detected (warning; gap_seconds, prev_end, next_start).",
    "sampler_offline": "The AI frame sampler lost its stream (warning; profile, detail).",
    "zone_enter": "A tracked object entered a zone (zone severity; zone_id, zone, track_id, label, evidence).",
    "zone_exit": "A tracked object left a zone or its track expired (zone severity; zone_id, zone, track_id, label).",
    "zone_dwell": "A tracked object stayed in a zone past its dwell time (zone severity; dwell_seconds).",
    "zone_cross_ab": "A tracked object crossed a line zone from side A to side B (zone severity).",
    "zone_cross_ba": "A tracked object crossed a line zone from side B to side A (zone severity).",
    "zone_static_suppressed": "A motionless track was suppressed in a zone (info; zone_id, zone, track_id, label, note).",
    "ingest_unleased": "Detections arrived for a task the credential holds no lease on (warning; credential, tier).",
    "camera_motion": "Motion reported by the camera itself (warning; source camera_native).",
    "camera_line_crossing": "Line crossing reported by the camera itself (warning; source camera_native).",
    "camera_intrusion": "Intrusion reported by the camera itself (warning; source camera_native).",
    "camera_tamper": "Tampering reported by the camera itself (warning; source camera_native).",
    "retention_delete": "Recordings deleted by age retention (info; deleted, reason).",
    "disk_pressure": "Storage limits forced or blocked deletions (warning or critical; reason and counts).",
    "recording_orphans": "Orphaned recording files were reclaimed (warning; reclaimed, bytes).",
    "db_retention": "Old database rows were pruned (info or warning; per-table counts, db_bytes, over_cap).",
    "disk_smart_warning": "A disk reports SMART problems (warning; device, detail).",
    "raid_degraded": "A RAID array is degraded (critical; array, source).",
}
OBSERVED_DESCRIPTION = "Event type written by a worker or an integration."
MAX_OBSERVED_TYPES = 500


def catalogue(observed_types) -> list[dict]:
    """Built-in types first (in catalogue order), then other observed types, alphabetically."""
    rows = [{"event_type": name, "description": text} for name, text in BUILTIN_EVENT_TYPES.items()]
    extra = sorted({t for t in observed_types if t and t not in BUILTIN_EVENT_TYPES})
    rows.extend({"event_type": name, "description": OBSERVED_DESCRIPTION} for name in extra)
    return rows
