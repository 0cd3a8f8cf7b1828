"""Nothing of the README is lost when its measurements move to docs/ (docs-s36).

    python -m bench.docs_lines [--base COMMIT]

For README.md and README.zh-CN.md: every non-blank line of the file at BASE (`git show BASE:FILE`;
by default where this branch left main, `git merge-base HEAD main`)
must appear, as it was, in the new file or in its measurements file (docs/MEASUREMENTS.md,
docs/MEASUREMENTS.zh-CN.md); lines deliberately rewritten as summaries are listed in REWRITTEN and
reported apart. Every block of the measurements file (the lines between headings and blank lines,
the file's own introduction aside) must be a run of consecutive lines of the old file: moved
verbatim, not edited. Every relative link of the README and the measurements file must name a file
that exists, and an anchor (`#…`) one of that file's headings. Exit status 1 on any failure.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAIRS = (("README.md", "docs/MEASUREMENTS.md"), ("README.zh-CN.md", "docs/MEASUREMENTS.zh-CN.md"))

#: Old lines kept in neither file, on purpose: (file, line as it was, why). A summary's rewrite of a
#: moved paragraph keeps the old lines in the measurements file, so only lines changed in place go here.
REWRITTEN: tuple[tuple[str, str, str], ...] = (
    (
        "README.zh-CN.md",
        "（每天 2.5 位），代价是准时率下降 1.9 个百分点、每天多加班 0.3 小时；"
        "超过 5 % 几乎没有更多收益（仍被拒的是等候客户，",
        "stale figures: the session-27 table it summarises (and the English README) "
        "says 2.6 a day and 1.8 points",
    ),
)


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped (letters of any script kept)."""
    text = heading.strip().lower()
    kept = "".join(c for c in text if c in " -_" or unicodedata.category(c)[0] in "LN")
    return kept.replace(" ", "-")


def anchors(text: str) -> set[str]:
    seen: dict[str, int] = {}
    out: set[str] = set()
    in_code = False
    for line in text.splitlines():
        if line.startswith("```"):
            in_code = not in_code
        m = re.match(r"(#{1,6}) (.+)", line)
        if m and not in_code:
            base = slug(m.group(2))
            n = seen.get(base, 0)
            seen[base] = n + 1
            out.add(base if n == 0 else f"{base}-{n}")
    return out


def blocks(text: str) -> list[list[str]]:
    """Runs of non-blank, non-heading lines."""
    out: list[list[str]] = []
    run: list[str] = []
    for line in [*text.splitlines(), ""]:
        if not line.strip() or re.match(r"#{1,6} ", line):
            if run:
                out.append(run)
            run = []
        else:
            run.append(line)
    return out


def is_run_of(block: list[str], old: list[str]) -> bool:
    first = block[0]
    return any(old[i : i + len(block)] == block for i, line in enumerate(old) if line == first)


def check_links(path: Path, failures: list[str]) -> int:
    text = path.read_text(encoding="utf-8")
    count = 0
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        if re.match(r"[a-z]+:", target):
            continue
        count += 1
        file_part, _, anchor = target.partition("#")
        dest = (path.parent / file_part).resolve() if file_part else path
        if not dest.exists():
            failures.append(f"{path.relative_to(ROOT)}: link to a missing file: {target}")
            continue
        if anchor and dest.suffix == ".md" and anchor not in anchors(dest.read_text(encoding="utf-8")):
            failures.append(f"{path.relative_to(ROOT)}: link to a missing anchor: {target}")
    return count


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default=None, help="the commit whose READMEs are the old ones")
    args = parser.parse_args()
    if args.base is None:
        merge_base = ["git", "merge-base", "HEAD", "main"]
        found = subprocess.run(merge_base, cwd=ROOT, capture_output=True, text=True, check=True)
        args.base = found.stdout.strip()
    failures: list[str] = []
    for readme, measurements in PAIRS:
        old_text = subprocess.run(
            ["git", "show", f"{args.base}:{readme}"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout
        old = old_text.splitlines()
        new_path, meas_path = ROOT / readme, ROOT / measurements
        new = new_path.read_text(encoding="utf-8").splitlines()
        if not meas_path.exists():
            print(f"{readme}: {measurements} does not exist: nothing moved yet")
            meas: list[str] = []
        else:
            meas = meas_path.read_text(encoding="utf-8").splitlines()
        kept_here, moved, both = set(new), set(meas), set(new) & set(meas)
        lines = [line for line in old if line.strip()]
        lost = [line for line in lines if line not in kept_here and line not in moved]
        allowed = {line for name, line, _ in REWRITTEN if name == readme}
        in_readme = sum(line in kept_here for line in lines)
        only_moved = sum(line in moved and line not in kept_here for line in lines)
        print(
            f"{readme}: {len(lines)} non-blank lines at {args.base}; {in_readme} still in {readme} "
            f"({sum(line in both for line in lines)} of them also in {measurements}), {only_moved} only in "
            f"{measurements}, {len(lost)} in neither"
        )
        for line in lost:
            tag = "rewritten on purpose" if line in allowed else "LOST"
            print(f"  {tag}: {line[:100]}")
            if line not in allowed:
                failures.append(f"{readme}: a line is lost: {line[:80]}")
        if meas:
            own = blocks(meas_path.read_text(encoding="utf-8"))
            intro = 1  # the measurements file's own introduction
            edited = [b for b in own[intro:] if not is_run_of(b, old)]
            print(
                f"  {measurements}: {len(own) - intro} moved blocks, "
                f"{len(own) - intro - len(edited)} verbatim runs of the old {readme}"
            )
            for b in edited:
                failures.append(f"{measurements}: a block is not verbatim: {b[0][:80]}")
        if new[:2] != old[:2]:
            failures.append(f"{readme}: the first two lines changed")
        for path in (new_path, meas_path):
            if path.exists():
                n = check_links(path, failures)
                print(f"  {path.relative_to(ROOT)}: {n} relative links checked")
    for failure in failures:
        print("FAIL", failure)
    print("OK" if not failures else f"{len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
