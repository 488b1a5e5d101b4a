"""The git adapter against real repositories (bare and with a work tree, by path and by file:// URL)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from types import SimpleNamespace

import pytest

from paasta_tools.cli.cli import main as cli_main
from paasta_tools.clients.git import (
    create_remote_ref,
    create_repo_with_commit,
    list_remote_refs,
    local_git_dir,
    run_git,
)
from paasta_tools.errors import GitError
from paasta_tools.scripts.generate_deployments_for_service import main as generate_main
from tests.support.git_repos import git, make_bare_repo, write_service


def make_remote(tmp_path: Path, commits: int = 2) -> tuple[Path, list[str]]:
    return make_bare_repo(tmp_path, commits)


@pytest.fixture
def remote(tmp_path):
    return make_remote(tmp_path)


def test_list_remote_refs_of_bare_repo_by_path_and_url(remote):
    bare, shas = remote
    git("--git-dir", str(bare), "tag", "paasta-prod-20170101T000000-deploy", shas[0])
    for url in (str(bare), f"file://{bare}"):
        refs = list_remote_refs(url)
        assert refs["refs/heads/master"] == shas[1]
        assert refs["refs/tags/paasta-prod-20170101T000000-deploy"] == shas[0]


def test_list_remote_refs_error_names_url_and_git_message(tmp_path):
    missing = tmp_path / "nope.git"
    with pytest.raises(GitError, match=rf"git ls-remote {missing} failed: .*(not appear to be a git repository|nope)"):
        list_remote_refs(str(missing))


def test_list_remote_refs_of_plain_directory_inside_a_repo_is_an_error(tmp_path):
    """A non-repo path must never be resolved to an enclosing repository."""
    outer = tmp_path / "outer"
    git("init", "-q", str(outer))
    (outer / "sub").mkdir()
    assert local_git_dir(str(outer / "sub")) is None
    with pytest.raises(GitError):
        list_remote_refs(str(outer / "sub"))


@pytest.mark.parametrize("via", ["path", "file-url", "work-tree"])
def test_create_remote_ref(tmp_path, remote, via):
    bare, shas = remote
    url = {"path": str(bare), "file-url": f"file://{bare}", "work-tree": str(tmp_path / "work")}[via]
    ref = "refs/tags/paasta-prod-20170101T000000-deploy"
    create_remote_ref(url, ref, shas[0])
    assert list_remote_refs(url)[ref] == shas[0]
    create_remote_ref(url, ref, shas[0])  # idempotent
    with pytest.raises(GitError, match=ref.rsplit("/", 1)[1]):
        create_remote_ref(url, ref, shas[1])
    assert list_remote_refs(url)[ref] == shas[0]
    create_remote_ref(url, ref, shas[1], force=True)
    assert list_remote_refs(url)[ref] == shas[1]


@pytest.mark.parametrize("via", ["path", "file-url"])
def test_create_remote_ref_for_unknown_commit_fails(remote, via):
    bare, _ = remote
    url = str(bare) if via == "path" else f"file://{bare}"
    with pytest.raises(GitError, match=url):
        create_remote_ref(url, "refs/tags/x", "f" * 40)
    assert "refs/tags/x" not in list_remote_refs(url)


def test_create_remote_ref_validates_inputs(remote):
    bare, shas = remote
    with pytest.raises(GitError, match="not a full git sha"):
        create_remote_ref(str(bare), "refs/tags/x", "HEAD")
    with pytest.raises(GitError, match="must start with 'refs/'"):
        create_remote_ref(str(bare), "tags/x", shas[0])


# --- mark-for-deployment → generate → start/stop → generate, through the real commands in-process ---

MARATHON_YAML = "main:\n  deploy_group: prod\ncanary:\n  deploy_group: canary\n"
CHRONOS_YAML = "job:\n  deploy_group: prod\n  schedule: R/2017-01-01T00:00:00Z/PT1H\n  cmd: run\n"


@pytest.fixture
def control_plane(tmp_path, monkeypatch):
    """A service ``svc`` in cluster ``c1`` whose git_url is a fresh bare repo; logs go to a file."""
    bare, shas = make_bare_repo(tmp_path)
    soa_dir = tmp_path / "soa"
    write_service(
        soa_dir,
        "svc",
        {
            "service.yaml": f"git_url: {bare}\n",
            "marathon-c1.yaml": MARATHON_YAML,
            "chronos-c1.yaml": CHRONOS_YAML,
            "deploy.yaml": "pipeline:\n- step: itest\n- step: canary\n- step: prod\n",
        },
    )
    etc = tmp_path / "etc"
    etc.mkdir()
    log_format = str(tmp_path / "{service}-{component}.log")
    log_writer = {"driver": "file", "options": {"path_format": log_format}}
    (etc / "logs.json").write_text(json.dumps({"log_writer": log_writer}))
    monkeypatch.setenv("PAASTA_SYSTEM_CONFIG_DIR", str(etc))
    return SimpleNamespace(bare=bare, shas=shas, soa_dir=soa_dir, log=tmp_path / "svc-deploy.log")


def paasta(*argv: str) -> int:
    return cli_main(list(argv))


def generate(soa_dir: Path) -> dict:
    assert generate_main(["-d", str(soa_dir), "-s", "svc"]) == 0
    return json.loads((soa_dir / "svc" / "deployments.json").read_text())


def test_mark_generate_stop_start_generate(control_plane, capsys):
    cp = control_plane
    old, new = cp.shas
    assert paasta("mark-for-deployment", "-s", "svc", "-l", "prod", "-c", old, "-d", str(cp.soa_dir), "-v") == 0
    out = capsys.readouterr().out
    assert f"Marked {old} for deployment in deploy group prod" in out
    assert re.search(rf"Pushing refs/tags/paasta-prod-\d{{8}}T\d{{6}}-deploy -> {old} to {cp.bare}", out)
    first = generate(cp.soa_dir)
    assert list(first["v1"]) == ["svc:paasta-c1.main", "svc:paasta-c1.job"]  # canary never marked: omitted
    assert first["v1"]["svc:paasta-c1.main"] == {
        "docker_image": f"services-svc:paasta-{old}",
        "desired_state": "start",
        "force_bounce": None,
    }
    assert first["v2"]["deployments"] == {"prod": {"docker_image": f"services-svc:paasta-{old}", "git_sha": old}}

    assert paasta("stop", "-s", "svc", "-c", "c1", "-i", "main", "-d", str(cp.soa_dir)) == 0
    out = capsys.readouterr().out
    assert "scaled down to 0 instances" in out and "Chronos" not in out
    stopped = generate(cp.soa_dir)
    main = stopped["v1"]["svc:paasta-c1.main"]
    assert main["desired_state"] == "stop" and main["force_bounce"] is not None
    assert stopped["v1"]["svc:paasta-c1.job"]["desired_state"] == "start"
    assert stopped["v2"]["controls"]["svc:c1.main"] == {"desired_state": "stop", "force_bounce": main["force_bounce"]}
    stop_tags = [r for r in list_remote_refs(str(cp.bare)) if r.endswith("-stop")]
    assert stop_tags == [f"refs/tags/paasta-c1.main-{main['force_bounce']}-stop"]

    events = [json.loads(line) for line in cp.log.read_text().splitlines()]
    assert events[-1]["message"].startswith("Issued request to change state of main (an instance of svc) to 'stop' by ")
    assert (events[-1]["cluster"], events[-1]["instance"], events[-1]["component"]) == ("c1", "main", "deploy")

    # Marking a new sha resets the stop: the control tag points at the old sha.
    assert paasta("mark-for-deployment", "-s", "svc", "-l", "prod", "-c", new, "-d", str(cp.soa_dir)) == 0
    remarked = generate(cp.soa_dir)
    assert remarked["v1"]["svc:paasta-c1.main"] == {
        "docker_image": f"services-svc:paasta-{new}",
        "desired_state": "start",
        "force_bounce": None,
    }


def test_restart_all_instances_sets_force_bounce_and_explains_both_frameworks(control_plane, capsys):
    cp = control_plane
    assert paasta("mark-for-deployment", "-s", "svc", "-l", "prod", "-c", cp.shas[0], "-d", str(cp.soa_dir)) == 0
    capsys.readouterr()
    # canary has no deploy tag, so restarting everything reports it and fails after doing the rest.
    assert paasta("restart", "-s", "svc", "-c", "c1", "-d", str(cp.soa_dir)) == 1
    out = capsys.readouterr().out
    assert "no instances specified; restarting all instances for service" in out
    assert out.count("Marathon") == 1 and out.count("Chronos") == 1
    assert f"No branches found for canary in {cp.bare}." in out and "Has svc been deployed there yet?" in out
    deployments = generate(cp.soa_dir)
    for key in ("svc:paasta-c1.main", "svc:paasta-c1.job"):
        assert deployments["v1"][key]["desired_state"] == "start"
        assert deployments["v1"][key]["force_bounce"] is not None


def test_start_stop_reject_unknown_cluster_and_instance(control_plane, capsys):
    cp = control_plane
    assert paasta("stop", "-s", "svc", "-c", "c2", "-d", str(cp.soa_dir)) == 1
    assert capsys.readouterr().out == "Invalid cluster name(s) specified: c2.\nValid options: c1\n"
    assert paasta("stop", "-s", "svc", "-c", "c1", "-i", "main,mian", "-d", str(cp.soa_dir)) == 1
    out = capsys.readouterr().out
    assert "Instance(s) mian not configured in c1." in out and "Valid options: canary,job,main" in out


def test_start_with_unreachable_git_server(control_plane, capsys):
    cp = control_plane
    (cp.soa_dir / "svc" / "service.yaml").write_text(f"git_url: {cp.bare}-gone\n")
    assert paasta("start", "-s", "svc", "-c", "c1", "-d", str(cp.soa_dir)) == 1
    assert "Error talking to the git server: git ls-remote" in capsys.readouterr().out


def test_mark_for_deployment_warnings_and_failures(control_plane, capsys):
    cp = control_plane
    sha = cp.shas[0]
    assert paasta("mark-for-deployment", "-s", "services-svc", "-l", "prdo", "-c", sha, "-d", str(cp.soa_dir)) == 0
    out = capsys.readouterr().out
    assert "not currently used anywhere: prdo." in out and "   canary,prod" in out

    assert paasta("mark-for-deployment", "-s", "svc", "-l", "prod", "-c", sha, "-d", str(cp.soa_dir)) == 0
    generate(cp.soa_dir)
    capsys.readouterr()
    assert paasta("mark-for-deployment", "-s", "svc", "-l", "prod", "-c", sha, "-d", str(cp.soa_dir)) == 0
    assert "already matches what is set to be deployed" in capsys.readouterr().out

    missing = "f" * 40
    assert paasta("mark-for-deployment", "-s", "svc", "-l", "prod", "-c", missing, "-d", str(cp.soa_dir)) == 1
    err = capsys.readouterr().err
    assert f"Failed to mark {missing} for deployment in deploy group prod!" in err
    logged = [json.loads(line)["message"] for line in cp.log.read_text().splitlines()]
    assert logged[0] == f"Marked {sha} for deployment in deploy group prdo"
    assert f"Failed to mark {missing} for deployment in deploy group prod!" in logged


def test_mark_for_deployment_rejects_short_sha(control_plane, capsys):
    with pytest.raises(SystemExit) as exc:
        paasta("mark-for-deployment", "-s", "svc", "-l", "prod", "-c", "abc123", "-d", str(control_plane.soa_dir))
    assert exc.value.code == 1
    assert "abc123 is not a full git sha" in capsys.readouterr().err


def test_get_latest_deployment(control_plane, capsys):
    cp = control_plane
    assert paasta("get-latest-deployment", "-s", "svc", "-l", "prod", "-d", str(cp.soa_dir)) == 1
    assert "A deployment could not be found for prod in svc" in capsys.readouterr().err
    paasta("mark-for-deployment", "-s", "svc", "-l", "prod", "-c", cp.shas[1], "-d", str(cp.soa_dir))
    generate(cp.soa_dir)
    capsys.readouterr()
    assert paasta("get-latest-deployment", "-s", "svc", "-i", "prod", "-d", str(cp.soa_dir)) == 0
    assert capsys.readouterr().out == cp.shas[1] + "\n"


def test_create_repo_with_commit(tmp_path):
    path = str(tmp_path / "new.git")
    files = {"README": "hi\n", "Dockerfile": "FROM busybox\n", "app/main.py": "print(1)\n"}
    sha = create_repo_with_commit(path, files, "first")
    assert git("--git-dir", path, "show", f"{sha}:app/main.py") == "print(1)"
    assert list_remote_refs(path)["refs/heads/master"] == sha or list_remote_refs(path)["HEAD"] == sha
    assert git("--git-dir", path, "show", f"{sha}:README") == "hi"
    assert git("--git-dir", path, "log", "--format=%s", sha) == "first"


def test_git_timeout_kills_git_and_names_the_command():
    with pytest.raises(GitError, match=r"waiting timed out after 0.3s"):
        run_git(["-c", "alias.wait=!sleep 5", "wait"], "waiting", timeout=0.3)


@pytest.mark.parametrize(
    "argv, message",
    [
        (["mark-for-deployment", "-s", "nope", "-l", "prod", "-c", "a" * 40], "Service 'nope' does not exist"),
        (["mark-for-deployment", "-s", "../svc", "-l", "prod", "-c", "a" * 40], "Invalid service name '../svc'"),
        (["get-latest-deployment", "-s", "nope", "-l", "prod"], "Service 'nope' does not exist"),
        (["stop", "-s", "nope", "-c", "c1"], "Service 'nope' does not exist"),
    ],
)
def test_unknown_service_is_a_one_line_error(control_plane, capsys, argv, message):
    assert paasta(*argv, "-d", str(control_plane.soa_dir)) == 1
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_broken_files_are_reported_not_raised(control_plane, capsys):
    cp = control_plane
    (cp.soa_dir / "svc" / "deployments.json").write_text("{broken")
    assert paasta("get-latest-deployment", "-s", "svc", "-l", "prod", "-d", str(cp.soa_dir)) == 1
    assert "deployments.json is not valid JSON" in capsys.readouterr().err
    (cp.soa_dir / "svc" / "marathon-c1.yaml").write_text("main: [\n")
    assert paasta("restart", "-s", "svc", "-c", "c1", "-d", str(cp.soa_dir)) == 1
    assert "marathon-c1.yaml" in capsys.readouterr().err


@pytest.fixture
def git_daemon(tmp_path, wait_for):
    """The bare repo served read-write over git:// by a real ``git daemon`` on 127.0.0.1."""
    import socket
    import subprocess

    from tests.conftest import free_port

    bare, shas = make_bare_repo(tmp_path)
    port = free_port()
    daemon = subprocess.Popen(
        ["git", "daemon", "--export-all", "--enable=receive-pack", "--reuseaddr", "--listen=127.0.0.1",
         f"--port={port}", f"--base-path={tmp_path}", str(tmp_path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip

    def listening() -> bool:
        with socket.socket() as sock:
            return sock.connect_ex(("127.0.0.1", port)) == 0

    try:
        wait_for(listening, timeout=10)
        yield f"git://127.0.0.1:{port}/remote.git", shas
    finally:
        daemon.terminate()
        daemon.wait(timeout=10)


def test_refs_over_the_git_protocol(git_daemon):
    url, shas = git_daemon
    ref = "refs/tags/paasta-prod-20170101T000000-deploy"
    create_remote_ref(url, ref, shas[0])
    assert list_remote_refs(url)[ref] == shas[0]
    with pytest.raises(GitError, match="already exists"):
        create_remote_ref(url, ref, shas[1])
    create_remote_ref(url, ref, shas[1], force=True)
    assert list_remote_refs(url)[ref] == shas[1]


def test_rollback_lists_recent_commits_then_marks_the_chosen_one(control_plane, capsys):
    cp = control_plane
    old, new = cp.shas
    git("--git-dir", str(cp.bare), "tag", "paasta-prod-20170101T000000-deploy", old)
    git("--git-dir", str(cp.bare), "tag", "paasta-canary-20170102T000000-deploy", old)
    git("--git-dir", str(cp.bare), "tag", "paasta-prod-20170103T000000-deploy", new)
    assert paasta("rollback", "-s", "svc", "-d", str(cp.soa_dir)) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "Please specify a commit to mark for rollback (-k, --commit)."
    assert lines[1] == "Below is a list of recent commits:"
    assert lines[2].split() == ["Timestamp", "--", "UTC", "Human", "time", "deploy_group", "Git", "SHA"]
    assert lines[3].split()[0] == "20170103T000000" and lines[3].split()[-2:] == ["prod", new]
    assert lines[4].split()[0] == "20170102T000000" and lines[4].split()[-2:] == ["canary", old]
    assert "years ago" in lines[3]
    assert lines[-1] == f"    paasta rollback -s svc -k {old}"

    assert paasta("rollback", "-s", "svc", "-l", "prod,bogus", "-k", old, "-d", str(cp.soa_dir)) == 0
    out = capsys.readouterr().out
    assert "These deploy groups are not valid and will be skipped: bogus." in out
    assert f"Marked {old} for deployment in deploy group prod" in out and "canary" not in out
    assert generate(cp.soa_dir)["v2"]["deployments"]["prod"]["git_sha"] == old


def test_rollback_without_valid_deploy_groups(control_plane, capsys):
    assert paasta("rollback", "-s", "svc", "-l", "bogus", "-k", "a" * 40, "-d", str(control_plane.soa_dir)) == 1
    assert "ERROR: No valid deploy groups specified for svc." in capsys.readouterr().out
