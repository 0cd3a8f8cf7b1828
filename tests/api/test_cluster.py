"""`bayplan serve --cluster`: day plans and simulations run on a Dask cluster and come out the same
as on the local pool (a local cluster of two worker processes stands in for the dealer group's)."""

from __future__ import annotations

import subprocess
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from api.app import create_app
from api.examples import plan_request
from scheduler.contract import Plan, PlanRequest
from scheduler.errors import InputError
from scheduler.validator import assert_valid
from tests.builders import fixed_clock, poll_job

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from fastapi.testclient import TestClient

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def cluster() -> Iterator[str]:
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as local:
        yield local.scheduler_address


def _plan_and_simulation(client: TestClient) -> tuple[dict[str, Any], dict[str, Any]]:
    body = plan_request()
    response = client.post("/v1/plan", json=body)
    assert response.status_code == 200, response.text
    plan = response.json()
    assert_valid(PlanRequest.model_validate(body), Plan.model_validate(plan))
    plan.pop("solve_seconds")
    spec = {"scenario": "small-dealer", "rules": ["current"], "days": 3, "replications": 2, "seed": 5}
    started = client.post("/v1/simulations", json=spec)
    assert started.status_code == 202, started.text
    job = poll_job(client, started.json()["url"], 300)
    assert job["status"] == "done", job
    result: dict[str, Any] = job["result"]
    result.pop("wall_seconds", None)
    result.pop("backend", None)
    return plan, result


def test_plans_and_simulations_on_a_cluster_equal_the_local_ones(cluster: str, tmp_path: Path) -> None:
    with TestClient(create_app(f"sqlite:///{tmp_path / 'local.db'}", auth=False, clock=fixed_clock())) as c:
        local = _plan_and_simulation(c)
    app = create_app(f"sqlite:///{tmp_path / 'cluster.db'}", auth=False, clock=fixed_clock(), cluster=cluster)
    runner = app.state.services.runner
    with TestClient(app) as c:
        remote = _plan_and_simulation(c)
        assert runner._cluster is not None  # the jobs went to the cluster, not to local processes
    assert remote == local
    assert runner._cluster is None  # the connection closes with the app


def test_an_unreachable_cluster_is_named(tmp_path: Path) -> None:
    with pytest.raises(InputError) as refused:
        create_app(f"sqlite:///{tmp_path / 'x.db'}", auth=False, cluster="http://nowhere")
    assert refused.value.field == "cluster"


@pytest.mark.parametrize("address", ["tcp://[::1", "tcp://host:port", "tcp://host", "tcp://host:8786/x"])
def test_an_address_dask_cannot_parse_is_refused_naming_the_cluster(tmp_path: Path, address: str) -> None:
    """Dask's Client raised a ValueError for these (a traceback from serve, simulate and staff, then
    another from the half-made client as the process ended, 20 s later): the form is refused first,
    for the app (BAYPLAN_CLUSTER), the simulations' runners and the staffing search alike."""
    from simulation.runners import BatchRunner, run_on_cluster

    with pytest.raises(InputError) as refused:
        create_app(f"sqlite:///{tmp_path / 'x.db'}", auth=False, cluster=address)
    assert refused.value.field == "cluster" and "tcp://HOST:PORT" in refused.value.reason
    with pytest.raises(InputError) as refused:
        run_on_cluster([], lambda: None, address)
    assert refused.value.field == "cluster"
    with pytest.raises(InputError) as refused, BatchRunner(cluster=address):
        pass
    assert refused.value.field == "cluster"


def test_serve_refuses_a_cluster_it_cannot_use(tmp_path: Path) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "cli.main", "serve", "--db", f"sqlite:///{tmp_path / 'x.db'}",
         "--cluster", "nowhere:8786"],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert run.returncode == 2 and "cluster" in run.stderr and "tcp://" in run.stderr, run.stderr
    assert "Traceback" not in run.stderr
