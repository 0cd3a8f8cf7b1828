"""The experiment report: one self-contained HTML page, charts as inline SVG drawn by matplotlib.

`render_html(result, locale)` is a pure function of the result and the language (no files, no
network, no JavaScript), so the web service can embed the same page. In Chinese the charts' texts
are SVG text (`svg.fonttype: none`) for the reader's browser to draw with its own CJK font.
"""

from __future__ import annotations

import html
import io
import re
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")  # no display: render to SVG only
import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from scheduler.i18n import DEFAULT, N_, NO_NAMES, Names, Translator, html_lang
from simulation.results import UNIT_BOUNDS, ExperimentResult, Metric
from simulation.rules import composed, derived_words
from simulation.units import format_value, labelled, metric_label, policy_words, with_unit
from simulation.verdict import verdicts

_STYLE = """
.report { font-family: system-ui, sans-serif; color: #222; max-width: 1100px; }
.report table { border-collapse: collapse; margin: 1em 0; font-size: 0.9em; }
.report th, .report td { border: 1px solid #ccc; padding: 0.3em 0.6em; text-align: right; }
.report th:first-child, .report td:first-child { text-align: left; }
.report .ci { color: #777; font-size: 0.85em; }
.report figure { margin: 1em 0; }
.report figure svg { max-width: 100%; height: auto; }
.report .sections a { margin-right: 1em; }
.report .verdict li { font-size: 1.1em; font-weight: 600; margin: .2em 0; }
.report .to-top { font-size: .85em; }
"""
_PAGE_STYLE = "body { margin: 2em; }"
"""The standalone file's own margin (embedded, the page around it has one)."""


@dataclass(frozen=True)
class Report:
    """The report's parts: its title, its style (scoped to `.report`) and its body (an <article>)."""

    title: str
    style: str
    body: str


@contextmanager
def _texts_as_text(t: Translator) -> Iterator[None]:
    """English: text drawn as paths (as before). Other languages: SVG <text>, for the browser's fonts
    (matplotlib's own DejaVu has no CJK glyphs; its missing-glyph warnings are then beside the point)."""
    if t.locale == DEFAULT:
        yield
        return
    with matplotlib.rc_context({"svg.fonttype": "none"}), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Glyph .* missing from font")
        yield


def _svg(fig: Figure) -> str:
    buffer = io.StringIO()
    # A fixed salt for the SVG's element ids: the same result gives the same page, byte for byte.
    # No metadata: no date (the page is a pure function of the result), no external references.
    with matplotlib.rc_context({"svg.hashsalt": "bayplan"}):
        fig.savefig(
            buffer,
            format="svg",
            bbox_inches="tight",
            metadata={"Date": None, "Creator": None, "Format": None, "Type": None},
        )
    plt.close(fig)
    text = buffer.getvalue()
    return text[text.index("<svg") :]  # drop the XML prolog and doctype: inline SVG


def _utilisation_chart(result: ExperimentResult, t: Translator) -> str:
    fig, ax = plt.subplots(figsize=(8, 3.2))
    hours = list(range(24))
    for rs in result.rule_sets:
        ax.plot(hours, [u * 100 for u in rs.utilisation_by_hour], marker="o", label=rs.name)
    ax.set_xlim(6, 20)
    ax.set_xlabel(t.gettext("hour of the day"))
    ax.set_ylabel(t.gettext("technicians busy, %% of those on shift"))
    ax.set_title(t.gettext("Technician utilisation by hour"))
    ax.grid(alpha=0.3)
    ax.legend()
    return _svg(fig)


def _wait_chart(result: ExperimentResult, t: Translator) -> str:
    fig, ax = plt.subplots(figsize=(8, 3.2))
    edges = result.wait_edges
    for rs in result.rule_sets:
        ax.stairs([h * 100 for h in rs.waiter_wait_histogram], edges, label=rs.name)
    ax.set_xlabel(
        t.gettext("minutes from drop-off to the start of work (last bin: %(minutes)s min and more)",
                  minutes=f"{edges[-2]:.0f}")
    )  # fmt: skip
    ax.set_ylabel(t.gettext("%% of waiters"))
    ax.set_title(t.gettext("Waiters' waiting time"))
    ax.grid(alpha=0.3)
    ax.legend()
    return _svg(fig)


def _on_time_chart(result: ExperimentResult, t: Translator) -> str:
    fig, ax = plt.subplots(figsize=(8, 0.6 + 0.6 * len(result.rule_sets)))
    names = [rs.name for rs in result.rule_sets]
    metrics = [rs.metrics["on_time"] for rs in result.rule_sets]
    means = [m.mean * 100 for m in metrics]
    errors = [[(m.mean - m.low) * 100 for m in metrics], [(m.high - m.mean) * 100 for m in metrics]]
    ax.barh(names, means, xerr=errors, capsize=4, color="#4c78a8")
    ax.set_xlim(0, 100)
    ax.set_xlabel(t.gettext("vehicles ready by the promised pickup, % (95 % CI)"))
    ax.set_title(t.gettext("On-time delivery per rule set"))
    ax.invert_yaxis()
    return _svg(fig)


def _clip(value: float, unit: str) -> float:
    """Within the unit's bounds (a share never reads 100.4 %), also for results stored before clipping."""
    lower, upper = UNIT_BOUNDS.get(unit, (None, None))
    if value != value:  # NaN, nothing measured: stays "-" (max(0, NaN) is 0: "on time 0.0 %")
        return value
    value = value if lower is None else max(lower, value)
    return value if upper is None else min(upper, value)


def _cell(m: Metric, t: Translator) -> str:
    mean, low, high = (format_value(_clip(v, m.unit), m.unit, t) for v in (m.mean, m.low, m.high))
    return f"<td>{mean} <span class='ci'>[{low}, {high}]</span></td>"


def _difference(value: float, unit: str) -> str:
    """A paired difference, signed; shares in percentage points (the unit is in the row's name)."""
    if value != value:
        return "-"
    if unit == "share":
        return f"{value * 100:+.1f}"
    return f"{value:+,.0f}" if unit == "CNY" else f"{value:+.1f}"


def _table(result: ExperimentResult, t: Translator) -> str:
    """Every metric with its unit in its name; means with their 95 % intervals."""
    names = list(dict.fromkeys(k for rs in result.rule_sets for k in rs.metrics))
    units = {k: m.unit for rs in result.rule_sets for k, m in rs.metrics.items()}
    head = "".join(f"<th>{html.escape(rs.name)}</th>" for rs in result.rule_sets)
    rows = []
    for name in names:
        cells = [
            _cell(rs.metrics[name], t) if name in rs.metrics else "<td>-</td>" for rs in result.rule_sets
        ]
        rows.append(f"<tr><td>{html.escape(labelled(name, units[name], t))}</td>{''.join(cells)}</tr>")
    first = result.rule_sets[0].name
    for name in dict.fromkeys(k for rs in result.rule_sets for k in rs.versus_first):
        cells = ["<td>-</td>"]
        unit = ""
        for rs in result.rule_sets[1:]:
            m = rs.versus_first[name]
            unit = m.unit
            cells.append(
                f"<td>{_difference(m.mean, m.unit)} <span class='ci'>[{_difference(m.low, m.unit)}, "
                f"{_difference(m.high, m.unit)}]</span></td>"
            )
        label = with_unit(
            t.gettext("%(metric)s: difference to %(first)s", metric=metric_label(name, t), first=first),
            unit, t, difference=True,
        )  # fmt: skip
        rows.append(f"<tr><td><i>{html.escape(label)}</i></td>{''.join(cells)}</tr>")
    return f"<table><tr><th>{html.escape(t.gettext('metric'))}</th>{head}</tr>{''.join(rows)}</table>"


def _verdict(result: ExperimentResult, t: Translator) -> str:
    lines = verdicts(result, t)
    if not lines:
        return ""
    intro = t.gettext(
        "Against %(first)s on the same vehicles; a difference counts when its 95 %% interval leaves out 0.",
        first=html.escape(result.rule_sets[0].name),
    )
    items = "".join(f"<li>{html.escape(line)}</li>" for line in lines)
    return (
        f'<section id="verdict" aria-labelledby="verdict-h"><h2 id="verdict-h">'
        f'{html.escape(t.gettext("Verdict"))}</h2><ul class="verdict">{items}</ul>'
        f'<p class="ci">{intro}</p></section>'
    )


def _described(t: Translator, text: str) -> str:
    """A rule set's description in the reader's language where bayplan wrote it (a candidate's
    label, "paint g2 +1, general bays +2"), else as written: a rules file's own text is data, and
    half of it translated ("2 fleet 工位", "overtime 90 分钟") reads worse than none."""
    out = t.phrase(text)
    return out if out == text or not re.search(r"[A-Za-z]{2,}", out) else text


def report(result: ExperimentResult, locale: str = DEFAULT, workshop_names: Names = NO_NAMES) -> Report:
    """The report in `locale` (en, zh_CN; English when bayplan does not speak it), in parts: the web
    page puts the body in its own frame (navigation, language switch), the file in a bare page.
    `workshop_names`: the scenario's workshop's own names in that language (`Workshop.names_in`), for the
    labels that name its bay kinds and teams."""
    r = result
    t = Translator(locale, workshop_names)
    title = t.gettext(
        "Staffing simulation: %(scenario)s, %(period)s", scenario=r.scenario, period=t.phrase(r.period)
    )
    described = "".join(
        "<li>"
        + t.gettext(
            "<b>%(name)s</b> (%(technicians)s technicians): %(description)s",
            name=html.escape(rs.name), technicians=rs.technicians,
            description=html.escape(
                derived_words(rs.derived, t) if rs.derived
                else composed(rs.composition, t) if rs.composition else _described(t, rs.description)
            ),
        )
        + "</li>"
        for rs in r.rule_sets
    )  # fmt: skip
    # t.fill: a filled-in part spaced as the language spaces it ("自 2011年7月1日起仿真").
    summary = t.fill(
        N_("%(days)s days from %(start)s after one warm-up day, %(replications)s replications, seed %(seed)s,"
        " dispatch policy <b>%(policy)s</b>, demand growth %(growth)s. All rule sets see the same vehicles"
        " and work content (common random numbers). Figures are means with 95 %% confidence intervals over"
        " the replications. Run: %(seconds)s s, %(events)s events, %(backend)s."),
        {"days": str(r.days), "start": t.long_day(r.start), "replications": str(r.replications),
         "seed": str(r.seed), "policy": html.escape(policy_words(r.policy, t)), "growth": t.factor(r.growth),
         "seconds": t.number(r.wall_seconds, 1), "events": t.number(r.events),
         "backend": html.escape(t.phrase(r.backend))},
    )  # fmt: skip
    with _texts_as_text(t):
        charts = (_on_time_chart(r, t), _utilisation_chart(r, t), _wait_chart(r, t))
    verdict = _verdict(r, t)
    sections = ([("verdict", t.gettext("Verdict"))] if verdict else []) + [
        ("setup", t.gettext("Set-up")),
        ("figures", t.gettext("Figures")),
        ("on-time", t.gettext("On-time delivery")),
        ("utilisation", t.gettext("Utilisation by hour")),
        ("waits", t.gettext("Waiters' waiting time")),
    ]
    nav = "".join(f'<a href="#{anchor}">{html.escape(text)}</a>' for anchor, text in sections)
    # The texts are looked up outside the f-strings so that pybabel's extractor sees them.
    back_to_top, sections_label = t.gettext("Back to the top"), t.gettext("Sections")
    top = f'<p class="to-top"><a href="#report">{html.escape(back_to_top)}</a></p>'
    names = dict(sections)
    body = f"""<article class="report" id="report">
<h1>{html.escape(title)}</h1>
<nav class="sections" aria-label="{html.escape(sections_label)}">{nav}</nav>
{verdict}
<section id="setup" aria-labelledby="setup-h"><h2 id="setup-h">{html.escape(names["setup"])}</h2>
<p>{summary}</p>
<ul>{described}</ul></section>
<section id="figures" aria-labelledby="figures-h"><h2 id="figures-h">{html.escape(names["figures"])}</h2>
{_table(r, t)}{top}</section>
<section id="on-time" aria-labelledby="on-time-h"><h2 id="on-time-h">{html.escape(names["on-time"])}</h2>
<figure>{charts[0]}</figure>{top}</section>
<section id="utilisation" aria-labelledby="utilisation-h">
<h2 id="utilisation-h">{html.escape(names["utilisation"])}</h2>
<figure>{charts[1]}</figure>{top}</section>
<section id="waits" aria-labelledby="waits-h"><h2 id="waits-h">{html.escape(names["waits"])}</h2>
<figure>{charts[2]}</figure>{top}</section>
</article>"""
    return Report(title, _STYLE, body)


def render_html(result: ExperimentResult, locale: str = DEFAULT, workshop_names: Names = NO_NAMES) -> str:
    """The report as one self-contained page in `locale` (`workshop_names`: as `report`)."""
    parts = report(result, locale, workshop_names)
    t = Translator(locale)
    return f"""<!DOCTYPE html>
<html lang="{html_lang(t.locale)}"><head><meta charset="utf-8"><title>{html.escape(parts.title)}</title>
<style>{_PAGE_STYLE}{parts.style}</style></head><body><main>
{parts.body}
</main></body></html>
"""
