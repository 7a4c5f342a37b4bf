"""Embedded default vs scaled mode: which database, channel layer and task broker the settings pick."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

from tests.peers.services import REDIS_URL, require_service

ROOT = Path(__file__).resolve().parents[2]
PROBE = (
    "import json; from django.conf import settings as s; "
    "print(json.dumps({'engine': s.DATABASES['default']['ENGINE'], 'layer': s.CHANNEL_LAYERS['default']['BACKEND'], "
    "'broker': 'redis' if 'redis' in s.Q_CLUSTER else 'orm', 'options': s.DATABASES['default'].get('OPTIONS', {})}))"
)


def probe(tmp_path, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(NVR_DATA_DIR=str(tmp_path), NVR_DEBUG="true", **extra)
    result = subprocess.run([sys.executable, "manage.py", "shell", "-c", PROBE], cwd=ROOT, env=env,
                            capture_output=True, text=True, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_embedded_default_is_sqlite_wal_inmemory_layer_and_orm_broker(tmp_path):
    config = probe(tmp_path)
    assert config["engine"] == "django.db.backends.sqlite3"
    assert "journal_mode=WAL" in config["options"]["init_command"]
    assert config["options"]["timeout"] >= 1
    assert config["layer"] == "channels.layers.InMemoryChannelLayer"
    assert config["broker"] == "orm"
    assert (tmp_path / "secret_key").exists()


def test_scaled_mode_uses_postgres_and_redis(tmp_path):
    config = probe(tmp_path, DATABASE_URL="postgres://u@127.0.0.1:5432/nvr", REDIS_URL="redis://127.0.0.1:6379/0")
    assert config["engine"] == "django.db.backends.postgresql"
    assert config["layer"] == "channels_redis.core.RedisChannelLayer"
    assert config["broker"] == "redis"


def test_redis_channel_layer_delivers_between_layers():
    require_service("Redis", "127.0.0.1", 6379)
    asyncio.run(_round_trip())


async def _round_trip():
    from channels_redis.core import RedisChannelLayer

    sender, receiver = RedisChannelLayer(hosts=[REDIS_URL]), RedisChannelLayer(hosts=[REDIS_URL])
    channel = await receiver.new_channel()
    await receiver.group_add("nvr-test", channel)
    await sender.group_send("nvr-test", {"type": "camera.status", "state": "recording"})
    message = await receiver.receive(channel)
    assert message == {"type": "camera.status", "state": "recording"}
    await receiver.group_discard("nvr-test", channel)
    await sender.flush()
