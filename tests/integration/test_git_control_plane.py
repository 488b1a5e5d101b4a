"""The git adapter against real repositories (bare and with a work tree, by path and by file:// URL)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from paasta_tools.clients.git import create_remote_ref, list_remote_refs, local_git_dir
from paasta_tools.errors import GitError

GIT_ENV = {
    "GIT_AUTHOR_NAME": "Test",
    "GIT_AUTHOR_EMAIL": "test@example.com",
    "GIT_COMMITTER_NAME": "Test",
    "GIT_COMMITTER_EMAIL": "test@example.com",
}


def git(*args: str, cwd: Path | None = None) -> str:
    env = {**os.environ, **GIT_ENV}
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True).stdout.strip()


def make_remote(tmp_path: Path, commits: int = 2) -> tuple[Path, list[str]]:
    """A bare repo holding ``commits`` commits on master; returns (path, shas oldest first)."""
    bare = tmp_path / "remote.git"
    work = tmp_path / "work"
    git("init", "-q", "--bare", str(bare))
    git("init", "-q", str(work))
    shas = []
    for n in range(commits):
        (work / "file").write_text(str(n))
        git("add", "file", cwd=work)
        git("commit", "-q", "-m", f"commit {n}", cwd=work)
        shas.append(git("rev-parse", "HEAD", cwd=work))
    git("push", "-q", str(bare), "HEAD:refs/heads/master", cwd=work)
    return bare, shas


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
