"""Retention victim selection (pure): locks are never touched, quotas stop exactly, fair share is by weight."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from recording import retention
from recording.retention import CameraUsage, Seg

T0 = datetime(2026, 6, 15, 12, 0, tzinfo=timezone.utc)
CAMERAS = ("cam1", "cam2", "cam3", "cam4")


class MemoryStore:
    """A SegmentStore over a list: deletes re-check locks, and the disk shrinks/grows with the footage."""

    def __init__(self, segments, disk_total: int = 10**9, other_bytes: int = 0, lock_at_delete=()):
        self.segments = {seg.id: seg for seg in segments}
        self.disk_total, self.other_bytes = disk_total, other_bytes
        self.lock_at_delete = set(lock_at_delete)  # ids that get locked between selection and delete
        self.deleted: list[Seg] = []

    def oldest_deletable(self, camera_id, limit, ended_before=None):
        rows = [s for s in self.segments.values() if s.deletable
                and (camera_id is None or s.camera_id == camera_id)
                and (ended_before is None or s.end_time < ended_before)]
        return sorted(rows, key=lambda s: (s.end_time, s.id))[:limit]

    def delete(self, victims):
        done = []
        for victim in victims:
            if victim.id in self.lock_at_delete:
                self.segments[victim.id] = Seg(victim.id, victim.camera_id, victim.end_time, victim.size_bytes, evidence_locked=True)
                continue
            if self.segments.pop(victim.id, None) is not None:
                done.append(victim)
        self.deleted.extend(done)
        return done

    def disk_usage(self):
        used = self.other_bytes + sum(s.size_bytes for s in self.segments.values())
        return self.disk_total, self.disk_total - used


def usages_of(segments, quotas=None) -> dict[str, CameraUsage]:
    quotas = quotas or {}
    usages: dict[str, CameraUsage] = {}
    for seg in segments:
        usage = usages.setdefault(seg.camera_id, CameraUsage(seg.camera_id, quotas.get(seg.camera_id)))
        usage.total_bytes += seg.size_bytes
        usage.segment_count += 1
        if seg.evidence_locked:
            usage.evidence_bytes += seg.size_bytes
        if seg.deletable:
            usage.deletable_bytes += seg.size_bytes
    return usages


@st.composite
def footage(draw, max_per_camera=15):
    """Segments of up to four cameras, some read- or evidence-locked, oldest first per camera."""
    segments = []
    for camera_id in draw(st.lists(st.sampled_from(CAMERAS), min_size=1, max_size=4, unique=True)):
        for i in range(draw(st.integers(0, max_per_camera))):
            segments.append(Seg(
                f"{camera_id}-{i}", camera_id, T0 + timedelta(minutes=i), draw(st.integers(1, 1000)),
                read_locked=draw(st.sampled_from([False] * 4 + [True])),
                evidence_locked=draw(st.sampled_from([False] * 3 + [True])),
            ))
    return segments


quota_maps = st.dictionaries(st.sampled_from(CAMERAS), st.one_of(st.none(), st.integers(0, 8000)), max_size=4)


# --- never a locked segment ------------------------------------------------------------------------

@given(footage(), quota_maps, st.integers(1, 20_000), st.integers(0, 30_000), st.integers(0, 48))
def test_no_tier_ever_deletes_a_locked_segment(segments, quotas, cap, floor, hours):
    store = MemoryStore(segments, disk_total=40_000)
    usages = usages_of(segments, quotas)
    retention.prune_age(store, {cam: hours for cam in usages}, T0 + timedelta(hours=1))
    usages = usages_of(store.segments.values(), quotas)
    for usage in usages.values():
        retention.prune_quota(store, usage)
    retention.prune_cap(store, usages, cap)
    retention.prune_floor(store, usages, floor)
    assert all(seg.deletable for seg in store.deleted)
    locked = {seg.id for seg in segments if not seg.deletable}
    assert locked <= set(store.segments)


def test_a_lock_taken_between_selection_and_delete_wins():
    segments = [Seg(f"s{i}", "cam1", T0 + timedelta(minutes=i), 100) for i in range(5)]
    store = MemoryStore(segments, lock_at_delete={"s0"})
    result = retention.prune_quota(store, usages_of(segments, {"cam1": 250})["cam1"])
    assert "s0" in store.segments and store.segments["s0"].evidence_locked
    assert [seg.id for seg in result.deleted] == ["s1", "s2", "s3"]


# --- age -------------------------------------------------------------------------------------------

def test_age_deletes_only_segments_that_ended_before_the_cutoff():
    segments = [Seg(f"s{i}", "cam1", T0 + timedelta(hours=i), 10) for i in range(6)]
    store = MemoryStore(segments)
    result = retention.prune_age(store, {"cam1": 2}, now=T0 + timedelta(hours=5))
    assert sorted(seg.id for seg in result.deleted) == ["s0", "s1", "s2"]


def test_age_keeps_at_least_one_hour_whatever_the_camera_says():
    assert retention.age_cutoff(T0, 0) == T0 - timedelta(hours=1)
    assert retention.age_cutoff(T0, None) == T0 - timedelta(hours=1)


# --- per-camera quota ------------------------------------------------------------------------------

@given(footage(max_per_camera=40).filter(bool), st.integers(1, 20_000))
def test_quota_stops_exactly_when_met(segments, quota):
    camera_id = segments[0].camera_id
    mine = [seg for seg in segments if seg.camera_id == camera_id]
    store = MemoryStore(mine)
    usage = usages_of(mine, {camera_id: quota})[camera_id]
    budget = quota - usage.evidence_bytes
    result = retention.prune_quota(store, usage)
    remaining = sum(seg.size_bytes for seg in store.segments.values() if seg.deletable)
    if budget <= 0:
        assert result.deleted == []
        return
    assert remaining <= budget
    if result.deleted:  # one segment fewer would not have been enough
        assert remaining + result.deleted[-1].size_bytes > budget
    oldest_first = sorted((s for s in mine if s.deletable), key=lambda s: (s.end_time, s.id))
    assert result.deleted == oldest_first[: len(result.deleted)]


def test_quota_below_the_locked_bytes_deletes_nothing_and_says_so():
    segments = [Seg("a", "cam1", T0, 500, evidence_locked=True), Seg("b", "cam1", T0 + timedelta(minutes=1), 500)]
    result = retention.prune_quota(MemoryStore(segments), usages_of(segments, {"cam1": 400})["cam1"])
    assert result.deleted == []
    assert [(f.reason, f.camera_id) for f in result.findings] == [("camera_quota", "cam1")]


# --- fair share -------------------------------------------------------------------------------------

def test_cameras_without_a_quota_weigh_the_average_quota():
    usages = [CameraUsage("a", 10 * 2**30, 1), CameraUsage("b", 30 * 2**30, 1), CameraUsage("c", None, 1)]
    assert retention.weights(usages) == {"a": 10 * 2**30, "b": 30 * 2**30, "c": 20 * 2**30}


def test_without_any_quota_every_camera_weighs_the_same():
    shares = retention.fair_shares([CameraUsage("a", None, 5), CameraUsage("b", 0, 7)], pie=100)
    assert shares == {"a": 50, "b": 50}


def test_a_camera_without_quota_is_not_evicted_first_because_another_has_one():
    # Reference flaw §5.20: weight 1 vs 10¹⁰ made the quota-less camera's share ~0.
    usages = [CameraUsage("quota", 10 * 2**30, 600, 0, 600, 6), CameraUsage("free", None, 500, 0, 500, 5)]
    assert retention.choose_victim(usages, pie=1000).camera_id == "quota"


usage_lists = st.lists(
    st.builds(CameraUsage, st.sampled_from(CAMERAS), st.one_of(st.none(), st.integers(0, 5000)),
              st.integers(0, 5000), st.just(0), st.integers(0, 5000)),
    min_size=1, max_size=4, unique_by=lambda u: u.camera_id,
).map(lambda us: [CameraUsage(u.camera_id, u.quota_bytes, u.total_bytes, max(u.total_bytes - u.deletable_bytes, 0),
                              min(u.deletable_bytes, u.total_bytes), 1) for u in us])


@given(usage_lists, st.integers(1, 20_000))
def test_fair_share_picks_the_camera_most_over_its_share(usages, pie):
    choice = retention.choose_victim(usages, pie)
    holders = [u for u in usages if u.total_bytes > 0]
    candidates = [u for u in holders if u.deletable_bytes > 0]
    if not candidates:
        assert choice is None
        return
    shares = retention.fair_shares(holders, pie)
    over = {u.camera_id: u.total_bytes - shares[u.camera_id] for u in holders}
    if choice.camera_id is None:
        assert all(over[u.camera_id] <= 0 for u in candidates)
    else:
        assert over[choice.camera_id] > 0
        assert all(over[u.camera_id] <= over[choice.camera_id] for u in candidates)
    most_over = max(holders, key=lambda u: over[u.camera_id])
    if over[most_over.camera_id] > 0 and most_over.deletable_bytes == 0:
        assert choice.protected_camera_id is not None


# --- global cap ---------------------------------------------------------------------------------------

@given(footage(max_per_camera=30), quota_maps, st.integers(1, 30_000))
def test_after_the_cap_step_deletable_bytes_fit_the_budget(segments, quotas, cap):
    store = MemoryStore(segments)
    usages = usages_of(segments, quotas)
    budget = cap - sum(u.evidence_bytes for u in usages.values())
    result = retention.prune_cap(store, usages, cap)
    remaining = sum(seg.size_bytes for seg in store.segments.values() if seg.deletable)
    if budget > 0:
        assert remaining <= budget
        if result.deleted:
            assert remaining + result.deleted[-1].size_bytes > budget
    else:
        assert result.deleted == []


def test_locked_footage_above_the_cap_blocks_the_cap_step_with_a_warning():
    segments = [Seg("a", "cam1", T0, 900, evidence_locked=True), Seg("b", "cam2", T0, 900)]
    result = retention.prune_cap(MemoryStore(segments), usages_of(segments), cap_bytes=800)
    assert result.deleted == [] and [f.reason for f in result.findings] == ["locked_exceeds_cap"]


def test_a_protected_camera_most_over_its_share_is_reported_and_others_still_pruned():
    segments = [Seg(f"a{i}", "cam1", T0 + timedelta(minutes=i), 100, evidence_locked=True) for i in range(8)]
    segments += [Seg(f"b{i}", "cam2", T0 + timedelta(minutes=i), 100) for i in range(5)]
    store = MemoryStore(segments)
    result = retention.prune_cap(store, usages_of(segments), cap_bytes=1000)
    assert [(f.reason, f.severity, f.camera_id) for f in result.findings] == [("over_share_all_protected", "critical", "cam1")]
    assert [seg.id for seg in result.deleted] == ["b0", "b1", "b2"]


# --- free-disk floor -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("deficit", "average", "expected"), [(100, 10, 20), (2_000, 10, 200), (10**9, 10, 256), (5, 0, 20)])
def test_floor_batch_is_deficit_over_average_size_clamped(deficit, average, expected):
    assert retention.floor_batch_size(deficit, average) == expected


def test_floor_frees_space_until_the_floor_is_met():
    segments = [Seg(f"s{i}", "cam1", T0 + timedelta(minutes=i), 100) for i in range(50)]
    store = MemoryStore(segments, disk_total=6000)  # 5000 used, 1000 free
    result = retention.prune_floor(store, usages_of(segments), floor_bytes=2500)
    assert store.disk_usage()[1] >= 2500
    assert [seg.id for seg in result.deleted] == [f"s{i}" for i in range(15)]


def test_floor_stops_when_a_round_frees_nothing():
    class FullDisk(MemoryStore):
        def disk_usage(self):
            return self.disk_total, 0

    segments = [Seg(f"s{i}", "cam1", T0 + timedelta(minutes=i), 100) for i in range(50)]
    result = retention.prune_floor(FullDisk(segments, disk_total=10_000), usages_of(segments), floor_bytes=500)
    assert len(result.deleted) == 5  # one round: the 500-byte deficit, then no free space appeared
    assert [(f.reason, f.severity) for f in result.findings] == [("prune_not_recovering_space", "critical")]


def test_floor_larger_than_the_disk_is_refused():
    result = retention.prune_floor(MemoryStore([], disk_total=1000), {}, floor_bytes=2000)
    assert [(f.reason, f.severity) for f in result.findings] == [("floor_exceeds_disk", "critical")]


def test_floor_with_only_protected_footage_reports_it():
    segments = [Seg("a", "cam1", T0, 900, evidence_locked=True)]
    result = retention.prune_floor(MemoryStore(segments, disk_total=1000), usages_of(segments), floor_bytes=500)
    assert result.deleted == [] and [f.reason for f in result.findings] == ["all_protected"]


def test_floor_without_disk_figures_is_skipped_with_a_warning():
    class Blind(MemoryStore):
        def disk_usage(self):
            return None

    result = retention.prune_floor(Blind([]), {}, floor_bytes=10)
    assert [(f.reason, f.severity) for f in result.findings] == [("disk_stats_unavailable", "warning")]


# --- forecast -----------------------------------------------------------------------------------------

def test_capacity_is_the_cap_or_what_the_floor_leaves_whichever_is_smaller():
    assert retention.retention_capacity(cap_bytes=1000, footprint_bytes=300, free_bytes=None, floor_bytes=0) == 1000
    assert retention.retention_capacity(cap_bytes=1000, footprint_bytes=300, free_bytes=500, floor_bytes=200) == 600
    assert retention.retention_capacity(cap_bytes=500, footprint_bytes=300, free_bytes=5000, floor_bytes=200) == 500


def test_projected_days_divide_the_rotating_capacity_by_the_daily_rate():
    assert retention.projected_days(capacity_bytes=1000, locked_bytes=200, rate_per_day=100.0) == 8.0
    assert retention.projected_days(capacity_bytes=100, locked_bytes=200, rate_per_day=100.0) == 0.0
    assert retention.projected_days(capacity_bytes=1000, locked_bytes=0, rate_per_day=None) is None


def test_write_rate_scales_a_short_window_to_a_day():
    assert retention.write_rate_per_day(bytes_in_window=100, window_seconds=3600) == 2400
    assert retention.write_rate_per_day(bytes_in_window=0, window_seconds=3600) is None
