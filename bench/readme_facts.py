"""Every figure and file name of the README's guarantees is still in the README or the measurements.

Lists every number-with-unit, "n of m" / "n / m" count, date, session and `bench/RESULTS-*`,
`tests/...`, `scheduler/...`, `solver/...` name in the old text (the README's "Running the tests"
suite paragraph and "Guarantees and known limits" section, and the whole measurements file, in
each language), and shows whether each is still in the new README or measurements of that
language. Line breaks and `**` are ignored when matching; nothing else is normalised.

    python bench/readme_facts.py            # old = main, new = the working tree
    python bench/readme_facts.py --old REV  # old = another commit
    python bench/readme_facts.py --all      # every fact, not only the missing ones

Also (readme2-s46) the README's "## The service" section up to "### No-show overbooking (opt-in)":
every backticked token, every double-quoted string and every fact above in the old section must be
in the NEW SECTION itself (not anywhere in the README), and the words whose count fell are listed.

Also (readme3-s46) the same check for the shop floor section (with its reports), "### Limits" and
"## Web pages" (see SECTIONS).

Exit 1 if a fact is missing that is not listed in DROPPED (with why).
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# (readme, measurements, where the old README part starts, where it ends)
LANGS = {
    "en": ("README.md", "docs/MEASUREMENTS.md", "## Running the tests", "## Planning a day"),
    "zh": ("README.zh-CN.md", "docs/MEASUREMENTS.zh-CN.md", "**时间。**", "## 排一天的工位排程"),
}

NUMBER = r"\d+(?:,\d{3})*(?:\.\d+)?"
RANGE = rf"{NUMBER}(?:\s?[–-]\s?{NUMBER})?"
UNITS = r"%|ms|s\b|MB|min\b|minutes|days|bookings|technicians|bays|×|毫秒|秒|分钟|天|个|名|次"
PATTERNS = [
    rf"{RANGE}\s?(?:{UNITS})",  # 61–69 ms, 97.9 %, 412 s, 1,000 bookings, 60 秒
    rf"{NUMBER}\s?(?:→|->)\s?{NUMBER}",  # 88.2 → 95.2
    rf"{NUMBER} (?:of|/) {NUMBER}",  # 858 of 901, 296 / 311
    rf"{NUMBER} 个中 {NUMBER}",  # 901 个中 858
    r"20\d\d-\d\d-\d\d",  # dates
    r"[Ss]ession \d+|第 \d+ 次会话",
    r"\b(?:bench/RESULTS-|tests/|scheduler/|solver/)[\w./:-]*\w",
]
FACT = re.compile("|".join(f"(?:{p})" for p in PATTERNS))

# (readme, the section's first heading, the heading after it): checked within the section.
SECTIONS = {
    "en service": ("README.md", "## The service", "### No-show overbooking (opt-in)"),
    # readme3-s46: the shop floor (with its reports), the service's limits, the web pages.
    "en shop floor": (
        "README.md",
        "## The shop floor: clocking, the live day, the promise guard",
        "## Web pages",
    ),
    "en limits": ("README.md", "### Limits", "### Data in and out"),
    "en web pages": ("README.md", "## Web pages", "## Benchmarks"),
}
TOKEN = re.compile(r'`[^`]+`|"[^"]{2,}"')

# Facts taken out on purpose, with why (none so far).
DROPPED: dict[str, str] = {}


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("**", ""))


def facts(text: str) -> list[str]:
    seen: dict[str, None] = {}
    for match in FACT.finditer(flat(text)):
        seen.setdefault(match.group(0).strip())
    return list(seen)


def words(text: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for word in re.findall(r"\w+", text.replace("**", "")):
        counts[word] = counts.get(word, 0) + 1
    return counts


def old_file(rev: str, path: str) -> str:
    return subprocess.run(
        ["git", "show", f"{rev}:{path}"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout


def between(text: str, start: str, end: str) -> str:
    return text[text.index(start) : text.index(end)]


def _report(found: list[str], missing: list[str], every: bool) -> int:
    """Print each missing fact (each fact with `every`) and return how many are missing unexplained."""
    unexplained = 0
    for fact in found if every else missing:
        if fact not in missing:
            print(f"  ok       {fact}")
        elif fact in DROPPED:
            print(f"  dropped  {fact}  ({DROPPED[fact]})")
        else:
            print(f"  MISSING  {fact}")
            unexplained += 1
    return unexplained


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--old", default="main", help="the commit holding the old text")
    parser.add_argument("--all", action="store_true", help="list every fact, found or not")
    args = parser.parse_args()
    missing_total = 0
    for lang, (readme, measurements, start, end) in LANGS.items():
        new = flat(
            (ROOT / readme).read_text(encoding="utf-8")
            + "\n"
            + (ROOT / measurements).read_text(encoding="utf-8")
        )
        sources = {
            f"{readme} (old section)": between(old_file(args.old, readme), start, end),
            f"{measurements} (old)": old_file(args.old, measurements),
        }
        for source, text in sources.items():
            found = facts(text)
            missing = [f for f in found if f not in new]
            print(f"{lang} {source}: {len(found)} facts, {len(found) - len(missing)} still present")
            missing_total += _report(found, missing, args.all)
    for name, (readme, start, end) in SECTIONS.items():
        old_text = between(old_file(args.old, readme), start, end)
        new_text = between((ROOT / readme).read_text(encoding="utf-8"), start, end)
        new = flat(new_text)
        found = list(dict.fromkeys(facts(old_text) + TOKEN.findall(flat(old_text))))
        missing = [f for f in found if f not in new]
        print(
            f"{name} ({readme} {start!r} .. {end!r}): {len(old_text.splitlines())} -> "
            f"{len(new_text.splitlines())} lines, {len(found)} facts/tokens/quotes, "
            f"{len(found) - len(missing)} still in the new section"
        )
        missing_total += _report(found, missing, args.all)
        before, after = words(old_text), words(new_text)
        fell = {w: (n, after.get(w, 0)) for w, n in before.items() if after.get(w, 0) < n}
        print(f"  words whose count fell (old -> new): {len(fell)}")
        for w, (n, m) in sorted(fell.items()):
            print(f"    {w!r}: {n} -> {m}")
    print(f"missing: {missing_total}")
    return 1 if missing_total else 0


if __name__ == "__main__":
    sys.exit(main())
