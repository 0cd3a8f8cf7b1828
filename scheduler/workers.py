"""Low-priority worker processes for CPU-heavy work (solves, refinements, simulations).

They run at nice 10 so request handling keeps the cores, are started with `spawn` (no fork of
a threaded server), and end within a second of the server, even after SIGKILL (a watchdog).
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from concurrent.futures import ProcessPoolExecutor


def _start_worker() -> None:
    # Not prctl(PR_SET_PDEATHSIG): it fires when the *thread* that started the process ends,
    # and pools start processes from short-lived request threads.
    os.nice(10)
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(0)

    threading.Thread(target=watch, daemon=True).start()


def worker_pool(processes: int) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(
        max_workers=processes, mp_context=multiprocessing.get_context("spawn"), initializer=_start_worker
    )


def stop_pool(pool: ProcessPoolExecutor) -> None:
    """End the pool's processes now (whatever they run) and wait until it has wound down, so
    that its queues and semaphores are released before the server exits."""
    processes = list((pool._processes or {}).values())  # Python 3.14 has pool.terminate_workers()
    for process in processes:
        if process.is_alive():
            process.terminate()
    pool.shutdown(wait=True, cancel_futures=True)
    for process in processes:
        process.join(timeout=5)
