"""Why a connection failed, in words the catalogs translate: an OS's reason ("[Errno 111]
Connection refused", "[Errno -2] Name or service not known") read in English under every language
(`bayplan … --url`, `--from-status`, `--cluster`). The common reasons have a wording of their own;
any other keeps the original in parentheses."""

from __future__ import annotations

import errno
import socket
import ssl
from collections.abc import Iterator

from scheduler.i18n import N_

NO_DASK = N_("Dask is not installed: pip install 'bayplan[cluster]'")
"""`--cluster` where the extra bayplan[cluster] is not installed."""

_BY_ERRNO = {
    errno.ECONNREFUSED: N_("connection refused"),
    errno.ECONNRESET: N_("connection reset"),
    errno.ETIMEDOUT: N_("timed out"),
    errno.EHOSTUNREACH: N_("host unreachable"),
    errno.ENETUNREACH: N_("network unreachable"),
}


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """`exc` and what it was raised from or during (httpx wraps the OS's error twice)."""
    seen: set[int] = set()
    found: BaseException | None = exc
    while found is not None and id(found) not in seen:
        seen.add(id(found))
        yield found
        found = found.__cause__ or found.__context__


def connection_problem(exc: BaseException) -> str:
    """The reason `exc` gives for a failed connection, marked for translation (`Translator.phrase`)."""
    chain = list(_chain(exc))
    for found in chain:  # the OS's own reason first, wherever in the chain
        if isinstance(found, socket.gaierror):
            return N_("host name not found")
        if isinstance(found, ssl.SSLError):
            return N_("TLS handshake failed")
        if isinstance(found, OSError) and found.errno in _BY_ERRNO:
            return _BY_ERRNO[found.errno]
    for found in chain:  # a client's own timeout (httpx's ConnectTimeout, Dask's "Timed out trying …")
        if isinstance(found, TimeoutError) or type(found).__name__.endswith("Timeout"):
            return N_("timed out")
        if "timed out" in str(found).lower():
            return N_("timed out")
    return N_("connection failed (%(reason)s)") % {"reason": str(exc) or type(exc).__name__}


def unreachable_cluster(address: str, exc: BaseException) -> str:
    """`bayplan serve --cluster` / `simulate --cluster`: the Dask scheduler did not answer, and why."""
    return N_("cannot reach the Dask scheduler at %(address)s: %(problem)s") % {
        "address": address,
        "problem": connection_problem(exc),
    }
