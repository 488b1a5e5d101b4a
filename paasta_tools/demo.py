"""The paasta demo (``make demo`` / ``python -m paasta_tools.demo [--workdir DIR]``).

Starts a devcluster (or reuses the one already running from the work directory), then does what a
service owner and the cluster's cron jobs would do for an example service: soa-configs and a git
repository, ``paasta validate``, ``paasta itest`` and ``push-to-registry`` (when tasks run in Docker),
``mark-for-deployment``, ``generate_deployments_for_service``, ``deploy_marathon_services`` until the
HTTP app is healthy, ``deploy_chronos_jobs`` until a scheduled job and its dependent job have run,
and ``paasta status`` of both.  Every command runs as its own process, exactly as a user would type
it, with ``PAASTA_SYSTEM_CONFIG_DIR`` pointing at the devcluster.  The pipeline is the list
:data:`STEPS` of named steps.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import shlex
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from paasta_tools import demo_smartstack
from paasta_tools.errors import DemoError, PaastaError

SERVICE = "example_service"
CLUSTER = "devcluster"
DEPLOY_GROUPS = ("canary", "prod")
MARATHON_INSTANCES = {"main": 2, "canary": 1}  # instance -> instance count
CHRONOS_JOBS = ("periodic", "report")  # a scheduled job, then a job depending on it
CONTAINER_PORT = 8888
SCHEDULE_LEAD_S = 10  # the scheduled job first runs this long after the soa-configs are written
DEFAULT_WAIT_S = 180.0
POLL_INTERVAL_S = 2.0
COMMAND_TIMEOUT_S = 600.0
PORT_NAMES = ("marathon", "chronos", "mesos", "zookeeper", "registry", "synapse", "hacheck")
EXIT_OK = 0
EXIT_FAILURE = 1

# What each command the demo runs is, so the same line works typed in a shell and run from here.
COMMAND_MODULES = {
    "paasta": "paasta_tools.cli.cli",
    "paasta-devcluster": "paasta_tools.devcluster",
    "generate_deployments_for_service": "paasta_tools.scripts.generate_deployments_for_service",
    "deploy_marathon_services": "paasta_tools.scripts.deploy_marathon_services",
    "deploy_chronos_jobs": "paasta_tools.scripts.deploy_chronos_jobs",
}


@dataclass(frozen=True)
class ClusterInfo:
    """What the running devcluster says about itself (its settings file and pid record)."""

    marathon_url: str
    chronos_url: str
    mesos_url: str
    system_config_dir: Path
    executor: str
    registry: str | None  # host:port when the devcluster runs a docker registry
    zookeeper_port: int  # started by the devcluster, or one already answering there
    synapse_port: int | None = None  # set when the devcluster runs SmartStack (its smartstack.json)
    hacheck_port: int | None = None

    @property
    def in_docker(self) -> bool:
        return self.executor == "docker"


@dataclass
class Demo:
    """Where the demo works, how it was asked to start the devcluster, and what earlier steps produced."""

    workdir: Path
    out: TextIO
    ports: dict[str, int] = field(default_factory=dict)
    executor: str = "auto"
    wait_s: float = DEFAULT_WAIT_S
    service: str = SERVICE
    cluster: str = CLUSTER
    commit: str | None = None
    info: ClusterInfo | None = None
    chronos_deployed_at: float | None = None
    task_urls: list[str] = field(default_factory=list)
    proxy_port: int = demo_smartstack.PROXY_PORT  # main's SmartStack proxy_port, chosen with the soa-configs

    @property
    def soa_dir(self) -> Path:
        return self.workdir / "soa-configs"

    @property
    def git_url(self) -> str:
        return str(self.workdir / "git" / f"{self.service}.git")

    @property
    def devcluster_dir(self) -> Path:
        return self.workdir / "devcluster"

    @property
    def checkout_dir(self) -> Path:
        """A clone of the service's repository at the deployed commit (``make itest`` runs there)."""
        return self.workdir / "checkout"

    @property
    def cluster_info(self) -> ClusterInfo:
        if self.info is None:
            raise DemoError("the devcluster has not been started (step 'start the devcluster' did not run)")
        return self.info

    def say(self, line: str = "") -> None:
        self.out.write(line + "\n")
        self.out.flush()

    def run(self, name: str, *args: str, cwd: Path | None = None, quiet: bool = False) -> int:
        """Run the command ``name args`` (shown as ``$ ...``), its output indented; returns its exit code."""
        display = " ".join(shlex.quote(part) for part in (name, *args))
        if not quiet:
            self.say(f"  $ {display}")
        env = dict(os.environ)
        if self.info is not None:
            env["PAASTA_SYSTEM_CONFIG_DIR"] = str(self.info.system_config_dir)
        argv = [sys.executable, "-m", COMMAND_MODULES[name], *args]
        try:
            done = subprocess.run(
                argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT, text=True, timeout=COMMAND_TIMEOUT_S,
            )  # fmt: skip
        except subprocess.TimeoutExpired:
            self.say(f"    {name} did not finish within {COMMAND_TIMEOUT_S:g} s")
            return EXIT_FAILURE
        if quiet and done.returncode != 0:
            self.say(f"  $ {display}")
        if not quiet or done.returncode != 0:
            for line in done.stdout.splitlines():
                self.say(f"    {line}")
        if done.returncode != 0:
            self.say(f"    (exit code {done.returncode})")
        return done.returncode


# --- the example service ---------------------------------------------------------------------------


def app_command(in_docker: bool, www_dir: Path) -> str:
    """The Marathon ``cmd`` serving ``/status``: busybox httpd in the image, else Python on the host port."""
    if in_docker:
        return f"httpd -f -p {CONTAINER_PORT} -h /www"
    # A process task has no container: it listens on the host port Marathon gave it ($PORT0).
    return (
        f"{shlex.quote(sys.executable)} -m http.server $PORT0 --bind 127.0.0.1 --directory {shlex.quote(str(www_dir))}"
    )


def iso_schedule(start: datetime.datetime, period: str = "PT1M") -> str:
    """``R/<start>/<period>``: repeat forever from ``start`` (UTC, whole seconds)."""
    return f"R/{start.astimezone(datetime.UTC).strftime('%Y-%m-%dT%H:%M:%SZ')}/{period}"


def marathon_yaml(cmd: str, hacheck_port: int | None = None) -> str:
    """``marathon-<cluster>.yaml``: ``main`` (deploy group prod) and ``canary``, HTTP-checked on ``/status``."""
    blocks = []
    for instance, count in MARATHON_INSTANCES.items():
        group = "prod" if instance == "main" else "canary"
        blocks.append(
            f"{instance}:\n"
            f"  cpus: 0.1\n  mem: 64\n  instances: {count}\n  deploy_group: {group}\n"
            f"  cmd: {json.dumps(cmd)}\n"
            f"  healthcheck_mode: http\n  healthcheck_uri: /status\n"
            f"  healthcheck_interval_seconds: 2\n  healthcheck_grace_period_seconds: 30\n"
        )
        blocks.append(demo_smartstack.drain_params_yaml(hacheck_port) if instance == "main" else "")
    return "".join(blocks)


def chronos_yaml(service: str, schedule: str) -> str:
    """``chronos-<cluster>.yaml``: a job every minute and a job run after each of its successes."""
    return (
        f"{CHRONOS_JOBS[0]}:\n"
        "  cpus: 0.1\n  mem: 64\n"
        f'  schedule: "{schedule}"\n'
        '  cmd: "echo periodic run for %(shortdate)s"\n'
        "  deploy_group: prod\n"
        f"{CHRONOS_JOBS[1]}:\n"
        "  cpus: 0.1\n  mem: 64\n"
        f"  parents: [{service}.{CHRONOS_JOBS[0]}]\n"
        f'  cmd: "echo report after the {CHRONOS_JOBS[0]} run"\n'
        "  deploy_group: prod\n"
    )


def example_soa_configs(
    service: str, cluster: str, git_url: str, cmd: str, schedule: str, hacheck_port: int | None = None
) -> dict[str, str]:
    """File name → YAML text of the example service's soa-configs; with ``hacheck_port`` main is in SmartStack."""
    return {
        "service.yaml": (
            f"description: An example service deployed by the paasta demo\n"
            f"external_link: https://github.com/Yelp/paasta\n"
            f"git_url: {git_url}\n"
        ),
        f"marathon-{cluster}.yaml": marathon_yaml(cmd, hacheck_port),
        **demo_smartstack.smartstack_files(hacheck_port),
        f"chronos-{cluster}.yaml": chronos_yaml(service, schedule),
        "monitoring.yaml": "team: demo\nnotification_email: demo@localhost\npage: false\n",
        "deploy.yaml": (
            "pipeline:\n"
            "- step: itest\n"
            "- step: push-to-registry\n"
            "- step: canary\n"
            "- step: prod\n"
            "  trigger_next_step_manually: true\n"
        ),
    }


def service_repo_files(service: str, built_at: str) -> dict[str, str]:
    """The service's source tree: a busybox image serving ``www/`` (so ``/status``) on port 8888."""
    return {
        "README": f"{service}: the paasta demo service\n",
        ".dockerignore": ".git\n",
        "Dockerfile": (
            "FROM busybox\n"
            "COPY www /www\n"
            f"EXPOSE {CONTAINER_PORT}\n"
            f'CMD ["httpd", "-f", "-p", "{CONTAINER_PORT}", "-h", "/www"]\n'
        ),
        # The PaaSTA contract: `make itest` builds the image named by $DOCKER_TAG.
        "Makefile": 'itest:\n\tDOCKER_BUILDKIT=0 docker build -t "$(DOCKER_TAG)" .\n',
        "www/status": f"{service}: OK (built {built_at})\n",
    }


# --- the devcluster --------------------------------------------------------------------------------


def read_cluster_info(data_dir: Path) -> ClusterInfo:
    """The running devcluster of ``data_dir``, from the files ``paasta-devcluster up`` writes there."""
    from paasta_tools.devcluster.json_files import read_json
    from paasta_tools.devcluster.runner import (
        COMPONENTS_FILE,
        PID_FILE,
        SETTINGS_FILE,
        SYSTEM_CONFIG_DIR,
    )

    settings, record = read_json(data_dir / SETTINGS_FILE), read_json(data_dir / PID_FILE)
    if not isinstance(settings, dict) or not isinstance(record, dict):
        raise DemoError(f"no running devcluster found in {data_dir} ({SETTINGS_FILE} or {PID_FILE} is missing)")
    running = read_json(data_dir / COMPONENTS_FILE) or {}
    smartstack = read_json(data_dir / SYSTEM_CONFIG_DIR / "smartstack.json") or {}
    base = "http://127.0.0.1"
    return ClusterInfo(
        marathon_url=f"{base}:{settings['marathon_port']}",
        chronos_url=f"{base}:{settings['chronos_port']}",
        mesos_url=f"{base}:{settings['mesos_port']}",
        system_config_dir=data_dir / SYSTEM_CONFIG_DIR,
        executor=str(record.get("executor", "unknown")),
        registry=f"127.0.0.1:{running['registry']['port']}" if "registry" in running else None,
        zookeeper_port=int(settings["zookeeper_port"]),
        synapse_port=smartstack.get("synapse_port"),
        hacheck_port=smartstack.get("hacheck_port"),
    )


def wait_until(ready: Callable[[], bool], timeout: float, interval: float = 0.2) -> bool:
    """Poll ``ready()`` until it is true (True) or ``timeout`` seconds have passed (False)."""
    deadline = time.monotonic() + timeout
    while not ready():
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)
    return True


def start_devcluster(demo: Demo) -> int:
    """``paasta-devcluster up`` with the work dir's data dir (only reports it when it already runs)."""
    from paasta_tools.devcluster.components import zookeeper_ready
    from paasta_tools.devcluster.smartstack.haproxy_process import missing_haproxy

    args = ["--data-dir", str(demo.devcluster_dir), "up", "--cluster-name", demo.cluster, "--executor", demo.executor]
    for name, port in demo.ports.items():
        args += [f"--{name}-port", str(port)]
    no_haproxy = missing_haproxy()
    args += ["--soa-dir", str(demo.soa_dir)] if no_haproxy is None else []
    code = demo.run("paasta-devcluster", *args)
    if code != EXIT_OK:
        demo.say("  (choose other ports with --marathon-port, --chronos-port, ... if one is in use)")
        return code
    info = demo.info = read_cluster_info(demo.devcluster_dir)
    if not info.in_docker and info.executor != "process":
        raise DemoError(
            f"the devcluster in {demo.devcluster_dir} runs the {info.executor!r} executor, which starts no tasks; "
            f"stop it with 'paasta-devcluster --data-dir {demo.devcluster_dir} down' and run the demo again"
        )
    how = "Docker containers" if info.in_docker else "local processes (no Docker engine answers)"
    demo.say(f"  tasks run as {how}")
    demo.say(demo_smartstack.describe(info, no_haproxy))
    if not wait_until(lambda: zookeeper_ready(info.zookeeper_port), demo.wait_s):
        raise DemoError(
            f"ZooKeeper on 127.0.0.1:{info.zookeeper_port} did not answer within {demo.wait_s:g} s "
            "(deploy_marathon_services needs it for its bounce locks; see the devcluster's notes above)"
        )
    demo.say(f"  ZooKeeper answers on 127.0.0.1:{info.zookeeper_port}")
    return EXIT_OK


# --- the service owner's steps ---------------------------------------------------------------------


def create_git_repo(demo: Demo) -> int:
    """Create the service's bare git repository with a new commit, and check it out."""
    from paasta_tools.clients.git import create_repo_with_commit, run_git

    shutil.rmtree(demo.git_url, ignore_errors=True)
    built_at = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    files = service_repo_files(demo.service, built_at)
    demo.commit = create_repo_with_commit(demo.git_url, files, f"{demo.service} built at {built_at}")
    demo.say(f"  {demo.git_url}: commit {demo.commit}")
    shutil.rmtree(demo.checkout_dir, ignore_errors=True)
    run_git(["clone", "--quiet", demo.git_url, str(demo.checkout_dir)], f"cloning {demo.git_url}")
    demo.say(f"  checked out in {demo.checkout_dir}: {', '.join(sorted(files))}")
    return EXIT_OK


def write_soa_configs(demo: Demo) -> int:
    """Write the example soa-configs (replacing those of an earlier run)."""
    info = demo.cluster_info
    directory = demo.soa_dir / demo.service
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    start = datetime.datetime.now(datetime.UTC) + datetime.timedelta(seconds=SCHEDULE_LEAD_S)
    cmd = app_command(info.in_docker, demo.checkout_dir / "www")
    schedule = iso_schedule(start)
    files = example_soa_configs(demo.service, demo.cluster, demo.git_url, cmd, schedule, info.hacheck_port)
    if info.hacheck_port is not None:  # 20666 unless something else listens there (another demo)
        demo.proxy_port = demo_smartstack.pick_proxy_port(info, demo.devcluster_dir, demo.soa_dir)
        files.update(demo_smartstack.smartstack_files(info.hacheck_port, demo.proxy_port))
    for name, text in files.items():
        (directory / name).write_text(text)
        demo.say(f"  wrote {directory / name}")
    demo.say(f"  the Marathon instances run: {cmd}")
    demo.say(f"  {CHRONOS_JOBS[0]} runs every minute from {start:%H:%M:%S} UTC; {CHRONOS_JOBS[1]} after each run")
    return EXIT_OK


def validate(demo: Demo) -> int:
    """``paasta validate -s <service> -y <soa_dir>``."""
    return demo.run("paasta", "validate", "-s", demo.service, "-y", str(demo.soa_dir))


def itest(demo: Demo) -> int:
    """``paasta itest``: ``make itest`` in the checkout builds the commit's image (Docker only)."""
    if not demo.cluster_info.in_docker:
        demo.say("  skipped: tasks run as local processes, so no image is needed")
        return EXIT_OK
    return demo.run(
        "paasta", "itest", "-s", demo.service, "-c", _commit(demo), "-d", str(demo.soa_dir), cwd=demo.checkout_dir
    )


def push_to_registry(demo: Demo) -> int:
    """``paasta push-to-registry`` of the image to the devcluster's registry (Docker only)."""
    info = demo.cluster_info
    if not info.in_docker:
        demo.say("  skipped: tasks run as local processes, so there is no image to push")
        return EXIT_OK
    if info.registry is None:
        demo.say("  skipped: the devcluster runs no registry (see its notes above); the local image is used")
        return EXIT_OK
    return demo.run("paasta", "push-to-registry", "-s", demo.service, "-c", _commit(demo), "-d", str(demo.soa_dir))


def _commit(demo: Demo) -> str:
    if demo.commit is None:
        raise DemoError("there is no commit: the step 'create the service's git repository' has not run")
    return demo.commit


def mark_for_deployment(demo: Demo) -> int:
    """``paasta mark-for-deployment`` of the commit for every deploy group of the pipeline."""
    code = EXIT_OK
    for deploy_group in DEPLOY_GROUPS:
        result = demo.run(
            "paasta", "mark-for-deployment", "-u", demo.git_url, "-c", _commit(demo),
            "-l", deploy_group, "-s", demo.service, "-d", str(demo.soa_dir),
        )  # fmt: skip
        code = max(code, result)
    return code


def generate_deployments(demo: Demo) -> int:
    """``generate_deployments_for_service -d <soa_dir> -s <service>``, then deployments.json (indented here)."""
    code = demo.run("generate_deployments_for_service", "-d", str(demo.soa_dir), "-s", demo.service)
    path = demo.soa_dir / demo.service / "deployments.json"
    if code == EXIT_OK:
        demo.say(f"  {path}:")
        for line in json.dumps(json.loads(path.read_text()), indent=2).splitlines():
            demo.say(f"    {line}")
    return code


# --- the cluster's cron jobs -----------------------------------------------------------------------


def deploy_marathon(demo: Demo) -> int:
    """``deploy_marathon_services -d <soa_dir>``: what cron runs on a Marathon master."""
    return demo.run("deploy_marathon_services", "-d", str(demo.soa_dir))


def deploy_chronos(demo: Demo) -> int:
    """``deploy_chronos_jobs -d <soa_dir>``: what cron runs on a Chronos master."""
    demo.chronos_deployed_at = time.time()
    return demo.run("deploy_chronos_jobs", "-d", str(demo.soa_dir))


# --- waiting for the cluster -----------------------------------------------------------------------


def get_json(url: str) -> Any | None:
    """The JSON document at ``url``, or None when it does not answer with one."""
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return json.loads(response.read())
    except (urllib.error.URLError, OSError, ValueError):
        return None


def get_text(url: str) -> str | None:
    """The body of a 200 answer at ``url``, or None."""
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.read().decode("utf-8", "replace")
    except (urllib.error.URLError, OSError):
        return None


@dataclass(frozen=True)
class InstanceProgress:
    """How far one Marathon instance is from running the deployed commit, healthy."""

    instance: str
    wanted: int
    app_id: str | None = None
    healthy_ports: tuple[int, ...] = ()  # host ports of the healthy tasks of the new app
    other_apps: int = 0
    failure: str | None = None
    mesos_running: int = 0  # running Mesos tasks of the instance, old apps' tasks still stopping included

    @property
    def ready(self) -> bool:
        healthy = len(self.healthy_ports) == self.wanted
        return self.app_id is not None and healthy and self.other_apps == 0 and self.mesos_running == self.wanted

    def describe(self) -> str:
        if self.app_id is None:
            text = f"{self.instance}: no app of the new commit yet"
        else:
            text = f"{self.instance}: {len(self.healthy_ports)}/{self.wanted} tasks healthy in {self.app_id}"
        if self.other_apps:
            text += f", {self.other_apps} older app(s) still bouncing away"
        elif self.mesos_running > self.wanted:
            text += f", {self.mesos_running - self.wanted} old task(s) still stopping"
        if self.failure and not self.ready:
            text += f" (last task failure: {self.failure})"
        return text


def task_is_healthy(task: dict[str, Any]) -> bool:
    """A running task whose every health check result is alive."""
    results = task.get("healthCheckResults") or []
    return (
        task.get("state", "TASK_RUNNING") == "TASK_RUNNING" and bool(results) and all(r.get("alive") for r in results)
    )


def _git_hash(app_id: str) -> str | None:
    from paasta_tools.marathon.job_id import deformat_job_id

    try:
        return deformat_job_id(app_id).git_hash
    except PaastaError:
        return None


def running_mesos_tasks(state: dict[str, Any]) -> list[str]:
    """Names of the TASK_RUNNING tasks in a Mesos master's ``/master/state`` (Marathon names them by app id)."""
    return [
        str(task.get("name", ""))
        for framework in state.get("frameworks", [])
        for task in framework.get("tasks", [])
        if task.get("state") == "TASK_RUNNING"
    ]


def marathon_progress(
    apps: Sequence[dict[str, Any]], mesos_tasks: Sequence[str], service: str, commit: str
) -> list[InstanceProgress]:
    """Per instance of :data:`MARATHON_INSTANCES`: its app of ``commit``, healthy tasks, what still stops."""
    from paasta_tools.marathon.job_id import is_app_of_instance

    progress = []
    for instance, wanted in MARATHON_INSTANCES.items():
        mine = [app for app in apps if is_app_of_instance(app["id"], service, instance)]
        current = [app for app in mine if _git_hash(app["id"]) == f"git{commit[:8]}"]
        running = sum(1 for name in mesos_tasks if is_app_of_instance(name, service, instance))
        if not current:
            progress.append(InstanceProgress(instance, wanted, other_apps=len(mine), mesos_running=running))
            continue
        app = current[0]
        healthy = [task for task in app.get("tasks", []) if task_is_healthy(task) and task.get("ports")]
        failure = (app.get("lastTaskFailure") or {}).get("message") or None
        ports = tuple(sorted(task["ports"][0] for task in healthy))
        app_id = app["id"].lstrip("/")
        progress.append(InstanceProgress(instance, wanted, app_id, ports, len(mine) - 1, failure, running))
    return progress


def _report_changes(demo: Demo, lines: list[str], last: list[str], started: float) -> list[str]:
    """Print the progress lines that differ from the last ones printed; returns ``lines``."""
    for index, line in enumerate(lines):
        if index >= len(last) or last[index] != line:
            demo.say(f"  [{time.monotonic() - started:5.1f}s] {line}")
    return lines


def wait_for_marathon(demo: Demo) -> int:
    """Run deploy_marathon_services as cron would until every instance runs the new commit, healthy."""
    info, commit = demo.cluster_info, _commit(demo)
    demo.say(f"  running deploy_marathon_services -d {demo.soa_dir} every {POLL_INTERVAL_S:g} s, as cron would")
    started = time.monotonic()
    last: list[str] = []
    while True:
        apps = get_json(f"{info.marathon_url}/v2/apps?embed=apps.tasks&embed=apps.lastTaskFailure")
        tasks = running_mesos_tasks(get_json(f"{info.mesos_url}/master/state") or {})
        progress = marathon_progress(apps.get("apps", []), tasks, demo.service, commit) if apps else []
        lines = [item.describe() for item in progress] if apps else [f"Marathon at {info.marathon_url} does not answer"]
        last = _report_changes(demo, lines, last, started)
        if progress and all(item.ready for item in progress):
            break
        if time.monotonic() - started >= demo.wait_s:
            waiting = "; ".join(item.describe() for item in progress if not item.ready) or lines[0]
            raise DemoError(f"the Marathon instances did not become healthy within {demo.wait_s:g} s: {waiting}")
        demo.run("deploy_marathon_services", "-d", str(demo.soa_dir), quiet=True)
        time.sleep(POLL_INTERVAL_S)
    return check_status_pages(demo, progress)


def check_status_pages(demo: Demo, progress: Sequence[InstanceProgress]) -> int:
    """GET ``/status`` from every healthy task through its published host port."""
    demo.task_urls = []
    for item in progress:
        for port in item.healthy_ports:
            url = f"http://127.0.0.1:{port}/status"
            body = get_text(url)
            if body is None:
                raise DemoError(f"{item.instance}: {url} does not answer although Marathon says the task is healthy")
            demo.say(f"  GET {url} ({item.instance}) -> {body.strip()}")
            demo.task_urls.append(url)
    return EXIT_OK


@dataclass(frozen=True)
class JobProgress:
    """Whether one Chronos job has run since the deploy."""

    instance: str
    known: bool
    succeeded_at: datetime.datetime | None = None
    failed_at: datetime.datetime | None = None

    @property
    def ready(self) -> bool:
        return self.succeeded_at is not None

    def describe(self) -> str:
        if not self.known:
            return f"{self.instance}: not in Chronos"
        if self.succeeded_at is not None:
            return f"{self.instance}: succeeded at {self.succeeded_at:%H:%M:%S} UTC"
        if self.failed_at is not None:
            return f"{self.instance}: failed at {self.failed_at:%H:%M:%S} UTC (Chronos retries it)"
        waits_for = "its schedule" if self.instance == CHRONOS_JOBS[0] else f"{CHRONOS_JOBS[0]} to succeed"
        return f"{self.instance}: has not run yet (waiting for {waits_for})"


def _chronos_time(text: Any) -> datetime.datetime | None:
    try:
        return datetime.datetime.fromisoformat(str(text).replace("Z", "+00:00")) if text else None
    except ValueError:
        return None


def chronos_progress(jobs: Sequence[dict[str, Any]], service: str, since: float) -> list[JobProgress]:
    """Per job of :data:`CHRONOS_JOBS`: its last success and failure at or after ``since`` (epoch seconds)."""
    by_name = {job.get("name"): job for job in jobs}
    progress = []
    for instance in CHRONOS_JOBS:
        job = by_name.get(f"{service} {instance}")
        if job is None:
            progress.append(JobProgress(instance, known=False))
            continue
        times = [_chronos_time(job.get(key)) for key in ("lastSuccess", "lastError")]
        recent = [moment if moment and moment.timestamp() >= since else None for moment in times]
        progress.append(JobProgress(instance, True, recent[0], recent[1]))
    return progress


def finished_run_sandboxes(agent_state: dict[str, Any], service: str) -> dict[str, str]:
    """Job instance → sandbox directory of its newest finished run, from a Mesos agent's ``/slave(1)/state``."""
    newest: dict[str, tuple[int, str]] = {}
    for framework in agent_state.get("frameworks", []) + agent_state.get("completed_frameworks", []):
        for executor in framework.get("completed_executors", []):
            for task in executor.get("completed_tasks", []):
                instance = str(task.get("name", "")).removeprefix(f"ChronosTask:{service} ")
                if instance in CHRONOS_JOBS and task.get("state") == "TASK_FINISHED":
                    due = int(str(task.get("id", "ct:0")).split(":")[1] or 0)  # ct:<due millis>:<attempt>:<job>:
                    if due >= newest.get(instance, (-1, ""))[0]:
                        newest[instance] = (due, str(executor.get("directory", "")))
    return {instance: directory for instance, (_, directory) in newest.items()}


def show_job_output(demo: Demo) -> None:
    """Print what each job's newest run wrote to stdout, read through the Mesos agent's files API."""
    mesos = demo.cluster_info.mesos_url
    sandboxes = finished_run_sandboxes(get_json(f"{mesos}/slave(1)/state") or {}, demo.service)
    for instance in CHRONOS_JOBS:
        if instance in sandboxes:
            query = urllib.parse.urlencode({"path": f"{sandboxes[instance]}/stdout", "offset": 0, "length": 4096})
            output = str((get_json(f"{mesos}/files/read?{query}") or {}).get("data", "")).strip()
            demo.say(f"  {instance} wrote to stdout: {output or '(nothing)'}")


def wait_for_chronos(demo: Demo) -> int:
    """Wait until the scheduled job and its dependent job have both succeeded since they were deployed."""
    info = demo.cluster_info
    since = demo.chronos_deployed_at
    if since is None:
        raise DemoError("the Chronos jobs were not deployed: the step 'deploy_chronos_jobs' has not run")
    started = time.monotonic()
    last: list[str] = []
    while True:
        jobs = get_json(f"{info.chronos_url}/scheduler/jobs")
        progress = chronos_progress(jobs if isinstance(jobs, list) else [], demo.service, since)
        lines = [item.describe() for item in progress]
        pending = [item.describe() for item in progress if not item.ready]
        if jobs is None:
            lines = pending = [f"Chronos at {info.chronos_url} does not answer"]
        last = _report_changes(demo, lines, last, started)
        if not pending:
            show_job_output(demo)
            return EXIT_OK
        if time.monotonic() - started >= demo.wait_s:
            raise DemoError(f"the Chronos jobs did not run within {demo.wait_s:g} s: {'; '.join(pending)}")
        time.sleep(POLL_INTERVAL_S / 2)


def paasta_status(demo: Demo, instances: Sequence[str], *flags: str) -> int:
    """``paasta status -s <service> -c <cluster> -i <instances> -d <soa_dir> [flags]``."""
    soa_dir, wanted = str(demo.soa_dir), ",".join(instances)
    return demo.run("paasta", "status", "-s", demo.service, "-c", demo.cluster, "-i", wanted, "-d", soa_dir, *flags)


def marathon_status(demo: Demo) -> int:
    """``paasta status`` of the Marathon instances."""
    return paasta_status(demo, list(MARATHON_INSTANCES))


def chronos_status(demo: Demo) -> int:
    """``paasta status -v`` of the Chronos jobs: their last run and its finished Mesos task."""
    return paasta_status(demo, CHRONOS_JOBS, "-v")


# --- running it ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One named step of the demo."""

    name: str
    run: Callable[[Demo], int]


STEPS: tuple[Step, ...] = (
    Step("start the devcluster", start_devcluster),
    Step("create the service's git repository", create_git_repo),
    Step("write the example soa-configs", write_soa_configs),
    Step("paasta validate", validate),
    Step("paasta itest (build the image)", itest),
    Step("paasta push-to-registry", push_to_registry),
    Step("paasta mark-for-deployment", mark_for_deployment),
    Step("generate_deployments_for_service", generate_deployments),
    Step("deploy_marathon_services", deploy_marathon),
    Step("deploy_chronos_jobs", deploy_chronos),
    Step("wait until the Marathon instances are healthy", wait_for_marathon),
    Step("wait until SmartStack routes main", demo_smartstack.wait_for_smartstack),
    Step("paasta status (Marathon instances)", marathon_status),
    Step("wait until the Chronos jobs have run", wait_for_chronos),
    Step("paasta status (Chronos jobs)", chronos_status),
)


def _tool(name: str) -> str:
    """How the user runs an installed command: its name when on PATH, else its path next to this Python."""
    if shutil.which(name):
        return name
    beside = Path(sys.executable).parent / name
    return str(beside) if beside.exists() else name


def summary(demo: Demo) -> list[str]:
    """The closing lines: where everything is and what to try next."""
    info = demo.cluster_info
    data_dir = shlex.quote(str(demo.devcluster_dir))
    soa_dir = shlex.quote(str(demo.soa_dir))
    lines = [
        f"Done: {demo.service} runs on the devcluster and its Chronos jobs have run.",
        "",
        "Look around:",
        f"  export PAASTA_SYSTEM_CONFIG_DIR={shlex.quote(str(info.system_config_dir))}",
        f"  {_tool('paasta')} status -s {demo.service} -d {soa_dir} -v",
        *(f"  curl {url}" for url in demo.task_urls[:1]),
        f"  Marathon  {info.marathon_url}/v2/apps",
        f"  Chronos   {info.chronos_url}/scheduler/jobs",
        f"  Mesos     {info.mesos_url}/master/state",
        f"  logs      {demo.devcluster_dir / 'logs'}",
        f"  {_tool('paasta-devcluster')} --data-dir {data_dir} status",
        "",
        "Run the demo again for a new deploy (a bounce to a new commit); stop everything with:",
        f"  {_tool('paasta-devcluster')} --data-dir {data_dir} down",
    ]
    return lines


def run_steps(demo: Demo, steps: Sequence[Step] = STEPS) -> int:
    """Run ``steps`` in order, stopping at the first that fails; returns the exit code."""
    for number, step in enumerate(steps, start=1):
        demo.say(f"==> [{number}/{len(steps)}] {step.name}")
        try:
            code = step.run(demo)
        except PaastaError as exc:
            demo.say(f"  {exc}")
            code = EXIT_FAILURE
        if code != EXIT_OK:
            demo.say(f"The demo stopped: step '{step.name}' failed.")
            return code
    for line in summary(demo) if demo.info is not None else [f"Done. Everything is under {demo.workdir}"]:
        demo.say(line)
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m paasta_tools.demo", description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", default="demo-workdir", help="directory for everything the demo creates")
    for name in PORT_NAMES:
        parser.add_argument(f"--{name}-port", type=int, default=None, help=f"127.0.0.1 port of the devcluster's {name}")
    parser.add_argument(
        "--executor",
        choices=("auto", "docker", "process"),
        default="auto",
        help="how the devcluster runs tasks (default auto: Docker containers when an engine answers)",
    )
    parser.add_argument(
        "--wait",
        type=float,
        default=DEFAULT_WAIT_S,
        help=f"seconds to wait for each readiness (default {DEFAULT_WAIT_S:g})",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    workdir = Path(args.workdir).resolve()
    try:
        workdir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        sys.stderr.write(f"--workdir {workdir}: cannot create it: {exc.strerror or exc}\n")
        return EXIT_FAILURE
    ports = {name: getattr(args, f"{name}_port") for name in PORT_NAMES if getattr(args, f"{name}_port")}
    demo = Demo(workdir=workdir, out=sys.stdout, ports=ports, executor=args.executor, wait_s=args.wait)
    try:
        return run_steps(demo)
    except KeyboardInterrupt:
        demo.say("Interrupted.")
        return EXIT_FAILURE


if __name__ == "__main__":
    sys.exit(main())
