"""Why a connection failed, in words the catalogs translate (`--url`, `--from-status`, `--cluster`)."""

from __future__ import annotations

import socket

import httpx
import pytest

from cli.testing import free_port
from scheduler.i18n import Translator
from scheduler.unreachable import connection_problem, unreachable_cluster


def _raised(outer: BaseException, inner: BaseException) -> BaseException:
    """`outer` raised from `inner`, as a client wraps the OS's error."""
    try:
        try:
            raise inner
        except BaseException as exc:
            raise outer from exc
    except BaseException as exc:
        return exc


def test_a_refused_connection_is_said_so_in_english_and_chinese() -> None:
    """A real refusal through httpx (its error wraps httpcore's, which wraps the OS's): before,
    "[Errno 111] Connection refused" in every language (mend-s19)."""
    with pytest.raises(httpx.ConnectError) as refused:
        httpx.get(f"http://127.0.0.1:{free_port()}", timeout=5)
    assert connection_problem(refused.value) == "connection refused"
    assert Translator("zh-CN").phrase(connection_problem(refused.value)) == "连接被拒绝"


@pytest.mark.parametrize(
    ("error", "english", "chinese"),
    [
        (_raised(httpx.ConnectError("[Errno -2] Name or service not known"),
                 socket.gaierror(-2, "Name or service not known")), "host name not found", "找不到主机名"),
        (httpx.ConnectTimeout("timed out"), "timed out", "连接超时"),
        # Dask: an OSError of its own, from the TimeoutError of its retries
        (_raised(OSError("Timed out trying to connect to tcp://127.0.0.1:1 after 10 s"), TimeoutError()),
         "timed out", "连接超时"),
        (ConnectionResetError(104, "Connection reset by peer"), "connection reset", "连接被重置"),
        (OSError(113, "No route to host"), "host unreachable", "主机不可达"),
        (OSError(101, "Network is unreachable"), "network unreachable", "网络不可达"),
        # Any other reason: kept as the OS said it, in parentheses.
        (OSError(99, "Cannot assign requested address"),
         "connection failed ([Errno 99] Cannot assign requested address)",
         "连接失败（[Errno 99] Cannot assign requested address）"),
    ],
)  # fmt: skip
def test_the_common_reasons_have_their_own_words(error: BaseException, english: str, chinese: str) -> None:
    assert connection_problem(error) == english
    assert Translator("zh-CN").phrase(english) == chinese


def test_an_unreachable_cluster_reads_in_chinese() -> None:
    """`--cluster`: "无法连接 the Dask scheduler at tcp://…：Timed out trying to connect …" (the generic
    "cannot reach" took the English rest for its address; mend-s19)."""
    error = _raised(OSError("Timed out trying to connect to tcp://127.0.0.1:1 after 10 s"), TimeoutError())
    said = unreachable_cluster("tcp://127.0.0.1:1", error)
    assert said == "cannot reach the Dask scheduler at tcp://127.0.0.1:1: timed out"
    assert Translator("zh-CN").phrase(said) == "无法连接 Dask 调度器 tcp://127.0.0.1:1：连接超时"
