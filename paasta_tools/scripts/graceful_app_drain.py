"""graceful_app_drain: drain and kill every task of one Marathon app, then delete the app.

Usage: ``graceful_app_drain [-d SOA_DIR] [--interval SECONDS] APP_ID``

The app's service.instance comes from its id; its tasks are drained with the instance's drain
method (soa-configs and smartstack.yaml) by the ``down`` bounce, step by step as setup_marathon_job
does, under the instance's ZooKeeper bounce lock: tasks safe to kill are killed (scaling the app
down) and the app is deleted once it has none left.  Loops until the app is gone, sleeping between
steps.  Exit 1 when the app does not exist or cannot be drained.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

from paasta_tools.scripts.common import EXIT_FAILURE, EXIT_OK, add_soa_dir_argument

DEFAULT_INTERVAL_S = 10.0


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="graceful_app_drain", description="This script drains and kills all the instances of an app."
    )
    parser.add_argument("appname", metavar="APP_ID", help="the Marathon app id to drain, like svc.main.gitX.configY")
    add_soa_dir_argument(parser)
    parser.add_argument(
        "--interval",
        dest="interval",
        type=float,
        default=DEFAULT_INTERVAL_S,
        help=f"seconds to wait between drain steps, giving tasks time to drain (default {DEFAULT_INTERVAL_S:g})",
    )
    return parser.parse_args(argv)


def load_drain_target(app_id: str, soa_dir: str, cluster: str, system: Any) -> Any:
    """The InstanceTarget (config, smartstack namespace, current app dict if deployed) of the app's instance."""
    from paasta_tools.config.loader import load_instance_config
    from paasta_tools.config.smartstack import load_service_namespace_config
    from paasta_tools.errors import InvalidJobNameError, PaastaError
    from paasta_tools.marathon.app_dict import app_system_config_from, format_marathon_app_dict
    from paasta_tools.marathon.job_id import deformat_job_id
    from paasta_tools.operations.marathon_targets import InstanceTarget

    job = deformat_job_id(app_id)
    if not job.service or not job.instance:
        raise InvalidJobNameError(f"{app_id} is not a Marathon app id of the form service.instance.gitX.configY")
    config = load_instance_config(job.service, job.instance, cluster, soa_dir, False, "marathon")
    namespace = load_service_namespace_config(soa_dir, job.service, config.get_nerve_namespace())
    try:
        full = load_instance_config(job.service, job.instance, cluster, soa_dir, True, "marathon")
        app_dict = format_marathon_app_dict(full, app_system_config_from(system), namespace)
    except PaastaError:  # not deployed (any more): only the log lines lose the current app id
        app_dict = None
    return InstanceTarget(job.service, job.instance, config, None, namespace, app_dict)


def drain_until_gone(
    env: Any, target: Any, app_id: str, interval: float, say: Callable[[str], None], sleep=time.sleep
) -> None:
    """Run drain steps under the instance's bounce lock until Marathon no longer has ``app_id``."""
    from paasta_tools.clients import marathon_client
    from paasta_tools.clients.zookeeper import LockHeldError
    from paasta_tools.operations.marathon_deploy import drain_apps_away

    while True:
        app = marathon_client.get_app(env.client, app_id)
        if app is None:
            return
        try:
            with env.locks.bounce(target.service, target.instance):
                drain_apps_away(env, target, [app])
        except LockHeldError:
            say(f"{target.name} is being bounced by another run; trying again")
        if marathon_client.get_app(env.client, app_id) is None:
            return
        say(f"Sleeping for {interval:g} seconds to give the tasks time to drain")
        sleep(interval)


def graceful_app_drain(app_id: str, soa_dir: str, interval: float, say: Callable[[str], None]) -> None:
    """Drain ``app_id`` away entirely; MarathonError when Marathon does not have it."""
    from paasta_tools.clients import marathon_client
    from paasta_tools.clients.log_writer import load_log_writer
    from paasta_tools.errors import MarathonError, PaastaNotConfiguredError
    from paasta_tools.operations.locks import ZkLocks
    from paasta_tools.operations.marathon_deploy import DeployEnv
    from paasta_tools.system_config import load_system_paasta_config

    system = load_system_paasta_config()
    cluster = system.get_cluster()
    client = marathon_client.get_marathon_client_from_config(system.get_marathon_config())
    if not marathon_client.app_exists(client, app_id):
        raise MarathonError(f"Couldn't find an app named {app_id}")
    target = load_drain_target(app_id, soa_dir, cluster, system)
    zookeeper = system.get("zookeeper")
    if not zookeeper:
        raise PaastaNotConfiguredError(f"Could not find zookeeper in configuration directory: {system.directory}")
    with ZkLocks(zookeeper) as locks:
        env = DeployEnv(client=client, locks=locks, cluster=cluster, log_writer=load_log_writer(lambda: system))
        drain_until_gone(env, target, app_id, interval, say)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    from paasta_tools.errors import PaastaError
    from paasta_tools.operations.marathon_deploy import marathon_errors

    app_id = args.appname.lstrip("/")
    try:
        graceful_app_drain(app_id, args.soa_dir, args.interval, print)
    except PaastaError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_FAILURE
    except marathon_errors() as exc:
        print(f"Marathon API error while draining {app_id}: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    except KeyboardInterrupt:
        print(f"Interrupted; {app_id} may still have tasks left to drain", file=sys.stderr)
        return EXIT_FAILURE
    print(f"Successfully killed {app_id}")
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
