"""The demo's step runner and example configs (no git, no subprocesses)."""

from __future__ import annotations

import io

from paasta_tools.demo import Demo, Step, example_soa_configs, run_steps
from paasta_tools.errors import ConfigError


def test_run_steps_stops_at_first_failure_and_reports_errors(tmp_path):
    ran: list[str] = []

    def ok(demo: Demo) -> int:
        ran.append("ok")
        return 0

    def broken(demo: Demo) -> int:
        raise ConfigError("service.yaml: bad")

    out = io.StringIO()
    steps = (Step("first", ok), Step("second", broken), Step("third", ok))
    assert run_steps(Demo(workdir=tmp_path, out=out), steps) == 1
    assert ran == ["ok"]
    text = out.getvalue()
    assert "==> [1/3] first" in text and "==> [2/3] second" in text and "third" not in text
    assert "  service.yaml: bad" in text and "step 'second' failed" in text


def test_example_configs_cover_every_file_and_point_at_the_repo():
    files = example_soa_configs("svc", "devcluster", "/tmp/repo.git")
    assert set(files) == {
        "service.yaml",
        "marathon-devcluster.yaml",
        "chronos-devcluster.yaml",
        "smartstack.yaml",
        "monitoring.yaml",
        "deploy.yaml",
    }
    assert "git_url: /tmp/repo.git" in files["service.yaml"]
    assert "parents: [svc.nightly]" in files["chronos-devcluster.yaml"]
