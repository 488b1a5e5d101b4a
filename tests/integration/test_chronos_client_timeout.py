"""A Chronos that accepts connections and never answers: every call ends with an error naming the server
instead of hanging (chronos-python itself sets no timeout)."""

from __future__ import annotations

import socket
import time

import pytest

from paasta_tools.clients import chronos_client
from paasta_tools.errors import ChronosError


def test_a_silent_chronos_times_out_with_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(chronos_client, "CHRONOS_TIMEOUT_S", 0.5)
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)  # the kernel accepts the connections; nobody ever reads or answers
        url = f"http://127.0.0.1:{silent.getsockname()[1]}"
        client = chronos_client.get_chronos_client([url])
        started = time.monotonic()
        with pytest.raises(ChronosError, match=f"127.0.0.1:{silent.getsockname()[1]}.*timed out"):
            client.list()
        assert time.monotonic() - started < 5
