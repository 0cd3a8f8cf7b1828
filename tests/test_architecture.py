"""ARCHITECTURE.md is the map of where things go: every module of the five packages is named in its
package's section, and every module the map names exists."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("solver", "scheduler", "simulation", "api", "cli")
#: The longest line allowed outside tables and code blocks.
LINE_LIMIT = 200


def _text(doc: str) -> str:
    """The document without its fenced code blocks (the mermaid diagram)."""
    return re.sub(r"```.*?```", "", doc, flags=re.S)


def sections(doc: str) -> dict[str, str]:
    """Each package's section of "Each package's one job", by package: from its `### `pkg/`` heading
    to the next heading of that level or above."""
    found: dict[str, str] = {}
    parts = re.split(r"^(#{2,3} .*)$", _text(doc), flags=re.M)
    for heading, body in zip(parts[1::2], parts[2::2], strict=True):
        named = re.match(r"### `(\w+)/`", heading)
        if named and named.group(1) in PACKAGES:
            found[named.group(1)] = body
    return found


def modules(package: str) -> list[str]:
    """The package's modules, as paths inside it (`storage/bookings.py`); migrations and the
    package's own `__init__.py` left out."""
    base = ROOT / package
    return sorted(
        path.relative_to(base).as_posix()
        for path in base.rglob("*.py")
        if "migrations" not in path.parts and path != base / "__init__.py"
    )


def unnamed(doc: str) -> list[str]:
    """Every module not named (backticked, as its path inside the package) in its package's section."""
    found = sections(doc)
    missing = [f"{package}/ (no section)" for package in PACKAGES if package not in found]
    for package, body in found.items():
        named = set(re.findall(r"`([^`]+)`", body))
        missing += [f"{package}/{module}" for module in modules(package) if module not in named]
    return missing


def _exists(name: str, package: str | None) -> bool:
    if (ROOT / name).is_file():
        return True
    if package is not None:
        return (ROOT / package / name).is_file()
    return any((ROOT / other / name).is_file() for other in PACKAGES)


def phantoms(doc: str) -> list[str]:
    """Every `*.py` the document names that is not a file: a path from the repository's root, else
    one inside the section's package (outside the package sections: inside any package). Patterns
    (`<resource>.py`, `NNNN_*.py`) are left out."""
    found = sections(doc)
    wrong: list[str] = []
    for package, body in [(None, _text(doc)), *found.items()]:
        for name in re.findall(r"`([^`\s]+\.py)`", body):
            if not re.search(r"[<*]", name) and not _exists(name, package):
                wrong.append(f"{package or 'document'}: {name}")
    return wrong


def long_lines(doc: str) -> list[int]:
    """Numbers of the lines over `LINE_LIMIT` characters, tables' rows left out."""
    return [
        number
        for number, line in enumerate(doc.splitlines(), start=1)
        if len(line) > LINE_LIMIT and not line.startswith("|")
    ]


def test_every_module_is_named_in_its_package_section() -> None:
    assert unnamed((ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8")) == []


def test_every_module_named_exists() -> None:
    assert phantoms((ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8")) == []


def test_no_line_over_the_limit() -> None:
    assert long_lines((ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8")) == []


def test_the_checks_find_a_missing_and_a_phantom_module() -> None:
    doc = (ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8")
    assert "- `storage/bookings.py` —" in doc and "- `lns.py` —" in doc
    broken = doc.replace("- `storage/bookings.py` —", "- bookings —").replace("`lns.py`", "`lns_gone.py`")
    assert sorted(unnamed(broken)) == ["scheduler/lns.py", "scheduler/storage/bookings.py"]
    assert "scheduler: lns_gone.py" in phantoms(broken)
    assert long_lines(doc + "x" * (LINE_LIMIT + 1)) == [len(doc.splitlines()) + 1]
