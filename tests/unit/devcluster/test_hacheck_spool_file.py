"""The hacheck emulator's spool file: its JSON document, loading without expired entries, saving on change."""

from __future__ import annotations

import json
from pathlib import Path

from paasta_tools.devcluster.smartstack.hacheck import (
    SPOOL_FILE,
    Spool,
    SpoolBook,
    load_spools,
    spools_from_json,
    spools_to_json,
)

SPOOLS = {
    ("svc.main", "31000"): Spool(100.0, 200.0, "Drained by Paasta"),
    ("svc.canary", "31001"): Spool(120.0, 0.0, "by hand"),
}


def test_the_document_round_trips_and_drops_expired_and_malformed_entries() -> None:
    document = spools_to_json(SPOOLS)
    assert document["version"] == 1
    assert [entry["service"] for entry in document["spools"]] == ["svc.canary", "svc.main"]
    assert spools_from_json(json.loads(json.dumps(document)), now=150.0) == SPOOLS
    assert spools_from_json(document, now=250.0) == {("svc.canary", "31001"): SPOOLS[("svc.canary", "31001")]}
    broken = {"spools": [{"service": "svc.main"}, "nonsense", {"service": "a", "port": 1, "since": "x"}]}
    assert spools_from_json(broken, now=0.0) == {}
    assert spools_from_json([], now=0.0) == {}


def test_a_book_with_a_path_saves_each_change_and_loads_what_was_saved(tmp_path: Path) -> None:
    now = [100.0]
    path = tmp_path / "smartstack" / SPOOL_FILE
    book = SpoolBook(clock=lambda: now[0], path=path)
    book.down("svc.main", "31000", expiration=200.0, reason="Drained by Paasta")
    book.down("svc.main", "31001", expiration=0, reason="")
    assert [entry["port"] for entry in json.loads(path.read_text())["spools"]] == ["31000", "31001"]

    now[0] = 150.0
    again = SpoolBook(clock=lambda: now[0], path=path)
    assert again.get("svc.main", "31000") == Spool(100.0, 200.0, "Drained by Paasta")
    again.up("svc.main", "31001")
    assert load_spools(path, now[0]) == {("svc.main", "31000"): Spool(100.0, 200.0, "Drained by Paasta")}

    now[0] = 300.0  # expired: dropped from the file when loaded
    assert SpoolBook(clock=lambda: now[0], path=path).spools == {}
    assert json.loads(path.read_text())["spools"] == []


def test_an_unreadable_spool_file_starts_an_empty_book(tmp_path: Path) -> None:
    path = tmp_path / SPOOL_FILE
    path.write_text("{not json")
    assert SpoolBook(path=path).spools == {}
    assert load_spools(tmp_path / "missing.json", 0.0) == {}
