"""The lean soa-configs reader of generate_deployments_for_service agrees with the full loader."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from paasta_tools.errors import ConfigError
from paasta_tools.scripts.generate_deployments_for_service import (
    fast_git_url,
    fast_service_branches,
    read_service_branches,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"

SCENARIOS = {
    "plain": {
        "service.yaml": "git_url: /repos/svc.git\n",
        "marathon-c2.yaml": "main: {}\ncanary:\n  deploy_group: canary\n",
        "marathon-c1.yaml": "main:\n  instances: 3\n",
        "chronos-c1.yaml": "job:\n  deploy_group: '{cluster}.{service}.jobs'\n",
        "adhoc-c1.yaml": "interactive: {}\n",
        "paasta_native-c3.yaml": "x: {}\n",
    },
    "service-wide deploy group and legacy branch": {
        "service.yaml": "deploy_group: everything\n",
        "marathon-c1.yaml": "main: ~\nold:\n  branch: legacy.branch\nown:\n  deploy_group: own\n",
    },
    "null overrides service-wide": {
        "service.yaml": "deploy_group: everything\nbranch: b\n",
        "marathon-c1.yaml": "main:\n  deploy_group: null\n  branch: null\n",
    },
    "empty files": {"service.yaml": "", "marathon-c1.yaml": "", "chronos-c1.yaml": "# nothing\n"},
    "no instances": {"service.yaml": "description: x\n"},
    "bad deploy_group type": {"marathon-c1.yaml": "main:\n  deploy_group: 3\nok: {}\n"},
    "bad deploy_group placeholder": {"marathon-c1.yaml": "main:\n  deploy_group: '{region}'\nok: {}\n"},
    "non-mapping instance": {"marathon-c1.yaml": "main: [1, 2]\n"},
    "broken yaml": {"marathon-c1.yaml": "main: [\n"},
    "broken deploy.yaml": {"marathon-c1.yaml": "main: {}\n", "deploy.yaml": "pipeline: [\n"},
    "non-utf8": {"marathon-c1.yaml": b"main:\n  cmd: \xff\n"},
}


def _write(soa_dir: Path, files: dict[str, str | bytes]) -> None:
    directory = soa_dir / "svc"
    directory.mkdir(parents=True)
    for name, content in files.items():
        (directory / name).write_bytes(content if isinstance(content, bytes) else content.encode())


def _canonical(service: str, soa_dir: str):
    try:
        return read_service_branches(service, soa_dir)
    except ConfigError as exc:
        return type(exc)


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_fast_reader_agrees_or_defers(tmp_path, name):
    _write(tmp_path, SCENARIOS[name])
    fast = fast_service_branches("svc", str(tmp_path))
    canonical = _canonical("svc", str(tmp_path))
    if fast is not None:
        assert fast == canonical
    else:  # deferred: only for inputs the loader reports on
        assert canonical is ConfigError or canonical.problems


def test_fast_reader_handles_the_common_cases_itself(tmp_path):
    for name in ("plain", "service-wide deploy group and legacy branch", "null overrides service-wide", "empty files"):
        shutil.rmtree(tmp_path / "svc", ignore_errors=True)
        _write(tmp_path, SCENARIOS[name])
        assert fast_service_branches("svc", str(tmp_path)) is not None, name
    assert fast_service_branches("svc", str(tmp_path)).branches == ()


def test_plain_scenario_values(tmp_path):
    _write(tmp_path, SCENARIOS["plain"])
    found = fast_service_branches("svc", str(tmp_path))
    assert found.git_url == "/repos/svc.git"
    assert found.branches == (
        ("c1.main", "c1.main"),
        ("c1.job", "c1.svc.jobs"),
        ("c1.interactive", "c1.interactive"),
        ("c2.main", "c2.main"),
        ("c2.canary", "canary"),
    )
    assert fast_git_url("svc", str(tmp_path)) == "/repos/svc.git"


@pytest.mark.parametrize("service", ["../svc", ".hidden", "", "missing"])
def test_unsafe_or_missing_service_defers_to_the_loader(tmp_path, service):
    _write(tmp_path, SCENARIOS["plain"])
    assert fast_service_branches(service, str(tmp_path)) is None
    assert fast_git_url(service, str(tmp_path)) is None


@pytest.mark.parametrize("service_dir", sorted(p for p in (FIXTURES / "validate" / "good").iterdir() if p.is_dir()))
def test_fixture_services(service_dir):
    soa_dir, service = str(service_dir.parent), service_dir.name
    fast = fast_service_branches(service, soa_dir)
    assert fast is not None and fast == read_service_branches(service, soa_dir)
    assert fast.branches
