"""`bayplan workshop export|push`, `request`, `schema replan-request`, `plan --format csv` and
`backup` with a restore: data out of bayplan and back in."""

from __future__ import annotations

import csv
import io
import json
import warnings
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from fastapi.testclient import TestClient

import cli.data
from api.app import create_app
from cli.main import app
from scheduler.contract import Plan, PlanRequest, ReplanRequest, Workshop
from scheduler.scenarios import load_scenario
from tests.builders import DATE, bayplan, fixed_clock, tiny_workshop

runner = CliRunner()


def test_workshop_export_prints_the_v1_workshop() -> None:
    run = runner.invoke(app, ["workshop", "export", "small-dealer"])
    assert run.exit_code == 0, run.output
    assert Workshop.model_validate_json(run.stdout) == load_scenario("small-dealer").workshop
    bad = runner.invoke(app, ["workshop", "export", "no-such-scenario"])
    assert bad.exit_code == 2 and "Traceback" not in bad.output


def test_request_prints_a_plan_request_that_plans_and_replans(tmp_path: Path) -> None:
    run = runner.invoke(app, ["request", "small-dealer", "--date", DATE])
    assert run.exit_code == 0, run.output
    request = PlanRequest.model_validate_json(run.stdout)
    assert request.workshop.id == "small-dealer" and request.date.isoformat() == DATE and request.bookings
    (tmp_path / "request.json").write_text(run.stdout)
    planned = bayplan(
        "plan", "--input", str(tmp_path / "request.json"), "--planner", "greedy", "--format", "json"
    )
    assert planned.returncode == 0, planned.stderr
    plan = Plan.model_validate_json(planned.stdout)
    replan = {
        "request": json.loads(run.stdout),
        "plan": json.loads(planned.stdout),
        "now": f"{DATE}T10:00:00+08:00",
    }
    ReplanRequest.model_validate(replan)
    assert plan.assignments
    assert runner.invoke(app, ["request", "small-dealer", "--date", "24.11.2026"]).exit_code == 2


def test_schema_replan_request() -> None:
    run = runner.invoke(app, ["schema", "replan-request"])
    assert run.exit_code == 0, run.output
    schema = json.loads(run.stdout)
    assert {"request", "plan", "now", "walk_ins"} <= set(schema["properties"])


def test_plan_prints_csv() -> None:
    args = ["plan", "small-dealer", "--date", DATE, "--planner", "greedy"]
    as_csv = bayplan(*args, "--format", "csv")
    assert as_csv.returncode == 0, as_csv.stderr
    rows = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    plan = Plan.model_validate_json(bayplan(*args, "--format", "json").stdout)
    assert list(rows[0]) == ["booking", "operation", "bay", "technician", "start", "end"]
    assert len(rows) == len(plan.assignments)
    assert {(r["booking"], int(r["operation"]), r["technician"]) for r in rows} == {
        (a.booking, a.operation, a.technician) for a in plan.assignments
    }


def test_workshop_push_puts_the_workshop_with_the_key(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.headers.get("X-API-Key") != "bp_manager":
            return httpx.Response(401, json={"detail": "an API key is required (header X-API-Key)"})
        return httpx.Response(200, content=request.content)

    monkeypatch.setattr(cli.data, "_transport", lambda: httpx.MockTransport(answer))
    monkeypatch.setenv("BAYPLAN_KEY", "bp_manager")
    run = runner.invoke(app, ["workshop", "push", "small-dealer", "--url", "http://bayplan.example:8000/"])
    assert run.exit_code == 0, run.output
    (sent,) = seen
    assert sent.method == "PUT" and str(sent.url) == "http://bayplan.example:8000/v1/workshops/small-dealer"
    assert Workshop.model_validate_json(sent.content) == load_scenario("small-dealer").workshop
    monkeypatch.delenv("BAYPLAN_KEY")
    refused = runner.invoke(app, ["workshop", "push", "small-dealer", "--url", "http://bayplan.example:8000"])
    assert refused.exit_code == 1 and "BAYPLAN_KEY" in refused.output
    assert runner.invoke(app, ["workshop", "push", "small-dealer", "--url", "ftp://x"]).exit_code == 2


def test_workshop_push_to_a_real_app_and_its_conflicts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = TestClient(create_app(f"sqlite:///{tmp_path / 'push.db'}", auth=False, clock=fixed_clock()))

    def forward(request: httpx.Request) -> httpx.Response:  # the CLI's httpx request, served by the app
        served = server.request(
            request.method,
            request.url.raw_path.decode(),
            content=request.content,
            headers=dict(request.headers),
        )
        return httpx.Response(served.status_code, content=served.content, headers=dict(served.headers))

    monkeypatch.setattr(cli.data, "_transport", lambda: httpx.MockTransport(forward))
    done = runner.invoke(app, ["workshop", "push", "small-dealer", "--url", "http://testserver"])
    assert done.exit_code == 0, done.output
    assert server.get("/v1/workshops/small-dealer").json()["id"] == "small-dealer"
    # A folder whose workshop opens after an accepted booking's drop-off: 409, nothing changes.
    booked = server.post("/v1/workshops/small-dealer/bookings",
                         json={"service": "MAINT", "drop_off": f"{DATE}T08:30:00+08:00"})  # fmt: skip
    assert booked.status_code == 201, booked.text
    folder = tmp_path / "shrunk"
    folder.mkdir()
    source = Path(cli.data.__file__).parents[1] / "scenarios" / "small-dealer"
    text = (source / "workshop.toml").read_text()
    later = text.replace('opening = { start = "08:00"', 'opening = { start = "09:00"')
    assert later != text
    (folder / "workshop.toml").write_text(later)
    (folder / "demand.toml").write_text((source / "demand.toml").read_text())
    refused = runner.invoke(app, ["workshop", "push", str(folder), "--url", "http://testserver"])
    assert refused.exit_code == 1 and "409" in refused.output and booked.json()["id"] in refused.output
    chinese = runner.invoke(
        app, ["--lang", "zh-CN", "workshop", "push", str(folder), "--url", "http://testserver"]
    )
    assert chinese.exit_code == 1, chinese.output
    # The server's answer in the command's language (it asked in English), and the command's own words.
    assert "此变更会破坏 1 个已接受的预约" in chinese.output, chinese.output
    assert f"{booked.json()['id']}（{DATE}）：" in chinese.output, chinese.output
    assert "加 --force 则保留它们" in chinese.output
    assert "drop_off: 08:30 在营业时间 09:00-17:00 之外" in chinese.output, chinese.output  # (no ISO instant)
    for english in ("would break", " on 2026", "keeps them"):
        assert english not in chinese.output, chinese.output
    forced = runner.invoke(app, ["workshop", "push", str(folder), "--url", "http://testserver", "--force"])
    assert forced.exit_code == 0, forced.output


def test_backup_copies_a_live_sqlite_database_that_serves_again(tmp_path: Path) -> None:
    live = tmp_path / "live.db"
    client = TestClient(create_app(f"sqlite:///{live}", auth=False, clock=fixed_clock()))
    roomy = tiny_workshop().model_dump(mode="json")
    roomy["opening"]["end"] = roomy["technicians"][0]["shift"]["end"] = "18:00"
    assert client.put("/v1/workshops/tiny", json=roomy).status_code == 200
    for hhmm, who in (("08:00", "Ann"), ("09:00", "Ben")):
        body = {"service": "MAINT", "drop_off": f"{DATE}T{hhmm}:00+08:00", "customer": who}
        made = client.post("/v1/workshops/tiny/bookings", json=body)
        assert made.status_code == 201, made.text
    before = client.get(f"/v1/workshops/tiny/bookings?date={DATE}").json()
    copy = tmp_path / "backup" / "copy.db"
    copy.parent.mkdir()
    run = bayplan("backup", "--db", f"sqlite:///{live}", "--out", str(copy))  # while the app holds it open
    assert run.returncode == 0, run.stderr
    restored = TestClient(create_app(f"sqlite:///{copy}", auth=False, clock=fixed_clock()))
    assert restored.get(f"/v1/workshops/tiny/bookings?date={DATE}").json() == before
    assert restored.get("/v1/workshops/tiny").json() == client.get("/v1/workshops/tiny").json()
    assert not list(copy.parent.glob("*.partial"))


def test_backup_of_postgresql_says_pg_dump_and_bad_urls_exit_2(tmp_path: Path) -> None:
    pg = runner.invoke(
        app, ["backup", "--db", "postgresql+psycopg://bp:secret@db/bayplan", "--out", "x.dump"]
    )
    assert pg.exit_code == 2 and "pg_dump" in pg.output and "secret" not in pg.output
    missing = runner.invoke(app, ["backup", "--db", f"sqlite:///{tmp_path / 'none.db'}", "--out", "x.db"])
    assert missing.exit_code == 2 and "--db" in missing.output
    assert not (tmp_path / "none.db").exists()


def test_a_missing_folder_is_named_for_the_backup_and_for_the_database(tmp_path: Path) -> None:
    """`backup --out` into a folder that does not exist was "backup failed: unable to open database
    file" (exit 1), and `keys create --db` with a missing folder gave SQLite's own words; both now
    exit 2 naming the option and the folder."""
    db = tmp_path / "b.db"
    assert runner.invoke(app, ["keys", "list", "--db", f"sqlite:///{db}"]).exit_code == 0  # creates it
    gone = tmp_path / "no" / "such"
    backup = runner.invoke(app, ["backup", "--db", f"sqlite:///{db}", "--out", str(gone / "b.db")])
    assert backup.exit_code == 2, backup.output
    assert backup.output.strip() == f"bayplan: error: --out: no folder {gone}"
    keys = runner.invoke(
        app, ["keys", "create", "--role", "admin", "--workshop", "*", "--db", f"sqlite:///{gone / 'k.db'}"]
    )
    assert keys.exit_code == 2, keys.output
    assert keys.output.strip() == f"bayplan: error: --db: no folder {gone}"
    assert not gone.exists()


@pytest.mark.parametrize(
    ("forceable", "args"),
    [(False, []), (True, ["--force"])],
    ids=["clocked-work-not-even-force", "already-forced"],
)
def test_workshop_push_offers_force_only_where_it_would_help(
    monkeypatch: pytest.MonkeyPatch, forceable: bool, args: list[str]
) -> None:
    """A 409 that force cannot lift (clocked work a change would orphan: `forceable` false) or that
    came with --force already does not end with "(--force keeps them, at risk)". Before, every 409
    did: "…which not even force may do: … (--force keeps them, at risk)"."""
    body = {
        "detail": (
            "the change removes a technician, service or operation named by the clock events of 1 booking(s)"
        ),
        "bookings": [
            {"booking": "BK-1", "date": DATE, "reasons": [f"technician M04 clocked work on it on {DATE}"]}
        ],
        "forceable": forceable,
    }
    monkeypatch.setattr(
        cli.data, "_transport", lambda: httpx.MockTransport(lambda _: httpx.Response(409, json=body))
    )
    monkeypatch.setenv("BAYPLAN_KEY", "bp_manager")
    run = runner.invoke(app, ["workshop", "push", "small-dealer", "--url", "http://testserver", *args])
    assert run.exit_code == 1 and "409" in run.output and "BK-1" in run.output, run.output
    assert "--force" not in run.output, run.output


@pytest.mark.parametrize(
    "url", ["http://[::1", "http://bayplan.example:port", "http://xn--", "http://" + "a" * 70 + ".example"]
)
def test_workshop_push_to_a_url_httpx_cannot_use_exits_2_naming_url(url: str) -> None:
    """A bracket left open, a port that is no number, a name IDNA refuses or a label too long for
    DNS: the push ended in httpx's InvalidURL, IDNAError or UnicodeError traceback (hostile-s40)."""
    run = runner.invoke(app, ["workshop", "push", "small-dealer", "--url", url])
    assert run.exit_code == 2 and isinstance(run.exception, SystemExit), run.output
    assert f"--url: not a URL: {url} (" in run.output
