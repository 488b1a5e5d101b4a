"""``paasta validate`` end to end through the CLI front end: output, exit codes, service resolution."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest

from paasta_tools.cli import cli
from paasta_tools.cli.cmds.validate import Marks, marks_for, resolve_service, validate_and_print

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "validate"
GOOD = FIXTURES / "good"
BAD = FIXTURES / "bad"


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = cli.main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_valid_service_exits_0_with_upstreams_lines(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["validate", "-s", "example_service", "-y", str(GOOD)], capsys)
    assert code == 0
    marathon = GOOD / "example_service" / "marathon-norcal-prod.yaml"
    assert f"\u2713 Successfully validated schema: {marathon}\n" in out
    assert "\u2713 chronos-norcal-prod.yaml has a valid instance: nightly.\n" in out
    assert "marathon-norcal-shared.yaml" not in out  # a symlink: its target was validated
    assert "\033[" not in out  # not a terminal: no colour


def test_invalid_service_exits_1_and_shows_every_file(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["validate", "-s", "broken_service", "-y", str(BAD)], capsys)
    assert code == 1
    assert err == ""
    service = BAD / "broken_service"
    header = "\u2717 Failed to validate schema. More info: http://paasta.readthedocs.io/en/latest/yelpsoa_configs.html"
    for name in ("adhoc-norcal-prod.yaml", "chronos-norcal-prod.yaml", "marathon-norcal-canary.yaml"):
        assert f"{header}: {service / name}\n" in out
    assert "  invalid YAML at line 3, column 1" in out
    assert "  main: unknown key 'cpu' (did you mean 'cpus'?)\n" in out
    assert "  main.bounce_method: 'crosover' is not one of: crossover, brutal, upthendown, downthenup, down" in out
    assert "\u2717 chronos-norcal-prod.yaml has an invalid instance: orphan.\n" in out
    assert "  Parent job broken_service.too_ofen could not be found (did you mean 'broken_service.too_often'?)" in out
    assert "Traceback" not in out + err


def test_run_from_inside_the_service_directory(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(GOOD / "example_service")
    code, out, _ = run(["validate"], capsys)
    assert code == 0
    assert "Successfully validated schema" in out


def test_resolve_service() -> None:
    assert resolve_service("svc", "/soa", "/anywhere") == ("/soa", "svc")
    assert resolve_service("svc", None, "/soa") == ("/soa", "svc")
    assert resolve_service(None, None, "/soa/svc") == ("/soa", "svc")
    assert resolve_service(None, "/soa/svc", "/soa/svc") == ("/soa", "svc")


def test_soa_dir_without_service_is_an_error(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run(["validate", "-y", str(tmp_path)], capsys)
    assert code == 1
    assert "needs -s SERVICE" in err


@pytest.mark.parametrize("service", ["../x", "no_such_service"])
def test_bad_service_names_fail_cleanly(service: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["validate", "-s", service, "-y", str(GOOD)], capsys)
    assert code == 1
    assert repr(service) in err
    assert "Traceback" not in out + err


def test_directory_without_yaml_files(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    code, out, _ = run(["validate", "-s", "empty", "-y", str(tmp_path)], capsys)
    assert code == 1
    assert f"\u2717 {tmp_path / 'empty'} does not contain any .yaml files" in out


def test_all_errors_of_several_files_appear_in_one_run(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    service = tmp_path / "svc"
    service.mkdir()
    (service / "marathon-a.yaml").write_text("main:\n  cpus: lots\n  mem: none\n")
    (service / "marathon-b.yaml").write_text("main: {instances: -1}\n")
    (service / "adhoc-c.yaml").write_bytes(b"\xff\xfe")
    (service / "chronos-d.yaml").write_text("job:\n  schedule: 'R/2020-01-01T00:00:00Z/PT1S'\n")
    code, out, _ = run(["validate", "-s", "svc", "-y", str(tmp_path)], capsys)
    assert code == 1
    assert "  main.cpus: should be a number, not the string 'lots'\n" in out
    assert "  main.mem: should be a number, not the string 'none'\n" in out
    assert "  main.instances: should be at least 0, not -1\n" in out
    assert "  not valid UTF-8 text (byte 0, line 1)\n" in out
    assert "\u2717 chronos-d.yaml has an invalid instance: job.\n" in out


def test_colour_only_on_a_terminal() -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    assert not marks_for(io.StringIO()).colour
    assert marks_for(Terminal()).colour
    out = Terminal()
    assert validate_and_print(str(GOOD), "example_service", out) == 0
    assert "\033[32m\u2713\033[0m Successfully validated schema" in out.getvalue()
    plain = io.StringIO()
    validate_and_print(str(GOOD), "example_service", plain, Marks(colour=False))
    assert "\033[" not in plain.getvalue()


def test_invalid_non_schema_file_has_its_own_header(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    service = tmp_path / "svc"
    service.mkdir()
    (service / "marathon-a.yaml").write_text("main: {cpus: 1}\n")
    (service / "deploy.yaml").write_text("pipeline: {step: x}\n")
    code, out, _ = run(["validate", "-s", "svc", "-y", str(tmp_path)], capsys)
    assert code == 1
    assert f"\u2717 Invalid file: {service / 'deploy.yaml'}\n  'pipeline' must be a list of steps\n" in out
    assert f"\u2713 Successfully validated schema: {service / 'marathon-a.yaml'}\n" in out


def test_validate_loads_no_network_or_container_libraries() -> None:
    code = (
        "import sys; from paasta_tools.cli import cli\n"
        f"assert cli.main(['validate', '-s', 'example_service', '-y', {str(GOOD)!r}]) == 0\n"
        "heavy = [m for m in ('requests', 'docker', 'kazoo', 'marathon', 'aiohttp') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
