"""Real git repositories and soa-config trees for control-plane tests."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

GIT_ENV = {
    "GIT_AUTHOR_NAME": "Test",
    "GIT_AUTHOR_EMAIL": "test@example.com",
    "GIT_COMMITTER_NAME": "Test",
    "GIT_COMMITTER_EMAIL": "test@example.com",
}


def git(*args: str, cwd: Path | None = None) -> str:
    """Run git and return its stripped stdout (raises on failure)."""
    env = {**os.environ, **GIT_ENV}
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True).stdout.strip()


def make_bare_repo(directory: Path, commits: int = 2) -> tuple[Path, list[str]]:
    """``<directory>/remote.git`` holding ``commits`` commits on master; returns (path, shas oldest first)."""
    bare = directory / "remote.git"
    work = directory / "work"
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


def write_service(soa_dir: Path, service: str, files: dict[str, str]) -> Path:
    """Write ``<soa_dir>/<service>/<name>`` for each ``name: text`` of ``files``; returns the service dir."""
    directory = soa_dir / service
    directory.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (directory / name).write_text(text)
    return directory
