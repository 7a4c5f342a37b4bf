from accounts import capabilities as caps


def test_admin_role_holds_every_capability():
    assert caps.role_capabilities("admin") == frozenset(caps.ALL_CAPABILITIES)


def test_manager_can_manage_registry_but_not_ingest():
    manager = caps.role_capabilities("manager")
    assert caps.REGISTRY_MANAGE in manager and caps.GATE_OPERATE in manager
    assert caps.AI_INGEST not in manager


def test_viewer_holds_exactly_the_view_set():
    assert caps.role_capabilities("viewer") == caps.VIEW_SET


def test_integration_key_narrows_under_enforce_but_not_warn():
    assert caps.role_capabilities("integration", "enforce", for_key=True) == caps.ENFORCED_INTEGRATION
    assert caps.AI_INGEST in caps.role_capabilities("integration", "warn", for_key=True)
    assert caps.VIDEO_PLAYBACK in caps.role_capabilities("integration", "warn", for_key=True)


def test_users_are_never_narrowed_by_machine_auth():
    assert caps.role_capabilities("integration", "enforce", for_key=False) == caps.ROLE_CAPABILITIES["integration"]


def test_explicit_admin_expands_to_everything_and_unknown_slugs_grant_nothing():
    assert caps.expand(["admin"]) == frozenset(caps.ALL_CAPABILITIES)
    assert caps.expand(["camera:read", "bogus"]) == {"camera:read"}
    assert caps.unknown_capabilities(["camera:read", "bogus"]) == ["bogus"]


def test_holds_treats_admin_as_every_capability():
    assert caps.holds(frozenset({"admin"}), "video:export")
    assert not caps.holds(frozenset({"camera:read"}), "video:export")
