"""Kind-specific destination config validation (pure, no database)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backups.destination_config import KINDS, ConfigError, check_egress_host, validate_config


def errors_of(kind, config):
    with pytest.raises(ConfigError) as info:
        validate_config(kind, config)
    return info.value.errors


def test_local_needs_an_absolute_path_without_dotdot():
    assert validate_config("local", {"path": " /mnt/nas/backups "}) == {"path": "/mnt/nas/backups"}
    assert "path" in errors_of("local", {})
    assert errors_of("local", {"path": "relative/dir"})["path"] == ["must be an absolute path"]
    assert errors_of("local", {"path": "/mnt/../etc"})["path"] == ["must not contain '..' segments"]
    assert "path" in errors_of("local", {"path": "/mnt/\x00x"})


def test_unknown_keys_are_rejected_per_kind():
    assert errors_of("local", {"path": "/x", "host": "nas"}) == {"host": ["unknown key for kind 'local'"]}
    assert "private_key" in errors_of("ftp", {"host": "nas", "private_key": "k"})
    assert "bucket" in errors_of("sftp", {"host": "nas", "bucket": "b"})


def test_sftp_accepts_its_keys_and_types():
    config = {"host": "nas.lan", "port": 2222, "user": "bob", "pass": "pw", "path": "/b",
              "private_key": "-----BEGIN KEY-----", "passphrase": "pp"}
    assert validate_config("sftp", config) == config


@pytest.mark.parametrize("port", [0, 65536, "22", 22.5, True, [22]])
def test_port_must_be_an_integer_in_range(port):
    assert "port" in errors_of("ftp", {"host": "nas", "port": port})


def test_null_on_an_optional_key_means_absent():
    assert validate_config("ftp", {"host": "nas", "port": None, "user": None}) == {"host": "nas"}


@pytest.mark.parametrize("host", ["169.254.169.254", "fe80::1", "[fe80::1]", "0.0.0.0", "::", "255.255.255.255",
                                  "224.0.0.1", "metadata.google.internal", "metadata", "fd00:ec2::254",
                                  "::ffff:169.254.169.254", "2852039166", "0251.254.43518", "nas host", "nas\tx", "", "a/b", "user@nas", "-bad-"])
def test_hosts_failing_the_egress_guard_are_rejected(host):
    with pytest.raises(ValueError):
        check_egress_host(host)


@pytest.mark.parametrize("host", ["nas.lan", "192.168.1.10", "127.0.0.1", "10.0.0.5", "::1", "[2001:db8::1]", "backup_host"])
def test_lan_and_loopback_hosts_pass_the_egress_guard(host):
    check_egress_host(host)


@pytest.mark.parametrize("bucket", ["ab", "A-bucket", "-abc", "abc-", "a..b", "a.-b", "192.168.1.1", "xn--abc",
                                    "b-s3alias", "under_score", "x" * 64])
def test_s3_bucket_names_follow_the_s3_rules(bucket):
    assert "bucket" in errors_of("s3", {"bucket": bucket})


def test_s3_accepts_its_keys():
    config = {"bucket": "my.backup-bucket", "prefix": "/nvr/site1/", "access_key": "AKIA", "secret_key": "s",
              "endpoint": "https://minio.lan:9000", "region": "us-east-1"}
    assert validate_config("s3", config) == {**config, "prefix": "nvr/site1"}


@pytest.mark.parametrize("url", ["ftp://x", "minio.lan", "https://user:pw@minio.lan", "http://169.254.169.254/",
                                 "https://[fe80::1]/", "https://host:99999/", "http:// x"])
def test_endpoints_must_be_credential_free_http_urls_passing_the_guard(url):
    assert "endpoint" in errors_of("s3", {"bucket": "bucket", "endpoint": url})
    assert "url" in errors_of("webdav", {"url": url})


def test_webdav_needs_a_url():
    assert "url" in errors_of("webdav", {"user": "u"})
    assert validate_config("webdav", {"url": "https://dav.lan/remote.php/dav", "user": "u", "pass": "p"})


def test_secret_of_the_wrong_type_is_rejected_without_echoing_it():
    errors = errors_of("sftp", {"host": "nas", "pass": 12345678})
    assert errors == {"pass": ["must be a string"]}


def test_unknown_kind_is_a_kind_error():
    assert errors_of("rclone", {}) == {"kind": [f"must be one of: {', '.join(KINDS)}"]}


def test_error_messages_never_repeat_submitted_values():
    config = {"host": "bad host SECRETVALUE", "port": "SECRETVALUE", "user": 7, "pass": ["SECRETVALUE"],
              "path": "../SECRETVALUE"}
    assert "SECRETVALUE" not in repr(errors_of("sftp", config))


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=10), children, max_size=3),
    max_leaves=10,
)


@given(st.sampled_from(KINDS), st.dictionaries(
    st.sampled_from(["path", "host", "port", "user", "pass", "bucket", "prefix", "endpoint", "region", "url",
                     "access_key", "secret_key", "private_key", "passphrase", "junk"]), _json, max_size=6))
def test_validation_either_returns_a_dict_or_raises_config_error(kind, config):
    try:
        result = validate_config(kind, config)
    except ConfigError as exc:
        assert exc.errors and all(isinstance(m, list) for m in exc.errors.values())
    else:
        assert isinstance(result, dict) and set(result) <= set(config)
