"""The devcluster's Sensu stand-in keeps every JSON event line and drops garbage."""

from __future__ import annotations

import json
from pathlib import Path

from paasta_tools.devcluster.sensu import record_events


def test_keeps_json_objects_one_per_line(tmp_path: Path) -> None:
    events = tmp_path / "events.jsonl"
    data = b'{"name": "a", "status": 0}\nnot json\n[1, 2]\n{"name": "b", "status": 2}\n'
    assert record_events(data, events) == 2
    assert record_events(b"", events) == 0
    assert [json.loads(line)["name"] for line in events.read_text().splitlines()] == ["a", "b"]
