"""deployments.json: format upgrades, getters and the atomic, validated writer."""

from __future__ import annotations

import json
import os
import stat
from unittest import mock

import pytest

from paasta_tools import deployments
from paasta_tools.deployments import (
    DeploymentsJson,
    load_deployments_json,
    upgrade_deployments_dict,
    write_deployments_json,
)
from paasta_tools.errors import ConfigError, NoDeploymentsAvailable

SHA = "a" * 40
IMAGE = f"services-svc:paasta-{SHA}"

V1_V2 = {
    "v1": {"svc:paasta-c1.main": {"docker_image": IMAGE, "desired_state": "stop", "force_bounce": "20170101T000000"}},
    "v2": {
        "deployments": {"prod": {"docker_image": IMAGE, "git_sha": SHA}},
        "controls": {"svc:c1.main": {"desired_state": "stop", "force_bounce": "20170101T000000"}},
    },
}


def _write(tmp_path, service, content):
    (tmp_path / service).mkdir(exist_ok=True)
    path = tmp_path / service / "deployments.json"
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    return path


def test_missing_file_raises_no_deployments_available(tmp_path):
    (tmp_path / "svc").mkdir()
    with pytest.raises(NoDeploymentsAvailable, match=r"deployments.json was not found. 'svc' must be deployed"):
        load_deployments_json("svc", str(tmp_path))


def test_v1_v2_file_is_read_as_is(tmp_path):
    _write(tmp_path, "svc", V1_V2)
    loaded = load_deployments_json("svc", str(tmp_path))
    assert loaded.to_dict() == V1_V2
    assert loaded.get_branch_dict("svc", "c1.main") == V1_V2["v1"]["svc:paasta-c1.main"]
    assert loaded.get_branch_dict("svc", "c1.other") == {}
    assert loaded.get_branch_dict_v2("svc", "c1.main", "prod") == {
        "docker_image": IMAGE,
        "git_sha": SHA,
        "desired_state": "stop",
        "force_bounce": "20170101T000000",
    }
    assert loaded.get_deployed_sha("prod") == SHA
    assert loaded.get_deployed_sha("nope") is None


def test_get_branch_dict_v2_missing_raises_naming_the_group(tmp_path):
    _write(tmp_path, "svc", V1_V2)
    loaded = load_deployments_json("svc", str(tmp_path))
    with pytest.raises(NoDeploymentsAvailable, match="'canary'"):
        loaded.get_branch_dict_v2("svc", "c1.main", "canary")
    with pytest.raises(NoDeploymentsAvailable, match="'c1.other'"):
        loaded.get_branch_dict_v2("svc", "c1.other", "prod")


def test_pre_v1_flat_format_is_upgraded(tmp_path):
    _write(tmp_path, "svc", {"svc:paasta-c1.main": IMAGE})
    loaded = load_deployments_json("svc", str(tmp_path))
    assert loaded.get_branch_dict("svc", "c1.main") == {
        "docker_image": IMAGE,
        "desired_state": "start",
        "force_bounce": None,
    }
    assert loaded.get_branch_dict_v2("svc", "c1.main", "c1.main")["git_sha"] == SHA


def test_v1_only_file_is_upgraded_to_v2_with_branch_as_deploy_group():
    v1 = {"svc:paasta-c1.main": {"docker_image": IMAGE, "desired_state": "stop", "force_bounce": "X"}}
    upgraded = upgrade_deployments_dict({"v1": v1})
    assert upgraded == {
        "v1": v1,
        "v2": {
            "deployments": {"c1.main": {"docker_image": IMAGE, "git_sha": SHA}},
            "controls": {"svc:c1.main": {"desired_state": "stop", "force_bounce": "X"}},
        },
    }


def test_upgrade_leaves_v1_v2_unchanged():
    assert upgrade_deployments_dict(V1_V2) == V1_V2


@pytest.mark.parametrize("content", ["{not json", "[1, 2]", '{"v1": {"k": {"docker_image": 3}}}'])
def test_broken_file_raises_config_error_naming_the_file(tmp_path, content):
    path = _write(tmp_path, "svc", content)
    with pytest.raises(ConfigError, match=str(path)):
        load_deployments_json("svc", str(tmp_path))


def test_write_creates_file_with_json_dump_format_and_umask_mode(tmp_path):
    path = tmp_path / "deployments.json"
    old = os.umask(0o027)
    try:
        assert write_deployments_json(str(path), V1_V2) is True
    finally:
        os.umask(old)
    assert path.read_text() == json.dumps(V1_V2)
    assert stat.S_IMODE(path.stat().st_mode) == 0o640


def test_write_skips_unchanged_content(tmp_path):
    path = tmp_path / "deployments.json"
    assert write_deployments_json(str(path), V1_V2) is True
    mtime = path.stat().st_mtime_ns
    os.utime(path, ns=(0, 0))
    assert write_deployments_json(str(path), V1_V2) is False
    assert path.stat().st_mtime_ns == 0 != mtime


def test_write_rejects_invalid_shape_naming_path_and_field(tmp_path):
    path = tmp_path / "deployments.json"
    bad = json.loads(json.dumps(V1_V2))
    bad["v2"]["controls"]["svc:c1.main"]["desired_state"] = "paused"
    with pytest.raises(ConfigError, match=r"deployments.json.*v2.controls\['svc:c1.main'\].desired_state"):
        write_deployments_json(str(path), bad)
    assert not path.exists()


def test_write_rejects_extra_top_level_key(tmp_path):
    with pytest.raises(ConfigError, match="top-level keys"):
        write_deployments_json(str(tmp_path / "d.json"), {**V1_V2, "v3": {}})


def test_crash_mid_write_keeps_old_file_and_leaves_no_temp_file(tmp_path):
    path = tmp_path / "deployments.json"
    write_deployments_json(str(path), V1_V2)
    before = path.read_text()
    changed = json.loads(before)
    changed["v2"]["deployments"]["prod"]["git_sha"] = "b" * 40

    def half_dump(obj, f):
        f.write(json.dumps(obj)[:20])
        raise RuntimeError("disk on fire")

    with mock.patch.object(deployments.json, "dump", half_dump), pytest.raises(RuntimeError):
        write_deployments_json(str(path), changed)
    assert path.read_text() == before
    assert os.listdir(tmp_path) == ["deployments.json"]


def test_deployments_json_default_is_empty():
    empty = DeploymentsJson()
    assert empty.to_dict() == {"v1": {}, "v2": {"deployments": {}, "controls": {}}}
    assert empty.deploy_groups() == []


def test_unwritable_location_is_a_paasta_error_naming_the_path(tmp_path):
    from paasta_tools.errors import PaastaError

    (tmp_path / "afile").write_text("")
    path = tmp_path / "afile" / "deployments.json"
    with pytest.raises(PaastaError, match=f"Cannot write {path}"):
        write_deployments_json(str(path), V1_V2)
