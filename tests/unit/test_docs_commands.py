"""docs/source/commands.rst names every ``paasta`` subcommand and standalone script.

When a test here fails after adding a command, script or flag, regenerate the page with
``.venv/bin/python docs/generate_commands.py`` and commit it.
"""

from __future__ import annotations

import argparse
import importlib.util
import re
from pathlib import Path

import pytest

from paasta_tools.cli.cli import COMMANDS

REPO = Path(__file__).resolve().parents[2]
REGENERATE = "regenerate it: .venv/bin/python docs/generate_commands.py"


@pytest.fixture(scope="module")
def generator():
    spec = importlib.util.spec_from_file_location("generate_commands", REPO / "docs" / "generate_commands.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def page() -> str:
    return (REPO / "docs" / "source" / "commands.rst").read_text()


def _section_titles(text: str) -> set[str]:
    """Titles of RST sections: a line followed by an underline of the same length."""
    lines = text.splitlines()
    return {
        line
        for line, under in zip(lines, lines[1:], strict=False)
        if line and re.fullmatch(r"([~^\-=])\1*", under) and len(under) == len(line)
    }


def _scripts_on_page(text: str) -> set[str]:
    titles = _section_titles(text)
    aliases = set(re.findall(r"``([^`]+)``", " ".join(re.findall(r"^Also installed as .*$", text, re.MULTILINE))))
    return titles | aliases


def test_every_paasta_subcommand_has_a_section(page):
    missing = sorted(name for name in COMMANDS if f"paasta {name}" not in _section_titles(page))
    assert not missing, f"commands.rst lacks paasta {', '.join(missing)}; {REGENERATE}"


def test_every_installed_script_is_on_the_page(generator, page):
    scripts = {name for names in generator.script_targets().values() for name in names}
    assert "setup_marathon_job.py" in scripts and "paasta-devcluster" in scripts
    missing = sorted(scripts - _scripts_on_page(page))
    assert not missing, f"commands.rst lacks the scripts {', '.join(missing)}; {REGENERATE}"


def test_the_page_has_nothing_that_is_not_a_command(generator, page):
    scripts = {name for names in generator.script_targets().values() for name in names}
    known = {f"paasta {name}" for name in COMMANDS} | scripts
    titles = {t for t in _section_titles(page) if t not in ("Commands", "The paasta command", "Standalone scripts")}
    stale = sorted(t for t in titles if t not in known and t.rsplit(" ", 1)[0] not in known)
    assert not stale, f"commands.rst documents commands that no longer exist: {stale}; {REGENERATE}"


def test_the_generator_renders_every_flag_of_every_parser(generator):
    text = generator.render_page()
    parsers = list(generator.paasta_parsers().values())
    parsers += [generator.script_parser(target, names[0]) for target, names in generator.script_targets().items()]
    missing = []
    for parser in parsers:
        for action in parser._actions:
            if action.help == argparse.SUPPRESS or isinstance(action, argparse._HelpAction):
                continue
            missing += [f"{parser.prog} {opt}" for opt in action.option_strings if opt not in text]
    assert not missing


def test_generated_usage_does_not_depend_on_the_terminal(generator, monkeypatch):
    monkeypatch.setenv("COLUMNS", "40")
    narrow = generator.render_page()
    monkeypatch.setenv("COLUMNS", "250")
    assert generator.render_page() == narrow
    assert "usage: paasta status [-h] [-v] [-s SERVICE]" in narrow


def test_script_parsers_are_named_after_the_script(generator):
    targets = generator.script_targets()
    target = next(t for t, names in targets.items() if "cleanup_marathon_jobs" in names)
    parser = generator.script_parser(target, "cleanup_marathon_jobs")
    assert parser.format_usage().startswith("usage: cleanup_marathon_jobs ")
    assert any("--kill-threshold" in a.option_strings for a in parser._actions)
