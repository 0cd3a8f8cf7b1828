"""The wheel a first `make run` builds: no setuptools warnings (they were ~360 lines between
"installing" and "compiling"), and every data file an installed bayplan reads is in it."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SKIP = shutil.ignore_patterns(
    ".venv", ".git", "build", "*.egg-info", "__pycache__", ".*_cache", "tests", "bench", "node_modules"
)


@pytest.mark.skipif(
    importlib.util.find_spec("setuptools") is None,
    reason="the wheel is built without isolation: setuptools must be installed",
)
def test_the_wheel_builds_without_warnings_and_holds_the_data(tmp_path: Path) -> None:
    source = tmp_path / "src"
    shutil.copytree(ROOT, source, ignore=SKIP)
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-v", "-w",
         str(tmp_path / "wheel"), str(source)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert built.returncode == 0, built.stderr[-2000:]
    log = built.stdout + built.stderr
    warned = [line for line in log.splitlines() if "Warning" in line and "Location" not in line]
    assert not warned, "\n".join(warned)
    [wheel] = (tmp_path / "wheel").glob("bayplan-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for name in ("api/templates/base.html", "api/templates/reports.html", "api/static/app.css",
                 "api/static/app.js", "scheduler/migrations/env.py", "scheduler/migrations/script.py.mako",
                 "scheduler/migrations/versions/0001_initial.py",
                 "scheduler/locale/zh_CN/LC_MESSAGES/messages.po",
                 "scheduler/locale/zh_CN/LC_MESSAGES/messages.mo",
                 "scenarios/dealer-2011/workshop.toml", "cli/main.py",
                 # `bayplan backtest dealer-2011` reads it when no --history is given (mend-s18)
                 "scenarios/dealer-2011/history-2011H1.csv.gz",
                 "api/routes/slots.py", "scheduler/storage/store.py"):  # fmt: skip
        assert name in names, name
    assert not any("__pycache__" in n or n.startswith(("tests/", "bench/")) for n in names)
    metadata = zipfile.ZipFile(wheel).read("bayplan-0.1.0.dist-info/METADATA").decode()
    assert "License-Expression: Apache-2.0" in metadata
