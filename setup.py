"""Packaging for paasta-tools."""

import re
from pathlib import Path

from setuptools import find_namespace_packages, setup

VERSION = re.search(r'__version__ = "([^"]+)"', Path("paasta_tools/__init__.py").read_text()).group(1)

# Standalone scripts keep upstream's names; those upstream shipped as ``name.py`` are
# reachable under both names.
SCRIPTS = {
    # name: "module:function"
    "generate_deployments_for_service": "paasta_tools.scripts.generate_deployments_for_service:main",
    "generate_deployments_for_service.py": "paasta_tools.scripts.generate_deployments_for_service:main",
    "setup_chronos_job": "paasta_tools.scripts.setup_chronos_job:main",
    "paasta_setup_chronos_job": "paasta_tools.scripts.setup_chronos_job:main",
    "deploy_chronos_jobs": "paasta_tools.scripts.deploy_chronos_jobs:main",
    "paasta_deploy_chronos_jobs": "paasta_tools.scripts.deploy_chronos_jobs:main",
    "list_chronos_jobs": "paasta_tools.scripts.list_chronos_jobs:main",
    "paasta_list_chronos_jobs": "paasta_tools.scripts.list_chronos_jobs:main",
    "cleanup_chronos_jobs": "paasta_tools.scripts.cleanup_chronos_jobs:main",
    "paasta_cleanup_chronos_jobs": "paasta_tools.scripts.cleanup_chronos_jobs:main",
    "check_chronos_jobs": "paasta_tools.scripts.check_chronos_jobs:main",
    "paasta_check_chronos_jobs": "paasta_tools.scripts.check_chronos_jobs:main",
    "chronos_rerun": "paasta_tools.scripts.chronos_rerun:main",
    "paasta_chronos_rerun": "paasta_tools.scripts.chronos_rerun:main",
    "paasta-devcluster": "paasta_tools.devcluster.command:main",
    "setup_marathon_job": "paasta_tools.scripts.setup_marathon_job:main",
    "setup_marathon_job.py": "paasta_tools.scripts.setup_marathon_job:main",
    "deploy_marathon_services": "paasta_tools.scripts.deploy_marathon_services:main",
    "autoscale_all_services": "paasta_tools.scripts.autoscale_all_services:main",
    "autoscale_all_services.py": "paasta_tools.scripts.autoscale_all_services:main",
    "list_marathon_service_instances": "paasta_tools.scripts.list_marathon_service_instances:main",
    "list_marathon_service_instances.py": "paasta_tools.scripts.list_marathon_service_instances:main",
    "cleanup_marathon_jobs": "paasta_tools.scripts.cleanup_marathon_jobs:main",
    "cleanup_marathon_jobs.py": "paasta_tools.scripts.cleanup_marathon_jobs:main",
    "delete_old_marathon_deployments": "paasta_tools.scripts.delete_old_marathon_deployments:main",
    "delete_old_marathon_deployments.py": "paasta_tools.scripts.delete_old_marathon_deployments:main",
    "check_marathon_services_replication": "paasta_tools.scripts.check_marathon_services_replication:main",
    "check_marathon_services_replication.py": "paasta_tools.scripts.check_marathon_services_replication:main",
    "generate_services_file": "paasta_tools.scripts.generate_services_file:main",
    "generate_services_file.py": "paasta_tools.scripts.generate_services_file:main",
    "generate_services_yaml": "paasta_tools.scripts.generate_services_yaml:main",
    "generate_services_yaml.py": "paasta_tools.scripts.generate_services_yaml:main",
    "synapse_srv_namespaces_fact": "paasta_tools.scripts.synapse_srv_namespaces_fact:main",
    "synapse_srv_namespaces_fact.py": "paasta_tools.scripts.synapse_srv_namespaces_fact:main",
    "generate_all_deployments": "paasta_tools.scripts.generate_all_deployments:main",
    "am_i_mesos_leader": "paasta_tools.scripts.am_i_mesos_leader:main",
    "am_i_mesos_leader.py": "paasta_tools.scripts.am_i_mesos_leader:main",
    "get_mesos_leader": "paasta_tools.scripts.get_mesos_leader:main",
    "get_mesos_leader.py": "paasta_tools.scripts.get_mesos_leader:main",
    "graceful_app_drain": "paasta_tools.scripts.graceful_app_drain:main",
    "graceful_app_drain.py": "paasta_tools.scripts.graceful_app_drain:main",
    "paasta_execute_docker_command": "paasta_tools.scripts.paasta_execute_docker_command:main",
    "paasta_execute_docker_command.py": "paasta_tools.scripts.paasta_execute_docker_command:main",
    "paasta_serviceinit": "paasta_tools.scripts.paasta_serviceinit:main",
    "paasta_serviceinit.py": "paasta_tools.scripts.paasta_serviceinit:main",
    "paasta_maintenance": "paasta_tools.scripts.paasta_maintenance:main",
    "paasta_maintenance.py": "paasta_tools.scripts.paasta_maintenance:main",
    "paasta_cleanup_maintenance": "paasta_tools.scripts.cleanup_maintenance:main",
    "cleanup_maintenance": "paasta_tools.scripts.cleanup_maintenance:main",
    "paasta-api": "paasta_tools.api.api:main",
    "paasta-deployd": "paasta_tools.scripts.paasta_deployd:main",
    "paasta_metastatus": "paasta_tools.scripts.paasta_metastatus:main",
    "paasta_metastatus.py": "paasta_tools.scripts.paasta_metastatus:main",
    "check_synapse_replication": "paasta_tools.scripts.check_synapse_replication:main",
    "check_synapse_replication.py": "paasta_tools.scripts.check_synapse_replication:main",
    "kill_orphaned_docker_containers": "paasta_tools.scripts.kill_orphaned_docker_containers:main",
    "kill_orphaned_docker_containers.py": "paasta_tools.scripts.kill_orphaned_docker_containers:main",
    "paasta_docker_wrapper": "paasta_tools.scripts.docker_wrapper:main",
}


def _console_scripts() -> list[str]:
    entries = ["paasta=paasta_tools.cli.cli:console_main"]
    for name, target in sorted(SCRIPTS.items()):
        entries.append(f"{name}={target}")
    return entries


setup(
    name="paasta-tools",
    version=VERSION,
    description="A platform-as-a-service on Marathon, Chronos and Docker, driven by soa-configs and git tags",
    long_description=Path("README.rst").read_text(),
    long_description_content_type="text/x-rst",
    license="Apache-2.0",
    python_requires=">=3.11",
    packages=find_namespace_packages(include=["paasta_tools", "paasta_tools.*"]),
    package_data={"paasta_tools": ["**/*.json", "fsm/template/*", "cli/paasta_tabcomplete.sh"]},
    include_package_data=True,
    install_requires=[
        "marathon==0.13.0",
        "chronos-python==1.2.1",
        "requests>=2.28",
        "PyYAML>=6.0",
        "jsonschema>=4.17",
        "docker>=7.0",
        "kazoo>=2.9",
        "pysensu-yelp>=2.0",
        "argcomplete>=3.0",
        "aiohttp>=3.9",
        "croniter>=2.0",
        "isodate>=0.6",
        "python-dateutil>=2.8",
    ],
    extras_require={
        "dev": ["pytest>=7.4", "pytest-timeout>=2.2", "ruff>=0.5", "tox>=4", "sphinx>=7"],
    },
    entry_points={"console_scripts": _console_scripts()},
)
