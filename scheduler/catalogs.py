"""Compiling the gettext catalogs: each `locale/<lang>/LC_MESSAGES/messages.po` into the
`messages.mo` next to it (Babel's `read_po` and `write_mo`, what `pybabel compile` does).

The package build runs this (`setup.py`'s `build_py` step writes the .mo files into the wheel),
and so does `make` after installing into `.venv` and after `make messages`; the .mo files are
build output, not sources (`.gitignore`). At run time `scheduler.i18n` reads the .mo, or compiles
the .po in memory when the .mo is missing or older (a dev checkout right after editing the .po).

`python -m scheduler.catalogs [DIR]` compiles every catalog under DIR (default: this package's).
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "messages"


def mo_bytes(po: Path, locale: str) -> bytes:
    """The compiled catalog of one .po file (fuzzy entries left out, as msgfmt does)."""
    with po.open("rb") as handle:
        catalog = read_po(handle, locale=locale, domain=DOMAIN)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    return buffer.getvalue()


def catalogs(locale_dir: Path = LOCALE_DIR) -> list[tuple[str, Path]]:
    """Every (locale, .po path) under `locale_dir`."""
    return sorted(
        (po.parent.parent.name, po) for po in locale_dir.glob(f"*/LC_MESSAGES/{DOMAIN}.po") if po.is_file()
    )


def compile_all(locale_dir: Path = LOCALE_DIR) -> list[Path]:
    """Write each catalog's .mo next to its .po; the .mo files written."""
    written = []
    for locale, po in catalogs(locale_dir):
        mo = po.with_suffix(".mo")
        mo.write_bytes(mo_bytes(po, locale))
        written.append(mo)
    return written


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    for mo in compile_all(Path(args[0]) if args else LOCALE_DIR):
        print(f"compiled {mo}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
