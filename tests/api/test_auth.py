"""API keys: 401 without a valid key, 403 outside the key's role or workshops, keys stored hashed."""

from __future__ import annotations

import datetime as dt
import shutil
import sqlite3
import tempfile
import warnings
from pathlib import Path

import httpx
import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from fastapi.testclient import TestClient

from api.app import create_app
from scheduler.clock import FixedClock
from scheduler.keys import KeyStore
from scheduler.storage import Store
from tests.builders import CLOCK_AS_OF, bayplan, fixed_clock, store_workshop, tiny_workshop

DAY = "2026-11-24"
AT8 = f"{DAY}T08:00:00+08:00"
W = "/v1/workshops/tiny"

# (method, path, json body, roles that may call it; admin always may)
ROUTES: list[tuple[str, str, object, set[str]]] = [
    ("GET", W, None, {"booking", "foreman", "manager"}),
    ("PUT", W, "workshop", {"manager"}),
    ("GET", f"{W}/slots?service=MAINT&date={DAY}", None, {"booking"}),
    ("GET", f"{W}/capacity?from={DAY}&to={DAY}", None, {"booking", "foreman", "manager"}),
    ("POST", f"{W}/bookings", {"service": "MAINT", "drop_off": AT8}, {"booking"}),
    ("GET", f"{W}/bookings?date={DAY}", None, {"booking", "foreman"}),
    ("GET", f"{W}/bookings/BK-unknown", None, {"booking", "foreman"}),
    ("PATCH", f"{W}/bookings/BK-unknown", {"waiter": True}, {"booking"}),
    ("DELETE", f"{W}/bookings/BK-unknown", None, {"booking"}),
    ("POST", f"{W}/plans", {"date": DAY, "time_limit_seconds": 1}, {"foreman"}),
    ("GET", f"{W}/plans/{DAY}", None, {"foreman", "manager"}),
    ("GET", f"{W}/plans/{DAY}.csv", None, {"foreman", "manager"}),
    ("POST", f"{W}/bookings/import", "csv", {"booking"}),
    ("GET", f"{W}/bookings.csv?date={DAY}", None, {"booking", "foreman", "manager"}),
    ("GET", f"{W}/technicians/t/day/{DAY}.ics", None, {"foreman", "manager"}),
    ("POST", "/v1/plan", "plan-request", {"foreman"}),
    ("GET", "/v1/jobs/J0", None, {"foreman", "manager"}),
    ("POST", "/v1/simulations", {"scenario": "no-such-scenario"}, {"manager"}),  # 422 once admitted
    (
        "POST",
        f"{W}/clock{CLOCK_AS_OF}",
        {"action": "start", "booking": "BK-unknown", "operation": 0, "technician": "t", "at": AT8},
        {"foreman"},
    ),
    ("GET", f"{W}/days/{DAY}/events", None, {"foreman", "manager"}),
    ("GET", f"{W}/days/{DAY}/status", None, {"foreman", "manager"}),
    ("GET", f"{W}/days/{DAY}/stream?max_events=1", None, {"foreman", "manager"}),
    (
        "POST",
        f"{W}/webhooks",
        {"url": "ftp://x", "events": ["plan.changed"]},
        {"manager"},
    ),  # 422 once admitted
    ("GET", f"{W}/webhooks", None, {"manager"}),
    ("DELETE", f"{W}/webhooks/wh-0", None, {"manager"}),
    ("GET", f"{W}/webhooks/wh-0/deliveries", None, {"manager"}),
    ("GET", f"{W}/reports/productivity?from={DAY}&to={DAY}", None, {"foreman", "manager"}),
    ("GET", f"{W}/labour-times", None, {"foreman", "manager"}),
    ("POST", f"{W}/labour-times/apply", None, {"manager"}),
    ("GET", f"{W}/versions", None, {"booking", "foreman", "manager"}),
    ("GET", f"{W}/versions/1", None, {"booking", "foreman", "manager"}),
    ("GET", "/v1/keys", None, set()),
    ("POST", "/v1/keys", {"role": "booking", "workshops": ["tiny"]}, set()),
    ("DELETE", "/v1/keys/unknown", None, set()),
]
ROLES = ["booking", "foreman", "manager", "admin"]
Setup = tuple[TestClient, dict[str, str], KeyStore, Path]


@pytest.fixture
def setup(tmp_path: Path) -> Setup:
    db = tmp_path / "auth.db"
    url = f"sqlite:///{db}"
    client = TestClient(create_app(url, auth=True, clock=fixed_clock()))
    keys = KeyStore(Store(url))
    tokens = {role: keys.create(role, ["tiny"])[0] for role in ROLES}
    headers = {"content-type": "application/json", "X-API-Key": tokens["admin"]}
    response = client.put(W, content=tiny_workshop().model_dump_json(), headers=headers)
    assert response.status_code == 200
    return client, tokens, keys, db


def _call(client: TestClient, method: str, path: str, body: object, key: str | None) -> int:
    headers = {"X-API-Key": key} if key else {}
    if body == "workshop":
        body = tiny_workshop().model_dump(mode="json")
    elif body == "plan-request":
        body = {"workshop": tiny_workshop().model_dump(mode="json"), "date": DAY, "bookings": []}
    elif body == "csv":
        content = "service,drop_off\r\n"  # a header alone: nothing to book
        headers["content-type"] = "text/csv"
        return client.request(method, path, content=content, headers=headers).status_code
    return client.request(method, path, json=body, headers=headers).status_code


def test_every_v1_route_needs_a_key_and_health_does_not(
    setup: Setup,
) -> None:
    client, _, _, _ = setup
    for method, path, body, _roles in ROUTES:
        assert _call(client, method, path, body, None) == 401, (method, path)
        assert _call(client, method, path, body, "bp_not-a-key") == 401, (method, path)
    assert client.get("/health").status_code == 200
    paths = {p for p in client.get("/openapi.json").json()["paths"] if p.startswith("/v1")}
    names = {"technicians/t/": "technicians/{technician_id}/",
             "BK-unknown": "{booking_id}", "unknown": "{key_id}", "J0": "{job_id}", DAY: "{date}",
             "tiny": "{workshop_id}", "wh-0": "{webhook_id}", "versions/1": "versions/{version}"}  # fmt: skip
    covered = set()
    for _, path, _, _ in ROUTES:
        template = path.split("?")[0]
        for value, name in names.items():
            template = template.replace(value, name)
        covered.add(template)
    assert paths <= covered, f"routes without an auth test: {paths - covered}"


@pytest.mark.parametrize("role", ROLES)
def test_each_role_may_do_its_work_and_nothing_else(setup: Setup, role: str) -> None:
    client, tokens, _, _ = setup
    for method, path, body, roles in ROUTES:
        status = _call(client, method, path, body, tokens[role])
        if role == "admin" or role in roles:
            assert status not in (401, 403), (role, method, path, status)
        else:
            assert status == 403, (role, method, path, status)


def test_a_key_for_one_workshop_is_refused_on_another(
    setup: Setup,
) -> None:
    client, tokens, keys, _ = setup
    other = tiny_workshop().model_copy(update={"id": "other"})
    admin = {"X-API-Key": tokens["admin"]}
    all_admin, _ = keys.create("admin", ["*"])
    response = client.put("/v1/workshops/other", json=other.model_dump(mode="json"), headers=admin)
    assert response.status_code == 403  # the admin key is scoped to tiny
    response = client.put("/v1/workshops/other", json=other.model_dump(mode="json"),
                          headers={"X-API-Key": all_admin})  # fmt: skip
    assert response.status_code == 200
    for method, path, body, _roles in ROUTES:
        if path.startswith(W):
            status = _call(client, method, path.replace(W, "/v1/workshops/other"), body, tokens["booking"])
            assert status == 403, (method, path, status)
    plan_request = {"workshop": other.model_dump(mode="json"), "date": DAY, "bookings": []}
    response = client.post("/v1/plan", json=plan_request, headers={"X-API-Key": tokens["foreman"]})
    assert response.status_code == 403


def test_keys_are_stored_hashed_shown_once_and_revocable(
    setup: Setup,
) -> None:
    client, tokens, _, db = setup
    admin = {"X-API-Key": tokens["admin"]}
    created = client.post("/v1/keys", json={"role": "booking", "workshops": ["tiny"], "label": "desk"},
                          headers=admin)  # fmt: skip
    assert created.status_code == 201
    new = created.json()
    assert new["key"].startswith("bp_")
    listed = client.get("/v1/keys", headers=admin).json()
    assert all("key" not in k and "key_hash" not in k for k in listed)
    assert new["id"] in {k["id"] for k in listed}
    raw = Path(db).read_bytes() + (Path(f"{db}-wal").read_bytes() if Path(f"{db}-wal").exists() else b"")
    for token in [*tokens.values(), new["key"]]:
        assert token.encode() not in raw, "a plaintext key reached the database"
    hashes = [row[0] for row in sqlite3.connect(db).execute("SELECT key_hash FROM api_keys")]
    assert len(hashes) == len(tokens) + 1 and all(len(h) == 64 for h in hashes)
    slots = f"{W}/slots?service=MAINT&date={DAY}"
    assert client.get(slots, headers={"X-API-Key": new["key"]}).status_code == 200
    assert client.delete(f"/v1/keys/{new['id']}", headers=admin).status_code == 204
    assert client.get(slots, headers={"X-API-Key": new["key"]}).status_code == 401  # at once in this process
    bad = client.post("/v1/keys", json={"role": "superuser", "workshops": ["tiny"]}, headers=admin)
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"][-1] == "role"


def test_cli_creates_a_key_once_and_says_what_is_wrong(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    made = bayplan("keys", "create", "--role", "foreman", "--workshop", "tiny", "--db", url)
    assert made.returncode == 0, made.stderr
    key = made.stdout.strip()
    assert key.startswith("bp_") and KeyStore(Store(url)).verify(key) is not None
    listed = bayplan("keys", "list", "--db", url)
    assert "foreman" in listed.stdout and key not in listed.stdout
    bad = bayplan("keys", "create", "--role", "boss", "--workshop", "tiny", "--db", url)
    assert bad.returncode == 2 and "role" in bad.stderr and "Traceback" not in bad.stderr


def test_a_key_names_a_possible_workshop_and_shows_its_technician(setup: Setup, tmp_path: Path) -> None:
    """walk-s17 C12/C13: a key scoped to '../../x' was created (201 / exit 0), and nothing showed
    which technician a technician key clocks as. A workshop id must be one the contract allows
    ('*' still means all): 422 / exit 2 naming the workshop; the 201, the listing and `keys list`
    show a technician key's technician."""
    client, tokens, keys, _ = setup
    admin = {"X-API-Key": tokens["admin"]}
    everywhere = {"X-API-Key": keys.create("admin", ["*"])[0]}
    for bad in ("../../x", "a b", "x" * 65):
        for who in (admin, everywhere):  # an impossible id, whoever asks: 422, not 403
            r = client.post("/v1/keys", json={"role": "foreman", "workshops": [bad]}, headers=who)
            assert r.status_code == 422 and "workshops" in r.json()["detail"][0]["loc"], (bad, r.text)
    every = {"role": "booking", "workshops": ["*"]}
    assert client.post("/v1/keys", json=every, headers=everywhere).status_code == 201
    made = client.post("/v1/keys", json={"role": "technician", "workshops": ["tiny"], "technician": "t"},
                       headers=admin)  # fmt: skip
    assert made.status_code == 201 and made.json()["technician"] == "t", made.text
    listed = {k["id"]: k for k in client.get("/v1/keys", headers=admin).json()}
    assert listed[made.json()["id"]]["technician"] == "t"
    assert {k["technician"] for k in listed.values() if k["role"] != "technician"} == {None}
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    bad = bayplan("keys", "create", "--role", "foreman", "--workshop", "../../x", "--db", url)
    assert bad.returncode == 2 and "--workshop" in bad.stderr and "Traceback" not in bad.stderr
    assert bayplan("keys", "list", "--db", url).stdout == ""  # nothing made
    store_workshop(url, "w", "m02")
    KeyStore(Store(url)).create("technician", ["w"], technician="m02")
    listed_cli = bayplan("keys", "list", "--db", url)
    assert listed_cli.returncode == 0 and "w/m02" in listed_cli.stdout, listed_cli.stdout


def test_web_sign_in_sets_a_cookie_that_the_api_honours(setup: Setup) -> None:
    client, tokens, _, _ = setup
    client.cookies.clear()
    form = {"content-type": "application/x-www-form-urlencoded", "origin": "http://testserver"}
    refused = client.post("/login", content="key=bp_wrong&next=/", headers=form)
    assert refused.status_code == 401 and not refused.cookies
    body = f"key={tokens['booking']}&next=//evil.example/"
    signed = client.post("/login", content=body, headers=form, follow_redirects=False)
    assert signed.status_code == 303 and signed.headers["location"] == "/"  # no open redirect
    cookie = signed.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie
    assert client.get(f"{W}/slots?service=MAINT&date={DAY}").status_code == 200  # the cookie alone
    assert client.get(f"{W}/plans/{DAY}").status_code == 403  # still a booking key
    client.post("/logout", headers={"origin": "http://testserver"})
    client.cookies.clear()
    assert client.get(f"{W}/slots?service=MAINT&date={DAY}").status_code == 401


def test_a_scoped_admin_manages_keys_only_within_its_workshops(setup: Setup) -> None:
    client, tokens, keys, _ = setup
    scoped = {"X-API-Key": tokens["admin"]}  # an admin key for workshop tiny only
    everywhere, _ = keys.create("admin", ["*"])
    other_key, other_info = keys.create("booking", ["other"])
    both_key, both_info = keys.create("foreman", ["tiny", "other"])
    for workshops in (["*"], ["other"], ["tiny", "other"]):
        for role in ("admin", "booking"):
            refused = client.post("/v1/keys", json={"role": role, "workshops": workshops}, headers=scoped)
            assert refused.status_code == 403, (role, workshops, refused.text)
            assert "workshop" in refused.json()["detail"]
    made = client.post("/v1/keys", json={"role": "admin", "workshops": ["tiny"]}, headers=scoped)
    assert made.status_code == 201, made.text
    listed = {k["id"] for k in client.get("/v1/keys", headers=scoped).json()}
    assert made.json()["id"] in listed
    assert other_info.id not in listed and both_info.id not in listed
    assert all(set(k["workshops"]) <= {"tiny"} for k in client.get("/v1/keys", headers=scoped).json())
    for key_id in (other_info.id, both_info.id):
        assert client.delete(f"/v1/keys/{key_id}", headers=scoped).status_code == 404
    slots = f"/v1/workshops/other/slots?service=MAINT&date={DAY}"
    assert client.get(slots, headers={"X-API-Key": other_key}).status_code != 401  # still valid
    assert keys.verify(both_key) is not None
    # The all-workshops admin sees and manages everything, and may hand out '*' keys.
    wide = {"X-API-Key": everywhere}
    all_listed = {k["id"] for k in client.get("/v1/keys", headers=wide).json()}
    assert {other_info.id, both_info.id, made.json()["id"]} <= all_listed
    star = client.post("/v1/keys", json={"role": "admin", "workshops": ["*"]}, headers=wide)
    assert star.status_code == 201
    assert client.delete(f"/v1/keys/{other_info.id}", headers=wide).status_code == 204


def test_simulations_take_bundled_names_never_server_paths(setup: Setup) -> None:
    client, _, keys, _ = setup
    manager = {"X-API-Key": keys.create("manager", ["small-dealer"])[0]}
    copied = Path(tempfile.mkdtemp(prefix="bp")) / "s"  # short: a field holds 64 characters
    shutil.copytree(Path(__file__).parents[2] / "scenarios" / "small-dealer", copied)
    quick = {"days": 1, "replications": 2}

    def refused(body: dict[str, object], field: str) -> str:
        response = client.post("/v1/simulations", json={**quick, **body}, headers=manager)
        assert response.status_code == 422, (body, response.text)
        detail = response.json()["detail"][0]
        assert detail["loc"][:2] == ["body", field], (body, detail)  # rules: ["body", "rules", 0]
        return str(detail["msg"])

    said = refused({"scenario": str(copied)}, "scenario")  # a scenario folder on the server
    assert said.startswith("unknown scenario") and "small-dealer" in said  # the bundled names
    assert refused({"scenario": "../scenarios/small-dealer"}, "scenario").startswith("unknown scenario")
    exists = refused({"scenario": "small-dealer", "rules": ["/etc/passwd"]}, "rules")
    missing = refused({"scenario": "small-dealer", "rules": ["/etc/no-such-file"]}, "rules")
    assert exists.replace("passwd", "X") == missing.replace("no-such-file", "X")  # no file oracle
    assert "current" in exists  # the rules bundled with the scenario
    refused({"scenario": "small-dealer", "rules": ["/proc/self/mem"]}, "rules")
    refused({"scenario": "small-dealer", "rules": [str(copied / "rules" / "current.toml")]}, "rules")
    refused({"scenario": "small-dealer", "rules": ["../../dealer-2011/rules/current"]}, "rules")
    shutil.rmtree(copied.parent)


def test_a_manager_simulates_only_its_own_workshops(setup: Setup) -> None:
    client, tokens, keys, _ = setup
    quick = {"scenario": "small-dealer", "rules": ["current"], "days": 1, "replications": 2}
    refused = client.post("/v1/simulations", json=quick, headers={"X-API-Key": tokens["manager"]})
    assert refused.status_code == 403, refused.text  # the manager key is for tiny only
    assert "small-dealer" in refused.json()["detail"]
    own = {"X-API-Key": keys.create("manager", ["small-dealer"])[0]}
    started = client.post("/v1/simulations", json=quick, headers=own)
    assert started.status_code == 202, started.text
    job = started.json()["url"]
    assert client.get(job, headers={"X-API-Key": tokens["manager"]}).status_code == 403
    assert client.get(job, headers=own).status_code == 200


def test_idempotency_keys_belong_to_the_api_key_that_used_them(setup: Setup) -> None:
    client, _, keys, _ = setup
    roomy = tiny_workshop().model_dump(mode="json")
    roomy["opening"]["end"] = roomy["technicians"][0]["shift"]["end"] = "18:00"
    everywhere = {"X-API-Key": keys.create("admin", ["*"])[0]}
    assert client.put(W, json=roomy, headers=everywhere).status_code == 200
    desk, website = (keys.create("booking", ["tiny"])[0] for _ in range(2))
    body = {"service": "MAINT", "drop_off": AT8}
    ann = client.post(f"{W}/bookings", json={**body, "customer": "Ann"},
                      headers={"X-API-Key": desk, "Idempotency-Key": "1"})  # fmt: skip
    assert ann.status_code == 201, ann.text
    ben = client.post(f"{W}/bookings", json={**body, "customer": "Ben"},
                      headers={"X-API-Key": website, "Idempotency-Key": "1"})  # fmt: skip
    assert ben.status_code == 201, ben.text  # a booking of its own, not Ann's
    assert ben.json()["customer"] == "Ben" and ben.json()["id"] != ann.json()["id"]
    again = client.post(f"{W}/bookings", json={**body, "customer": "Ben"},
                        headers={"X-API-Key": website, "Idempotency-Key": "1"})  # fmt: skip
    assert again.status_code == 200 and again.json() == ben.json()


FORM = {"content-type": "application/x-www-form-urlencoded", "origin": "http://testserver"}


def _sign_in(client: TestClient, key: str, headers: dict[str, str] = FORM) -> httpx.Response:
    client.cookies.clear()
    return client.post("/login", content=f"key={key}&next=/", headers=headers, follow_redirects=False)


def test_the_sign_in_cookie_is_a_session_not_the_key(setup: Setup) -> None:
    client, tokens, _, db = setup
    admin = {"X-API-Key": tokens["admin"]}
    made = client.post("/v1/keys", json={"role": "booking", "workshops": ["tiny"]}, headers=admin).json()
    signed = _sign_in(client, made["key"])
    assert signed.status_code == 303
    assert made["key"] not in signed.headers["set-cookie"]  # a stolen cookie does not give the key away
    (cookie,) = signed.cookies.values()
    raw = Path(db).read_bytes() + (Path(f"{db}-wal").read_bytes() if Path(f"{db}-wal").exists() else b"")
    assert cookie.encode() not in raw  # only its hash is stored
    slots = f"{W}/slots?service=MAINT&date={DAY}"
    assert client.get(slots).status_code == 200
    assert client.get(slots, headers={"X-API-Key": cookie}).status_code == 401  # not a key either
    assert client.delete(f"/v1/keys/{made['id']}", headers=admin).status_code == 204
    assert client.get(slots).status_code == 401  # revoking the key ends its sessions at once
    assert sqlite3.connect(db).execute("SELECT count(*) FROM sessions").fetchone()[0] == 0
    _sign_in(client, tokens["booking"])
    ended = dict(client.cookies)
    assert client.post("/logout", headers=FORM, follow_redirects=False).status_code == 303
    client.cookies.clear()
    client.cookies.update(ended)
    assert client.get(slots).status_code == 401  # signed out: the old cookie is dead


def test_sessions_expire(tmp_path: Path) -> None:
    clock = FixedClock(dt.datetime(2026, 11, 24, 8, 0, tzinfo=dt.UTC))
    keys = KeyStore(Store(f"sqlite:///{tmp_path / 's.db'}"), clock=clock)
    key, info = keys.create("booking", ["tiny"])
    session = keys.start_session(key)
    assert session is not None and keys.start_session("bp_wrong") is None
    verified = keys.verify_session(session)
    assert verified is not None and verified.id == info.id
    clock.advance(11 * 60 + 59)
    assert keys.verify_session(session) is not None
    clock.advance(2)
    assert keys.verify_session(session) is None  # 12 h after signing in, even from the cache


def test_the_cookie_is_secure_over_https_or_when_told(setup: Setup, monkeypatch: pytest.MonkeyPatch) -> None:
    client, tokens, _, _ = setup
    assert "secure" not in _sign_in(client, tokens["booking"]).headers["set-cookie"].lower()
    https = TestClient(client.app, base_url="https://testserver")
    signed = _sign_in(https, tokens["booking"], {**FORM, "origin": "https://testserver"})
    assert signed.status_code == 303 and "secure" in signed.headers["set-cookie"].lower()
    monkeypatch.setenv("BAYPLAN_SECURE_COOKIES", "1")  # behind a TLS proxy the app sees http
    _, _, _, db = setup
    behind = TestClient(create_app(f"sqlite:///{db}", auth=True, clock=fixed_clock()))
    assert "secure" in _sign_in(behind, tokens["booking"]).headers["set-cookie"].lower()


@pytest.mark.parametrize(
    "sender",
    [{"origin": "https://evil.example"}, {"referer": "https://evil.example/form"}, {},
     {"origin": "null"}, {"origin": "http://testserver.evil.example"}],
)  # fmt: skip
def test_cross_site_posts_with_the_cookie_are_refused(setup: Setup, sender: dict[str, str]) -> None:
    client, tokens, _, _ = setup
    form = {"content-type": "application/x-www-form-urlencoded", **sender}
    forged = _sign_in(client, tokens["booking"], form)  # login CSRF: signing the victim in as someone else
    assert forged.status_code == 403 and "set-cookie" not in forged.headers, forged.text
    assert "Origin" in forged.json()["detail"]
    assert _sign_in(client, tokens["booking"]).status_code == 303
    body = {"service": "MAINT", "drop_off": AT8}
    refused = client.post(f"{W}/bookings", json=body, headers=sender)
    assert refused.status_code == 403 and "Origin" in refused.json()["detail"], refused.text
    assert client.get(f"{W}/bookings?date={DAY}").json() == []  # nothing booked
    out = client.post("/logout", headers=sender, follow_redirects=False)
    assert out.status_code == 403
    assert client.get(f"{W}/bookings?date={DAY}").status_code == 200  # still signed in
    # The page's own script: same origin (or, without Origin, a same-site Referer).
    same = client.post(f"{W}/bookings", json=body, headers={"origin": "http://testserver"})
    assert same.status_code == 201, same.text
    again = client.post(
        f"{W}/bookings", json=body, headers={"referer": "http://testserver/workshops/tiny/book"}
    )
    assert again.status_code in (201, 409), again.text
    # A client with the X-API-Key header is no browser session: no Origin needed.
    client.cookies.clear()
    keyed = client.post(f"{W}/bookings", json=body, headers={"X-API-Key": tokens["booking"]})
    assert keyed.status_code in (201, 409), keyed.text


def test_every_page_names_its_icon_which_is_served_without_a_key(setup: Setup) -> None:
    """review-s34: no page named an icon, so the browser asked for /favicon.ico (a 404 in the console
    of every session's first page). The sign-in form, a signed-in page and an error page name the
    icon the package ships, and it is served before signing in."""
    client, tokens, _, _ = setup
    client.cookies.clear()
    icon = '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">'
    assert icon in client.get("/login").text
    assert icon in client.get("/workshops/nope/plan", headers={"accept": "text/html"}).text
    served = client.get("/static/favicon.svg")
    assert served.status_code == 200 and served.headers["content-type"].startswith("image/svg+xml")
    _sign_in(client, tokens["admin"])
    assert icon in client.get("/").text
