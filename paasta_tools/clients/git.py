"""The git adapter: list the refs of any git URL and create refs there, through the git CLI.

Neither needs a work tree.  Ref creation on a local repository path uses ``git update-ref``
on it directly; on any other URL it fetches just the target commit into a temporary bare
repository and pushes ``<sha>:<ref>`` from there, because git only pushes objects it has.
As with upstream, the commit must already exist in the remote repository.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from collections.abc import Sequence

from paasta_tools.errors import GitError

DEFAULT_TIMEOUT_S = 60.0
ZERO_SHA = "0" * 40
_SHA_RE = re.compile(r"^(?:[0-9a-f]{40}|[0-9a-f]{64})$")
# Variables that would point git at some other repository than the one we name.
_GIT_LOCATION_VARS = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY", "GIT_COMMON_DIR")


def _git_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _GIT_LOCATION_VARS}
    env["GIT_TERMINAL_PROMPT"] = "0"
    env.setdefault("GIT_SSH_COMMAND", "ssh -o BatchMode=yes")
    return env


class GitProcess:
    """A git command (no shell) started in the background; :meth:`result` waits for its stdout."""

    def __init__(self, args: Sequence[str], what: str, timeout: float = DEFAULT_TIMEOUT_S) -> None:
        self.what = what
        self.timeout = timeout
        self._deadline = time.monotonic() + timeout
        self._done = False
        try:
            self._proc = subprocess.Popen(
                ["git", *args],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                env=_git_env(),
                # Own process group, so a timeout also kills what git started (ssh, hooks).
                start_new_session=True,
            )
        except OSError as exc:
            raise GitError(f"{what} failed: cannot run git: {exc.strerror}") from None

    def result(self) -> str:
        """git's stdout; GitError naming the command and git's stderr when it fails or times out."""
        try:
            stdout, stderr = self._proc.communicate(timeout=max(0.0, self._deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            self.cancel()
            raise GitError(f"{self.what} timed out after {self.timeout:g}s") from None
        except BaseException:  # e.g. Ctrl-C: git runs in its own session, so stop it here
            self.cancel()
            raise
        self._done = True
        if self._proc.returncode != 0:
            stderr = stderr.strip() or f"git exited with status {self._proc.returncode}"
            raise GitError(f"{self.what} failed: {stderr}")
        return stdout

    def cancel(self) -> None:
        """Kill git if it is still running (its result is no longer wanted); a no-op once it answered."""
        if self._done:
            return
        self._done = True
        if self._proc.poll() is None:
            try:
                os.killpg(self._proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self._proc.communicate()


def run_git(args: Sequence[str], what: str, timeout: float = DEFAULT_TIMEOUT_S) -> str:
    """Run ``git <args>`` (no shell) and return stdout; GitError naming ``what`` and git's stderr on failure."""
    return GitProcess(args, what, timeout).result()


def parse_ls_remote(output: str) -> dict[str, str]:
    """``{ref: sha}`` from ``git ls-remote`` output (``<sha>\\t<ref>`` lines), in git's order."""
    refs: dict[str, str] = {}
    for line in output.splitlines():
        sha, sep, ref = line.partition("\t")
        if sep and ref:
            refs[ref] = sha
    return refs


class PendingRefs:
    """A ``git ls-remote`` running in the background (see :func:`start_list_remote_refs`)."""

    def __init__(self, git_url: str, timeout: float = DEFAULT_TIMEOUT_S) -> None:
        self._process = GitProcess(["ls-remote", "--", git_url], f"git ls-remote {git_url}", timeout)

    def result(self) -> dict[str, str]:
        """The refs, once git has answered."""
        return parse_ls_remote(self._process.result())

    def cancel(self) -> None:
        self._process.cancel()


def start_list_remote_refs(git_url: str, timeout: float = DEFAULT_TIMEOUT_S) -> PendingRefs:
    """Start listing the refs of ``git_url`` so other work can overlap with git's."""
    return PendingRefs(git_url, timeout)


def list_remote_refs(git_url: str, timeout: float = DEFAULT_TIMEOUT_S) -> dict[str, str]:
    """Every ref of the repository at ``git_url`` (local path or remote URL) mapped to its sha."""
    return PendingRefs(git_url, timeout).result()


def local_git_dir(git_url: str) -> str | None:
    """The git dir when ``git_url`` is a local repository path (bare or with a work tree), else None."""
    if "://" in git_url or not os.path.isdir(git_url):
        return None
    dot_git = os.path.join(git_url, ".git")
    if os.path.isdir(dot_git):
        return dot_git
    if all(os.path.exists(os.path.join(git_url, name)) for name in ("HEAD", "objects", "refs")):
        return git_url
    return None


def _check_ref_and_sha(git_url: str, ref: str, sha: str) -> None:
    if not ref.startswith("refs/"):
        raise GitError(f"cannot create {ref!r} in {git_url}: ref names must start with 'refs/'")
    if not _SHA_RE.match(sha):
        raise GitError(f"cannot create {ref} in {git_url}: {sha!r} is not a full git sha")


def _update_local_ref(git_dir: str, git_url: str, ref: str, sha: str, force: bool, timeout: float) -> None:
    what = f"creating {ref} -> {sha} in {git_url}"
    if force:
        run_git(["--git-dir", git_dir, "update-ref", ref, sha], what, timeout)
        return
    try:
        run_git(["--git-dir", git_dir, "update-ref", ref, sha, ZERO_SHA], what, timeout)
    except GitError:
        current = run_git(["--git-dir", git_dir, "for-each-ref", "--format=%(objectname)", ref], what, timeout)
        if current.strip() == sha:
            return
        if current.strip():
            raise GitError(f"{what} failed: {ref} already exists at {current.strip()}") from None
        raise


def _push_remote_ref(git_url: str, ref: str, sha: str, force: bool, timeout: float) -> None:
    import tempfile

    what = f"pushing {sha} to {ref} in {git_url}"
    with tempfile.TemporaryDirectory(prefix="paasta-git-") as tmp:
        run_git(["init", "--quiet", "--bare", tmp], what, timeout)
        run_git(["--git-dir", tmp, "fetch", "--quiet", "--depth=1", "--", git_url, sha], what, timeout)
        push = ["--git-dir", tmp, "push", "--quiet", "--porcelain"]
        if force:
            push.append("--force")
        run_git([*push, "--", git_url, f"{sha}:{ref}"], what, timeout)


def create_remote_ref(
    git_url: str, ref: str, sha: str, force: bool = False, timeout: float = DEFAULT_TIMEOUT_S
) -> None:
    """Make ``ref`` point at commit ``sha`` in the repository at ``git_url``.

    Without ``force`` an existing ref is never moved (GitError unless it already points at ``sha``).
    """
    _check_ref_and_sha(git_url, ref, sha)
    git_dir = local_git_dir(git_url)
    if git_dir is not None:
        _update_local_ref(git_dir, git_url, ref, sha, force, timeout)
    else:
        _push_remote_ref(git_url, ref, sha, force, timeout)


def create_repo_with_commit(path: str, files: dict[str, str], message: str, timeout: float = DEFAULT_TIMEOUT_S) -> str:
    """Create a bare repository at ``path`` whose master holds one commit of ``files``; returns its sha."""
    import tempfile

    what = f"creating git repository {path}"
    run_git(["init", "--quiet", "--bare", path], what, timeout)
    with tempfile.TemporaryDirectory(prefix="paasta-git-work-") as work:
        for name, text in files.items():
            target = os.path.join(work, name)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with open(target, "w", encoding="utf-8") as f:
                f.write(text)
        base = ["--git-dir", path, "--work-tree", work, "-c", "user.name=paasta", "-c", "user.email=paasta@localhost"]
        run_git([*base, "add", "--all"], what, timeout)
        run_git([*base, "commit", "--quiet", "--message", message], what, timeout)
    return run_git(["--git-dir", path, "rev-parse", "HEAD"], what, timeout).strip()
