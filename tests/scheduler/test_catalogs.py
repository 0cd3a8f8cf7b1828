"""The translations are compiled: the build's .mo says what the .po says, and the run time reads
the .mo, or the .po when the .mo is missing or older; every module with marked texts is extracted."""

from __future__ import annotations

import gettext
import glob
import io
import os
import re
import shutil
from pathlib import Path

from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from scheduler.catalogs import LOCALE_DIR, catalogs, compile_all, mo_bytes
from scheduler.i18n import FULL_WIDTH, HAN, PLACEHOLDER, Translator, apart, compiled

PO = LOCALE_DIR / "zh_CN" / "LC_MESSAGES" / "messages.po"
ROOT = Path(__file__).resolve().parents[2]


def _translated(po: Path) -> dict[str, str]:
    with po.open("rb") as handle:
        catalog = read_po(handle)
    return {m.id: m.string for m in catalog if m.id and isinstance(m.id, str) and m.string and not m.fuzzy}


def test_the_compiled_catalog_says_what_the_po_says(tmp_path: Path) -> None:
    shutil.copytree(LOCALE_DIR, tmp_path / "locale", ignore=shutil.ignore_patterns("*.mo"))
    written = compile_all(tmp_path / "locale")
    assert [mo.parent.parent.name for mo in written] == [
        locale for locale, _ in catalogs(tmp_path / "locale")
    ]
    assert "zh_CN" in {mo.parent.parent.name for mo in written}
    mo = tmp_path / "locale" / "zh_CN" / "LC_MESSAGES" / "messages.mo"
    translations = gettext.GNUTranslations(io.BytesIO(mo.read_bytes()))
    expected = _translated(PO)
    assert len(expected) > 300
    for msgid, msgstr in expected.items():
        assert translations.gettext(msgid) == msgstr, msgid
    compiled_ids = {m.id for m in read_mo(io.BytesIO(mo.read_bytes())) if m.id and isinstance(m.id, str)}
    assert compiled_ids == set(expected)


def test_the_installed_mo_if_any_agrees_with_the_po() -> None:
    """`make` (and the wheel) compile the .mo; one that is at least as new as the .po must match it."""
    mo = PO.with_suffix(".mo")
    if mo.is_file() and mo.stat().st_mtime >= PO.stat().st_mtime:
        assert mo.read_bytes() == mo_bytes(PO, "zh_CN")


def test_a_missing_or_older_mo_falls_back_to_the_po(tmp_path: Path) -> None:
    folder = tmp_path / "zh_CN" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    po = folder / "messages.po"
    header = 'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n'
    po.write_text(header + '\nmsgid "Sign in"\nmsgstr "登录"\n', encoding="utf-8")
    assert compiled("zh_CN", tmp_path) == mo_bytes(po, "zh_CN")  # no .mo: the .po compiled now
    mo = po.with_suffix(".mo")
    mo.write_bytes(b"stale")
    os.utime(mo, (po.stat().st_mtime - 60, po.stat().st_mtime - 60))
    assert compiled("zh_CN", tmp_path) == mo_bytes(po, "zh_CN")  # older .mo: the .po
    compile_all(tmp_path)
    assert compiled("zh_CN", tmp_path) == mo.read_bytes() != b"stale"  # a fresh .mo is read
    assert compiled("fr", tmp_path) is None
    assert Translator("zh-CN").gettext("Sign in") == "登录"


def test_every_module_that_marks_texts_is_extracted() -> None:
    # `make messages` keeps only the msgids babel.cfg's modules mark: a module left out there (a
    # split moving marked texts to a new module) would turn their translations obsolete.
    listed: set[Path] = set()
    for pattern in re.findall(r"^\[python: (\S+)\]", (ROOT / "babel.cfg").read_text(), re.M):
        listed.update(
            Path(p) for p in glob.glob(str(ROOT / pattern.replace("**.py", "**/*.py")), recursive=True)
        )
    marking = {
        path
        for package in ("api", "cli", "scheduler", "simulation", "solver")
        for path in (ROOT / package).rglob("*.py")
        if "N_(" in (text := path.read_text()) and "def N_(" not in text
    }
    assert sorted(str(p.relative_to(ROOT)) for p in marking - listed) == []


def test_the_chinese_catalog_spaces_digits_and_latin_words_by_one_rule() -> None:
    """One rule for a digit or a Latin letter beside a Han character: a space on both sides
    ("连续 90 分钟", "预约 B 的工序"), dates excepted ("11月"); no space between two Han characters nor
    beside full-width punctuation. Every msgstr's own words keep it; where a filled-in part meets
    them, `Translator.phrase` spaces it so ("没有一名2 级…" read "没有一名 2 级…", walk-s14 #21)."""
    with PO.open("rb") as handle:
        catalog = read_po(handle, locale="zh_CN")
    broken = []
    for message in catalog:
        if not message.id or not message.string:
            continue
        for text in message.string if isinstance(message.string, tuple) else (message.string,):
            words = PLACEHOLDER.sub("\x00", text)  # the msgstr's own words; a placeholder is neither
            for at in range(1, len(words)):
                left, right = words[at - 1], words[at]
                if "\x00" in (left, right):
                    continue
                if right == " " and at + 1 < len(words) and words[at + 1] not in " \x00":
                    if not apart(left, words[at + 1], spaced=True):
                        broken.append(f"{left}␣{words[at + 1]}: {text}")
                elif " " not in (left, right) and apart(left, right):
                    broken.append(f"{left}{right}: {text}")
    assert not broken, broken
    assert "（" in FULL_WIDTH and HAN
    zh = Translator("zh_CN")
    reason = zh.phrase("no maintenance technician grade >= 2 has 90 min before 18:30 (longest free 30 min)")
    assert reason == "没有一名 2 级及以上的保养技师在 18:30 之前有连续 90 分钟的空闲（最长空闲 30 分钟）"
    assert zh.phrase(
        "no tyre technician grade >= 2 has 90 min before 18:30 (longest free 30 min)"
    ).startswith("没有一名 2 级及以上的 tyre 技师在")


#: The exceptions whose text a person reads (an API error body, a command's error line), and which
#: argument is that text.
_ERRORS = {"InputError": 1, "HTTPException": 1, "Conflict": 0, "NotFound": 0, "WorkshopConflict": 0}


def _unmarked_error_texts(path: Path) -> list[str]:
    """The error texts in `path` written out (a literal with words, or an f-string) rather than made
    from a marked template: no catalog can have them, so they stay English (review-s22: "… 晚于排程日期
    2026-11-25 ended: a past day cannot be re-planned from now" half-matched another template)."""
    import ast

    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
        if name not in _ERRORS or len(node.args) <= _ERRORS[name]:
            continue
        text = node.args[_ERRORS[name]]
        written = isinstance(text, ast.JoinedStr) or (
            isinstance(text, ast.Constant)
            and isinstance(text.value, str)
            and re.search(r"[a-z]{2}", text.value)
        )
        if written:
            found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {ast.unparse(text)[:90]}")
    return found


def test_every_error_text_of_the_api_the_cli_and_the_scheduler_is_a_marked_template() -> None:
    """An error a person reads is made from a template marked N_ (then `Translator.phrase` reads it
    in their language), never an f-string or a bare literal; and its module is one babel.cfg
    extracts (the test above), so `make messages` finds the template."""
    sources = [p for d in ("api", "cli", "scheduler") for p in sorted((ROOT / d).rglob("*.py"))]
    # and the simulation's checks of the options and bodies a manager gives (`simulate`, `staff`,
    # POST /v1/simulations); its history and fit files' own texts stay English (ARCHITECTURE)
    sources += [ROOT / "simulation" / f"{name}.py" for name in ("inputs", "arrivals", "targets", "tradeoff")]
    unmarked = [line for p in sources if "migrations" not in p.parts for line in _unmarked_error_texts(p)]
    assert not unmarked, "an error text not made from an N_ template:\n" + "\n".join(unmarked)


class _Zeros(dict[str, int]):
    """Any placeholder's value: 0 (a %(name)s, %(count)d and %(share).1f all take it)."""

    def __missing__(self, key: str) -> int:
        return 0


def test_every_catalog_passes_the_format_checks_of_babel_and_msgfmt() -> None:
    """zh-s30: six msgids with a literal " % " before a letter ("95 % of replications", "% of
    waiters") were taken for format strings (Babel flags them python-format: "% o" is an octal
    conversion), and `msgfmt -c` refused their translations ("95% 的…"), 6 fatal errors. Such a
    percent is written "%%" and the text filled in (`Translator.gettext`). Babel's own checkers
    always; GNU msgfmt too where it is installed."""
    for locale, po in catalogs():
        with po.open("rb") as handle:
            catalog = read_po(handle, locale=locale)
        problems = [(m.id, [str(e) for e in errors]) for m, errors in catalog.check()]
        assert not problems, f"{locale}: {problems}"
        for m in catalog:
            if m.id and isinstance(m.id, str) and m.python_format:
                # a format string in both: filled in, it raises nothing (a lone "% o" would)
                m.id % _Zeros()
                if isinstance(m.string, str) and m.string:
                    m.string % _Zeros()
        msgfmt = shutil.which("msgfmt")
        if msgfmt is not None:  # not on every machine (Debian's gettext package)
            import subprocess

            run = subprocess.run([msgfmt, "-c", str(po), "-o", os.devnull], capture_output=True, text=True)
            assert run.returncode == 0, run.stderr


def test_a_percent_sign_in_a_text_reads_as_one_in_english_and_in_chinese() -> None:
    """The "%%" of a msgid with no placeholder reads "%": English byte for byte as before zh-s30."""
    en, zh = Translator("en"), Translator("zh_CN")
    assert en.gettext("95 %% of replications") == "95 % of replications"
    assert en.gettext("%% of waiters") == "% of waiters"
    assert en.gettext("technicians busy, %% of those on shift") == "technicians busy, % of those on shift"
    assert en.gettext("mean [95 %% confidence interval]") == "mean [95 % confidence interval]"
    assert zh.gettext("95 %% of replications") == "95% 的重复运行"
    assert zh.gettext("mean [95 %% confidence interval]") == "均值 [95% 置信区间]"
    # a text with no "%%" is as it is, a lone "%" too (not a format string: Babel does not flag it)
    said = "vehicles ready by the promised pickup, % (95 % CI)"
    assert en.gettext(said) == said
