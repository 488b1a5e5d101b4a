"""Dependent jobs, cross-service parents and ``paasta rerun`` / chronos_rerun on the devcluster."""

from __future__ import annotations

import pytest

from paasta_tools.cli import cli
from paasta_tools.scripts import chronos_rerun, deploy_chronos_jobs
from tests.support.waiting import wait_for

LATER = "R/2099-01-01T00:00:00Z/P1D"


def deploy(pipeline, capsys=None) -> None:
    assert deploy_chronos_jobs.main(["-d", str(pipeline.soa_dir)]) == 0
    if capsys is not None:
        capsys.readouterr()  # the deploy's own lines


def graph_jobs(pipeline, capsys=None) -> None:
    pipeline.write_service(
        "svc",
        {
            "parent": {"schedule": LATER, "cmd": "echo parent %(shortdate)s"},
            "child": {"parents": ["svc.parent"], "cmd": "echo child %(shortdate-1)s"},
        },
    )
    deploy(pipeline, capsys)


def tmp_names(pipeline) -> list[str]:
    return sorted(job["name"] for job in pipeline.client.list() if job["name"].startswith("tmp-"))


def test_a_dependent_job_runs_after_its_parent_in_another_service_succeeds(pipeline) -> None:
    pipeline.write_service("loader", {"load": {"schedule": LATER, "cmd": "echo loaded"}})
    pipeline.write_service("reports", {"report": {"parents": ["loader.load"], "cmd": "echo report"}})
    deploy(pipeline)
    assert pipeline.job("reports report")["parents"] == ["loader load"]
    pipeline.client.run("loader load")
    wait_for(lambda: pipeline.job("reports report")["successCount"] == 1, timeout=10)
    (parent_run,) = pipeline.runs("loader load")
    (child_run,) = pipeline.runs("reports report")
    assert child_run.started_at >= parent_run.finished_at
    assert child_run.stdout == "report\n"


def test_rerun_with_a_date_runs_the_interpolated_command_without_the_children(pipeline, capsys) -> None:
    graph_jobs(pipeline, capsys)
    argv = ["rerun", "-s", "svc", "-i", "parent", "-y", str(pipeline.soa_dir), "-d", "2016-04-25T00:00:00"]
    assert cli.main([*argv, "-t", "instance"]) == 0
    assert capsys.readouterr().out == "cluster: devcluster\n  successfully created job\n"
    (tmp,) = tmp_names(pipeline)
    assert tmp.startswith("tmp-") and tmp.endswith(" svc parent")
    job = wait_for(lambda: (found := pipeline.job(tmp))["successCount"] == 1 and found, timeout=10)
    assert job["command"] == "echo parent 2016-04-25"
    assert "parents" not in job or job["parents"] == []
    assert [run.stdout for run in pipeline.runs(tmp)] == ["parent 2016-04-25\n"]
    assert pipeline.runs("svc child") == [] and pipeline.runs("svc parent") == []
    assert pipeline.job("svc child")["successCount"] == 0


def test_rerun_of_a_related_job_needs_a_rerun_type(pipeline, capsys) -> None:
    graph_jobs(pipeline, capsys)
    argv = ["rerun", "-s", "svc", "-i", "child", "-y", str(pipeline.soa_dir), "-d", "2016-04-25T00:00:00"]
    assert cli.main(argv) == 1
    assert capsys.readouterr().out == (
        "cluster: devcluster\n  error\nInstance child has dependency relations with the following jobs:\n"
        "- svc.parent\n\nPlease specify the rerun policy via --rerun-type argument\n"
    )
    assert tmp_names(pipeline) == []


def test_graph_rerun_runs_the_parent_then_the_child(pipeline, capsys) -> None:
    graph_jobs(pipeline, capsys)
    argv = ["rerun", "-s", "svc", "-i", "child", "-y", str(pipeline.soa_dir), "-d", "2016-04-25T00:00:00"]
    assert cli.main([*argv, "-t", "graph"]) == 0
    prefix = tmp_names(pipeline)[0].split(" ")[0]
    parent, child = f"{prefix} svc parent", f"{prefix} svc child"
    assert tmp_names(pipeline) == [child, parent]
    assert pipeline.job(child)["parents"] == [parent]
    wait_for(lambda: pipeline.job(child)["successCount"] == 1, timeout=10)
    (parent_run,) = pipeline.runs(parent)
    (child_run,) = pipeline.runs(child)
    assert (parent_run.stdout, child_run.stdout) == ("parent 2016-04-25\n", "child 2016-04-24\n")
    assert child_run.started_at >= parent_run.finished_at
    assert pipeline.runs("svc child") == []


def test_rerun_refuses_time_variables_without_a_date_and_disabled_jobs_without_force(pipeline, capsys) -> None:
    pipeline.write_service(
        "svc",
        {
            "dated": {"schedule": LATER, "cmd": "echo %(year)s"},
            "off": {"schedule": LATER, "cmd": "echo off", "disabled": True},
        },
    )
    deploy(pipeline, capsys)
    base = ["rerun", "-s", "svc", "-y", str(pipeline.soa_dir)]
    assert cli.main([*base, "-i", "dated"]) == 0
    assert capsys.readouterr().out == (
        'cluster: devcluster\n  Warning: "dated" uses time variables interpolation, '
        "please supply a `--execution_date` argument.\n"
    )
    assert cli.main([*base, "-i", "off"]) == 1
    out = capsys.readouterr().out
    assert "  error\n  Job svc.off is disabled; use `--force-disabled` to rerun it anyway\n" in out
    assert tmp_names(pipeline) == []
    assert cli.main([*base, "-i", "off", "-f"]) == 0
    (tmp,) = tmp_names(pipeline)
    wait_for(lambda: pipeline.job(tmp)["successCount"] == 1, timeout=10)


def test_rerun_warns_about_unknown_clusters_and_undeployed_instances(pipeline, capsys) -> None:
    pipeline.write_service("svc", {"job": {"schedule": LATER, "cmd": "true"}})
    pipeline.write_service("undeployed", {"job": {"schedule": LATER, "cmd": "true"}}, deployed=False)
    assert cli.main(["rerun", "-s", "svc", "-i", "nope", "-c", "devcluster,mars", "-y", str(pipeline.soa_dir)]) == 0
    assert capsys.readouterr().out == (
        "cluster: devcluster\n"
        '  Warning: instance "nope" is either invalid or has not been deployed to "devcluster" yet.\n'
        "cluster: mars\n"
        '  Warning: "mars" does not look like a valid cluster.\n'
    )
    assert cli.main(["rerun", "-s", "undeployed", "-i", "job", "-y", str(pipeline.soa_dir)]) == 0
    assert capsys.readouterr().out == (
        'cluster: devcluster\n  Warning: service "undeployed" has not been deployed to "devcluster" yet.\n'
    )


def test_a_bad_execution_date_is_a_clear_argument_error(pipeline, capsys) -> None:
    pipeline.write_service("svc", {"job": {"schedule": LATER, "cmd": "true"}})
    with pytest.raises(SystemExit) as exited:
        cli.main(["rerun", "-s", "svc", "-i", "job", "-y", str(pipeline.soa_dir), "-d", "2016-04-31"])
    assert exited.value.code == 1
    err = capsys.readouterr().err
    assert "'2016-04-31' is not a valid execution date: write it as YYYY-MM-DDTHH:MM:SS" in err


def test_chronos_rerun_script_adds_the_copy(pipeline, capsys) -> None:
    graph_jobs(pipeline, capsys)
    assert chronos_rerun.main(["-d", str(pipeline.soa_dir), "svc parent", "2017-03-15T10:20:30"]) == 0
    (line,) = capsys.readouterr().out.splitlines()
    (tmp,) = tmp_names(pipeline)
    assert line == f"Added temporary job: {tmp}"
    assert pipeline.job(tmp)["command"] == "echo parent 2017-03-15"
    assert chronos_rerun.main(["-d", str(pipeline.soa_dir), "svc ghost", "2017-03-15T10:20:30"]) == 1
    assert "svc.ghost doesn't look like it has been configured" in capsys.readouterr().err
