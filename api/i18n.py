"""The pages' language: the `bayplan_lang` cookie (set by the switch on every page), else the
browser's Accept-Language (Babel's `negotiate_locale`; any Chinese reads the Simplified catalog,
`negotiated`), else English.

Templates use Jinja's i18n extension (`{% trans %}`, `_()`); its gettext callables read the
request's translator from a context variable, set by `use()` just before a page is rendered, so
concurrent requests in different languages do not share one installed catalog.
"""

from __future__ import annotations

import contextvars
import json
from typing import Annotated, Literal, TypeVar

from babel.core import negotiate_locale
from fastapi import Query, Request
from jinja2 import Environment
from markupsafe import Markup

from scheduler.contract import Booking, Plan, Workshop
from scheduler.i18n import DEFAULT, N_, SERIES, SUPPORTED, Translator, html_lang, normalise

COOKIE = "bayplan_lang"
_current: contextvars.ContextVar[Translator] = contextvars.ContextVar("bayplan_translator")

#: The script's texts (static/app.js), sent translated with each page as a JSON block.
SCRIPT_TEXTS = {
    # A request that got no answer at all (the network gone), where an answer's problem is said.
    "no_answer": N_("no answer from the server: check the connection and press again"),
    "planning": N_("Planning… (up to %(limit)s s)"),
    "planning_tick": N_("Planning… %(elapsed)s s of up to %(limit)s s"),
    "plan_ready": N_("Plan ready: %(count)s operations placed. Loading…"),
    "could_not_plan": N_("Could not plan: %(problem)s"),
    "yes": N_("yes"),
    "no": N_("no"),
    "looking": N_("Looking for free slots…"),
    "cannot_list": N_("Cannot list slots: %(problem)s"),
    "free_slots": N_("%(count)s free slot(s)."),
    "no_free_slot": N_("No free slot on this day."),
    "slot": N_("Drop-off %(drop_off)s · pickup %(pickup)s"),
    "book": N_("Book %(time)s"),
    "booked": N_("Booked %(id)s: drop-off %(drop_off)s, pickup %(pickup)s."),
    "taken": N_("That time was just taken. Other times: %(times)s"),
    "taken_because": N_("That time was just taken: %(reason)s. Other times: %(times)s"),
    "pickup_dropped_off": N_("%(drop_off)s (dropped off)"),
    "slot_days_on": N_("%(count)s days: %(days)s"),
    "series": SERIES,  # a list's items as the language joins them ("、" in Chinese, not "，")
    "overbooking_risk": N_("Overbooking risk"),
    # A drop-off promised when the desk does not hand cars back (an old promise, kept as told).
    "after_desk_hours": N_("after desk hours"),
    "parts_eta_invalid": N_(
        "Parts arrive: give a time (and a date, if not the booking's), or leave both empty."
    ),
    "not_booked": N_("Not booked: %(problem)s"),
    "carried_in": N_("%(drop_off)s (carried in)"),
    "new_drop_off": N_("New drop-off time for %(booking)s"),
    "move": N_("Move"),
    "move_to": N_("Move to %(time)s"),
    # A refused change's alternative at the booking's own drop-off: only its pickup moves.
    "keep_drop_off": N_("Keep %(time)s, pickup %(pickup)s"),
    "eta_changed_pickup": N_(
        "%(booking)s: parts arrive %(eta)s, drop-off %(drop_off)s kept, pickup %(pickup)s."
    ),
    "moved": N_("%(booking)s moved: drop-off %(drop_off)s, pickup %(pickup)s."),
    "not_moved": N_("Not moved: %(problem)s"),
    "problem_reason": N_("%(problem)s: %(reason)s"),
    # A 422's field in the reader's words where the page names it (a query parameter the page sent,
    # not one the reader typed): "now: 2026-12-08 09:20 is after …" named the parameter in English.
    "field_problem": N_("%(field)s: %(problem)s"),
    "field_now": N_("the page's time (now)"),
    "cancel_booking": N_("Cancel booking"),
    "confirm_cancel": N_("Really cancel?"),
    "cancelled": N_("%(booking)s cancelled."),
    "not_cancelled": N_("Not cancelled: %(problem)s"),
    "overrun_bar": N_("%(vehicle)s, operation %(number)s (%(step)s)"),
    "why_not": N_("Why not other times? (%(count)s)"),
    "at_risk_mark": N_("At risk"),
    "change_eta": N_("Parts ETA"),
    "change_eta_of": N_("Change the parts ETA of %(booking)s"),
    "eta_heading": N_("Parts ETA of %(booking)s"),
    "eta_current": N_("Parts arrive %(eta)s."),
    "eta_none": N_("No parts ETA: the parts are in."),
    "at_risk_because": N_("At risk: %(reason)s"),
    "eta_invalid": N_("Parts arrive: give a time (and its date); if the parts are in, press “Parts are in”."),
    "eta_changed": N_("%(booking)s: parts arrive %(eta)s."),
    "eta_cleared": N_("%(booking)s: the parts are in."),
    "eta_kept_at_risk": N_("%(booking)s kept at risk, parts arrive %(eta)s: %(reason)s"),
    "eta_not_changed": N_("Parts ETA not changed: %(problem)s"),
    "other_quarter_hours": N_("other quarter hours"),
}

#: A background job's status words (shown on the simulation page).
JOB_STATUSES = (N_("queued"), N_("running"), N_("done"), N_("failed"))


def accepted(header: str | None) -> list[str]:
    """Accept-Language as locale ids, most wanted first (q=0 left out)."""
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate((header or "").split(",")):
        tag, _, params = part.strip().partition(";")
        if not tag or tag == "*":
            continue
        q = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if q > 0:
            ranked.append((-q, index, tag.replace("-", "_")))
    return [tag for _, _, tag in sorted(ranked)]


def choose(request: Request) -> str:
    """The locale for this request: cookie, else Accept-Language, else English."""
    chosen = normalise(request.cookies.get(COOKIE))
    if chosen is not None:
        return chosen
    return negotiated(request.headers.get("accept-language"))


#: Chinese tags read in the one Chinese catalog there is, Simplified (zh_CN): a reader of zh-TW,
#: zh-HK or zh-Hant is better served by it than by English. Babel's negotiation tries each wanted
#: tag in the browser's order: as it is, then through these aliases, then by its language alone
#: ("zh_TW" -> "zh", offered as `LANGUAGE_ONLY`), so an English ranked higher still wins
#: ("en, zh-TW;q=0.5" -> en).
ALIASES = {"zh": "zh_CN", "zh_Hans": "zh_CN", "zh_Hans_CN": "zh_CN", "zh_SG": "zh_CN"}
LANGUAGE_ONLY = {"zh": "zh_CN"}


def negotiated(header: str | None) -> str:
    """The supported locale the Accept-Language `header` asks for first, else English."""
    offered = [*SUPPORTED, *LANGUAGE_ONLY]
    found = negotiate_locale(accepted(header), offered, aliases=ALIASES)
    return normalise(LANGUAGE_ONLY.get(found, found) if found else None) or DEFAULT


def translator(request: Request) -> Translator:
    return Translator(choose(request))


#: `?lang=` on the files a person opens outside the pages (the plan and bookings CSV, the
#: technician's iCalendar feed): a calendar app subscribing to a feed sends no cookie and its own
#: Accept-Language, so the link says the language; else the request's (cookie, Accept-Language).
LangQuery = Annotated[
    Literal["en", "zh-CN"] | None,
    Query(
        description="the language of the names in the file (zh-CN: the workshop's Chinese names, in added"
        " columns of a CSV); default: the bayplan_lang cookie, else Accept-Language, else English"
    ),
]


def file_locale(request: Request, lang: str | None) -> str:
    """The locale a downloaded file names things in: `?lang=` (LangQuery), else the request's."""
    return (normalise(lang) if lang else None) or choose(request)


def named(t: Translator, workshop: Workshop) -> Translator:
    """`t` with `workshop`'s own names in its language (`Workshop.names_in`): the sentences it
    reads name the workshop's operations, services, people, bay kinds and skills as the workshop
    does in that language."""
    return t.named(workshop.names_in(t.locale))


def carries(request: Request, workshop: Workshop) -> None:
    """Note that the request's body carries `workshop` (a PUT's new text): the sentences of its
    answer and errors name things as it does (`workshop_translator`)."""
    request.state.carried_workshop = workshop


def workshop_translator(request: Request) -> Translator:
    """The request's translator with the names of the workshop in its path (`/{workshop_id}/…`),
    for the human texts of a JSON answer or an error: English reads its sentences as made (no
    read of the workshop), as does a path with no workshop or an unknown one. A workshop the body
    carries (`carries`) names what it has; the stored one only what the body's does not have."""
    t = translator(request)
    if t.locale == DEFAULT:
        return t
    carried = getattr(request.state, "carried_workshop", None)
    workshop_id = request.path_params.get("workshop_id")
    stored: Workshop | None = None
    if isinstance(workshop_id, str):
        try:
            stored = request.app.state.services.service.workshop(workshop_id)
        except Exception:  # an unknown workshop, a store down: the sentence reads as made
            stored = None
    if isinstance(carried, Workshop):
        return t.named(carried.names_beside(stored, t.locale))
    return t if stored is None else named(t, stored)


def use(request: Request, workshop: Workshop | None = None) -> Translator:
    """Choose the request's language and make it the templates' for this render, with the names of
    `workshop` (the page's) in it (`named`)."""
    t = translator(request) if workshop is None else named(translator(request), workshop)
    _current.set(t)
    return t


def current() -> Translator:
    return _current.get(None) or Translator(DEFAULT)


def _gettext(message: str) -> str:
    """For Jinja (newstyle): it fills in the %(name)s placeholders itself, escaping them."""
    return current().raw_gettext(message)


def _ngettext(singular: str, plural: str, n: int) -> str:
    return current().raw_ngettext(singular, plural, n)


def script_texts(t: Translator) -> Markup:
    """The JSON block app.js reads its texts from (safe inside <script type=application/json>)."""
    texts = {key: t.gettext(message) for key, message in SCRIPT_TEXTS.items()}
    encoded = json.dumps(texts, ensure_ascii=False).replace("<", "\\u003c").replace(">", "\\u003e")
    return Markup(encoded)


def day_format(t: Translator) -> Markup:
    """The JSON block app.js dates a time on another day with (`Translator.short_day_format`:
    null in English, the ISO date), as the plan page and the technician's page date it."""
    encoded = json.dumps(t.short_day_format(), ensure_ascii=False)
    return Markup(encoded.replace("<", "\\u003c").replace(">", "\\u003e"))


def install(env: Environment) -> None:
    """Jinja's i18n extension with per-request gettext, and the locale's date and number filters."""
    env.add_extension("jinja2.ext.i18n")
    env.install_gettext_callables(_gettext, _ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.filters["fdate"] = lambda value, format="medium": current().date(value, format)
    env.filters["fday"] = lambda value: current().short_day(value)
    env.filters["bracketed"] = lambda value: current().bracketed(value)
    env.filters["fnumber"] = lambda value, digits=0: current().number(value, digits)
    env.filters["fpercent"] = lambda value, digits=0: current().percent(value, digits)
    env.globals["html_lang"] = lambda: html_lang(current().locale)
    # Between a label's colon or a sentence's full stop and what follows: a space in English, none
    # after Chinese full-width punctuation ("状态：未开始", "…个预约。排程方式：…").
    env.globals["gap"] = lambda: " " if current().locale == DEFAULT else ""
    env.globals["current_locale"] = lambda: current().locale
    env.globals["day_format"] = lambda: day_format(current())


BookingT = TypeVar("BookingT", bound=Booking)


def booking_in_words(booking: BookingT, t: Translator) -> BookingT:
    """`booking` with why it is at risk (a forced parts ETA change, a workshop change) in `t`'s
    language; the stored booking keeps it in English."""
    if t.locale == DEFAULT or not booking.at_risk_reason:
        return booking
    return booking.model_copy(update={"at_risk_reason": t.phrase(booking.at_risk_reason)})


def plan_in_words(plan: Plan, t: Translator) -> Plan:
    """`plan` with its human texts (why a booking is unassigned, a re-plan's changes) in `t`'s
    language; the stored plan keeps them in English."""
    if t.locale == DEFAULT:
        return plan
    unassigned = [u.model_copy(update={"reason": t.phrase(u.reason)}) for u in plan.unassigned]
    changes = (
        None
        if plan.changes is None
        else [c.model_copy(update={"summary": t.phrase(c.summary)}) for c in plan.changes]
    )
    return plan.model_copy(update={"unassigned": unassigned, "changes": changes})
