"""validate_service over soa-config directories: one report per file, nothing hidden by a broken file."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from paasta_tools.config.validation import FileKind, ServiceReport, file_kind, misnamed_file_hint, validate_service
from paasta_tools.errors import UnknownServiceError

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "validate"


def issues_by_file(report: ServiceReport) -> dict[str, list[str]]:
    return {Path(f.path).name: [str(i) for i in f.issues] for f in report.files}


def test_good_service_is_valid_and_symlinks_are_skipped() -> None:
    report = validate_service(FIXTURES / "good", "example_service")
    assert report.ok
    assert sorted(issues_by_file(report)) == [
        "adhoc-norcal-prod.yaml",
        "chronos-norcal-prod.yaml",
        "marathon-norcal-prod.yaml",
    ]
    assert [(j.cluster, j.instance, j.ok) for j in report.jobs] == [
        ("norcal-prod", "nightly", True),
        ("norcal-prod", "cleanup", True),
        ("norcal-prod", "hourly", True),
    ]


def test_bad_service_reports_every_file() -> None:
    report = validate_service(FIXTURES / "bad", "broken_service")
    assert not report.ok
    found = issues_by_file(report)
    assert found["adhoc-norcal-prod.yaml"] == ["invalid YAML at line 3, column 1: did not find expected ',' or ']'"]
    assert found["marathon-norcal-canary.yaml"] == [
        "defines no instances; add at least one instance, or delete the file"
    ]
    marathon = found["marathon-norcal-prod.yaml"]
    assert "main: unknown key 'cpu' (did you mean 'cpus'?)" in marathon
    assert "main.instances: should be an integer, not the string 'two'" in marathon
    assert "main.cfs_period_us: should be at least 1000, not 500" in marathon
    assert any(m.startswith("main.drain_method: 'sideways' is not one of: noop, hacheck, http, test") for m in marathon)
    assert any(m.startswith("'web.api' is not a valid instance name") for m in marathon)
    assert len(found["chronos-norcal-prod.yaml"]) == 1
    jobs = {j.instance: j.problems for j in report.jobs}
    assert jobs["orphan"] == (
        "Parent job broken_service.too_ofen could not be found (did you mean 'broken_service.too_often'?)",
    )
    cycle = "broken_service.first -> broken_service.second -> broken_service.first"
    assert jobs["first"] == (f"Parents form a cycle: {cycle}",)
    assert jobs["both"] == ("Schema errors, listed above under chronos-norcal-prod.yaml",)
    assert len(jobs["too_often"]) == 2


def test_non_utf8_bytes_and_other_yaml_files_are_reported(tmp_path: Path) -> None:
    service = tmp_path / "svc"
    service.mkdir()
    (service / "marathon-prod.yaml").write_bytes(b'main:\n  cmd: "caf\xe9"\n')
    (service / "service.yaml").write_text("description: [oops\n")
    (service / "chronos-prod.yaml").write_text("job:\n  schedule: '0 3 * * *'\n")
    report = validate_service(tmp_path, "svc")
    found = issues_by_file(report)
    assert found["marathon-prod.yaml"] == ["not valid UTF-8 text (byte 17, line 2)"]
    assert found["service.yaml"][0].startswith("invalid YAML at line 2, column 1")
    assert found["chronos-prod.yaml"] == []
    assert [f.kind for f in report.files] == [FileKind.CHRONOS, FileKind.MARATHON, None]


def test_dangling_symlink_is_reported(tmp_path: Path) -> None:
    service = tmp_path / "svc"
    service.mkdir()
    (service / "marathon-prod.yaml").symlink_to("marathon-gone.yaml")
    found = issues_by_file(validate_service(tmp_path, "svc"))
    assert found == {"marathon-prod.yaml": ["is a symbolic link to marathon-gone.yaml, which is missing"]}


def test_chronos_jobs_of_symlinked_clusters_are_checked(tmp_path: Path) -> None:
    service = tmp_path / "svc"
    service.mkdir()
    (service / "chronos-prod.yaml").write_text("job:\n  parents: [svc.missing]\n")
    (service / "chronos-dev.yaml").symlink_to("chronos-prod.yaml")
    report = validate_service(tmp_path, "svc")
    assert [Path(f.path).name for f in report.files] == ["chronos-prod.yaml"]
    assert [(j.cluster, j.ok) for j in report.jobs] == [("dev", False), ("prod", False)]


def test_tmp_prefixed_service_with_chronos_jobs(tmp_path: Path) -> None:
    shutil.copytree(FIXTURES / "good" / "upstream_service", tmp_path / "tmpservice")
    found = issues_by_file(validate_service(tmp_path, "tmpservice"))
    (message,) = found["chronos-norcal-prod.yaml"]
    assert message.startswith("service name 'tmpservice' starts with 'tmp'")


@pytest.mark.parametrize("service", ["../x", "a/b", ".hidden", "missing"])
def test_service_names_that_leave_the_soa_dir_or_do_not_exist(service: str) -> None:
    with pytest.raises(UnknownServiceError) as exc:
        validate_service(FIXTURES / "good", service)
    assert repr(service) in str(exc.value)


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("marathon-prod.yaml", FileKind.MARATHON),
        ("chronos-a-b.yaml", FileKind.CHRONOS),
        ("adhoc-x.yaml", FileKind.ADHOC),
        ("marathon.yaml", None),
        ("smartstack.yaml", None),
        ("marathon-prod.yml", None),
    ],
)
def test_file_kind(name: str, kind: FileKind | None) -> None:
    assert file_kind(name) is kind


def test_deploy_yaml_and_smartstack_yaml_problems(tmp_path: Path) -> None:
    service = tmp_path / "svc"
    service.mkdir()
    (service / "marathon-prod.yaml").write_text("main: {cpus: 1}\n")
    (service / "deploy.yaml").write_text("pipeline:\n  - step: itest\n  - stpe: prod.main\n")
    (service / "smartstack.yaml").write_text("main: {proxy_port: '20001', mode: udp}\nok: {proxy_port: 20002}\n")
    found = issues_by_file(validate_service(tmp_path, "svc"))
    assert found["deploy.yaml"] == ["pipeline entry 2 must be a mapping with a 'step' name"]
    assert found["smartstack.yaml"] == [
        "main, key 'mode': unknown mode 'udp'; must be one of http, tcp, https",
        "main.proxy_port: should be an integer port, not the string '20001'",
    ]
    assert found["marathon-prod.yaml"] == []


def test_valid_deploy_and_smartstack_files_are_not_listed() -> None:
    names = issues_by_file(validate_service(FIXTURES / "good", "example_service"))
    assert "deploy.yaml" not in names and "smartstack.yaml" not in names


@pytest.mark.parametrize(
    ("name", "hint"),
    [
        ("marthon-prod.yaml", "did you mean 'marathon-prod.yaml'?"),
        ("chronos_prod.yaml", "did you mean 'chronos-prod.yaml'?"),
        ("adhoc-prod.yml", "did you mean 'adhoc-prod.yaml'?"),
        ("marathon-prod.yaml", None),
        ("tron-prod.yaml", None),
        ("paasta_native-prod.yaml", None),
        ("smartstack.yaml", None),
    ],
)
def test_misnamed_instance_files(name: str, hint: str | None) -> None:
    found = misnamed_file_hint(name)
    if hint is None:
        assert found is None
    else:
        assert found is not None and found.startswith("is not read by paasta") and found.endswith(f"({hint})")


def test_misnamed_file_fails_validation(tmp_path: Path) -> None:
    service = tmp_path / "svc"
    service.mkdir()
    (service / "marathon-prod.yml").write_text("main: {cpus: 1}\n")
    (service / "notes.yml").write_text("anything: goes\n")
    report = validate_service(tmp_path, "svc")
    assert not report.ok
    assert list(issues_by_file(report)) == ["marathon-prod.yml"]


def test_schema_errors_mark_jobs_of_symlinked_clusters_invalid(tmp_path: Path) -> None:
    service = tmp_path / "svc"
    service.mkdir()
    (service / "chronos-SHARED.yaml").write_text("job:\n  schedule: '0 3 * * *'\n  cpu: 1\n")
    (service / "chronos-prod.yaml").symlink_to("chronos-SHARED.yaml")
    report = validate_service(tmp_path, "svc")
    assert [(j.cluster, j.problems) for j in report.jobs] == [
        ("SHARED", ("Schema errors, listed above under chronos-SHARED.yaml",)),
        ("prod", ("Schema errors, listed above under chronos-SHARED.yaml",)),
    ]


def test_instance_names_must_be_unique_across_types_in_a_cluster(tmp_path: Path) -> None:
    service = tmp_path / "svc"
    service.mkdir()
    (service / "marathon-prod.yaml").write_text("main: {cpus: 1}\nworker: {cpus: 1}\n")
    (service / "chronos-prod.yaml").write_text("main:\n  schedule: '0 3 * * *'\n")
    (service / "adhoc-prod.yaml").write_text("worker: {cpus: 1}\nbatch: {cpus: 1}\n")
    (service / "chronos-dev.yaml").write_text("worker:\n  schedule: '0 3 * * *'\n")
    found = issues_by_file(validate_service(tmp_path, "svc"))
    assert found == {
        "adhoc-prod.yaml": [
            "worker: is also an instance in marathon-prod.yaml; instance names must be unique in a cluster"
        ],
        "chronos-dev.yaml": [],
        "chronos-prod.yaml": [
            "main: is also an instance in marathon-prod.yaml; instance names must be unique in a cluster"
        ],
        "marathon-prod.yaml": [],
    }


def test_duplicate_in_a_symlinked_file_is_reported_on_the_symlink(tmp_path: Path) -> None:
    service = tmp_path / "svc"
    service.mkdir()
    (service / "marathon-prod.yaml").write_text("main: {cpus: 1}\n")
    (service / "chronos-SHARED.yaml").write_text("main:\n  schedule: '0 3 * * *'\n")
    (service / "chronos-prod.yaml").symlink_to("chronos-SHARED.yaml")
    report = validate_service(tmp_path, "svc")
    found = issues_by_file(report)
    assert not report.ok
    assert all(job.ok for job in report.jobs)  # the file report carries the error, the job itself is fine
    assert found["chronos-SHARED.yaml"] == []
    assert found["chronos-prod.yaml"] == [
        "main: is also an instance in marathon-prod.yaml; instance names must be unique in a cluster"
    ]
