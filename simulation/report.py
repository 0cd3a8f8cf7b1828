"""The experiment report: one self-contained HTML page, charts as inline SVG drawn by matplotlib.

`render_html(result, locale)` is a pure function of the result and the language (no files, no
network, no JavaScript), so the web service can embed the same page. In Chinese the charts' texts
are SVG text (`svg.fonttype: none`) for the reader's browser to draw with its own CJK font.
"""

from __future__ import annotations

import html
import io
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

import matplotlib

matplotlib.use("Agg")  # no display: render to SVG only
import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from scheduler.i18n import DEFAULT, Translator, html_lang
from simulation.results import ExperimentResult
from simulation.units import format_value, metric_label

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em; color: #222; max-width: 1100px; }
table { border-collapse: collapse; margin: 1em 0; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 0.3em 0.6em; text-align: right; }
th:first-child, td:first-child { text-align: left; }
.ci { color: #777; font-size: 0.85em; }
figure { margin: 1em 0; }
"""


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
    ax.set_ylabel(t.gettext("technicians busy, % of those on shift"))
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
    ax.set_ylabel(t.gettext("% of waiters"))
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


def _table(result: ExperimentResult, t: Translator) -> str:
    names = list(dict.fromkeys(k for rs in result.rule_sets for k in rs.metrics))
    head = "".join(f"<th>{html.escape(rs.name)}</th>" for rs in result.rule_sets)
    rows = []
    for name in names:
        cells = []
        for rs in result.rule_sets:
            m = rs.metrics.get(name)
            if m is None:
                cells.append("<td>-</td>")
                continue
            cells.append(
                f"<td>{format_value(m.mean, m.unit)} <span class='ci'>[{format_value(m.low, m.unit)}, "
                f"{format_value(m.high, m.unit)}]</span></td>"
            )
        rows.append(f"<tr><td>{html.escape(metric_label(name, t))}</td>{''.join(cells)}</tr>")
    first = result.rule_sets[0].name
    for name in dict.fromkeys(k for rs in result.rule_sets for k in rs.versus_first):
        cells = ["<td>-</td>"]
        for rs in result.rule_sets[1:]:
            m = rs.versus_first[name]
            cells.append(
                f"<td>{format_value(m.mean, m.unit)} <span class='ci'>[{format_value(m.low, m.unit)}, "
                f"{format_value(m.high, m.unit)}]</span></td>"
            )
        label = t.gettext("%(metric)s: difference to %(first)s", metric=metric_label(name, t), first=first)
        rows.append(f"<tr><td><i>{html.escape(label)}</i></td>{''.join(cells)}</tr>")
    return f"<table><tr><th>{html.escape(t.gettext('metric'))}</th>{head}</tr>{''.join(rows)}</table>"


def render_html(result: ExperimentResult, locale: str = DEFAULT) -> str:
    """The report in `locale` (en, zh_CN; English when bayplan does not speak it)."""
    r = result
    t = Translator(locale)
    title = t.gettext("Staffing simulation: %(scenario)s, %(period)s", scenario=r.scenario, period=r.period)
    described = "".join(
        "<li>"
        + t.gettext(
            "<b>%(name)s</b> (%(technicians)s technicians): %(description)s",
            name=html.escape(rs.name), technicians=rs.technicians, description=html.escape(rs.description),
        )
        + "</li>"
        for rs in r.rule_sets
    )  # fmt: skip
    summary = t.gettext(
        "%(days)s days from %(start)s after one warm-up day, %(replications)s replications, seed %(seed)s,"
        " dispatch policy <b>%(policy)s</b>, demand growth %(growth)s. All rule sets see the same vehicles"
        " and work content (common random numbers). Figures are means with 95 %% confidence intervals over"
        " the replications. Run: %(seconds)s s, %(events)s events, %(backend)s.",
        days=r.days, start=r.start, replications=r.replications, seed=r.seed, policy=html.escape(r.policy),
        growth=f"{r.growth:g}", seconds=f"{r.wall_seconds:.1f}", events=t.number(r.events),
        backend=html.escape(r.backend),
    )  # fmt: skip
    with _texts_as_text(t):
        charts = (_on_time_chart(r, t), _utilisation_chart(r, t), _wait_chart(r, t))
    return f"""<!DOCTYPE html>
<html lang="{html_lang(t.locale)}"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>{_STYLE}</style></head><body>
<h1>{html.escape(title)}</h1>
<p>{summary}</p>
<ul>{described}</ul>
{_table(r, t)}
<figure>{charts[0]}</figure>
<figure>{charts[1]}</figure>
<figure>{charts[2]}</figure>
</body></html>
"""
