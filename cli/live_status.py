"""`--from-status URL`: fetch a live day's status from a bayplan server
(`GET /v1/workshops/{id}/days/{date}/status`) with the API key in BAYPLAN_KEY (header X-API-Key).

Every way it can go wrong is an InputError on the field `from_status` whose reason names the
problem (unreachable, no answer in time, refused key, unknown workshop or day, not JSON); the
shape of the body is checked by `simulation.from_status.read_status`, which names the field.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from cli.i18n import _, current
from scheduler.errors import InputError

if TYPE_CHECKING:
    import httpx

KEY_ENVIRONMENT = "BAYPLAN_KEY"
KEY_HEADER = "X-API-Key"  # api/auth.py
TIMEOUT_SECONDS = 30.0


def is_url(text: str) -> bool:
    return text.startswith(("http://", "https://"))


_DAY_IN_PATH = re.compile(r"/days/(\d{4}-\d{2}-\d{2})/status/?$")


def status_day(url: str) -> dt.date | None:
    """The day in a status URL's path (`…/days/YYYY-MM-DD/status`), or None."""
    found = _DAY_IN_PATH.search(urlsplit(url).path)
    if found is None:
        return None
    try:
        return dt.date.fromisoformat(found.group(1))
    except ValueError:
        return None


def _transport() -> httpx.BaseTransport | None:
    """The HTTP transport (None: the network; tests put a mock here)."""
    return None


def _detail(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text.strip()[:200]
    detail = body.get("detail") if isinstance(body, dict) else None
    if isinstance(detail, list) and detail and isinstance(detail[0], dict):  # FastAPI's 422
        where = ".".join(str(part) for part in detail[0].get("loc", []))
        return f"{where}: {detail[0].get('msg', '')}"
    if detail is not None:
        return str(detail)
    return response.text.strip()[:200]


def fetch_status(url: str, key: str | None = None, timeout: float = TIMEOUT_SECONDS) -> Any:
    """The status JSON at `url` (key: BAYPLAN_KEY when None), or an InputError naming the problem."""
    import httpx

    from scheduler.unreachable import connection_problem

    key = key if key is not None else os.environ.get(KEY_ENVIRONMENT)
    headers = {"accept": "application/json"}
    if key:
        headers[KEY_HEADER] = key
    try:
        with httpx.Client(transport=_transport(), timeout=timeout) as client:
            response = client.get(url, headers=headers)
    except httpx.TimeoutException:
        raise InputError(
            "from_status", _("no answer from %(url)s within %(seconds)s s", url=url, seconds=f"{timeout:g}")
        ) from None
    except (httpx.InvalidURL, ValueError) as exc:  # IDNA's 'xn--', a label too long: tracebacks (hostile-s40)
        raise InputError("from_status", _("not a URL: %(url)s (%(problem)s)", url=url, problem=exc)) from None
    except httpx.HTTPError as exc:
        problem = current().phrase(connection_problem(exc))
        reason = _("cannot reach %(url)s: %(problem)s", url=url, problem=problem)
        raise InputError("from_status", reason) from None
    code = response.status_code
    if code in (401, 403):
        hint = (
            _("a foreman's or manager's API key in %(env)s", env=KEY_ENVIRONMENT)
            if key
            else _("no API key: set %(env)s", env=KEY_ENVIRONMENT)
        )
        raise InputError(
            "from_status",
            _("%(url)s refused the key (%(code)s: %(detail)s; %(hint)s)", url=url, code=code,
              detail=_detail(response), hint=hint),
        )  # fmt: skip
    if code == 404:
        raise InputError(
            "from_status",
            _("%(url)s: not found (404: %(detail)s); the status is at "
              "/v1/workshops/{id}/days/{date}/status", url=url, detail=_detail(response)),
        )  # fmt: skip
    if code != 200:
        raise InputError(
            "from_status",
            _("%(url)s answered %(code)s: %(detail)s", url=url, code=code, detail=_detail(response)),
        )
    try:
        return response.json()
    except ValueError:
        kind = response.headers.get("content-type", "?")
        raise InputError(
            "from_status", _("%(url)s did not answer with JSON (content-type %(kind)s)", url=url, kind=kind)
        ) from None
