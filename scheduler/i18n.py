"""Translations for everything a person reads: the catalogs, the supported languages, locale formats.

The catalogs are gettext `.po` files under `scheduler/locale/<lang>/LC_MESSAGES/messages.po`,
shipped as package data and read at first use with Babel (`read_po`, compiled in memory with
`write_mo`): no build step, so a fresh clone with `pip install -e .` has them. English is the
source language and the default; a msgid without a translation reads in English.

The web (`api/i18n.py`) and the command line (`cli/i18n.py`) choose the language; this module
only knows how to translate into one and how to format dates and numbers for it.
"""

from __future__ import annotations

import datetime as dt
import gettext
import io
from functools import cache
from pathlib import Path

from babel import Locale, UnknownLocaleError, dates, numbers
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "messages"
DEFAULT = "en"
#: The languages bayplan speaks, as Babel locale ids; the first is the default.
SUPPORTED = ("en", "zh_CN")


def N_(message: str) -> str:
    """Marks a text for extraction; it is translated where it is shown."""
    return message


def normalise(value: str | None) -> str | None:
    """A supported locale id for `zh-CN`, `zh_cn`, `zh`, `zh-Hans`, `en-GB`, …; None when not spoken."""
    if not value:
        return None
    try:
        wanted = Locale.parse(value.strip().replace("-", "_"))
    except (ValueError, UnknownLocaleError):
        return None
    if wanted.language == "zh":  # any Chinese: the Simplified catalog is the one there is
        return "zh_CN"
    return "en" if wanted.language == "en" else None


def html_lang(locale: str) -> str:
    """The BCP 47 tag for <html lang>: zh-CN, en."""
    return locale.replace("_", "-")


@cache
def translations(locale: str) -> gettext.NullTranslations:
    """The catalog for `locale` (a supported id), compiled in memory from its .po file."""
    path = LOCALE_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po"
    if locale == DEFAULT or not path.is_file():
        return gettext.NullTranslations()
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=locale, domain=DOMAIN)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


class Translator:
    """gettext for one language, and its date and number formats."""

    def __init__(self, locale: str | None = None) -> None:
        self.locale = normalise(locale) or DEFAULT
        self._t = translations(self.locale)

    def raw_gettext(self, message: str) -> str:
        return self._t.gettext(message)

    def raw_ngettext(self, singular: str, plural: str, n: int) -> str:
        return self._t.ngettext(singular, plural, n)

    def gettext(self, message: str, **values: object) -> str:
        text = self._t.gettext(message)
        return text % values if values else text

    def ngettext(self, singular: str, plural: str, n: int, **values: object) -> str:
        text = self._t.ngettext(singular, plural, n)
        return text % {"num": n, **values}

    # Formats -----------------------------------------------------------------------------------

    def date(self, value: dt.date, format: str = "medium") -> str:
        """`Nov 24, 2026` / `2026年11月24日`."""
        return dates.format_date(value, format=format, locale=self.locale)

    def weekday_date(self, value: dt.date) -> str:
        """`Tuesday, November 24, 2026` / `2026年11月24日星期二`."""
        return dates.format_date(value, format="full", locale=self.locale)

    def time(self, value: dt.datetime | dt.time) -> str:
        """Hours and minutes, 24 h: 08:30 in both languages (the workshop's clock)."""
        return dates.format_time(value, format="HH:mm", locale=self.locale)

    def number(self, value: float, digits: int = 0) -> str:
        pattern = "#,##0" + ("." + "0" * digits if digits else "")
        return numbers.format_decimal(value, format=pattern, locale=self.locale)

    def percent(self, fraction: float, digits: int = 0) -> str:
        pattern = "#,##0" + ("." + "0" * digits if digits else "") + "%"
        return numbers.format_percent(fraction, format=pattern, locale=self.locale)
