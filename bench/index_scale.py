"""Index benchmark: the timeline, a 24 h playlist and a retention pass over ~10 M segments, each beside a baseline.

Usage (from the project root, after `make install-dev`):

    .venv/bin/python bench/index_scale.py --data-dir /var/tmp/nvr-index-scale            # SQLite (WAL)
    .venv/bin/python bench/index_scale.py --database-url postgres://postgres@127.0.0.1:5432/nvr_bench
    ... --reuse        measure the index an earlier run generated (same --cameras/--days/... options)
    ... --drop         delete the generated SQLite file / drop the PostgreSQL database, and exit

Generates a migrated database holding `--cameras` cameras × `--days` days of contiguous `--segment-seconds`
segments (default 100 × 12 × 10 s ≈ 10.4 M rows), inserted time-major as a recorder would (one camera's day
is spread over the whole table, as in production), with one recording gap per camera per day. Bulk load:
secondary indexes are dropped and rebuilt around big executemany/COPY transactions; PostgreSQL is then
VACUUM ANALYZEd (what autovacuum would do), SQLite is not analysed (the product never runs ANALYZE).

Then, in the same run, over random cameras and days (median and p95 of --repetitions):
* a day's timeline: `GET /api/v1/cameras/{id}/timeline` through Django's test client with an API key, the
  service `camera_timeline` alone, and the raw SQL of its segment query alone (baseline);
* a 24 h HLS playlist: `GET /api/v1/cameras/{id}/playlist.m3u8`, the view's query + playlist builder alone,
  and the raw SQL of its segment query alone (baseline);
* a retention sweep (`run_retention_sweep`) deleting ~`--retention-rows` rows through the age tier while a
  separate recorder process indexes one segment every `--insert-interval` s with `index_segment`: the insert
  latencies during the sweep against those of the same process before it (baseline). The deleted rows and
  the recorder's rows are put back / removed afterwards, so `--reuse` measures the same index every time.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import operator
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import cached_property
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
LOAD_CHUNK = 200_000
SEGMENT_BYTES = 5_000_000  # 10 s at ~4 Mbps
EVIDENCE_ONE_IN = 20_000
GAP_REASONS = ("camera_offline", "stream_error", "recorder_down", "auth_failed")
TARGETS_MS = {"timeline": 20.0, "playlist": 50.0, "insert": 1000.0}


# --- the data set (deterministic: any slice can be regenerated) ------------------------------------------

@dataclass(frozen=True)
class Dataset:
    """`cameras` × `days` of `segment_seconds` segments ending at `end`; everything else follows from `seed`."""

    cameras: int
    days: int
    segment_seconds: int
    end: datetime
    seed: int = 1

    @property
    def start(self) -> datetime:
        return self.end - timedelta(days=self.days)

    @property
    def slots_per_day(self) -> int:
        return 86_400 // self.segment_seconds

    @property
    def slots(self) -> int:
        return self.days * self.slots_per_day

    @cached_property
    def camera_ids(self) -> list[str]:
        return [f"bench{n:03d}" for n in range(1, self.cameras + 1)]

    def _random(self, *parts) -> random.Random:
        return random.Random("/".join(map(str, (self.seed, *parts))))

    @cached_property
    def origins(self) -> dict[str, datetime]:
        """Each camera's first segment start: cameras do not cut segments in step (ms offsets)."""
        return {cam: self.start + timedelta(milliseconds=self._random(cam).randrange(self.segment_seconds * 1000))
                for cam in self.camera_ids}

    @cached_property
    def gaps(self) -> dict[str, list[tuple[int, int, str]]]:
        """Per camera and day: (first missing slot, missing slots, reason) — one hole of 20 s to 10 min a day."""
        plan = {}
        for cam in self.camera_ids:
            plan[cam] = []
            for day in range(self.days):
                rnd = self._random(cam, day)
                length = rnd.randint(2, min(60, self.slots_per_day // 4))
                first = day * self.slots_per_day + rnd.randrange(1, self.slots_per_day - length)
                plan[cam].append((first, length, rnd.choice(GAP_REASONS)))
        return plan

    def slot_start(self, cam: str, slot: int) -> datetime:
        return self.origins[cam] + timedelta(seconds=slot * self.segment_seconds)

    def recorded(self, cam: str, slot: int) -> bool:
        first, length, _ = self.gaps[cam][slot // self.slots_per_day]
        return not first <= slot < first + length

    def segment_values(self, cam: str, slot: int) -> dict:
        """The model field values of one segment (attname → value)."""
        digest = hashlib.blake2b(f"{cam}/{slot}".encode(), digest_size=16, key=str(self.seed).encode()).hexdigest()
        start = self.slot_start(cam, slot)
        end = start + timedelta(seconds=self.segment_seconds)
        evidence = int(digest[:6], 16) % EVIDENCE_ONE_IN == 0
        return {
            "id": f"seg_{digest}", "camera_id": cam, "path": relpath(cam, start), "start_time": start,
            "end_time": end, "duration_s": float(self.segment_seconds),
            "size_bytes": SEGMENT_BYTES + int(digest[6:10], 16) * 8 - 262_144, "codec": "h264", "width": 1920,
            "height": 1080, "fps": 25.0, "evidence_locked": evidence,
            "incident_id": f"incident-{cam}-{slot // self.slots_per_day}" if evidence else None,
            "created_at": end + timedelta(seconds=1),
        }

    def segments(self, first_slot: int = 0, stop_slot: int | None = None):
        """Segment values in time order across cameras (the order a recorder inserts them)."""
        for slot in range(first_slot, self.slots if stop_slot is None else stop_slot):
            for cam in self.camera_ids:
                if self.recorded(cam, slot):
                    yield self.segment_values(cam, slot)

    def gap_values(self):
        pending_since = self.end - timedelta(hours=24)
        for cam in self.camera_ids:
            for first, length, reason in self.gaps[cam]:
                start, end = self.slot_start(cam, first), self.slot_start(cam, first + length)
                digest = hashlib.blake2b(f"gap/{cam}/{first}".encode(), digest_size=16, key=str(self.seed).encode())
                yield {
                    "id": f"gap_{digest.hexdigest()}", "camera_id": cam, "gap_start": start, "gap_end": end,
                    "gap_seconds": int((end - start).total_seconds()), "reason": reason,
                    "fill_state": "pending" if start >= pending_since else ("failed" if first % 3 == 0 else "expired"),
                    "created_at": end + timedelta(seconds=1),
                }


def relpath(cam: str, start: datetime) -> str:
    """`recording.recorder.segments.segment_relpath` for a UTC start, without strftime (10 M calls)."""
    day = f"{start.year:04d}/{start.month:02d}/{start.day:02d}"
    return f"{cam}/{day}/{start.year:04d}{start.month:02d}{start.day:02d}T{start.hour:02d}{start.minute:02d}{start.second:02d}Z.mp4"


# --- Django and the databases --------------------------------------------------------------------------

def configure(args) -> None:
    """Point the project's settings at the benchmark database, then set Django up."""
    os.environ.update({
        "DJANGO_SETTINGS_MODULE": "nvr.settings", "NVR_DATA_DIR": str(args.data_dir), "NVR_LOG_LEVEL": "WARNING",
        # Retention must delete by age only: no global cap, no free-disk floor on the benchmark's disk.
        "NVR_MAX_RECORDINGS_GB": "1000000000", "NVR_MIN_FREE_DISK_GB": "0",
    })
    os.environ.pop("NVR_DEBUG", None)  # DEBUG would keep every query in memory
    if args.database_url:
        os.environ["DATABASE_URL"] = args.database_url
    else:
        os.environ.pop("DATABASE_URL", None)
        os.environ.pop("NVR_SQLITE_PATH", None)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def sqlite_path(args) -> Path:
    return Path(args.data_dir) / "nvr.sqlite3"


def _admin_dsn(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/postgres")), parts.path.lstrip("/")


def create_postgres_database(url: str) -> None:
    import psycopg

    admin, name = _admin_dsn(url)
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def drop_database(args) -> None:
    if args.database_url:
        import psycopg

        admin, name = _admin_dsn(args.database_url)
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        print(f"dropped PostgreSQL database {name}")
        return
    for suffix in ("", "-wal", "-shm"):
        Path(f"{sqlite_path(args)}{suffix}").unlink(missing_ok=True)
    print(f"deleted {sqlite_path(args)}")


def is_postgres() -> bool:
    from django.db import connection

    return connection.vendor == "postgresql"


def _rows(model, values_iter):
    """Tuples in the model's concrete-field order; fields not given take their model default."""
    fields = model._meta.concrete_fields
    defaults = {field.attname: field.get_default() for field in fields}
    pick = operator.itemgetter(*(field.attname for field in fields))
    dates = [i for i, field in enumerate(fields) if field.get_internal_type() == "DateTimeField"]
    if is_postgres():  # psycopg takes aware datetimes as they are
        for values in values_iter:
            yield pick({**defaults, **values})
        return
    # What the ORM sends to SQLite (`adapt_datetimefield_value`): the naive UTC datetime as text.
    for values in values_iter:
        row = list(pick({**defaults, **values}))
        for i in dates:
            if row[i] is not None:
                row[i] = str(row[i].astimezone(timezone.utc).replace(tzinfo=None))
        yield tuple(row)


def _secondary_indexes(table: str) -> list[tuple[str, str]]:
    """(name, CREATE statement) of the table's indexes that back no constraint (those can be rebuilt)."""
    from django.db import connection

    with connection.cursor() as cursor:
        if is_postgres():
            cursor.execute(
                "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
                "WHERE x.indrelid = %s::regclass AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)",
                [table],
            )
        else:
            cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s AND sql IS NOT NULL", [table])
        return cursor.fetchall()


def _chunks(iterable, size):
    chunk = []
    for item in iterable:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def bulk_load(model, values_iter, expected: int, *, progress: bool = True) -> int:
    """Insert rows in big transactions (COPY on PostgreSQL, executemany on SQLite), indexes built afterwards."""
    from django.db import connection, transaction

    table = model._meta.db_table
    columns = [field.column for field in model._meta.concrete_fields]
    indexes = _secondary_indexes(table)
    started, loaded = time.monotonic(), 0
    with connection.cursor() as cursor:
        for name, _ in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        if not is_postgres():
            cursor.execute("PRAGMA cache_size = -1000000")  # 1 GB: the id and path indexes take random inserts
        for chunk in _chunks(_rows(model, values_iter), LOAD_CHUNK):
            with transaction.atomic():
                if is_postgres():
                    quoted = ", ".join(f'"{c}"' for c in columns)
                    with cursor.cursor.copy(f'COPY "{table}" ({quoted}) FROM STDIN') as copy:
                        for row in chunk:
                            copy.write_row(row)
                else:
                    marks = ", ".join(["%s"] * len(columns))
                    cursor.executemany(f'INSERT INTO "{table}" ({", ".join(columns)}) VALUES ({marks})', chunk)
            loaded += len(chunk)
            if progress:
                rate = loaded / (time.monotonic() - started)
                print(f"  {table}: {loaded:,} / ~{expected:,} rows ({rate:,.0f} rows/s)", flush=True)
        if is_postgres():
            cursor.execute("SET maintenance_work_mem = '1GB'")
        for name, create in indexes:
            cursor.execute(create)
    if progress and indexes:
        print(f"  {table}: rebuilt {len(indexes)} indexes, {time.monotonic() - started:.0f} s in all", flush=True)
    return loaded


def generate(dataset: Dataset, progress: bool = True) -> None:
    """Migrate, then cameras with status rows, the segments and the recording gaps."""
    from django.core.management import call_command
    from django.db import connection

    from cameras.models import Camera
    from recording.models import CameraStatus, RecordingGap, Segment

    call_command("migrate", interactive=False, verbosity=0)
    if Camera.objects.filter(pk__in=dataset.camera_ids).exists() or Segment.objects.exists():
        raise SystemExit("the database already holds data: pass --reuse, or --drop it first")
    Camera.objects.bulk_create(
        Camera(id=cam, name=f"Bench {cam[5:]}", segment_seconds=dataset.segment_seconds, storage_quota_bytes=None,
               retention_hours=dataset.days * 24 + 24, created_at=dataset.start)
        for cam in dataset.camera_ids
    )
    CameraStatus.objects.bulk_create(CameraStatus(camera_id=cam, state="offline") for cam in dataset.camera_ids)
    bulk_load(Segment, dataset.segments(), dataset.cameras * dataset.slots, progress=progress)
    bulk_load(RecordingGap, dataset.gap_values(), dataset.cameras * dataset.days, progress=False)
    with connection.cursor() as cursor:
        if is_postgres():
            for model in (Camera, Segment, RecordingGap):
                cursor.execute(f'VACUUM ANALYZE "{model._meta.db_table}"')
        else:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()  # measure on a fresh connection with the product's settings (not the load's cache size)


def check_reusable(dataset: Dataset) -> None:
    """Fail unless the database holds this data set; apply migrations added since it was generated."""
    from django.core.management import call_command

    from cameras.models import Camera
    from recording.models import Segment

    call_command("migrate", interactive=False, verbosity=1)
    cam = dataset.camera_ids[-1]
    probe = next(slot for slot in range(dataset.slots // 2, dataset.slots) if dataset.recorded(cam, slot))
    found = Camera.objects.filter(pk__in=dataset.camera_ids).count()
    if found != dataset.cameras or not Segment.objects.filter(pk=dataset.segment_values(cam, probe)["id"]).exists():
        raise SystemExit("--reuse: the database does not hold this data set (same --cameras/--days/--segment-seconds/--end/--seed?)")


# --- figures -------------------------------------------------------------------------------------------

def timed(function, *args) -> tuple[float, object]:
    started = time.perf_counter()
    result = function(*args)
    return (time.perf_counter() - started) * 1000, result


def summary(samples: list[float]) -> dict:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, math.ceil(0.95 * len(ordered)) - 1)]
    return {"median": statistics.median(ordered), "p95": p95, "max": ordered[-1], "n": len(ordered)}


def raw_query(queryset, bare=None):
    """The SQL and parameters the ORM runs for `queryset`, run alone: through Django's cursor (its driver
    set-up converts each value, e.g. timestamps to aware datetimes), or on `bare`, a plain driver connection."""
    from django.db import connection

    sql, params = queryset.query.get_compiler(connection=connection).as_sql()
    if bare is not None:
        if not is_postgres():
            sql = sql.replace("%s", "?")
        return lambda: bare.execute(sql, params).fetchall()

    def run():
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    return run


def bare_connection():
    """A driver connection to the same database without Django's converters (psycopg's C loaders; SQLite text)."""
    from django.db import connection

    if is_postgres():
        import psycopg

        settings = connection.settings_dict
        return psycopg.connect(dbname=settings["NAME"], user=settings["USER"], password=settings["PASSWORD"],
                               host=settings["HOST"], port=settings["PORT"] or None, autocommit=True)
    import sqlite3

    return sqlite3.connect(connection.settings_dict["NAME"])


def api_client():
    """A test client presenting a fresh admin API key: requests go through middleware, routing, auth and DRF."""
    from django.test import Client

    from accounts.principal import SYSTEM
    from accounts.services import Grant, create_api_key

    key, raw = create_api_key(SYSTEM, name="index-scale bench", grant=Grant("admin", None, "all", []))
    return key, Client(HTTP_HOST="localhost", HTTP_X_API_KEY=raw)


def _get(client, url: str, query: dict):
    def run():
        response = client.get(url, query)
        if response.status_code != 200:
            raise SystemExit(f"GET {url} answered {response.status_code}: {response.content[:300]!r}")
        return response.content

    return run


def playlist_core(camera_id: str, start: datetime, end: datetime) -> str:
    """What `CameraPlaylistViewSet.retrieve` does once the request is parsed: the query and the builder."""
    from recording import services
    from recording.api.playback import PLAYLIST_COLUMNS
    from recording.models import Segment
    from recording.playback import PlaylistSegment, build_vod_playlist, playable

    rows = services.overlapping_segments(Segment.objects.filter(camera_id=camera_id), start, end)
    segments = playable([PlaylistSegment(*row) for row in rows.order_by("start_time", "id").values_list(*PLAYLIST_COLUMNS)])
    return build_vod_playlist(segments)


def read_variants(client, bare, cam: str, lower: datetime, upper: datetime) -> dict:
    """The timed calls for one camera and window: through the API, the service alone, the raw SQL alone."""
    from django.utils import timezone as dj_timezone

    from cameras.models import Camera
    from recording import services
    from recording.api.playback import PLAYLIST_COLUMNS
    from recording.models import Segment

    window = {"from": f"{lower:%Y-%m-%dT%H:%M:%SZ}", "to": f"{upper:%Y-%m-%dT%H:%M:%SZ}"}
    camera = Camera.objects.get(pk=cam)  # the view reads it too, inside the API figure
    mine = services.overlapping_segments(Segment.objects.filter(camera_id=cam), lower, upper)
    return {
        "timeline api": _get(client, f"/api/v1/cameras/{cam}/timeline", window),
        "timeline service": lambda: services.camera_timeline(camera, lower, upper, dj_timezone.now()),
        "timeline sql": raw_query(mine.order_by("start_time").values_list("start_time", "end_time")),
        "timeline driver": raw_query(mine.order_by("start_time").values_list("start_time", "end_time"), bare),
        "playlist api": _get(client, f"/api/v1/cameras/{cam}/playlist.m3u8", window),
        "playlist view core": lambda: playlist_core(cam, lower, upper),
        "playlist sql": raw_query(mine.order_by("start_time", "id").values_list(*PLAYLIST_COLUMNS)),
        "playlist driver": raw_query(mine.order_by("start_time", "id").values_list(*PLAYLIST_COLUMNS), bare),
        "api floor": _get(client, f"/api/v1/cameras/{cam}", {}),
    }


def measure_reads(dataset: Dataset, repetitions: int, rng: random.Random) -> dict[str, list[float]]:
    """Timeline and playlist of random (camera, day) pairs; the variants of one pair run in rotating order."""
    key, client = api_client()
    bare = bare_connection()
    samples: dict[str, list[float]] = {}
    try:
        for call in read_variants(client, bare, dataset.camera_ids[0], dataset.start, dataset.start + timedelta(hours=1)).values():
            call()  # warm-up: the first request of a process imports and builds what later ones reuse
        for repetition in range(repetitions):
            cam = rng.choice(dataset.camera_ids)
            lower = dataset.start + timedelta(days=rng.randrange(1, dataset.days) if dataset.days > 1 else 0)
            variants = read_variants(client, bare, cam, lower, lower + timedelta(days=1))
            names = list(variants)
            shift = repetition % len(names)
            for name in names[shift:] + names[:shift]:
                samples.setdefault(name, []).append(timed(variants[name])[0])
    finally:
        key.delete()
        bare.close()
    return samples


def count_rows() -> tuple[float, int]:
    from django.db import connection

    from recording.models import Segment

    def count():
        with connection.cursor() as cursor:
            cursor.execute(f'SELECT count(*) FROM "{Segment._meta.db_table}"')
            return cursor.fetchone()[0]

    return timed(count)


# --- the retention pass beside a recorder -------------------------------------------------------------

def recorder_child(dataset: Dataset, interval: float) -> None:
    """Index one segment every `interval` s round-robin over the cameras until SIGTERM; print the latencies."""
    from django.db import DatabaseError

    from recording.indexing import index_segment
    from recording.recorder.segments import ClosedSegment, segment_relpath

    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    ends = {cam: dataset.slot_start(cam, dataset.slots) for cam in dataset.camera_ids}  # each camera's last end
    print("READY", flush=True)
    samples, due, turn = [], time.monotonic(), 0
    while not stopping:
        cam = dataset.camera_ids[turn % dataset.cameras]
        start = ends[cam]
        ends[cam] = end = start + timedelta(seconds=dataset.segment_seconds)
        closed = ClosedSegment(cam, segment_relpath(cam, start), start, end, float(dataset.segment_seconds),
                               SEGMENT_BYTES, "h264", 1920, 1080, 25.0, False)
        began = time.monotonic()
        try:
            ok = index_segment(closed, "stream_error") is not None
        except DatabaseError:
            ok = False
        samples.append((began, (time.monotonic() - began) * 1000, ok))
        turn += 1
        due += interval
        time.sleep(max(0.0, due - time.monotonic()))
    print(json.dumps(samples), flush=True)


def sweep_instant(dataset: Dataset, rows: int) -> tuple[datetime, int]:
    """A `now` at which the age tier finds about `rows` expired segments: (now, slots expired per camera)."""
    slots = max(1, math.ceil(rows / dataset.cameras))
    retention = timedelta(hours=dataset.days * 24 + 24)
    return dataset.start + timedelta(seconds=(slots + 1) * dataset.segment_seconds) + retention, slots


def measure_retention(dataset: Dataset, args) -> dict:
    """Start the recorder process, let it run alone, run the sweep, let it run on; then restore the index."""
    from django.db import DatabaseError

    from recording.pruning import run_retention_sweep

    now, slots = sweep_instant(dataset, args.retention_rows)
    command = [sys.executable, __file__, "--recorder-child", *child_arguments(args)]
    child = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, cwd=ROOT)
    report, error = None, None
    try:
        if child.stdout.readline().strip() != "READY":
            raise SystemExit(f"recorder process failed (code {child.wait()})")
        time.sleep(args.baseline_seconds)
        began = time.monotonic()
        try:
            report = run_retention_sweep(now=now)
        except DatabaseError as exc:  # a finding, not a crash: e.g. SQLite's busy timeout ran out
            error = f"{type(exc).__name__}: {exc}"
        ended = time.monotonic()
        time.sleep(args.insert_interval * 10)  # a few inserts after it, to see the recorder recover
    finally:
        child.send_signal(signal.SIGTERM)
        out, _ = child.communicate(timeout=300)
        restore(dataset, slots)
    if report is not None and report.skipped:
        raise SystemExit("the retention sweep was skipped: another sweep holds its lock")
    samples = json.loads(out.strip().splitlines()[-1])
    return {
        "before": [ms for start, ms, _ in samples if start + ms / 1000 <= began],
        "during": [ms for start, ms, _ in samples if start < ended and start + ms / 1000 > began],
        "failed": sum(not ok for *_, ok in samples), "sweep_s": ended - began, "error": error,
        "deleted": report.segments_deleted if report else None, "age_deleted": report.age_deleted if report else None,
    }


def restore(dataset: Dataset, slots: int) -> None:
    """Put the swept segments back and remove the recorder's, so the next --reuse run sees the same index."""
    from django.db import connection, transaction

    from recording.models import RecordingGap, Segment

    table = Segment._meta.db_table
    columns = [field.column for field in Segment._meta.concrete_fields]
    marks = ", ".join(["%s"] * len(columns))
    verb, tail = ("INSERT", "ON CONFLICT DO NOTHING") if is_postgres() else ("INSERT OR IGNORE", "")
    with transaction.atomic():
        # Generated footage starts before `end`; the recorder process continued each camera from there.
        Segment.objects.filter(camera_id__in=dataset.camera_ids, start_time__gte=dataset.end).delete()
        RecordingGap.objects.filter(camera_id__in=dataset.camera_ids, gap_start__gte=dataset.end).delete()
        with connection.cursor() as cursor:
            cursor.executemany(f'{verb} INTO "{table}" ({", ".join(columns)}) VALUES ({marks}) {tail}',
                               list(_rows(Segment, dataset.segments(0, slots + 2))))


# --- report --------------------------------------------------------------------------------------------

def ms(value: float) -> str:
    return f"{value:.1f} ms" if value < 100 else f"{value:.0f} ms"


def print_report(dataset: Dataset, args, count: tuple[float, int], reads: dict, retention: dict | None) -> None:
    from django.db import connection

    print(f"\n{connection.vendor} ({connection.settings_dict['NAME']}), {count[1]:,} segments "
          f"({dataset.cameras} cameras x {dataset.days} days of {dataset.segment_seconds} s), {os.cpu_count()} cores; "
          f"plain SELECT count(*): {ms(count[0])}")
    print(f"{'figure':<44} {'median':>10} {'p95':>10} {'max':>10}  target")
    rows = [
        ("timeline, GET /timeline (one camera, 24 h)", "timeline api", TARGETS_MS["timeline"]),
        ("  service camera_timeline alone", "timeline service", None),
        ("  baseline: its segment query, raw SQL", "timeline sql", None),
        ("  same SQL, bare driver connection", "timeline driver", None),
        ("playlist, GET /playlist.m3u8 (24 h)", "playlist api", TARGETS_MS["playlist"]),
        ("  query + playlist builder alone", "playlist view core", None),
        ("  baseline: its segment query, raw SQL", "playlist sql", None),
        ("  same SQL, bare driver connection", "playlist driver", None),
        ("API floor: GET /cameras/{id}", "api floor", None),
    ]
    for label, name, target in rows:
        figures = summary(reads[name])
        verdict = f"< {ms(target)} {'met' if figures['median'] < target else 'MISSED'} (median)" if target else ""
        print(f"{label:<44} {ms(figures['median']):>10} {ms(figures['p95']):>10} {ms(figures['max']):>10}  {verdict}")
    if retention is None:
        return
    for label, name in (("insert during the sweep (index_segment)", "during"), ("  baseline: insert, no sweep running", "before")):
        if not retention[name]:
            print(f"{label:<44} (no samples)")
            continue
        figures = summary(retention[name])
        verdict = ""
        if name == "during":
            worst = figures["max"] < TARGETS_MS["insert"]
            verdict = f"worst < {ms(TARGETS_MS['insert'])} {'met' if worst else 'MISSED'}"
        print(f"{label:<44} {ms(figures['median']):>10} {ms(figures['p95']):>10} {ms(figures['max']):>10}  "
              f"{verdict} ({figures['n']} inserts)")
    if retention["error"]:
        print(f"retention sweep FAILED after {retention['sweep_s']:.1f} s: {retention['error']}; "
              f"failed inserts: {retention['failed']}")
        return
    print(f"retention sweep: {retention['sweep_s']:.1f} s, {retention['deleted']:,} segments deleted "
          f"({retention['age_deleted']:,} by age), failed inserts: {retention['failed']}")


# --- command line --------------------------------------------------------------------------------------

def parse_arguments(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, default=Path(tempfile.gettempdir()) / "nvr-index-scale",
                        help="NVR_DATA_DIR: the SQLite file, the key files, the (empty) recordings folder")
    parser.add_argument("--database-url", help="PostgreSQL URL (the database is created if missing); SQLite otherwise")
    parser.add_argument("--cameras", type=int, default=100)
    parser.add_argument("--days", type=int, default=12)
    parser.add_argument("--segment-seconds", type=int, default=10)
    parser.add_argument("--end", type=lambda v: datetime.fromisoformat(v.replace("Z", "+00:00")),
                        default=datetime(2026, 11, 1, tzinfo=timezone.utc), help="end of the generated footage (UTC)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--reuse", action="store_true", help="measure the data set an earlier run generated")
    parser.add_argument("--drop", action="store_true", help="delete the generated database and exit")
    parser.add_argument("--repetitions", type=int, default=30)
    parser.add_argument("--retention-rows", type=int, default=100_000, help="0: no retention pass")
    parser.add_argument("--baseline-seconds", type=float, default=10.0, help="recorder alone before the sweep")
    parser.add_argument("--insert-interval", type=float, default=0.1)
    parser.add_argument("--recorder-child", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def child_arguments(args) -> list[str]:
    forwarded = ["--data-dir", str(args.data_dir), "--cameras", str(args.cameras), "--days", str(args.days),
                 "--segment-seconds", str(args.segment_seconds), "--end", args.end.isoformat(), "--seed", str(args.seed),
                 "--insert-interval", str(args.insert_interval)]
    return forwarded + (["--database-url", args.database_url] if args.database_url else [])


def dataset_of(args) -> Dataset:
    return Dataset(args.cameras, args.days, args.segment_seconds, args.end, args.seed)


def main(argv=None) -> None:
    args = parse_arguments(argv)
    if args.drop:
        drop_database(args)
        return
    args.data_dir.mkdir(parents=True, exist_ok=True)
    if args.database_url and not args.recorder_child:
        create_postgres_database(args.database_url)
    configure(args)
    dataset = dataset_of(args)
    if args.recorder_child:
        recorder_child(dataset, args.insert_interval)
        return
    if args.reuse:
        check_reusable(dataset)
        restore(dataset, sweep_instant(dataset, args.retention_rows)[1])  # in case a run was interrupted
    else:
        print(f"generating {dataset.cameras} cameras x {dataset.days} days of {dataset.segment_seconds} s segments ...", flush=True)
        started = time.monotonic()
        generate(dataset)
        print(f"generated in {time.monotonic() - started:.0f} s", flush=True)
    count = count_rows()
    reads = measure_reads(dataset, args.repetitions, random.Random(args.seed))
    retention = measure_retention(dataset, args) if args.retention_rows > 0 else None
    print_report(dataset, args, count, reads, retention)
    if not args.database_url:
        print(f"SQLite file: {sqlite_path(args).stat().st_size / 2**30:.2f} GiB")


if __name__ == "__main__":
    main()
