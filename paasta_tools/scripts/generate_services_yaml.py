"""generate_services_yaml: write services.yaml, where each SmartStack namespace is reached on this host.

Usage: ``generate_services_yaml [-d SOA_DIR] OUTPUT_PATH``

Every ``service.namespace`` with a ``proxy_port`` maps to ``{host: 169.254.255.254, port: <proxy_port>}``
(the address is only written into the file).  The file is replaced atomically, and left untouched when
its content would not change.  A service whose files cannot be read is reported on stderr and left
out; the exit code is then 1.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Sequence

from paasta_tools.scripts.common import EXIT_FAILURE, add_soa_dir_argument
from paasta_tools.scripts.generate_services_file import read_namespaces_or_report, report_problems


def write_if_changed(path: str, text: str) -> bool:
    """Atomically replace ``path`` with ``text`` unless it already holds exactly that; True if written."""
    try:
        with open(path, encoding="utf-8") as current:
            if current.read() == text:
                return False
    except (FileNotFoundError, UnicodeDecodeError, IsADirectoryError):
        pass
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp_path = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as tmp:
            tmp.write(text)
        os.chmod(tmp_path, 0o644)
        os.replace(tmp_path, path)
    except BaseException:
        os.unlink(tmp_path)
        raise
    return True


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="generate_services_yaml",
        description="Writes the host and port of every smartstack namespace to a YAML file.",
    )
    parser.add_argument("output_path", help="the services.yaml file to write")
    add_soa_dir_argument(parser)
    args = parser.parse_args(argv)
    from paasta_tools.smartstack_files import render_services_yaml, services_yaml_config

    found = read_namespaces_or_report("generate_services_yaml", args.soa_dir)
    if found is None:
        return EXIT_FAILURE
    services, problems = found
    try:
        write_if_changed(args.output_path, render_services_yaml(services_yaml_config(services)))
    except OSError as exc:
        print(f"generate_services_yaml: cannot write {args.output_path}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_FAILURE
    return report_problems("generate_services_yaml", problems)


if __name__ == "__main__":
    sys.exit(main())
