"""``paasta validate``'s checks of a service's soa-configs.

Two layers: pure functions that take parsed data and return :class:`Issue` lists
(:func:`validate_instance_data`, and the chronos checks of ``validation_chronos``),
and :func:`validate_service`, which reads the files of one service and returns a
:class:`ServiceReport` for the command to print.  Every file is reported on its own,
so one broken file never hides the problems of the others.
"""

from __future__ import annotations

import dataclasses
import difflib
import enum
import functools
import json
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from paasta_tools.config.deploy_yaml import get_pipeline
from paasta_tools.config.smartstack import namespace_config_from_dict
from paasta_tools.config.soa_dir import DEPLOY_YAML, SMARTSTACK_YAML, require_service_dir, service_dir
from paasta_tools.config.validation_chronos import check_job, parent_services
from paasta_tools.config.validation_format import describe_value, dotted, format_error
from paasta_tools.config.yaml_files import read_yaml_file
from paasta_tools.errors import ConfigError, PaastaError

DOCS_URL = "http://paasta.readthedocs.io/en/latest/yelpsoa_configs.html"


class FileKind(enum.Enum):
    """The instance-file types that have a JSON schema."""

    MARATHON = "marathon"
    CHRONOS = "chronos"
    ADHOC = "adhoc"


@dataclass(frozen=True)
class Issue:
    """One problem in a file: the key path inside the file (instance first) and a message."""

    path: tuple[str | int, ...]
    message: str

    def __str__(self) -> str:
        where = dotted(self.path)
        return f"{where}: {self.message}" if where else self.message


@dataclass(frozen=True)
class FileReport:
    """The result of validating one file; ``kind`` is None for files without a schema."""

    path: str
    kind: FileKind | None
    issues: tuple[Issue, ...]

    @property
    def ok(self) -> bool:
        return not self.issues


@dataclass(frozen=True)
class JobReport:
    """The semantic checks of one chronos job (``problems`` empty when valid)."""

    cluster: str
    instance: str
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class ServiceReport:
    """Everything ``paasta validate`` found for one service."""

    service: str
    files: tuple[FileReport, ...]
    jobs: tuple[JobReport, ...]

    @property
    def ok(self) -> bool:
        return all(f.ok for f in self.files) and all(j.ok for j in self.jobs)


def file_kind(file_name: str) -> FileKind | None:
    """The schema kind of an instance file name (``marathon-prod.yaml`` -> MARATHON), else None."""
    if not file_name.endswith(".yaml"):
        return None
    for kind in FileKind:
        if file_name.startswith(f"{kind.value}-"):
            return kind
    return None


_INSTANCE_FILE_RE = re.compile(r"^([A-Za-z]+)[-_](.+)\.(yaml|yml)$")


def misnamed_file_hint(file_name: str) -> str | None:
    """Why a file that looks like a misspelt instance file (``marthon-prod.yaml``, ``.yml``) is ignored."""
    match = _INSTANCE_FILE_RE.match(file_name)
    if match is None or file_kind(file_name) is not None:
        return None
    prefix, cluster, _ = match.groups()
    close = difflib.get_close_matches(prefix.lower(), [k.value for k in FileKind], n=1, cutoff=0.75)
    if not close:
        return None
    return f"is not read by paasta, so its instances never run (did you mean '{close[0]}-{cluster}.yaml'?)"


@functools.cache
def _validator(kind: FileKind) -> Any:
    import jsonschema  # imported on first use: it is slow to import and only validate needs it

    text = resources.files("paasta_tools.config").joinpath("schemas", f"{kind.value}_schema.json").read_text()
    return jsonschema.Draft4Validator(json.loads(text))


def load_schema(kind: FileKind) -> dict[str, Any]:
    """The parsed JSON schema shipped for ``kind``."""
    return _validator(kind).schema


def validate_instance_data(kind: FileKind, data: Any) -> list[Issue]:
    """All problems of one parsed instance file, sorted by key path; empty when valid."""
    issues: list[Issue] = []
    if isinstance(data, dict):
        for name in [k for k in data if not isinstance(k, str)]:
            issues.append(Issue((), f"instance name {name!r} is not a string; write it in quotes: '{name}'"))
        data = {k: v for k, v in data.items() if isinstance(k, str)}
        if not data and issues:
            return issues
    for error in _validator(kind).iter_errors(data):
        issues.extend(Issue(path, message) for path, message in format_error(error))
    if kind is FileKind.MARATHON and isinstance(data, dict):
        issues.extend(_marathon_semantics(data))
    if isinstance(data, dict):
        issues.extend(_resource_size_issues(data))
    return _sorted_unique(issues)


MAX_RESOURCE = 1e9  # far above any machine; beyond it the Docker and Mesos arithmetic overflows


def _resource_size_issues(data: Mapping[str, Any]) -> list[Issue]:
    """Resource amounts the schema accepts as numbers but no scheduler could use (``cpus: 1e308``)."""
    issues = []
    for instance, config in data.items():
        for key in ("cpus", "mem", "disk", "cpu_burst_pct") if isinstance(config, dict) else ():
            value = config.get(key)
            if isinstance(value, int | float) and not isinstance(value, bool) and not abs(value) <= MAX_RESOURCE:
                issues.append(Issue((instance, key), f"{value!r} is too large; at most {MAX_RESOURCE:g}"))
    return issues


def _marathon_semantics(data: Mapping[str, Any]) -> list[Issue]:
    issues = []
    for instance, config in data.items():
        if not isinstance(config, dict):
            continue
        if config.get("cmd") is not None and config.get("args"):
            issues.append(Issue((instance,), "has both 'cmd' and 'args'; give the command in one of them"))
        low, high = config.get("min_instances"), config.get("max_instances")
        if isinstance(low, int) and isinstance(high, int) and low > high:
            issues.append(Issue((instance,), f"min_instances ({low}) is greater than max_instances ({high})"))
    return issues


def _sorted_unique(issues: Iterable[Issue]) -> list[Issue]:
    unique = {(tuple(str(p) for p in issue.path), issue.message): issue for issue in issues}
    return [unique[key] for key in sorted(unique)]


def service_name_issues(service: str, kind: FileKind) -> list[Issue]:
    """Problems of the service name itself that only matter for ``kind`` files."""
    if kind is FileKind.CHRONOS and service.startswith("tmp"):
        return [
            Issue(
                (),
                f"service name '{service}' starts with 'tmp', which marks temporary (rerun) chronos jobs; "
                "a service with chronos jobs needs another name",
            )
        ]
    return []


def other_file_issues(file_name: str, data: Any) -> list[Issue]:
    """Problems of deploy.yaml and smartstack.yaml that would break deployments; [] for other files."""
    if file_name not in (DEPLOY_YAML, SMARTSTACK_YAML) or data in (None, {}):
        return []
    if not isinstance(data, dict):
        return [Issue((), "should be a mapping of keys to values")]
    if file_name == DEPLOY_YAML:
        try:
            get_pipeline(data, file_name)
        except ConfigError as exc:
            return [Issue((), str(exc).removeprefix(f"{file_name}: "))]
        return []
    issues = []
    for namespace, raw in data.items():
        try:
            namespace_config_from_dict(str(namespace), raw, str(namespace))
        except ConfigError as exc:
            issues.append(Issue((), str(exc)))
        port = raw.get("proxy_port") if isinstance(raw, dict) else None
        if port is not None and (isinstance(port, bool) or not isinstance(port, int)):
            issues.append(Issue((namespace, "proxy_port"), f"should be an integer port, not {describe_value(port)}"))
    return issues


def _read(path: Path) -> Any:
    return read_yaml_file(path, require_mapping=False)


def _config_error_issue(exc: PaastaError, path: Path) -> Issue:
    message = str(exc)
    prefix = f"{path}: "
    return Issue((), message[len(prefix) :] if message.startswith(prefix) else message)


def _validate_file(service: str, path: Path) -> tuple[FileReport | None, Any]:
    """Report for one file (None for a valid file without a schema) and its parsed data."""
    kind = file_kind(path.name)
    if path.is_symlink() and not path.exists():
        return FileReport(
            str(path), kind, (Issue((), f"is a symbolic link to {os.readlink(path)}, which is missing"),)
        ), None
    try:
        data = _read(path)
    except ConfigError as exc:
        return FileReport(str(path), kind, (_config_error_issue(exc, path),)), None
    if kind is None:
        issues = other_file_issues(path.name, data)
        return (FileReport(str(path), None, tuple(issues)) if issues else None), data
    issues = service_name_issues(service, kind) + validate_instance_data(kind, data)
    return FileReport(str(path), kind, tuple(issues)), data


def validate_service(soa_dir: str | os.PathLike[str], service: str) -> ServiceReport:
    """Validate every soa-configs file of ``service``; raises UnknownServiceError if it has no directory.

    Symlinked YAML files are skipped (their target is validated under its own name), except
    for the chronos job checks, which cover every cluster the service has a file for.
    """
    directory = require_service_dir(soa_dir, service)
    reports: list[FileReport] = []
    parsed: dict[tuple[FileKind, str], tuple[Path, Any]] = {}
    for path in sorted(p for p in directory.iterdir() if p.suffix in (".yaml", ".yml")):
        kind = file_kind(path.name)
        hint = misnamed_file_hint(path.name)
        if hint:
            reports.append(FileReport(str(path), None, (Issue((), hint),)))
            continue
        if kind is None and path.suffix == ".yml":
            continue
        if path.is_symlink() and path.exists():
            data = _read_or_none(path)
        else:
            report, data = _validate_file(service, path)
            if report is not None:
                reports.append(report)
        if kind is not None and data is not None:
            parsed[(kind, _cluster_of(path, kind))] = (path, data)
    chronos = {c: (path.resolve(), data) for (k, c), (path, data) in parsed.items() if k is FileKind.CHRONOS}
    jobs = _chronos_job_reports(soa_dir, service, chronos, reports)
    reports = _add_issues(reports, duplicate_instance_issues(parsed))
    return ServiceReport(service, tuple(reports), tuple(jobs))


def duplicate_instance_issues(parsed: Mapping[tuple[FileKind, str], tuple[Path, Any]]) -> dict[Path, list[Issue]]:
    """Instance names defined by more than one instance type of a cluster, reported on the later file.

    Lookups take the first type (marathon, chronos, adhoc) that has the instance, so the later
    definition would silently never run.
    """
    first: dict[tuple[str, str], Path] = {}
    found: dict[Path, list[Issue]] = {}
    for kind in FileKind:
        for (file_kind_, cluster), (path, data) in sorted(parsed.items(), key=lambda item: item[0][1]):
            if file_kind_ is not kind or not isinstance(data, dict):
                continue
            for instance in data:
                earlier = first.setdefault((cluster, str(instance)), path)
                if earlier != path:
                    message = f"is also an instance in {earlier.name}; instance names must be unique in a cluster"
                    found.setdefault(path, []).append(Issue((str(instance),), message))
    return found


def _add_issues(reports: list[FileReport], extra: Mapping[Path, list[Issue]]) -> list[FileReport]:
    """``reports`` with ``extra`` issues added to each file's report (a symlink gets its own)."""
    by_path = {Path(r.path): r for r in reports}
    for path, issues in extra.items():
        report = by_path.get(path) or FileReport(str(path), file_kind(path.name), ())
        by_path[path] = dataclasses.replace(report, issues=report.issues + tuple(issues))
    return sorted(by_path.values(), key=lambda r: Path(r.path).name)


def _cluster_of(path: Path, kind: FileKind) -> str:
    return path.name[len(f"{kind.value}-") : -len(".yaml")]


def _read_or_none(path: Path) -> Any:
    try:
        return _read(path)
    except ConfigError:
        return None


def _chronos_job_reports(
    soa_dir: str | os.PathLike[str],
    service: str,
    chronos_files: Mapping[str, tuple[Path, Any]],
    reports: list[FileReport],
) -> list[JobReport]:
    """One JobReport per job of every chronos cluster (symlinked files included, keyed by their target)."""
    schema_invalid = {
        (Path(r.path).resolve(), issue.path[0])
        for r in reports
        if r.kind is FileKind.CHRONOS
        for issue in r.issues
        if issue.path
    }
    jobs_out: list[JobReport] = []
    for cluster, (source, data) in sorted(chronos_files.items()):
        if not isinstance(data, dict):
            continue
        cluster_jobs = load_cluster_jobs(soa_dir, cluster, {service: data})
        for instance, job in data.items():
            problems = check_job(service, str(instance), job, cluster_jobs)
            if (source, instance) in schema_invalid:
                problems.append(f"Schema errors, listed above under {source.name}")
            jobs_out.append(JobReport(cluster, str(instance), tuple(sorted(set(problems)))))
    return jobs_out


def load_cluster_jobs(
    soa_dir: str | os.PathLike[str], cluster: str, known: Mapping[str, Mapping[str, Any]]
) -> dict[str, Mapping[str, Any]]:
    """``known`` plus the chronos jobs, in ``cluster``, of every service the parents reach."""
    loaded: dict[str, Mapping[str, Any]] = dict(known)
    pending = set().union(*(parent_services(jobs) for jobs in loaded.values())) - set(loaded)
    while pending:
        name = pending.pop()
        loaded[name] = _other_service_jobs(soa_dir, name, cluster)
        pending |= parent_services(loaded[name]) - set(loaded)
    return loaded


def _other_service_jobs(soa_dir: str | os.PathLike[str], service: str, cluster: str) -> Mapping[str, Any]:
    try:
        data = read_yaml_file(service_dir(soa_dir, service) / f"{FileKind.CHRONOS.value}-{cluster}.yaml")
    except PaastaError:
        return {}
    return data if isinstance(data, dict) else {}
