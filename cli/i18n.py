"""The command line's language: `bayplan --lang zh-CN …`, else BAYPLAN_LANG, else English (the
system's LANG is not followed: the output of scripts should not change with the machine).

Tables, headings and messages are translated, and so are input errors made from a marked template
(`cli.options.fail`: the option or field named first stays as it is); a reason no template made
stays in English. Every command's `--help` follows the same choice (`cli/help.py`).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from scheduler.i18n import DEFAULT, N_, Translator, normalise

if TYPE_CHECKING:
    from scheduler.contract import Workshop

ENVIRONMENT = "BAYPLAN_LANG"
_state: dict[str, Translator] = {}

__all__ = ["ENVIRONMENT", "N_", "_", "current", "name_with", "set_language"]


def _from_environment() -> str:
    return normalise(os.environ.get(ENVIRONMENT, "").split(".")[0]) or DEFAULT


def set_language(value: str | None) -> Translator:
    """`--lang` (or, when None, the environment); an unknown language falls back to English."""
    translator = Translator(normalise(value) if value else _from_environment())
    _state["current"] = translator
    return translator


def current() -> Translator:
    if "current" not in _state:
        set_language(None)
    return _state["current"]


def name_with(workshop: Workshop) -> Translator:
    """The command's language from now on with `workshop`'s own names (`Workshop.names_in`): a
    simulation's labels name its teams, bay kinds and skills as the scenario's workshop does."""
    t = current()
    _state["current"] = named = t.named(workshop.names_in(t.locale))
    return named


def _(message: str, **values: object) -> str:
    """The message in the command's language, its %(name)s placeholders filled in."""
    return current().gettext(message, **values)
