"""Waiting until a marked commit runs everywhere in its deploy group.

Every round asks each cluster that still has instances waiting, all clusters in parallel, through
a ``fetch(cluster, targets)`` collaborator returning one InstanceProgress per target; then it
prints what changed and sleeps (at most ``MAX_POLL_INTERVAL_S``, never past the deadline).  The
round loop ends when every instance is deployed, at the timeout, or on Ctrl-C.
"""

from __future__ import annotations

import enum
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from paasta_tools.config.loader import instance_configs_from_files
from paasta_tools.config.soa_dir import ServiceFiles
from paasta_tools.deploy_wait import (
    DeployProgress,
    InstanceProgress,
    error_progress,
    other_type_progress,
    progress_lines,
    summarize,
)
from paasta_tools.errors import PaastaError

MAX_POLL_INTERVAL_S = 60.0
# Unchanged progress is repeated this often, so a long wait still shows it is alive.
HEARTBEAT_S = 60.0


@dataclass(frozen=True)
class DeployTarget:
    """An instance of the deploy group."""

    cluster: str
    instance: str
    instance_type: str


class WaitOutcome(enum.Enum):
    DEPLOYED = "deployed"
    TIMED_OUT = "timed out"
    ABORTED = "aborted"


@dataclass(frozen=True)
class WaitResult:
    outcome: WaitOutcome
    progress: DeployProgress


ClusterFetcher = Callable[[str, Sequence[DeployTarget]], list[InstanceProgress]]


def deploy_group_targets(files: ServiceFiles, deploy_group: str) -> list[DeployTarget]:
    """Every instance (all clusters and types) whose deploy group is ``deploy_group``.

    An instance whose deploy group cannot be computed is left out, as mark-for-deployment does.
    """
    targets = []
    for config in instance_configs_from_files(files):
        try:
            group = config.get_deploy_group()
        except PaastaError:
            continue
        if group == deploy_group:
            targets.append(DeployTarget(config.cluster, config.instance, config.instance_type))
    return targets


def _fetch_cluster(fetch: ClusterFetcher, cluster: str, targets: Sequence[DeployTarget]) -> list[InstanceProgress]:
    try:
        return fetch(cluster, targets)
    except PaastaError as exc:  # one unreachable cluster must not stop the wait on the others
        return [error_progress(cluster, t.instance, str(exc)) for t in targets]


@dataclass
class _Printer:
    """Prints completions once, and the progress when it changes (or every HEARTBEAT_S)."""

    service: str
    out: Callable[[str], None]
    clock: Callable[[], float]
    heartbeat: float
    last_lines: list[str] = field(default_factory=list)
    last_printed: float = float("-inf")

    def completed(self, items: Sequence[InstanceProgress]) -> None:
        for item in sorted(items, key=lambda p: (p.cluster, p.instance)):
            self.out(f"Complete: {item.line(self.service)}")

    def progress(self, progress: DeployProgress) -> None:
        lines = progress_lines(self.service, progress)
        now = self.clock()
        if lines != self.last_lines or now - self.last_printed >= self.heartbeat:
            for line in lines:
                self.out(line)
            self.last_lines, self.last_printed = lines, now


@dataclass
class DeploymentWaiter:
    """Polls the clusters of ``targets`` until all are deployed (see the module docstring).

    Unchanged progress is printed again after ``heartbeat`` seconds (0: every round).
    """

    service: str
    targets: Sequence[DeployTarget]
    fetch: ClusterFetcher
    out: Callable[[str], None]
    poll_interval: float
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    heartbeat: float = HEARTBEAT_S

    def run(self, timeout: float) -> WaitResult:
        """Wait up to ``timeout`` seconds; Ctrl-C ends the wait as ABORTED."""
        printer = _Printer(self.service, self.out, self.clock, self.heartbeat)
        immediate = [other_type_progress(t.cluster, t.instance, t.instance_type) for t in self.targets
                     if t.instance_type != "marathon"]  # fmt: skip
        printer.completed(immediate)
        pending = [t for t in self.targets if t.instance_type == "marathon"]
        waiting: list[InstanceProgress] = []
        deadline = self.clock() + timeout
        pool = ThreadPoolExecutor(max_workers=max(1, min(16, len({t.cluster for t in pending}))))
        try:
            while True:
                if pending:
                    pending, waiting = self._round(pool, pending, printer)
                progress = summarize(len(self.targets), waiting)
                printer.progress(progress)
                if not pending:
                    return WaitResult(WaitOutcome.DEPLOYED, progress)
                remaining = deadline - self.clock()
                if remaining <= 0:
                    return WaitResult(WaitOutcome.TIMED_OUT, progress)
                self.sleep(min(self.poll_interval, MAX_POLL_INTERVAL_S, remaining))
        except KeyboardInterrupt:
            self.out("KeyboardInterrupt received. Terminating..")
            return WaitResult(WaitOutcome.ABORTED, summarize(len(self.targets), waiting or _unknown(pending)))
        finally:
            pool.shutdown(wait=False, cancel_futures=True)

    def _round(
        self, pool: ThreadPoolExecutor, pending: Sequence[DeployTarget], printer: _Printer
    ) -> tuple[list[DeployTarget], list[InstanceProgress]]:
        by_cluster: dict[str, list[DeployTarget]] = {}
        for target in pending:
            by_cluster.setdefault(target.cluster, []).append(target)
        futures = {c: pool.submit(_fetch_cluster, self.fetch, c, ts) for c, ts in sorted(by_cluster.items())}
        still: list[DeployTarget] = []
        waiting: list[InstanceProgress] = []
        for cluster, future in futures.items():
            results = {p.instance: p for p in future.result()}
            done = [p for p in results.values() if p.done]
            printer.completed(done)
            left = [t for t in by_cluster[cluster] if not (t.instance in results and results[t.instance].done)]
            waiting.extend(results.get(t.instance) or error_progress(cluster, t.instance, "no answer") for t in left)
            still.extend(left)
            if not left:
                self.out(f"Deploy to {cluster} complete!")
        return still, waiting


def _unknown(pending: Sequence[DeployTarget]) -> list[InstanceProgress]:
    return [InstanceProgress(t.cluster, t.instance, False, "was not checked yet") for t in pending]
