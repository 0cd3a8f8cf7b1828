"""Lines of the README's sections and their longest paragraphs or list items, old against new.

The sections: "## The service" (readme2-s46); the shop floor (with its reports), "### Limits" and
"## Web pages" (readme3-s46).

A block is a paragraph (up to a blank line, heading, table row or indented command) or a list item
("- " or "1. ", at any indent, up to the next item).

    python bench/readme_blocks.py            # old = main, new = the working tree
    python bench/readme_blocks.py --old REV
"""

from __future__ import annotations

import argparse
import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SECTIONS = {
    "service": ("## The service", "### No-show overbooking (opt-in)"),
    "shop floor": ("## The shop floor: clocking, the live day, the promise guard", "## Web pages"),
    "  of which reports": ("### Reports from actuals and learned labour times", "## Web pages"),
    "limits": ("### Limits", "### Data in and out"),
    "web pages": ("## Web pages", "## Benchmarks"),
}
ITEM = re.compile(r"\s*(?:- |\d{1,2}\. )")  # not "409. " at a line start


def section(text: str, start: str, end: str) -> str:
    return text[text.index(start) : text.index(end)].rstrip("\n")


def blocks(text: str) -> list[list[str]]:
    out: list[list[str]] = []
    current: list[str] = []
    for line in text.split("\n"):
        if not line.strip() or line.startswith(("#", "|", "    .venv")):
            if current:
                out.append(current)
                current = []
            continue
        if ITEM.match(line) and current:
            out.append(current)
            current = []
        current.append(line)
    if current:
        out.append(current)
    return out


def report(name: str, text: str, start: str, end: str) -> None:
    part = section(text, start, end)
    found = sorted(blocks(part), key=len, reverse=True)
    print(
        f"{name}: {len(part.splitlines())} lines, {len(part)} characters, {len(found)} blocks, "
        f"{sum(1 for line in part.splitlines() if line.startswith('#'))} headings; longest blocks (lines):"
    )
    for block in found[:3]:
        print(f"  {len(block):3d}  {block[0][:70]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--old", default="main", help="the commit holding the old text")
    args = parser.parse_args()
    old = subprocess.run(
        ["git", "show", f"{args.old}:README.md"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    new = (ROOT / "README.md").read_text(encoding="utf-8")
    for label, (start, end) in SECTIONS.items():
        print(f"== {label} ({start!r} .. {end!r})")
        report(f"old ({args.old})", old, start, end)
        report("new", new, start, end)


if __name__ == "__main__":
    main()
