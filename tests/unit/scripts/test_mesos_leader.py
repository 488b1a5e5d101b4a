"""Finding the leading Mesos master in /master/state and deciding whether it is this host."""

from __future__ import annotations

import pytest

from paasta_tools.errors import MesosError
from paasta_tools.scripts.am_i_mesos_leader import is_local, leader_host


def test_leader_info_hostname_wins_over_the_pid():
    state = {"leader": "master@10.0.0.1:5050", "leader_info": {"hostname": "master1.example.com", "port": 5050}}
    assert leader_host(state) == "master1.example.com"


def test_the_pid_host_is_used_without_leader_info():
    assert leader_host({"leader": "master@10.0.0.2:5050", "hostname": "master3"}) == "10.0.0.2"


@pytest.mark.parametrize("state", [{}, {"leader": ""}, {"leader": "master@:5050"}, {"leader_info": {}}])
def test_no_leader_is_an_error(state):
    with pytest.raises(MesosError, match="knows no leader"):
        leader_host(state)


def test_is_local_ignores_case_and_trailing_dot():
    names = {"master1", "Master1.Example.com", "127.0.0.1"}
    assert is_local("master1.example.com.", names)
    assert is_local("127.0.0.1", names)
    assert not is_local("master2.example.com", names)
    assert not is_local("master1.example", names)
