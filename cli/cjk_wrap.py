"""Line breaking for Chinese in the command line's tables and help.

rich breaks a line only at spaces (`rich._wrap.words`: a word is `\\s*\\S+\\s*`). Chinese has no
spaces, so a Chinese sentence was one "word": it broke at the spaces around a Latin word or a number
(the zh spacing rule) and folded wherever a line was full, splitting Latin words ("techn|ician") and
starting lines with "）" or "，". Here a word is one Han character (or kana, hangul, fullwidth form)
or one run of other non-space characters, with the closing punctuation after it and the opening
punctuation before it attached, so a line breaks between Han characters, never inside a Latin word
and never before "），。、" or after "（". Text without such characters is cut into exactly rich's
words, so English output does not change.

rich offers no hook for this: `install` replaces `rich._wrap.words`, which `divide_line` (rich's
line breaker, used by every Text and table cell) reads at each call; the test of a Chinese table
fails if a rich release moves it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_CJK = (
    "\u2e80-\u2fff\u3000-\u303f\u3040-\u30ff\u3100-\u31ff\u3200-\u9fff"
    "\uac00-\ud7af\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef"
)
_CLOSING = "，。、；：！？）」』】〕》〉’”…,.;:!?)\\]}%"
"""Never at a line's start (ASCII ones matter only after a Han character)."""
_OPENING = "（「『【〔《〈‘“(\\[{"
"""Never at a line's end."""

WORD = re.compile(rf"\s*[{_OPENING}]*(?:[{_CJK}]|[^\s{_CJK}]+)[{_CLOSING}]*\s*|\s*\S\s*")


def words(text: str) -> Iterable[tuple[int, int, str]]:
    """rich's `words`: (start, end, word with the spaces after it), Chinese broken per character."""
    position = 0
    match = WORD.match(text, position)
    while match is not None and match.end() > position:
        start, end = match.span()
        yield start, end, match.group(0)
        position = end
        match = WORD.match(text, end)


def install() -> bool:
    """Break Chinese lines per character in every rich output of this process; False where this
    rich has no `_wrap.words` to replace (lines then break as rich breaks them)."""
    try:
        from rich import _wrap
    except ImportError:  # pragma: no cover - a rich without the module
        return False
    if not callable(getattr(_wrap, "words", None)):  # pragma: no cover
        return False
    _wrap.words = words
    return True
