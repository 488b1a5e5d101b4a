"""The shared flags of paasta_tools.cli.arguments."""

from __future__ import annotations

import argparse

from paasta_tools.cli.arguments import (
    SHORT_SOA_DIR_HELP,
    add_soa_dir_argument,
    split_comma_list,
    strip_services_prefix,
)
from paasta_tools.paths import DEFAULT_SOA_DIR


def test_soa_dir_defaults_to_the_system_soa_configs() -> None:
    parser = argparse.ArgumentParser()
    add_soa_dir_argument(parser)
    assert parser.parse_args([]).soa_dir == DEFAULT_SOA_DIR
    assert parser.parse_args(["-d", "/tmp/soa"]).soa_dir == "/tmp/soa"
    assert parser.parse_args(["--soa-dir", "/tmp/other"]).soa_dir == "/tmp/other"
    assert f"(default {DEFAULT_SOA_DIR})" in parser.format_help()


def test_soa_dir_takes_other_short_flags_and_help() -> None:
    parser = argparse.ArgumentParser()
    add_soa_dir_argument(parser, ("-y", "-d"), help=SHORT_SOA_DIR_HELP)
    assert parser.parse_args(["-y", "/a"]).soa_dir == "/a"
    assert parser.parse_args(["-d", "/b"]).soa_dir == "/b"
    assert "-y SOA_DIR, -d SOA_DIR, --soa-dir SOA_DIR" in parser.format_help()
    assert SHORT_SOA_DIR_HELP in parser.format_help()


def test_services_prefix_is_stripped_only_at_the_start() -> None:
    assert strip_services_prefix("services-foo") == "foo"
    assert strip_services_prefix("foo-services-x") == "foo-services-x"


def test_comma_lists_drop_blanks_and_spaces() -> None:
    assert split_comma_list(" c1, ,c2,") == ["c1", "c2"]
    assert split_comma_list(None) == []
    assert split_comma_list("") == []
