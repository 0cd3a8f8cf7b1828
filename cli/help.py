"""`--help` in the command's language (`bayplan --lang zh-CN plan --help`, or BAYPLAN_LANG).

The help texts are plain English in the code, marked `N_` where they are written (a command's text is
its `help=`, not a docstring: babel does not extract docstrings). typer builds a fresh click command
tree for every run (`typer.main.get_command`); before that tree parses anything, its root group reads
the language from the arguments in front of the first command (`--lang X` or `--lang=X`: `--help`
is eager, so it is shown before the `--lang` option itself is processed) or the environment, and
puts the texts of the whole tree in that language: every command's help and short help, every
option's and argument's help, and the words typer's help screen adds (the panels' titles, "[default:
…]", "Show this message and exit."), folded where a line is full (Chinese has no spaces to break
at). Option and command names, metavars and defaults stay as they are. In English nothing is
touched, so English help is what typer makes of the code.

The usage line's "Usage:" and typer's own group errors ("Missing command.", "No such command",
the error panel's title and "Try … for help.") follow too, and so do the errors click's parser
words itself ("No such option", "Missing option", "Invalid value for", "Got unexpected extra
argument(s)"): typer's click makes them with f-strings (no gettext call to patch), so the root group
reads each one as it is shown through the catalog's templates (`PARSER_WORDS`, `Translator.phrase`;
the pydantic reason inside "Invalid value for" too). In English nothing is touched.
"""

from __future__ import annotations

import gettext
from collections.abc import Callable, Sequence

from rich.text import Text
from typer import core as typer_core
from typer import rich_utils
from typer._click import Context  # typer's own click (0.2x vendors it): its parse_args signature
from typer._click.exceptions import ClickException
from typer._click.formatting import HelpFormatter
from typer.core import TyperGroup

from cli.i18n import N_, current, set_language
from scheduler.i18n import DEFAULT, Translator

__all__ = ["LocalisedGroup", "asked_language", "show_in"]

#: The words typer's help screen adds, by their name in `typer.rich_utils` (read there at each
#: rendering); their English is kept to put back.
SCREEN_WORDS = {
    "ARGUMENTS_PANEL_TITLE": N_("Arguments"),
    "OPTIONS_PANEL_TITLE": N_("Options"),
    "COMMANDS_PANEL_TITLE": N_("Commands"),
    "DEFAULT_STRING": N_("[default: {}]"),
    "ENVVAR_STRING": N_("[env var: {}]"),
    "REQUIRED_LONG_STRING": N_("[required]"),
    "DEPRECATED_STRING": N_("(deprecated) "),
    "ERRORS_PANEL_TITLE": N_("Error"),
    "RICH_HELP": N_("Try [blue]'{command_path} {help_option}'[/] for help."),
}
_ENGLISH = {name: getattr(rich_utils, name) for name in SCREEN_WORDS}


class _Folding(rich_utils.OptionHighlighter):
    """typer's highlighter, its texts also folded where a line is full: rich breaks lines at
    spaces only, and Chinese has none, so a help text longer than its column was cut short ("…")."""

    def highlight(self, text: Text) -> None:
        super().highlight(text)
        text.overflow = "fold"


_HIGHLIGHTER = {False: rich_utils.highlighter, True: _Folding()}
#: The usage line's prefix, click's constant (not a gettext message): put in the language by
#: `show_in` through the formatter's default.
USAGE = N_("Usage: ")
_ENGLISH_USAGE = HelpFormatter.write_usage
#: typer's group words ("Missing command.", "No such command 'x'.") go through `typer.core._`,
#: the process's gettext; bayplan's catalog gives them in the language asked for.
_CLICK_GETTEXT: Callable[[str], str] = getattr(typer_core, "_", gettext.gettext)  # put back in English
TYPER_WORDS = (N_("Missing command."), N_("No such command {name!r}."))
"""typer's words read through `typer.core._` (listed here for the catalog)."""


#: The errors typer's click words itself (f-strings in `typer._click` and `typer.core`), as templates
#: of the text shown: translated whole when shown (`in_language`); the names, values and pydantic's
#: reason filled in are read as they are, or through their own templates (api/errors.PYDANTIC_TEXTS).
PARSER_WORDS = (
    N_("No such option: %(name)s"),
    N_("%(message)s (Possible options: %(options)s)"),
    N_("Option %(name)s requires an argument."),
    N_("Option %(name)s requires %(count)d arguments."),
    N_("Option %(name)s does not take a value."),
    N_("Argument %(name)s takes %(count)d values."),
    N_("Got unexpected extra argument(s) (%(arguments)s)"),
    N_("Invalid value for %(name)s: %(reason)s"),
    N_("Invalid value: %(reason)s"),
    N_("Missing option %(name)s."),
    N_("Missing argument %(name)s."),
    N_("Missing parameter %(name)s."),
    N_("%(value)s is not one of %(choices)s."),
    N_("Value %(value)s is not a valid %(kind)s."),
    N_("%(message)s. Did you mean %(suggestions)s?"),
)


def in_language(exc: ClickException) -> None:
    """`exc`'s message as shown (rich's error panel and click's `show` both read `format_message`)
    in the command's language; left as it is in English."""
    translator = current()
    if translator.locale == DEFAULT:
        return
    said = translator.phrase(exc.format_message())
    setattr(exc, "format_message", lambda: said)  # noqa: B010 (the instance's, not the class's)


def _usage_in(word: str) -> Callable[..., None]:
    def write_usage(self: HelpFormatter, prog: str, args: str = "", prefix: str | None = None) -> None:
        _ENGLISH_USAGE(self, prog, args, word if prefix is None else prefix)

    return write_usage


#: The help option's own text (click's, made once per command).
HELP_OPTION = N_("Show this message and exit.")


def asked_language(args: Sequence[str]) -> str | None:
    """The value of `--lang X` / `--lang=X` among the root's own options, before the first command;
    None when not given there."""
    for at, arg in enumerate(args):
        if arg == "--lang":
            return args[at + 1] if at + 1 < len(args) else None
        if arg.startswith("--lang="):
            return arg.removeprefix("--lang=")
        if arg == "--" or not arg.startswith("-"):
            return None  # the command's own arguments from here
    return None


def show_in(command: TyperGroup, translator: Translator) -> None:
    """The help texts of `command` and everything under it, in the translator's language."""
    english = translator.locale == DEFAULT
    for name, word in SCREEN_WORDS.items():
        setattr(rich_utils, name, _ENGLISH[name] if english else translator.raw_gettext(word))
    rich_utils.highlighter = _HIGHLIGHTER[not english]
    HelpFormatter.write_usage = (  # type: ignore[method-assign]
        _ENGLISH_USAGE if english else _usage_in(translator.raw_gettext(USAGE))
    )
    setattr(typer_core, "_", _CLICK_GETTEXT if english else translator.raw_gettext)  # noqa: B010
    if not english:
        _translate(command, translator)


def _translate(command: object, translator: Translator) -> None:
    said = translator.raw_gettext
    for attribute in ("help", "short_help"):
        text = getattr(command, attribute, None)
        if text:
            setattr(command, attribute, said(text))
    params = list(getattr(command, "params", []))
    context_class = getattr(command, "context_class", None)
    if context_class is not None:
        context = context_class(command, **getattr(command, "context_settings", {}))
        option = command.get_help_option(context)  # type: ignore[attr-defined]
        if option is not None and option.help == HELP_OPTION:
            option.help = said(HELP_OPTION)
    for param in params:
        text = getattr(param, "help", None)
        if text:
            param.help = said(text)
    for sub in getattr(command, "commands", {}).values():
        _translate(sub, translator)


_SHOWN_TYPE = typer_core.TyperOption.display_type_rich


def _flag_without_type(self: typer_core.TyperOption, ctx: Context) -> str | None:
    """A flag's help row without a type: typer 0.2x shows `--json <bool>` (and `--help <bool>`),
    as if the flag took a value (review-s43 #20); an option that takes one keeps its `<int>`."""
    return None if self.is_flag else _SHOWN_TYPE(self, ctx)


typer_core.TyperOption.display_type_rich = _flag_without_type  # type: ignore[method-assign]


class LocalisedGroup(TyperGroup):
    """bayplan's root group: its help, and all its commands', in the language asked for."""

    def parse_args(self, ctx: Context, args: list[str]) -> list[str]:
        show_in(self, set_language(asked_language(args)))
        try:
            return super().parse_args(ctx, args)
        except ClickException as exc:  # the root's own options
            in_language(exc)
            raise

    def invoke(self, ctx: Context) -> object:
        try:
            return super().invoke(ctx)
        except ClickException as exc:  # a command's name, options and arguments
            in_language(exc)
            raise
