"""Fixtures for tests against a throwaway Patroni cluster (tests/ha/cluster.py).

Without Patroni or etcd on the machine these tests are skipped with the reason
shown, except under CI=true, where they fail. `make ha-deps` installs both from
Debian's packages.
"""

from collections.abc import Callable
from collections.abc import Generator
from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any

import pytest

from tests.conftest import IN_CI
from tests.ha.cluster import PatroniCluster
from tests.ha.cluster import ha_unavailable

FAILED = pytest.StashKey[bool]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Notes a failed test, so that its clusters' logs are shown."""
    report = yield
    if report.failed:
        item.stash[FAILED] = True
    return report


@pytest.fixture(scope="session")
def ha_tools() -> None:
    problem = ha_unavailable()
    if problem is not None:
        if IN_CI:
            pytest.fail(f"CI=true needs Patroni and etcd: {problem}")
        pytest.skip(problem)


@pytest.fixture
def patroni_cluster_factory(
    ha_tools: None, request: pytest.FixtureRequest
) -> Iterator[Callable[..., PatroniCluster]]:
    """Starts clusters (`PatroniCluster`'s arguments) that are all removed after
    the test, whatever happened in it; then checks that none left a process. The
    logs of a failed test's clusters are printed (pytest shows them)."""
    started: list[PatroniCluster] = []
    with ExitStack() as stack:

        def start(nodes: int = 2, **options: Any) -> PatroniCluster:
            cluster = PatroniCluster(nodes, **options)
            started.append(cluster)
            return stack.enter_context(cluster)

        yield start
        if request.node.stash.get(FAILED, False):
            for cluster in started:
                if cluster.folder.exists():
                    print(cluster.diagnostics(lines=80))
    leftovers = {cluster.scope: cluster.processes() for cluster in started}
    assert not any(leftovers.values()), f"processes left behind: {leftovers}"


@pytest.fixture
def patroni_cluster(
    patroni_cluster_factory: Callable[..., PatroniCluster],
) -> PatroniCluster:
    """A healthy two-node cluster: a primary and its synchronous standby."""
    return patroni_cluster_factory(2)
