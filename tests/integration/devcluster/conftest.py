"""Fixtures shared by the Marathon tests: each test module defines ``handle`` (its devcluster); ``marathon``
is a small HTTP helper over its Marathon API and ``client`` the real marathon-python client, validating every
app body the server returns against Marathon's schema."""

from __future__ import annotations

import pytest

from tests.integration.devcluster.test_marathon_apps import Api, validating_client


@pytest.fixture
def marathon(handle):
    return Api(handle.marathon_url)


@pytest.fixture
def client(marathon):
    return validating_client(marathon.url)
