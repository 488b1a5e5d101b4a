"""The paasta demo (``make demo`` / ``python -m paasta_tools.demo [--workdir DIR]``).

Builds, under a work directory (default ``./demo-workdir``), the soa-configs of an example
service and a local git repository for it, then runs the deploy pipeline a service owner
would: validate → mark-for-deployment → generate_deployments_for_service → show deployments.json.
The pipeline is the list :data:`STEPS` of named steps, so new ones slot in easily.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

SERVICE = "example_service"
CLUSTER = "devcluster"
DEPLOY_GROUPS = ("canary", "prod")
EXIT_OK = 0
EXIT_FAILURE = 1


@dataclass
class Demo:
    """Where the demo works and what earlier steps produced."""

    workdir: Path
    out: TextIO
    service: str = SERVICE
    cluster: str = CLUSTER
    commit: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def soa_dir(self) -> Path:
        return self.workdir / "soa-configs"

    @property
    def git_url(self) -> str:
        return str(self.workdir / "git" / f"{self.service}.git")

    @property
    def log_dir(self) -> Path:
        return self.workdir / "logs"

    def say(self, line: str = "") -> None:
        self.out.write(line + "\n")


def example_soa_configs(service: str, cluster: str, git_url: str) -> dict[str, str]:
    """File name → YAML text of the example service's soa-configs."""
    return {
        "service.yaml": (
            f"description: An example service deployed by the paasta demo\n"
            f"external_link: https://github.com/Yelp/paasta\n"
            f"git_url: {git_url}\n"
        ),
        f"marathon-{cluster}.yaml": (
            "main:\n"
            "  cpus: 0.1\n"
            "  mem: 128\n"
            "  instances: 2\n"
            "  deploy_group: prod\n"
            "  cmd: python3 -m http.server 8888\n"
            "canary:\n"
            "  cpus: 0.1\n"
            "  mem: 128\n"
            "  instances: 1\n"
            "  deploy_group: canary\n"
            "  cmd: python3 -m http.server 8888\n"
        ),
        f"chronos-{cluster}.yaml": (
            "nightly:\n"
            "  cpus: 0.1\n"
            "  mem: 128\n"
            '  schedule: "R/2017-01-01T02:00:00Z/P1D"\n'
            '  cmd: "echo nightly run for %(shortdate)s"\n'
            "  deploy_group: prod\n"
            "report:\n"
            "  cpus: 0.1\n"
            "  mem: 128\n"
            f"  parents: [{service}.nightly]\n"
            '  cmd: "echo report after the nightly run"\n'
            "  deploy_group: prod\n"
        ),
        "smartstack.yaml": "main:\n  proxy_port: 20001\n  mode: http\n  healthcheck_uri: /\n",
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


def write_soa_configs(demo: Demo) -> int:
    """Write the example soa-configs (replacing those of an earlier run)."""
    directory = demo.soa_dir / demo.service
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    for name, text in example_soa_configs(demo.service, demo.cluster, demo.git_url).items():
        (directory / name).write_text(text)
        demo.say(f"  wrote {directory / name}")
    return EXIT_OK


def create_git_repo(demo: Demo) -> int:
    """Create the service's bare git repository with one commit (replacing that of an earlier run)."""
    from paasta_tools.clients.git import create_repo_with_commit

    shutil.rmtree(demo.git_url, ignore_errors=True)
    files = {
        "README": f"{demo.service}: the paasta demo service\n",
        "Dockerfile": 'FROM busybox\nCMD ["httpd", "-f", "-p", "8888"]\n',
    }
    demo.commit = create_repo_with_commit(demo.git_url, files, f"Initial commit of {demo.service}")
    demo.say(f"  {demo.git_url}: commit {demo.commit}")
    return EXIT_OK


def validate(demo: Demo) -> int:
    """``paasta validate -s <service> -y <soa_dir>``."""
    from paasta_tools.cli.cmds.validate import validate_and_print

    return validate_and_print(str(demo.soa_dir), demo.service, demo.out)


def mark_for_deployment(demo: Demo) -> int:
    """``paasta mark-for-deployment`` of the commit for every deploy group of the pipeline."""
    from paasta_tools.cli.cmds.mark_for_deployment import mark_for_deployment as mark
    from paasta_tools.clients.log_writer import FileLogWriter

    if demo.commit is None:
        demo.say("  no commit to mark: the git repository step has not run")
        return EXIT_FAILURE
    demo.log_dir.mkdir(parents=True, exist_ok=True)
    writer = FileLogWriter(path_format=str(demo.log_dir / "{service}-{component}.log"))
    code = EXIT_OK
    for deploy_group in DEPLOY_GROUPS:
        result, lines = mark(demo.git_url, deploy_group, demo.service, demo.commit, writer)
        demo.say("".join(f"  {line}\n" for line in lines).rstrip("\n"))
        code = max(code, result)
    return code


def generate_deployments(demo: Demo) -> int:
    """``generate_deployments_for_service -d <soa_dir> -s <service>``."""
    from paasta_tools.scripts.generate_deployments_for_service import generate_deployments_for_service

    written, problems = generate_deployments_for_service(demo.service, str(demo.soa_dir))
    for problem in problems:
        demo.say(f"  skipped instance: {problem}")
    path = demo.soa_dir / demo.service / "deployments.json"
    demo.say(f"  {'wrote' if written else 'unchanged:'} {path}")
    return EXIT_FAILURE if problems else EXIT_OK


def show_deployments(demo: Demo) -> int:
    """Print deployments.json (indented here; on disk it is one line)."""
    path = demo.soa_dir / demo.service / "deployments.json"
    demo.say(json.dumps(json.loads(path.read_text()), indent=2))
    return EXIT_OK


@dataclass(frozen=True)
class Step:
    """One named step of the demo."""

    name: str
    run: Callable[[Demo], int]


STEPS: tuple[Step, ...] = (
    Step("write the example soa-configs", write_soa_configs),
    Step("create the service's git repository", create_git_repo),
    Step("paasta validate", validate),
    Step("paasta mark-for-deployment", mark_for_deployment),
    Step("generate_deployments_for_service", generate_deployments),
    Step("show deployments.json", show_deployments),
)


def run_steps(demo: Demo, steps: Sequence[Step] = STEPS) -> int:
    """Run ``steps`` in order, stopping at the first that fails; returns the exit code."""
    from paasta_tools.errors import PaastaError

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
    demo.say(f"Done. Everything the demo made is under {demo.workdir}")
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m paasta_tools.demo", description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", default="demo-workdir", help="directory for everything the demo creates")
    args = parser.parse_args(argv)
    workdir = Path(args.workdir).resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    return run_steps(Demo(workdir=workdir, out=sys.stdout))


if __name__ == "__main__":
    sys.exit(main())
