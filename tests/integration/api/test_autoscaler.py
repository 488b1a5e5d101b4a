"""``GET|POST .../autoscaler`` against a real ZooKeeper: the node setup_marathon_job reads for max_instances."""

from __future__ import annotations

from paasta_tools.clients import zookeeper as zk
from tests.integration.status.helpers import write_service


def test_autoscaler_count_is_read_clamped_and_stored(api_factory, zookeeper) -> None:
    chroot = "/mesos-api-test"
    api = api_factory(zookeeper=zookeeper.url(chroot))
    instances = {"main": {"min_instances": 2, "max_instances": 5}, "fixed": {"instances": 3}}
    write_service(api.soa_dir, "svc", instances)
    assert api.client.get_autoscaler_count("svc", "main") == {"desired_instances": 5}  # no node yet: max_instances
    assert api.client.get_autoscaler_count("svc", "fixed") == {"desired_instances": 3}

    assert api.client.update_autoscaler_count("svc", "main", 3) == {"desired_instances": 3, "status": "SUCCESS"}
    with zk.zk_connection(zookeeper.url(chroot)) as client:
        assert zk.read_autoscaled_instances(client, "svc", "main") == 3
    assert api.client.get_autoscaler_count("svc", "main") == {"desired_instances": 3}

    high = api.post("/v1/services/svc/main/autoscaler", json={"desired_instances": 9})
    assert high.status_code == 202
    assert high.json() == {
        "desired_instances": 5,
        "status": "WARNING desired_instances is greater than max_instances 5",
    }
    # as upstream, ZooKeeper keeps the number asked for; readers clamp it to the current [min, max]
    with zk.zk_connection(zookeeper.url(chroot)) as client:
        assert zk.read_autoscaled_instances(client, "svc", "main") == 9
    assert api.client.get_autoscaler_count("svc", "main") == {"desired_instances": 5}
    low = api.client.update_autoscaler_count("svc", "main", 0)
    assert low == {"desired_instances": 2, "status": "WARNING desired_instances is less than min_instances 2"}
    with zk.zk_connection(zookeeper.url(chroot)) as client:
        assert zk.read_autoscaled_instances(client, "svc", "main") == 0
    assert api.client.get_autoscaler_count("svc", "main") == {"desired_instances": 2}


def test_autoscaler_refusals(api_factory, zookeeper) -> None:
    api = api_factory(zookeeper=zookeeper.url("/mesos-refusals"))
    write_service(api.soa_dir, "svc", {"main": {"max_instances": 4}, "fixed": {"instances": 3}})
    cases = [
        ({"desired_instances": "3"}, 400, "an integer desired_instances"),
        ({"instances": 3}, 400, "an integer desired_instances"),
        ([3], 400, "an integer desired_instances"),
    ]
    for body, status, text in cases:
        response = api.post("/v1/services/svc/main/autoscaler", json=body)
        assert response.status_code == status and text in response.json()["message"]
    response = api.post("/v1/services/svc/main/autoscaler", data="{nope")
    assert response.status_code == 400 and response.json() == {"message": "the request body is not JSON"}
    response = api.post("/v1/services/svc/fixed/autoscaler", json={"desired_instances": 2})
    assert response.status_code == 404  # upstream's status for an instance that does not autoscale
    assert response.json()["message"] == (
        "svc.fixed has no max_instances in marathon-devcluster.yaml: it does not autoscale"
    )
    assert api.post("/v1/services/svc/nope/autoscaler", json={"desired_instances": 2}).status_code == 404
