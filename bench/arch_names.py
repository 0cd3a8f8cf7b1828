"""The backticked names of a markdown file, one a line, sorted (fenced code blocks left out).

git show main:ARCHITECTURE.md > /tmp/before.md
python bench/arch_names.py /tmp/before.md > /tmp/names.before
python bench/arch_names.py ARCHITECTURE.md > /tmp/names.after
diff /tmp/names.before /tmp/names.after
"""

from __future__ import annotations

import re
import sys
from pathlib import Path


def names(doc: str) -> set[str]:
    return set(re.findall(r"`([^`]+)`", re.sub(r"```.*?```", "", doc, flags=re.S)))


if __name__ == "__main__":
    print("\n".join(sorted(names(Path(sys.argv[1]).read_text(encoding="utf-8")))))
