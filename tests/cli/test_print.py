"""`bayplan print`: a scenario day's job cards or a technician's day sheet, written as a PDF file."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from scheduler.scenarios import load_scenario
from tests.builders import DATE

pypdf = pytest.importorskip("pypdf")
runner = CliRunner()


def test_print_writes_the_days_job_cards(tmp_path: Path) -> None:
    out = tmp_path / "cards.pdf"
    run = runner.invoke(app, ["print", "small-dealer", "--date", DATE, "--out", str(out)])
    assert run.exit_code == 0, run.output
    assert str(out) in run.output
    pdf = out.read_bytes()
    assert pdf.startswith(b"%PDF")
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) >= 1
    first = reader.pages[0].extract_text()
    assert "Job card" in first and "Promised pickup" in first and "Notes" in first


def test_print_a_technicians_day_sheet_in_chinese(tmp_path: Path) -> None:
    tech = load_scenario("small-dealer").workshop.technicians[0]
    out = tmp_path / "sheet.pdf"
    args = [
        "--lang",
        "zh-CN",
        "print",
        "small-dealer",
        "--date",
        DATE,
        "--technician",
        tech.id,
        "--out",
        str(out),
    ]
    run = runner.invoke(app, args)
    assert run.exit_code == 0, run.output
    text = pypdf.PdfReader(io.BytesIO(out.read_bytes())).pages[0].extract_text()
    assert "日工单" in text and "备注" in text
    # his name and the workshop's as the workshop gives them in Chinese (name_i18n, zhdata-s27)
    assert tech.name_i18n["zh-CN"] == "张伟" and "张伟" in text and tech.name not in text


def test_print_refuses_an_unknown_technician(tmp_path: Path) -> None:
    out = tmp_path / "x.pdf"
    args = ["print", "small-dealer", "--date", DATE, "--technician", "nobody", "--out", str(out)]
    run = runner.invoke(app, args)
    assert run.exit_code == 2 and "--technician" in run.output
    assert not out.exists()
