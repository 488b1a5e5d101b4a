"""generate_all_deployments over real git repositories: good services written, a broken one reported."""

from __future__ import annotations

import json

from paasta_tools.scripts.generate_all_deployments import main
from tests.support.git_repos import git, make_bare_repo, write_service


def test_writes_every_service_and_reports_the_broken_one(tmp_path, capsys):
    soa = tmp_path / "soa"
    shas = {}
    for service in ("alpha", "beta"):
        bare, commits = make_bare_repo(tmp_path / service)
        git("--git-dir", str(bare), "tag", "paasta-c1.main-20170101T000000-deploy", commits[-1])
        shas[service] = commits[-1]
        write_service(soa, service, {"service.yaml": f"git_url: {bare}\n", "marathon-c1.yaml": "main: {}\n"})
    missing = {"service.yaml": f"git_url: {tmp_path}/missing.git\n", "marathon-c1.yaml": "main: {}\n"}
    write_service(soa, "gamma", missing)

    assert main(["-d", str(soa), "-j", "2"]) == 1

    for service in ("alpha", "beta"):
        deployments = json.loads((soa / service / "deployments.json").read_text())
        entry = deployments["v1"][f"{service}:paasta-c1.main"]
        assert entry["docker_image"] == f"services-{service}:paasta-{shas[service]}"
    assert not (soa / "gamma" / "deployments.json").exists()
    err = capsys.readouterr().err
    assert "generate_all_deployments: gamma:" in err and "missing.git" in err
    assert "alpha" not in err and "beta" not in err
