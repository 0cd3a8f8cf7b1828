"""Translations for everything a person reads: the catalogs, the supported languages, locale formats.

The catalogs are gettext `.po` files under `scheduler/locale/<lang>/LC_MESSAGES/messages.po`,
compiled to `messages.mo` by the package build and by `make` (`scheduler/catalogs.py`); the .mo is
read at first use, and the .po compiled in memory instead when the .mo is missing or older than it
(a dev checkout after editing the .po). English is the source language and the default; a msgid
without a translation reads in English.

Texts made by filling in a template (an error's detail, why a booking is unplaced, a re-plan's
change) are translated whole by `Translator.phrase`: the text is matched against the catalog's
templates and its filled-in parts translated in turn.

The web (`api/i18n.py`) and the command line (`cli/i18n.py`) choose the language; this module
only knows how to translate into one and how to format dates and numbers for it.
"""

from __future__ import annotations

import datetime as dt
import gettext
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path

from babel import Locale, UnknownLocaleError, dates, numbers
from babel.messages.mofile import read_mo

from scheduler.catalogs import DOMAIN, LOCALE_DIR, mo_bytes

DEFAULT = "en"
#: `Translator.short_day`'s CLDR pattern outside English: 11月25日 周三.
SHORT_DAY = "MMMd日 EEE"
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


def compiled(locale: str, locale_dir: Path = LOCALE_DIR) -> bytes | None:
    """The compiled catalog of `locale`: its .mo file, or its .po compiled now when the .mo is
    missing or older; None when there is no catalog."""
    po = locale_dir / locale / "LC_MESSAGES" / f"{DOMAIN}.po"
    mo = po.with_suffix(".mo")
    if mo.is_file() and (not po.is_file() or mo.stat().st_mtime >= po.stat().st_mtime):
        return mo.read_bytes()
    if po.is_file():
        return mo_bytes(po, locale)
    return None


@cache
def translations(locale: str) -> gettext.NullTranslations:
    """The catalog for `locale` (a supported id)."""
    data = None if locale == DEFAULT else compiled(locale)
    if data is None:
        return gettext.NullTranslations()
    return gettext.GNUTranslations(io.BytesIO(data))


def moment_words(moment: dt.datetime, tz: dt.tzinfo, day: dt.date | None = None) -> str:
    """A moment as a sentence says it, on the workshop's clock: "17:30" on `day` (the day the
    sentence is about), else "2026-11-25 08:00"; seconds only when there are any, never the offset
    (the JSON fields keep ISO 8601 with the offset)."""
    local = moment.astimezone(tz)
    clock = "%H:%M:%S" if local.second or local.microsecond else "%H:%M"
    return local.strftime(clock if local.date() == day else f"%Y-%m-%d {clock}")


#: A named placeholder in a template: %(name)s, %(name)r, %(count)d, %(share).1f, …
PLACEHOLDER = re.compile(r"%\((\w+)\)[-#0 +]*\d*(?:\.\d+)?[sdifgr]")
_FILL = re.compile(r"%%|" + PLACEHOLDER.pattern)
#: A template is matched against texts only with this many letters of its own (A-Z, a-z).
MIN_WORDING = 2


class _Template:
    """What a text filled in from `msgid` looks like: its literal pieces, one between each two
    placeholders, and the placeholders' names in order.

    `match` finds the placeholders' values as a regular expression with a lazy group `(.+?)` per
    placeholder would (each value the shortest that lets the rest match), but in time linear in the
    text's length. The regular expression backtracked through every way to split a text made of
    the pieces repeated: its time grew with the length to the power of the placeholders' count,
    and a filled-in part may come from outside (an id in a 404), so one request froze the server.
    """

    def __init__(self, msgid: str) -> None:
        self.literals: list[str] = []
        self.names: list[str] = []
        #: The placeholders filled in with whole numbers (%(number)d) and with a repr (%(id)r): they
        #: match digits only, a quoted text only.
        self.shapes: dict[str, re.Pattern[str]] = {}
        last = 0
        for m in PLACEHOLDER.finditer(msgid):
            self.literals.append(msgid[last : m.start()].replace("%%", "%"))
            self.names.append(m.group(1))
            if m.group(1) in _NAMED_SHAPES or m.group(0)[-1] in _SHAPES:
                self.shapes[m.group(1)] = _NAMED_SHAPES.get(m.group(1)) or _SHAPES[m.group(0)[-1]]
            last = m.end()
        self.literals.append(msgid[last:].replace("%%", "%"))
        #: The literal pieces with words in them (two letters or more), as they are in the text.
        self.words = [
            re.compile(rf"(?<![A-Za-z]){re.escape(piece.strip())}(?![A-Za-z])")
            for piece in self.literals
            if len(re.findall(r"[A-Za-z]", piece)) >= 2
        ]
        #: ... less a piece that is one joining word ("… has grade %(has)s and %(skills)s"): a name
        #: may hold it (zh-s29: "spray and bake needs skill …" was not the template's, for its "and").
        self.name_words = [
            w for w, piece in zip(self.words, self._worded_pieces(), strict=True) if piece not in JOINING
        ]

    def _worded_pieces(self) -> list[str]:
        return [p.strip() for p in self.literals if len(re.findall(r"[A-Za-z]", p)) >= 2]

    def shaped(self) -> bool:
        """Whether every placeholder takes a value of one shape (a number, an identifier): such a
        template is specific with less wording of its own ("%(team)s g%(grade)d %(change)+d": one
        letter, below MIN_WORDING; a template of no letter at all is never matched)."""
        return bool(self.names) and all(name in self.shapes for name in self.names)

    def whole(self, value: str, name: str = "", lenient: bool = False) -> bool:
        """Whether `value` can be one filled-in part of this template: its brackets pair up, and it
        holds none of the template's own words again. "booking %(booking)s operation %(operation)s"
        does not take "1 cannot start before operation 0 of the booking is finished" as the
        operation (the sentence is another template's, with the booking's operation in it), nor
        "0; booking B operation 1" (a list of two)."""
        words = self.name_words if name in NAMED else self.words
        given = name in AS_GIVEN or self.shapes.get(name) is _SHAPES["r"]  # %r: an echo, as sent
        balanced = _balanced(value) or (lenient and given)
        return balanced and not any(w.search(value) for w in words)

    def fits(self, values: dict[str, str], lenient: bool = False) -> bool:
        """Whether each found value can fill its placeholder: whole (`whole`), a number where the
        template fills in a number and a quoted text where it fills in a repr ("booking
        %(booking)s operation %(number)d" does not take "1 (check) is clocked by t1, not t2" for
        its number, nor "booking %(booking_id)r" "b1 operation 1 (check) is clocked by …" for its id)."""
        return all(
            bool(LABEL.fullmatch(value))
            if name in LABELS
            else self.whole(value, name, lenient)
            and (name not in self.shapes or self.shapes[name].fullmatch(value))
            for name, value in values.items()
        )

    def match(self, text: str) -> dict[str, str] | None:
        """The placeholders' values if `text` is this template filled in, else None. A placeholder
        named twice is matched as two and must get the same text both times (the one template that
        repeats one, a command's KN note, fills in the same unit twice)."""
        first, last, k = self.literals[0], self.literals[-1], len(self.names)
        if k == 0:
            return {} if text == first else None
        end = len(text) - len(last)  # where the last value ends
        if not text.startswith(first) or not text.endswith(last) or end <= len(first):
            return None
        # latest[j]: the latest place value j may start and the rest still match (a value is at
        # least one character; the literal after value j ends by where value j + 1 starts at the latest).
        latest = [0] * k
        latest[k - 1] = end - 1
        for j in range(k - 2, -1, -1):
            literal = self.literals[j + 1]
            if latest[j + 1] < 0:
                return None  # (and never a negative end to rfind: it would count from the end)
            at = text.rfind(literal, 0, latest[j + 1]) if literal else latest[j + 1]
            if at < 0:
                return None
            latest[j] = at - 1
        pos = len(first)
        if pos > latest[0]:
            return None
        values: dict[str, str] = {}
        for j, name in enumerate(self.names):
            if j == k - 1:
                value, pos = text[pos:end], end
            else:
                literal = self.literals[j + 1]
                label = LABEL.match(text, pos) if name in LABELS else None
                if label is not None:  # a label by its shape: the words in its name ("oil and filter")
                    at = label.end() if text.startswith(literal, label.end()) else -1
                else:
                    at = text.find(literal, pos + 1) if literal else pos + 1
                if at < 0 or at > end:
                    return None
                value, pos = text[pos:at], at + len(literal)
            if not value or values.setdefault(name, value) != value:
                return None
        return values


@cache
def templates(locale: str) -> tuple[tuple[_Template, str], ...]:
    """The catalog's translated templates (msgids with named placeholders) as (template, msgstr),
    the most specific first: those with words of their own at both ends of the text, then at one
    end, then by the length of their wording (a template that only begins with words, such as
    "booking %(booking)s operation %(operation)s", would otherwise take a whole refusal that
    begins with it for itself, the rest of the refusal for its last part)."""
    data = None if locale == DEFAULT else compiled(locale)
    if data is None:
        return ()
    found: list[tuple[tuple[int, int], _Template, str]] = []
    for message in read_mo(io.BytesIO(data)):
        if not message.id or not isinstance(message.id, str) or not isinstance(message.string, str):
            continue
        if not message.string or not PLACEHOLDER.search(message.id):
            continue
        wording = len(re.sub(r"[^A-Za-z]", "", PLACEHOLDER.sub("", message.id)))
        template = _Template(message.id)
        if wording >= MIN_WORDING or (wording and template.shaped()):  # a word of its own all the same
            anchored = bool(template.literals[0]) + bool(template.literals[-1])
            found.append(((anchored, wording), template, message.string))
    found.sort(key=lambda item: item[0], reverse=True)
    return tuple((template, msgstr) for _, template, msgstr in found)


_OPENING = {")": "(", "]": "[", "）": "（"}
#: What a %d and a %r placeholder's value looks like.
_SHAPES = {"d": re.compile(r"[-+]?\d+"), "r": re.compile(r"'.*'|\".*\"", re.DOTALL)}
#: ... and of a placeholder that holds an identifier ("%(moved_kind)s bays %(change)+d").
#: A moment as a sentence says it (`moment_words`): "08:40", "2026-11-25 08:40", seconds when any.
MOMENT = re.compile(r"(?:\d{4}-\d{2}-\d{2} )?\d{2}:\d{2}(?::\d{2})?")
_NAMED_SHAPES = {
    "moved_kind": re.compile(r"[\w-]+"),
    "team": re.compile(r"[A-Za-z0-9_\-]+"),  # a staffing rule's team (simulation.rules)
    "booking": re.compile(r"\S+"),
    "starts": MOMENT,
    "ends": MOMENT,
}
#: ... "booking" holds a booking's id (the contract's Identifier: no spaces), so "booking
#: %(booking)s: %(reason)s" does not take a validator's label for an id. A validator's reason begins
#: with the placement it is about, its label (`placement`; or two: `other_placement`): "booking b1
#: op 1 (oil) on bay G1 with li 08:00..08:40" (scheduler/validator.py), whole by its shape, the words
#: its template shares with the reason's ("with", "and") notwithstanding, and found by its shape (an
#: operation's name may hold the word after it: "oil and filter").
LABELS = frozenset({"placement", "other_placement"})
#: Work given with no bay (a pin clocked while another car's clocked work held its bay) reads ",
#: bay unknown," where a bay's id would be (zh-s30).
LABEL = re.compile(
    r"booking \S+ op \d+(?: \(.*?\))?(?: on bay \S+|, bay unknown,)"
    rf" with \S+ {MOMENT.pattern}\.\.{MOMENT.pattern}"
)
#: The words that join a name's parts as well as a template's ("oil and filter", "wash or wax").
JOINING = frozenset({"and", "or", "with", "of", "the", "on", "in", "at", "to", "for"})
#: What a plain enumeration is joined with ("express g2 +1, general bays +1"): read item by item when
#: no template takes it whole.
COMMA = N_(", ")


def _balanced(value: str) -> bool:
    """Whether the brackets in `value` pair up (a filled-in part never splits a bracket)."""
    stack: list[str] = []
    for char in value:
        if char in "([（":
            stack.append(char)
        elif char in _OPENING and (not stack or stack.pop() != _OPENING[char]):
            return False
    return not stack


#: Placeholders that hold names and ids, data that reads as it was given in every language: an
#: operation named "oil and filter" is not read as the template "%(a)s and %(b)s" ("oil，并filter");
#: the codes a field takes ("known": "general, express, …") as they are to be typed; a history
#: file's column ("column": "service", not "服务项目"). "operation" is an operation's name in the
#: planner's reasons ("for operation '%(operation)s', …": "strip and body" read "strip，并钣金",
#: review-s24) and its number elsewhere, which reads the same either way.
VERBATIM = frozenset(
    {
        "name",
        "operation",
        "operation_names",
        "booking",
        "booking_id",
        "bay",
        "technician",
        "clocked_by",
        "known",
        "column",
        "join_known",  # the CSV columns an import expects: the header's words (review-s28)
        "path",  # a file's path, as typed (a simulated period's "replay of %(path)s", zh-s30)
    }
)

#: Placeholders whose value comes from outside as typed (ids, names, URLs, paths; and every %r, an
#: echo of what was sent): the one part of a text that may hold a lone bracket (`_by_template`'s
#: second pass).
AS_GIVEN = VERBATIM | {"url", "value"}

#: The VERBATIM placeholders that hold a name (an operation's), read as the workshop names it in the
#: reader's language (`Names.things`); the others hold ids (a bay, a booking, a technician, a column)
#: and stay as given even where an id equals some thing's English name (review-s28: a technician
#: named "P01" made "bay P01" read "工位李工"). "operation" holds an index in some templates
#: ("booking B1 operation 2"): a number stays as given.
NAMED = frozenset({"name", "operation", "operation_names"})

#: What a list of filled-in parts is joined with (`N_` so that each language says how it joins them).
LIST = N_("; ")

#: Placeholders that hold an enumeration, its items joined by ", " (`enumerated`): "ops
#: %(operations)s (%(operation_names)s)" filled in with "2, 3" and "body, paint". Each item is read as
#: a part of its own (a name as given: VERBATIM) and the items are joined as the language joins a
#: list's items, SERIES: "工序 2、3（body、paint）", not "工序 2, 3（body, paint）" (review-s15 R5;
#: COMMA's "，" joins clauses, not a list's items).
ENUMERATED = frozenset({"operations", "operation_names"})
SERIES = N_("%(items)s, %(item)s")


def enumerated(items: Iterable[str]) -> str:
    """`items` as the enumeration filled into an ENUMERATED placeholder ("2, 3"), in English as made;
    `Translator.phrase` joins them in the reader's language."""
    return ", ".join(items)


#: How deep a reason inside a reason is read (the CLI's "no valid plan" holds the broken rules, each
#: a placement's label and a reason: 7 deep); below it a part stays as it is.
MAX_DEPTH = 8

#: A rule's code in brackets in front of a reason ("[pinned] booking b1 has pinned work but is
#: unassigned", scheduler/integrity.py): a code, kept as it is; the reason after it is read.
TAG = re.compile(r"\[[a-z_]+\] (?=\S)")

#: Texts up to this long are remembered (a plan's reasons repeat, and pages are read again); a
#: longer one, which only a text from outside makes (an id in a 404 may be as long as a request
#: line, 16 KB), is translated afresh each time, so the 8,192 remembered stay small.
REMEMBERED_LENGTH = 1000


#: Chinese spacing, one rule for the catalog and for what is filled into it: a digit or a Latin
#: letter beside a Han character is set apart by one space ("连续 90 分钟", "预约 B 的工序"), except in
#: dates ("11月24日"); nothing else is spaced from a Han character or from full-width punctuation
#: ("工序 2（work）不能开工", "保养技师"). tests/scheduler/test_catalogs.py holds the catalog to it.
HAN = "\u3400-\u4dbf\u4e00-\u9fff"
FULL_WIDTH = "（）：，。；、！？「」《》“”"
_DATE_UNITS = "年月日"
_HAN = re.compile(f"[{HAN}]")


def _fill_spaced(locale: str, msgstr: str, values: dict[str, str]) -> str:
    """`msgstr` filled in with `values`, spaced as the language spaces it where a filled-in part
    meets the template's words (in Chinese: "一名%(who)s" with "2 级…" reads "一名 2 级…", and
    "%(where)s 不能开工" with "…（work）" reads "…（work）不能开工"); the parts themselves as given."""
    out, last = "", 0
    for p in _FILL.finditer(msgstr):
        value = "%" if p.group(0) == "%%" else values.get(p.group(1), p.group(0))
        out = _meet(locale, _meet(locale, out, msgstr[last : p.start()]), value)
        last = p.end()
    return _meet(locale, out, msgstr[last:])


def _meet(locale: str, left: str, right: str) -> str:
    """`left` and `right` joined, the spaces where they meet as the language wants them."""
    if not locale.startswith("zh"):
        return left + right
    core_l, core_r = left.rstrip(" "), right.lstrip(" ")
    if not core_l or not core_r:
        return left + right
    spaced = len(core_l) + len(core_r) != len(left) + len(right)
    return core_l + (" " if apart(core_l[-1], core_r[0], spaced) else "") + core_r


def apart(left: str, right: str, spaced: bool = False) -> bool:
    """Whether Chinese sets the characters `left` and `right` apart by a space (`spaced`: whether
    a space is there now, kept where the rule does not say)."""
    han_l, han_r = bool(_HAN.match(left)), bool(_HAN.match(right))
    if left in FULL_WIDTH or right in FULL_WIDTH or (han_l and han_r):
        return False
    latin_l, latin_r = left.isascii() and left.isalnum(), right.isascii() and right.isalnum()
    if (han_l and latin_r) or (latin_l and han_r):
        return not ((left.isdigit() and right in _DATE_UNITS) or (left in "年月" and right.isdigit()))
    return spaced


#: A workshop's own names in the reader's language, as `Translator.phrase` reads them into a
#: sentence (`Names`): hashable, so that a sentence read with them is remembered with them.
NameMap = tuple[tuple[str, str], ...]

#: Placeholders that hold a bay kind or a skill (an identifier; a staffing rule's team, named as the
#: skill or kind of its identifier, zh-s29): each read as the workshop names it
#: in the reader's language (`Names.labels`), else as the catalog does; "%(kinds)s bays" holds
#: several joined by "/" ("general/express").
LABELLED = frozenset({"skill", "kind", "kinds", "moved_kind", "team"})
KIND_SEPARATOR = "/"
#: The validator says the kinds an operation may use as alternatives ("booth or express"), and a
#: technician's skills as a list ("body, maintenance"): each item read as a label, the items joined
#: as the language joins them (zh-s29: the skills were read as texts, the workshop's own labels
#: never used; "booth or express" not split, left as written).
ALTERNATIVES = N_(" or ")
SKILL_LIST = frozenset({"skills"})
#: The placeholders that hold a bay kind, and those that hold a skill (a team: the trade it is named
#: after; a pool: `skill:grade`): each read with that one's names first (`Names.kinds`, `.skills`).
KIND_PLACES = frozenset({"kind", "kinds", "moved_kind"})
SKILL_PLACES = frozenset({"skill", "skills", "team", "pool"})
#: A technician pool as the overbooking settings spell it, `skill:grade`: its skill read as a label.
POOL = re.compile(r"([A-Za-z0-9_.\-]+):([1-5])")


@dataclass(frozen=True)
class Names:
    """What a workshop calls its things in one language, for the sentences made in English that
    name them (`Translator.phrase`): `things` its operations', services', technicians' and
    advisors' English names to theirs in that language (read into the placeholders that hold a
    name: VERBATIM), `labels` its bay kinds' and skills' identifiers to their display names (read
    into LABELLED placeholders). Only names that differ, and no name two things share with two
    different translations (which one is meant is unknown: it stays as given).

    `kinds` and `skills`: the bay kinds' and the skills' alone, for a place that says which it
    holds (a bay's kind, a technician's skill): an identifier that is both a kind and a skill may be
    named two ways ("paint": the 烤漆房 bay, the 喷漆 trade), which `labels` leaves out as ambiguous
    (zh-s29)."""

    things: NameMap = ()
    labels: NameMap = ()
    kinds: NameMap = ()
    skills: NameMap = ()
    # Looked up and hashed (a remembered sentence's key) for every filled-in part: made once.
    thing_of: dict[str, str] = field(init=False, compare=False, hash=False, repr=False)
    label_of: dict[str, str] = field(init=False, compare=False, hash=False, repr=False)
    kind_of: dict[str, str] = field(init=False, compare=False, hash=False, repr=False)
    skill_of: dict[str, str] = field(init=False, compare=False, hash=False, repr=False)
    _hash: int = field(init=False, compare=False, hash=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "thing_of", dict(self.things))
        object.__setattr__(self, "label_of", dict(self.labels))
        object.__setattr__(self, "kind_of", {**self.label_of, **dict(self.kinds)})
        object.__setattr__(self, "skill_of", {**self.label_of, **dict(self.skills)})
        object.__setattr__(self, "_hash", hash((self.things, self.labels, self.kinds, self.skills)))

    def __hash__(self) -> int:
        return self._hash

    def __bool__(self) -> bool:
        return bool(self.things or self.labels or self.kinds or self.skills)


NO_NAMES = Names()


def name_map(pairs: Iterable[tuple[str, str]]) -> NameMap:
    """`pairs` (English, translated) as a NameMap: unchanged names left out, an English name given
    two different translations left out (ambiguous)."""
    found: dict[str, str | None] = {}
    for english, translated in pairs:
        if english == translated:
            continue
        if english in found and found[english] != translated:
            found[english] = None
        else:
            found[english] = translated
    return tuple(sorted((k, v) for k, v in found.items() if v is not None))


def _word(locale: str, ident: str) -> str:
    """An identifier (a bay kind, a skill) as the catalog says it, else as given; an empty one
    empty (gettext("") is the catalog's header)."""
    return translations(locale).gettext(ident) if ident else ident


def _phrase(locale: str, text: str, depth: int = 0, names: Names = NO_NAMES) -> str:
    """`Translator.phrase`."""
    if len(text) > REMEMBERED_LENGTH:
        return _translated(locale, text, depth, names)
    return _remembered(locale, text, depth, names)


@lru_cache(maxsize=8192)
def _remembered(locale: str, text: str, depth: int, names: Names) -> str:
    return _translated(locale, text, depth, names)


def _translated(locale: str, text: str, depth: int, names: Names = NO_NAMES) -> str:
    if not text:  # gettext("") is the catalog's header (review-s28: an empty list item read it)
        return text
    exact = translations(locale).gettext(text)
    if exact != text or depth > MAX_DEPTH:
        return exact
    tag = TAG.match(text)
    if tag is not None:  # "[pinned] booking b1 …": the code as it is, the reason read
        return tag.group(0) + _phrase(locale, text[tag.end() :], depth + 1, names)
    listed = _items(text)
    if listed is not None and all(_closed(locale, item) for item in listed):
        # a list of texts each of which is a closed template's text ("booking A operation 1 (oil);
        # booking B operation 2 (paint)"): item by item, before a template that begins or ends open
        # takes the separator and the next item into its open end (review-s14 R8: "预约 b2 的工序
        # 0; booking b3 第 1 道工序")
        each = [_phrase(locale, item, depth + 1, names) for item in listed]
        return translations(locale).gettext(LIST).join(each)
    found = _by_template(locale, text)
    if found is not None:
        template, msgstr, parts = found
        # a quoted value (%(id)r) is an echo of what was sent or an id: as sent, not read as a text
        # (review-s28: "'a; ; b'" was split as a list inside the Chinese sentence)
        values = {
            name: value
            if template.shapes.get(name) is _SHAPES["r"]
            else _part(locale, name, value, depth, names)
            for name, value in parts.items()
        }
        return _fill_spaced(locale, msgstr, values)
    for separator in (LIST, COMMA):  # a list no template took: item by item
        items = listed if separator == LIST else _items(text, COMMA)
        if items is not None:
            read = [_phrase(locale, item, depth + 1, names) for item in items]
            if read != items:
                return translations(locale).gettext(separator).join(read)
    return text


def _part(locale: str, name: str, value: str, depth: int, names: Names = NO_NAMES) -> str:
    """The filled-in part `name` of a template read: names and ids as given (VERBATIM), or as the
    workshop names them in the language (`names.things`); a bay kind or skill as the workshop
    labels it, else as the catalog says it (LABELLED); an enumeration item by item in the
    language's list (ENUMERATED); anything else as a text itself."""
    labels = (
        names.kind_of if name in KIND_PLACES else names.skill_of if name in SKILL_PLACES else names.label_of
    )
    if name == "kinds" and ALTERNATIVES in value:  # "booth or express" (the validator's)
        kinds = [labels.get(k) or _word(locale, k) for k in value.split(ALTERNATIVES)]
        joined, either = kinds[0], translations(locale).gettext(ALTERNATIVES)
        for kind in kinds[1:]:
            joined = _meet(locale, _meet(locale, joined, either), kind)
        return joined
    if name == "kinds":  # "general/express": each kind as the workshop or the catalog says it
        kinds = value.split(KIND_SEPARATOR)
        return KIND_SEPARATOR.join(labels.get(k) or _word(locale, k) for k in kinds)
    if name in SKILL_LIST and (skills := _items(value, COMMA)) is not None:
        return _series(locale, [labels.get(k) or _word(locale, k) for k in skills])
    if name in SKILL_LIST:  # one skill
        return labels.get(value) or _word(locale, value)
    if name in LABELLED and value in labels:
        return labels[value]
    if name == "pool" and (pool := POOL.fullmatch(value)) is not None:  # "maintenance:2": 保养:2
        skill = pool.group(1)
        return f"{labels.get(skill) or _word(locale, skill)}:{pool.group(2)}"
    things = names.thing_of if name in NAMED else {}

    def given(part: str) -> str:  # a VERBATIM part: an id as given, a name as the workshop gives it
        return part if name == "operation" and part.isdigit() else things.get(part, part)

    items = _items(value, COMMA) if name in ENUMERATED else None
    if items is None:
        return given(value) if name in VERBATIM else _phrase(locale, value, depth + 1, names)
    read = [given(item) if name in VERBATIM else _phrase(locale, item, depth + 1, names) for item in items]
    return _series(locale, read)


def _series(locale: str, items: list[str]) -> str:
    """`items` joined as the language joins a list's items (SERIES): "2、3" in Chinese."""
    series = translations(locale).gettext(SERIES)
    joined = items[0]
    for item in items[1:]:
        joined = series % {"items": joined, "item": item}
    return joined


def _by_template(locale: str, text: str) -> tuple[_Template, str, dict[str, str]] | None:
    """The first of the catalog's templates `text` is filled in from, its msgstr and the parts.
    Where none is with every part whole, once more letting a part given from outside (AS_GIVEN: an
    id, a name, a URL, a path) hold a lone bracket ("not a URL: http://[::1 (…)" stayed English,
    fuzz-s40); the other parts must still pair theirs up, so the split stays where the words are."""
    for lenient in (False, True):
        for template, msgstr in templates(locale):
            found = template.match(text)
            # a filled-in part is whole: "(apprentice) has the…(" is not one
            if found is not None and template.fits(found, lenient):
                return template, msgstr, found
    return None


def filled_in(template: str, text: str) -> dict[str, str] | None:
    """The parts `text` was filled in with, if it was made from `template` (an English msgid),
    else None: a stored text read back into its parts, to be said again with other parts."""
    shape = _Template(template)
    found = shape.match(text)
    return found if found is not None and shape.fits(found) else None


def _closed(locale: str, text: str) -> bool:
    """Whether `text` is a catalog text or a template's with words of its own at both ends."""
    if translations(locale).gettext(text) != text:
        return True
    found = _by_template(locale, text)
    return found is not None and bool(found[0].literals[0]) and bool(found[0].literals[-1])


def _items(text: str, separator: str = LIST) -> list[str] | None:
    """`text` as a list joined by `separator`; None when it is not one (no separator, or one
    inside brackets: a sentence that holds a list)."""
    if separator not in text:
        return None
    items = text.split(separator)
    return items if all(_balanced(item) for item in items) else None


class Translator:
    """gettext for one language, and its date and number formats."""

    def __init__(self, locale: str | None = None, names: Names = NO_NAMES) -> None:
        self.locale = normalise(locale) or DEFAULT
        self._t = translations(self.locale)
        #: The workshop's own names in this language, read into the sentences (`phrase`) and used
        #: for its bay kinds and skills (`label`); none: as given, the catalog's words.
        self.names = names

    def named(self, names: Names) -> Translator:
        """This language with a workshop's own names (`Workshop.names_in`)."""
        return Translator(self.locale, names)

    def thing(self, name: str) -> str:
        """An operation's, service's or person's English `name` as the workshop gives it in this
        language (`Names.things`), else as given; English keeps `name` (as `phrase` does)."""
        return name if self.locale == DEFAULT else self.names.thing_of.get(name, name)

    def series(self, items: list[str]) -> str:
        """`items` joined as the language joins a list's items (SERIES); "" for none."""
        return _series(self.locale, items) if items else ""

    def label(self, ident: str) -> str:
        """A bay kind or skill as this reader reads it: the workshop's display name for it, else
        the catalog's word (the five built-in kinds, the known skills), else the identifier."""
        return self.names.label_of.get(ident) or _word(self.locale, ident)

    def kind_label(self, ident: str) -> str:
        """`label` of a bay kind: its name as a kind where the identifier is also a skill's."""
        return self.names.kind_of.get(ident) or _word(self.locale, ident)

    def skill_label(self, ident: str) -> str:
        """`label` of a skill: its name as a skill where the identifier is also a bay kind's."""
        return self.names.skill_of.get(ident) or _word(self.locale, ident)

    def raw_gettext(self, message: str) -> str:
        return self._t.gettext(message)

    def raw_ngettext(self, singular: str, plural: str, n: int) -> str:
        return self._t.ngettext(singular, plural, n)

    def gettext(self, message: str, **values: object) -> str:
        """`message` in this language, its placeholders filled in with `values`. A msgid that holds
        "%%" is a format string even with no values (Babel marks a "%" before a letter, "95 % of",
        python-format, and `msgfmt -c` refuses its translation: zh-s30): filled in, so "%%" reads "%"."""
        text = self._t.gettext(message)
        return text % values if values or "%%" in message else text

    def ngettext(self, singular: str, plural: str, n: int, **values: object) -> str:
        text = self._t.ngettext(singular, plural, n)
        return text % {"num": n, **values}

    def phrase(self, text: str) -> str:
        """A text made by filling in a marked template (`N_("unknown booking %(id)r") % {...}`), in
        this language: the catalog's translation of the text itself, else of the template it was
        made from with its filled-in parts translated in turn (a reason inside a reason); a text no
        template made stays as it is."""
        if self.locale == DEFAULT or not text:
            return text
        return _phrase(self.locale, text, 0, self.names)

    def fill(self, message: str, values: Mapping[str, str]) -> str:
        """`message` (a template) in this language, filled in with `values` (already in it),
        spaced as the language spaces a filled-in part beside the template's words."""
        return _fill_spaced(self.locale, self._t.gettext(message), dict(values))

    # Formats -----------------------------------------------------------------------------------

    def date(self, value: dt.date, format: str = "medium") -> str:
        """`Nov 24, 2026` / `2026年11月24日`."""
        return dates.format_date(value, format=format, locale=self.locale)

    def date_range(self, first: dt.date, last: dt.date) -> str:
        """The days `first`..`last` as one span, `Nov 23 – 29, 2026` / `2026年11月23日 – 29日` (a
        report's week: its Monday alone read as one day, zh-s30); one day as `date` says it."""
        if first == last:
            return self.date(first)
        return dates.format_interval(first, last, "yMMMd", locale=self.locale)

    def weekday_date(self, value: dt.date) -> str:
        """`Tuesday, November 24, 2026` / `2026年11月24日星期二`."""
        return dates.format_date(value, format="full", locale=self.locale)

    def bracketed(self, text: str) -> str:
        """`text` in brackets after what it explains: " (63 min)" in English, "（63 分钟）" in Chinese
        (full-width, no space). A rule of the language, not a catalog template: a template "%(a)s
        (%(b)s min)" would match any reason that ends in a bracket (`phrase`)."""
        return f" ({text})" if self.locale == DEFAULT else f"（{text}）"

    def short_day(self, value: dt.date) -> str:
        """A day named beside a time in a sentence or a table cell: `2026-11-25` in English (as the
        desk and the job cards date it), `11月25日 周三` in Chinese (a date a foreman reads, not ISO)."""
        if self.locale == DEFAULT:
            return value.isoformat()
        return dates.format_date(value, format=SHORT_DAY, locale=self.locale)

    def short_day_format(self) -> dict[str, object] | None:
        """`short_day` for the page script (the desk dates times as the plan page does): None in
        English (the ISO date); else the pattern with %(MMM)s, %(d)s and %(EEE)s placeholders,
        the 12 month names and the 7 weekday names, Monday first."""
        if self.locale == DEFAULT:
            return None
        monday = dt.date(2001, 1, 1)
        return {
            "pattern": dates.parse_pattern(SHORT_DAY).format,
            "months": [
                dates.format_date(dt.date(2001, m, 1), "MMM", locale=self.locale) for m in range(1, 13)
            ],
            "weekdays": [
                dates.format_date(monday + dt.timedelta(days=i), "EEE", locale=self.locale) for i in range(7)
            ],
        }

    def long_day(self, value: dt.date) -> str:
        """A day on its own in a sentence, the year with it: `2011-07-01` in English (as the English
        pages date it), `2011年7月1日` in Chinese (Babel's long date)."""
        if self.locale == DEFAULT:
            return value.isoformat()
        return dates.format_date(value, format="long", locale=self.locale)

    def factor(self, value: float) -> str:
        """A scale factor: `×1.0`, `×1.15` (at least one decimal, at most three)."""
        return "×" + numbers.format_decimal(value, format="#,##0.0##", locale=self.locale)

    def time(self, value: dt.datetime | dt.time) -> str:
        """Hours and minutes, 24 h: 08:30 in both languages (the workshop's clock)."""
        return dates.format_time(value, format="HH:mm", locale=self.locale)

    def number(self, value: float, digits: int = 0) -> str:
        pattern = "#,##0" + ("." + "0" * digits if digits else "")
        return numbers.format_decimal(value, format=pattern, locale=self.locale)

    def percent(self, fraction: float, digits: int = 0) -> str:
        pattern = "#,##0" + ("." + "0" * digits if digits else "") + "%"
        return numbers.format_percent(fraction, format=pattern, locale=self.locale)
