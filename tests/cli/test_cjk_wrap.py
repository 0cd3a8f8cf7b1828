"""Chinese lines in the command line's tables and help break between characters (cli/cjk_wrap.py)."""

from __future__ import annotations

import io
import itertools
import re

from hypothesis import given
from hypothesis import strategies as st
from rich._wrap import words as rich_words
from rich.cells import cell_len
from rich.console import Console
from rich.table import Table

from cli.cjk_wrap import _CJK, install, words
from tests.cli.test_i18n import bayplan

CLOSING = "），。、；：！？"
CJK = re.compile(f"[{_CJK}]")


def _lines(text: str, width: int) -> list[str]:
    """`text` in a one-column table `width` cells wide, as rich prints it."""
    assert install()
    table = Table(show_header=False, box=None, pad_edge=False)
    table.add_column(overflow="fold")
    table.add_row(text)
    out = io.StringIO()
    Console(file=out, width=width, color_system=None).print(table)
    return [line.rstrip() for line in out.getvalue().splitlines() if line.strip()]


@given(st.text().filter(lambda text: not CJK.search(text)))
def test_text_without_chinese_breaks_exactly_where_rich_breaks_it(text: str) -> None:
    """English output (with its "…", "–", "×" and curly quotes) is what rich makes of it."""
    assert list(words(text)) == list(rich_words(text))


def test_a_chinese_reason_breaks_between_characters_not_inside_latin_words_or_before_punctuation() -> None:
    reason = "技术员 technician 只有 35 分钟，不够完成工序 2（repair）的 90 分钟；该预约顺延到下一个工作日。"
    for width in range(12, 40):
        lines = _lines(reason, width)
        assert "".join(lines).replace(" ", "") == reason.replace(" ", ""), width  # nothing lost
        assert all(not line.lstrip().startswith(tuple(CLOSING)) for line in lines), (width, lines)
        assert all(not line.endswith("（") for line in lines), (width, lines)
        assert any("technician" in line for line in lines), (width, lines)  # never split
        assert any("repair" in line for line in lines), (width, lines)
        # A line is cut only where the next word would not fit (not at the first space after a run).
        for line, after in itertools.pairwise(lines):
            first = next(iter(words(after.lstrip())))[2].rstrip()
            assert cell_len(line) + 1 + cell_len(first) > width, (width, lines)


def test_chinese_help_wraps_without_a_lone_closing_bracket() -> None:
    run = bayplan("--lang", "zh-CN", "replay-day", "--help")
    assert run.returncode == 0, run.stderr
    body = [line.strip("│ ").strip() for line in run.stdout.splitlines()]
    assert not any(line.startswith(tuple(CLOSING)) for line in body), run.stdout
