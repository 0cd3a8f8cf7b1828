"""Day plans and simulations on a Dask cluster (`bayplan serve --cluster tcp://HOST:PORT`, extra
`bayplan[cluster]`): when a dealer group outgrows one machine, the job runner's lanes send their
jobs to the cluster's workers instead of local processes. The jobs are the same pure functions
with the same seeds, so a plan or a simulation is the same wherever it runs."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Executor, Future
from typing import Any
from urllib.parse import urlsplit

from scheduler.errors import InputError
from scheduler.i18n import N_
from scheduler.unreachable import NO_DASK, unreachable_cluster

SCHEMES = ("tcp://", "tls://", "inproc://")


def check_address(address: str) -> None:
    """An InputError naming `cluster` unless `address` is a scheduler address Dask can parse:
    tcp:// or tls:// with a host and a port 1..65535 and nothing after them (or inproc://). Dask's
    Client raised a ValueError for the others ('tcp://[::1', 'tcp://host:port', 'tcp://host') after
    it had started: a traceback, and another from the half-made client when the process ended
    (hostile-s40)."""
    expected = InputError("cluster", N_("expected tcp://HOST:PORT, got %(address)r") % {"address": address})
    if not address.startswith(SCHEMES):
        raise expected
    if address.startswith("inproc://"):
        return
    try:
        parts = urlsplit(address)
        port = parts.port
    except ValueError:
        raise expected from None
    rest = address.split("://", 1)[1]
    if not parts.hostname or not port or rest != parts.netloc or any(ch.isspace() for ch in rest):
        raise expected


def _client(address: str) -> Any:
    check_address(address)
    try:
        from distributed import Client
    except ImportError:
        raise InputError("cluster", NO_DASK) from None
    try:
        return Client(address, timeout=10, set_as_default=False)  # type: ignore[no-untyped-call]
    except (OSError, TimeoutError, ValueError) as exc:  # ValueError: an address Dask cannot parse
        raise InputError("cluster", unreachable_cluster(address, exc)) from None


class ClusterExecutor(Executor):
    """An executor whose calls run on the cluster's workers; shut down, it closes its connection."""

    def __init__(self, address: str) -> None:
        self.address = address
        self._client = _client(address)
        self._executor: Executor = self._client.get_executor(pure=False)

    def workers(self) -> int:
        """How many worker processes the cluster has now."""
        return len(self._client.scheduler_info()["workers"])

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        return self._executor.submit(fn, *args, **kwargs)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self._executor.shutdown(wait=wait)
        self._client.close()


def cluster_workers(address: str) -> int:
    """Check the cluster answers (InputError naming `cluster` if not) and count its workers."""
    executor = ClusterExecutor(address)
    try:
        return max(1, executor.workers())
    finally:
        executor.shutdown(wait=False)
