"""Settings parsers, placeholder-secret refusal, and the README's configuration table."""

from __future__ import annotations

import re
import stat
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from hypothesis import given
from hypothesis import strategies as st

from nvr.env import Env, is_placeholder_secret, read_or_create_secret_file

ROOT = Path(__file__).resolve().parents[2]


def test_bool_int_choice_and_clamps():
    env = Env({"NVR_A": "yes", "NVR_B": "off", "NVR_N": "500", "NVR_M": "-3", "NVR_C": "Warn"})
    assert env.bool("A") is True and env.bool("B") is False and env.bool("MISSING", True) is True
    assert env.int("N", 1, maximum=100) == 100 and env.int("M", 1, minimum=0) == 0
    assert env.choice("C", "off", ("off", "warn")) == "warn"
    assert Env({"NVR_F": "0.01"}).float("F", 5.0, minimum=0.1) == 0.1
    with pytest.raises(ImproperlyConfigured):
        Env({"NVR_F": "nan"}).float("F", 5.0)


@pytest.mark.parametrize("name,value", [("bool", "maybe"), ("int", "ten"), ("choice", "loud")])
def test_bad_values_fail_fast_with_the_variable_name(name, value):
    env = Env({"NVR_X": value})
    with pytest.raises(ImproperlyConfigured, match="NVR_X"):
        if name == "bool":
            env.bool("X")
        elif name == "int":
            env.int("X", 1)
        else:
            env.choice("X", "a", ("a", "b"))


def test_file_variant_wins_for_secrets(tmp_path):
    secret = tmp_path / "s"
    secret.write_text("from-file\n")
    env = Env({"NVR_TOKEN": "from-env", "NVR_TOKEN_FILE": str(secret)})
    assert env.secret("TOKEN") == "from-file"
    assert Env({"NVR_TOKEN": "from-env"}).secret("TOKEN") == "from-env"
    with pytest.raises(ImproperlyConfigured):
        Env({"NVR_TOKEN_FILE": str(tmp_path / "missing")}).secret("TOKEN")


@pytest.mark.parametrize("value", ["", "changeme", "django-insecure-abc" + "x" * 40, "short", "secret"])
def test_placeholder_secrets_are_recognised(value):
    assert is_placeholder_secret(value)


@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_", min_size=32, max_size=80))
def test_long_random_secrets_are_accepted(value):
    if not value.lower().startswith("django-insecure"):
        assert not is_placeholder_secret(value)


def test_generated_secret_file_is_private_and_stable(tmp_path):
    path = tmp_path / "sub" / "key"
    first = read_or_create_secret_file(path, lambda: "generated-value")
    assert first == "generated-value"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert read_or_create_secret_file(path, lambda: "other") == "generated-value"


def test_production_refuses_a_placeholder_secret_key(tmp_path):
    import os
    import subprocess
    import sys

    env = {**os.environ, "NVR_DEBUG": "false", "NVR_SECRET_KEY": "changeme", "NVR_DATA_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode != 0
    assert "NVR_SECRET_KEY is a placeholder" in result.stderr
    env["NVR_DEBUG"] = "true"
    assert subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True).returncode == 0


def test_every_setting_is_documented_in_the_readme():
    source = (ROOT / "nvr" / "settings.py").read_text()
    names = set(re.findall(r'env\.(?:str|bool|int|float|choice|path|secret|raw)\(\s*"([A-Z_]+)"', source))
    readme = (ROOT / "README.md").read_text()
    documented = set(re.findall(r"`((?:NVR_)?[A-Z_]+)`", readme))
    missing = sorted(n for n in names if (n if n in ("DATABASE_URL", "REDIS_URL") else "NVR_" + n) not in documented)
    assert not missing, f"settings missing from the README configuration table: {missing}"
