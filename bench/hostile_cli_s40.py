"""Session 40's hostile-input probe of the `bayplan` command (not a benchmark): each command with bad
files and arguments, run as a real process (`python -m cli ...`, BAYPLAN_NOW fixed, a scratch
directory as the working directory). A failure is: exit 0, a traceback, a run that outlasts its
timeout, or no message at all. Also counted: the exit codes, and the answers longer than one line
(click's usage errors come in a box of several lines by design). Run:

    PYTHONPATH=. python -m bench.hostile_cli_s40 [name-filter]

It prints every case's exit code and first message line, the failures, and exits 1 if any."""

from __future__ import annotations

import collections
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def files(d: Path) -> dict[str, str]:
    out = {
        "missing": str(d / "no-such-file.json"),
        "dir": str(d),
        "empty": "empty.txt",
        "garbage": "garbage.txt",
        "binary": "binary.bin",
        "json_list": "list.json",
        "json_deep": "deep.json",
        "bad_toml": "bad.toml",
        "csv_broken": "broken.csv",
        "csv_header": "header.csv",
        "passwd": "/etc/passwd",
        "out_missing_dir": str(d / "no-such-dir" / "out.x"),
        "out_dir": str(d),
    }
    (d / "empty.txt").write_text("")
    (d / "garbage.txt").write_text("{not json]\n" * 3)
    (d / "binary.bin").write_bytes(bytes(range(256)) * 4)
    (d / "list.json").write_text("[1, 2, 3]")
    (d / "deep.json").write_text("[" * 100_000 + "]" * 100_000)
    (d / "bad.toml").write_text("[columns\nx = = 1\n")
    (d / "broken.csv").write_text('date,service\n"2026-11-24,MAINT\n,,,,,\n\x00\n')
    (d / "header.csv").write_text("a,b,c\n1,2,3\n")
    return out


VALID = {
    (
        "plan",
        "small-dealer",
        "--now",
        "2026-11-24T08:00:00+23:59",
        "--planner",
        "greedy",
    ),  # an odd offset, a real instant
    ("backup", "--db", "sqlite:///empty.txt", "--out", "b.db"),  # an empty file is an empty SQLite database
    ("keys", "list", "--db", "sqlite:///empty.txt"),
    ("plan", "small-dealer", "--seed", str(2**70), "--planner", "greedy"),  # any whole number seeds numpy
    ("replay-day", "small-dealer", "--days", "1", "--latency-every", "0"),  # 0: never timed, as its help says
}
"""Hostile-looking arguments that are valid: exit 0 is right for them."""


def cases(f: dict[str, str]) -> list[tuple[str, list[str]]]:
    c: list[tuple[str, list[str]]] = []
    S = "small-dealer"
    for date in ("2026-13-01", "", "0001-01-01", "9999-12-31", "tomorrow", "2026-11-24T08:00"):
        c.append(("plan --date", ["plan", S, "--date", date, "--planner", "greedy"]))
    for now in ("2026-11-24T08:00", "now", "9999-12-31T23:59:59+00:00", "2026-11-24T08:00:00+23:59"):
        c.append(("plan --now", ["plan", S, "--now", now, "--planner", "greedy"]))
    for key in ("missing", "dir", "empty", "garbage", "binary", "json_list", "json_deep", "passwd"):
        c.append((f"plan --input {key}", ["plan", "--input", f[key]]))
        c.append((f"replan --input {key}", ["replan", "--input", f[key]]))
    for t in ("-1", "0", "nan", "inf", "1e308"):
        c.append(("plan --time-limit", ["plan", S, "--time-limit", t]))
    for s in ("0", "-1", "nan", "inf", "1e308"):
        c.append(("plan --scale", ["plan", S, "--scale", s, "--planner", "greedy"]))
    c.append(("plan --seed", ["plan", S, "--seed", "-1", "--planner", "greedy"]))
    c.append(("plan --seed", ["plan", S, "--seed", str(2**70), "--planner", "greedy"]))
    for key in ("out_missing_dir", "out_dir"):
        c.append((f"plan --out {key}", ["plan", S, "--planner", "greedy", "--out", f[key]]))
    for scen in ("../../etc/passwd", "/etc", "no-such-scenario", "", f["dir"], "<script>"):
        c.append(("plan scenario", ["plan", scen, "--planner", "greedy"]))
    c.append(("schema which", ["schema", "bogus"]))
    # simulate
    sim = ["simulate", "--days", "2", "--replications", "2"]
    for rules in ("../../etc/passwd", "/etc/passwd", "no-such-rules", ""):
        c.append(("simulate --rules", [*sim, "--rules", rules]))
    for days in ("0", "-1", str(10**9)):
        c.append(("simulate --days", ["simulate", "--days", days, "--replications", "2"]))
    for reps in ("0", "-1"):
        c.append(("simulate --replications", ["simulate", "--days", "2", "--replications", reps]))
    for workers in ("0", "-1", "100000"):
        c.append(("simulate --workers", [*sim, "--workers", workers]))
    for month in ("2026-13", "13", "x", ""):
        c.append(("simulate --month", [*sim, "--month", month]))
    for growth in ("-1", "0", "nan", "inf"):
        c.append(("simulate --growth", [*sim, "--growth", growth]))
    for key in ("missing", "dir", "empty", "garbage", "binary", "csv_broken", "csv_header", "passwd"):
        c.append((f"simulate --history {key}", [*sim, "--history", f[key]]))
    for key in ("missing", "bad_toml", "binary"):
        c.append((f"simulate --fit {key}", [*sim, "--demand", "fitted", "--fit", f[key]]))
    for key in ("out_missing_dir", "out_dir"):
        c.append((f"simulate --report {key}", [*sim, "--report", f[key]]))
    for level in ("bogus", "-5", "1e9", "nan", "5,5", ",", "0:10"):
        c.append(("simulate --overbooking", [*sim, "--overbooking", level]))
    for url in (
        "http://127.0.0.1:1/v1/workshops/x/days/2026-11-24/status",
        "file:///etc/passwd",
        "not a url",
        "http://[::1",
        "ftp://x/",
        "http://xn--/status",
        "http://" + "a" * 70 + ".example/status",
    ):
        c.append(("simulate --from-status", [*sim, "--from-status", url]))
    for url in ("tcp://127.0.0.1:1", "not-an-address", "tcp://[::1", "tcp://host:port", "tcp://host"):
        c.append(("simulate --cluster", [*sim, "--cluster", url]))
    # backtest, staff, request
    for key in ("missing", "garbage", "csv_header", "binary"):
        c.append((f"backtest --history {key}", ["backtest", "--history", f[key], "--replications", "2"]))
    for train, test in (("bogus", "2026-01"), ("2026-13", "2026-01"), ("2026-02", "2026-01:2025-01")):
        c.append(
            ("backtest --train/--test", ["backtest", "--train", train, "--test", test, "--replications", "2"])
        )
    c.append(("backtest --mapping", ["backtest", "--mapping", f["bad_toml"], "--replications", "2"]))
    for target in ("bogus", "p95_wait<=-1", "waiter_wait<=", "x" * 500, "mean_wait<=nan"):
        c.append(("staff --target", ["staff", "--target", target, "--days", "2"]))
    c.append(("staff --rules", ["staff", "--rules", "../../etc/passwd", "--days", "2"]))
    c.append(
        (
            "staff --write-rules",
            ["staff", "--days", "2", "--write-rules", f["out_missing_dir"], "--max-steps", "1"],
        )
    )
    for date in ("2026-13-01", ""):
        c.append(("request --date", ["request", S, "--date", date]))
    c.append(("request --scale", ["request", S, "--date", "2026-11-24", "--scale", "0"]))
    # backup
    for db in (
        "sqlite:////no/such/dir/x.db",
        "garbage://x",
        "",
        "postgresql+psycopg://u@127.0.0.1:1/x",
        "sqlite:///empty.txt",
    ):
        c.append(("backup --db", ["backup", "--db", db, "--out", "b.db"]))
    c.append(("backup --out", ["backup", "--db", "sqlite:///fresh.db", "--out", f["out_missing_dir"]]))
    # print
    for tech in ("../x", "NOBODY", ""):
        c.append(
            (
                "print --technician",
                ["print", S, "--date", "2026-11-24", "--out", "x.pdf", "--technician", tech],
            )
        )
    for date in ("2026-13-01", "9999-12-31"):
        c.append(("print --date", ["print", S, "--date", date, "--out", "x.pdf"]))
    c.append(("print --out", ["print", S, "--date", "2026-11-24", "--out", f["out_missing_dir"]]))
    # report (a fresh database: no such workshop, then bad ranges)
    rep = ["report", "--db", "sqlite:///fresh.db", "--workshop", S]
    for first, last in (
        ("2026-11-24", "2026-11-20"),
        ("2016-01-01", "2026-11-24"),
        ("0001-01-01", "9999-12-31"),
        ("2026-13-01", "2026-11-24"),
        ("", ""),
    ):
        c.append(("report --from/--to", [*rep, "--from", first, "--to", last]))
    c.append(
        (
            "report --db",
            [
                "report",
                "--db",
                "sqlite:///empty.txt",
                "--workshop",
                S,
                "--from",
                "2026-11-24",
                "--to",
                "2026-11-24",
            ],
        )
    )
    c.append(
        (
            "report --db",
            ["report", "--db", "garbage://", "--workshop", S, "--from", "2026-11-24", "--to", "2026-11-24"],
        )
    )
    # replay-day
    for days in ("0", "61", "-1"):
        c.append(("replay-day --days", ["replay-day", S, "--days", days]))
    for first in ("2026-13-01", "9999-12-31", "0001-01-01", ""):
        c.append(("replay-day --first", ["replay-day", S, "--days", "1", "--first", first]))
    for every in ("0", "-1"):
        c.append(("replay-day --latency-every", ["replay-day", S, "--days", "1", "--latency-every", every]))
    c.append(("replay-day scenario", ["replay-day", "../../etc", "--days", "1"]))
    # keys, history, workshop
    c.append(
        ("keys create", ["keys", "create", "--role", "bogus", "--workshop", S, "--db", "sqlite:///fresh.db"])
    )
    c.append(
        (
            "keys create",
            ["keys", "create", "--role", "technician", "--workshop", S, "--db", "sqlite:///fresh.db"],
        )
    )
    c.append(
        (
            "keys create",
            ["keys", "create", "--role", "booking", "--workshop", "../x", "--db", "sqlite:///fresh.db"],
        )
    )
    c.append(("keys revoke", ["keys", "revoke", "../../etc/passwd", "--db", "sqlite:///fresh.db"]))
    c.append(("keys list", ["keys", "list", "--db", "sqlite:///empty.txt"]))
    c.append(("history export", ["history", "export", "--workshop", "nope", "--db", "sqlite:///fresh.db"]))
    c.append(
        (
            "history export",
            ["history", "export", "--workshop", S, "--db", "sqlite:///fresh.db", "--from", "2026-13-01"],
        )
    )
    for key in ("missing", "garbage", "binary", "csv_broken", "csv_header", "empty"):
        c.append((f"history fit {key}", ["history", "fit", S, f[key]]))
    c.append(("history fit --mapping", ["history", "fit", S, f["csv_header"], "--mapping", f["bad_toml"]]))
    for url in (
        "http://127.0.0.1:1",
        "file:///etc/passwd",
        "not a url",
        "http://[::1",
        "http://xn--",
        "http://" + "a" * 70 + ".example",
        "http://h:port",
    ):
        c.append(("workshop push --url", ["workshop", "push", S, "--url", url]))
    c.append(("workshop export --out", ["workshop", "export", S, "--out", f["out_missing_dir"]]))
    # serve with a bad database, clock or cluster: refused before it listens
    for args in (
        ["--db", "sqlite:////no/such/dir/x.db"],
        ["--db", "garbage://"],
        ["--now", "2026-11-24T08:00"],
        ["--now", "bogus"],
        ["--cluster", "not-an-address"],
        ["--cluster", "tcp://[::1"],
    ):
        c.append((f"serve {args[0]}", ["serve", "--port", "0", *args]))
    return c


def main() -> int:
    only = sys.argv[1] if len(sys.argv) > 1 else ""
    d = Path(tempfile.mkdtemp(prefix="bayplan-cli-hostile-"))
    f = files(d)
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "BAYPLAN_NOW": "2026-11-23T17:30:00+08:00",
        "COLUMNS": "100",
    }
    env.pop("BAYPLAN_LANG", None)
    failures: list[str] = []
    codes: collections.Counter[int] = collections.Counter()
    multi = 0
    for name, args in cases(f):
        if only and only not in name:
            continue
        try:
            p = subprocess.run(
                [sys.executable, "-m", "cli", *args],
                cwd=d,
                env=env,
                capture_output=True,
                text=True,
                timeout=90,
            )
        except subprocess.TimeoutExpired:
            failures.append(f"{name} {args}: still running after 90 s")
            codes[-1] += 1
            continue
        codes[p.returncode] += 1
        text = (p.stderr + p.stdout).strip()
        lines = [line for line in p.stderr.strip().splitlines() if line.strip()]
        first = lines[0] if lines else (p.stdout.strip().splitlines() or [""])[0]
        print(
            f"{p.returncode:3} {len(lines):2}  {name:30} {' '.join(args)[:90]!s:90}  | {first[:160]}",
            flush=True,
        )
        if "Traceback (most recent call last)" in text or ("Error:" in text and "site-packages" in text):
            failures.append(f"{name} {args}: traceback\n{text[-1500:]}")
        elif p.returncode == 0 and tuple(args) not in VALID:
            failures.append(f"{name} {args}: exit 0 on bad input: {text[:300]}")
        elif p.returncode != 0 and not text:
            failures.append(f"{name} {args}: exit {p.returncode} with no message")
        if len(lines) > 1:
            multi += 1
    print(f"\nexit codes: {dict(sorted(codes.items()))}; answers of more than one line on stderr: {multi}")
    print(f"failures: {len(failures)}")
    for failure in failures:
        print(" -", failure)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
