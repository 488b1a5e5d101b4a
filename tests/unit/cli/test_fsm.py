"""``paasta fsm`` writes a new service that ``paasta validate`` accepts, and never overwrites one."""

from __future__ import annotations

import argparse
import io
import json
from pathlib import Path

import pytest
import yaml

from paasta_tools.cli.cli import main as cli_main
from paasta_tools.cli.cmds.fsm import paasta_fsm
from paasta_tools.config.validation import validate_service
from paasta_tools.fsm.render import TEMPLATE_DIR


@pytest.fixture
def soa(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A soa dir where two services already use proxy ports 20000 and 20001; system config cluster ``devc``."""
    soa = tmp_path / "soa"
    for service, port in (("one", 20000), ("two", 20001)):
        (soa / service).mkdir(parents=True)
        (soa / service / "smartstack.yaml").write_text(yaml.safe_dump({"main": {"proxy_port": port}}))
    (soa / "broken").mkdir()
    (soa / "broken" / "smartstack.yaml").write_text("main: [unclosed\n")
    etc = tmp_path / "etc"
    etc.mkdir()
    (etc / "cluster.json").write_text(json.dumps({"cluster": "devc"}))
    monkeypatch.setenv("PAASTA_SYSTEM_CONFIG_DIR", str(etc))
    return soa


def _args(soa: Path, **values: object) -> argparse.Namespace:
    defaults = dict(service=None, team=None, description=None, external_link=None, git_url=None, cluster=None,
                    port=None)  # fmt: skip
    return argparse.Namespace(yelpsoa_config_root=str(soa), **{**defaults, **values})


def test_fsm_writes_a_service_that_validates(soa: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = cli_main(["fsm", "-y", str(soa), "--service", "new-svc", "--team", "web", "--description", "Does: things"])
    assert code == 0
    out = capsys.readouterr().out
    assert f"Using template from {TEMPLATE_DIR}" in out and "    new-svc" in out and "\033[" not in out
    directory = soa / "new-svc"
    names = sorted(p.name for p in directory.iterdir())
    assert names == ["chronos-devc.yaml", "deploy.yaml", "marathon-devc.yaml", "monitoring.yaml", "service.yaml",
                     "smartstack.yaml"]  # fmt: skip
    assert yaml.safe_load((directory / "smartstack.yaml").read_text()) == {"main": {"proxy_port": 20002}}
    assert yaml.safe_load((directory / "monitoring.yaml").read_text())["team"] == "web"
    assert yaml.safe_load((directory / "service.yaml").read_text())["description"] == "Does: things"
    chronos = yaml.safe_load((directory / "chronos-devc.yaml").read_text())
    assert chronos["example_child_job"]["parents"] == ["new-svc.example_job"]
    report = validate_service(str(soa), "new-svc")
    assert report.ok, report
    assert {f.kind.value for f in report.files if f.kind} == {"marathon", "chronos"}
    assert [j.instance for j in report.jobs] == ["example_job", "example_child_job"]


def test_fsm_refuses_to_overwrite_an_existing_service(soa: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = (soa / "one" / "smartstack.yaml").read_text()
    assert cli_main(["fsm", "-y", str(soa), "--service", "one", "--cluster", "devc"]) == 1
    assert "already exists: paasta fsm does not overwrite an existing service" in capsys.readouterr().err
    assert sorted(p.name for p in (soa / "one").iterdir()) == ["smartstack.yaml"]
    assert (soa / "one" / "smartstack.yaml").read_text() == before


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ([], "paasta fsm needs --service NAME (no terminal to ask on)"),
        (["--service", "Bad_Name!"], "Invalid service name 'Bad_Name!'"),
        (["--service", "svc", "--port", "20001"], "Proxy port 20001 is already used by a smartstack.yaml"),
    ],
)
def test_bad_values_are_one_line_errors(soa: Path, capsys, argv, message) -> None:
    assert cli_main(["fsm", "-y", str(soa), *argv]) == 1
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert sorted(p.name for p in soa.iterdir()) == ["broken", "one", "two"]


def test_missing_soa_dir_and_missing_cluster(tmp_path: Path, monkeypatch, capsys) -> None:
    assert cli_main(["fsm", "-y", str(tmp_path / "nope"), "--service", "svc"]) == 1
    assert "does not exist" in capsys.readouterr().err
    monkeypatch.setenv("PAASTA_SYSTEM_CONFIG_DIR", str(tmp_path / "no-etc"))
    assert cli_main(["fsm", "-y", str(tmp_path), "--service", "svc"]) == 1
    assert "paasta fsm needs --cluster NAME" in capsys.readouterr().err


def test_prompts_for_missing_values_with_defaults(soa: Path) -> None:
    answers = iter(["asked-svc", "", "ops", "", "http://docs"])
    asked: list[str] = []

    def prompt(question: str) -> str:
        asked.append(question)
        return next(answers)

    assert paasta_fsm(_args(soa), out=io.StringIO(), prompt=prompt) == 0
    assert asked == ["service: ", "cluster [devc]: ", "team [noop]: ", "description [Description]: ",
                     "external_link [Url]: "]  # fmt: skip
    service_yaml = yaml.safe_load((soa / "asked-svc" / "service.yaml").read_text())
    assert service_yaml["description"] == "Description" and service_yaml["external_link"] == "http://docs"
    assert (soa / "asked-svc" / "marathon-devc.yaml").exists()


def test_configured_template_directory(soa: Path, tmp_path: Path, monkeypatch) -> None:
    template = tmp_path / "tmpl"
    template.mkdir()
    (template / "marathon-${cluster}.yaml").write_text("main:\n  cmd: run ${service}\n")
    etc = tmp_path / "etc"
    (etc / "fsm.json").write_text(json.dumps({"fsm_template": str(template)}))
    out = io.StringIO()
    assert paasta_fsm(_args(soa, service="tiny", cluster="c9"), out=out) == 0
    assert out.getvalue().startswith(f"Using template from {template}\n")
    assert [p.name for p in (soa / "tiny").iterdir()] == ["marathon-c9.yaml"]
    assert validate_service(str(soa), "tiny").ok
