"""Config masking, the `***` round-trip merge and error scrubbing (pure, no database)."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from backups.masking import MASK, SECRET_KEYS, mask_backup_config, merge_config_update, scrub_secrets


def test_secret_keys_include_the_s3_key_id_and_ssh_material():
    for key in ("pass", "password", "secret", "secret_key", "access_key", "secret_access_key",
                "private_key", "passphrase", "token"):
        assert key in SECRET_KEYS


def test_mask_replaces_non_empty_string_secrets_and_reports_credentials():
    masked, has = mask_backup_config({"host": "nas", "user": "bob", "pass": "hunter2", "access_key": "AKIA1"})
    assert masked == {"host": "nas", "user": "bob", "pass": MASK, "access_key": MASK}
    assert has is True


def test_mask_leaves_empty_and_non_string_secrets_and_does_not_count_them():
    config = {"pass": "", "secret": None, "token": 5, "path": "/x"}
    masked, has = mask_backup_config(config)
    assert masked == config
    assert has is False


def test_mask_does_not_modify_its_input():
    config = {"pass": "hunter2"}
    mask_backup_config(config)
    assert config == {"pass": "hunter2"}


def test_mask_returns_non_objects_unchanged_without_credentials():
    for value in (None, [], ["pass"], "pass", 3):
        assert mask_backup_config(value) == (value, False)


def test_merge_keeps_stored_secret_sent_back_as_mask():
    merged = merge_config_update({"host": "a", "pass": "old"}, {"host": "b", "pass": MASK})
    assert merged == {"host": "b", "pass": "old"}


def test_merge_drops_mask_when_nothing_is_stored():
    assert merge_config_update({"host": "a"}, {"host": "a", "pass": MASK}) == {"host": "a"}


def test_merge_keeps_an_omitted_secret():
    assert merge_config_update({"host": "a", "pass": "old"}, {"host": "b"}) == {"host": "b", "pass": "old"}


def test_merge_clears_a_secret_sent_as_null_or_empty():
    assert merge_config_update({"pass": "old", "token": "t"}, {"pass": None, "token": ""}) == {}


def test_merge_replaces_a_secret_with_a_new_value():
    assert merge_config_update({"pass": "old"}, {"pass": "new"}) == {"pass": "new"}


def test_merge_drops_omitted_non_secret_keys():
    assert merge_config_update({"host": "a", "path": "/p"}, {"host": "a"}) == {"host": "a"}


def test_merge_does_not_carry_a_secret_the_kind_cannot_use():
    stored = {"bucket": "b", "secret_key": "s", "access_key": "k"}
    merged = merge_config_update(stored, {"host": "h"}, allowed_keys={"host", "pass"})
    assert merged == {"host": "h"}


def test_merge_tolerates_a_missing_stored_config():
    assert merge_config_update(None, {"pass": MASK, "host": "h"}) == {"host": "h"}


def test_scrub_replaces_every_secret_occurrence():
    config = {"pass": "hunter2", "secret_key": "s3cr3t/xyz", "user": "bob"}
    text = "login bob:hunter2 failed; key s3cr3t/xyz and again hunter2; encoded s3cr3t%2Fxyz"
    scrubbed = scrub_secrets(text, config)
    assert "hunter2" not in scrubbed and "s3cr3t" not in scrubbed
    assert "bob" in scrubbed


def test_scrub_hides_a_secret_containing_another_whole():
    scrubbed = scrub_secrets("token abcdef", {"pass": "abc", "token": "abcdef"})
    assert scrubbed == "token ***"


def test_scrub_leaves_text_alone_without_secrets():
    assert scrub_secrets("plain", {"host": "h"}) == "plain"
    assert scrub_secrets(None, {"pass": "x"}) is None
    assert scrub_secrets("x", None) == "x"


# --- properties ---------------------------------------------------------------------------------

# Secrets carry a marker that never occurs in other values, so "no secret in the output" is exact.
_secret_text = st.text(min_size=1, max_size=40).map(lambda s: "\u2603" + s)
_plain = st.one_of(st.none(), st.booleans(), st.integers(), st.text(alphabet="abcdef /", max_size=20))
_configs = st.fixed_dictionaries(
    {},
    optional={
        **{key: _secret_text for key in SECRET_KEYS},
        "host": _plain, "path": _plain, "user": _plain, "port": _plain,
    },
)


@given(_configs)
def test_masked_output_never_contains_a_secret_value(config):
    masked, has = mask_backup_config(config)
    encoded = json.dumps(masked, ensure_ascii=False)
    assert "\u2603" not in encoded
    assert has == any(key in config for key in SECRET_KEYS)


@given(_configs, st.dictionaries(st.sampled_from(("host", "path", "user")), _plain, max_size=3))
def test_sending_the_masked_config_back_keeps_every_secret(stored, edits):
    masked, _ = mask_backup_config(stored)
    merged = merge_config_update(stored, {**masked, **edits})
    for key in SECRET_KEYS:
        assert merged.get(key) == stored.get(key)


@given(_configs, st.lists(st.sampled_from(SECRET_KEYS), unique=True))
def test_omitting_secrets_keeps_them(stored, omitted):
    masked, _ = mask_backup_config(stored)
    new = {k: v for k, v in masked.items() if k not in omitted}
    merged = merge_config_update(stored, new)
    for key in SECRET_KEYS:
        assert merged.get(key) == stored.get(key)


@given(st.text(max_size=200), st.dictionaries(st.sampled_from(SECRET_KEYS),
                                              st.text(alphabet=st.characters(blacklist_characters="*"), min_size=1, max_size=20)))
def test_scrubbed_text_never_contains_a_secret(prefix, secrets):
    text = prefix + " ".join(secrets.values()) + prefix
    scrubbed = scrub_secrets(text, secrets)
    for value in secrets.values():
        assert value not in scrubbed
