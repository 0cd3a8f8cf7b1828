"""Lines of the README's "## The service" section and its longest paragraph or list item, old against new.

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
START, END = "## The service", "### No-show overbooking (opt-in)"
ITEM = re.compile(r"\s*(?:- |\d+\. )")


def section(text: str) -> str:
    return text[text.index(START) : text.index(END)].rstrip("\n")


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


def report(name: str, text: str) -> None:
    part = section(text)
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
    report(f"old ({args.old})", old)
    report("new", (ROOT / "README.md").read_text(encoding="utf-8"))


if __name__ == "__main__":
    main()
