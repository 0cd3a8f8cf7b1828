"""The fit report: one self-contained HTML page, the fitted against the observed (inline SVG, no CDN)."""

from __future__ import annotations

import html

import matplotlib.pyplot as plt
import numpy as np
from scipy import stats

from scheduler.i18n import N_, Translator, html_lang
from scheduler.scenarios import Scenario
from simulation.fit import Estimate, Fit, observed_work
from simulation.history import History
from simulation.report import _STYLE, _svg, _texts_as_text  # sets the Agg backend first

WEEKDAYS = (N_("Mon"), N_("Tue"), N_("Wed"), N_("Thu"), N_("Fri"), N_("Sat"), N_("Sun"))
#: The page's headings, marked here because pybabel's extractor does not look inside f-strings.
_PAGE_TEXTS = (
    N_("quantity"),
    N_("estimate"),
    N_("booked share (bookings / repair orders)"),
    N_("kept rate"),
    N_("waiter share (private customers)"),
    N_("fleet-partner share"),
    N_("Weekday factors"),
    N_("day"),
    N_("factor"),
    N_("Efficiency by grade (standard / clocked minutes, single-operation orders)"),
    N_("grade"),
    N_("efficiency"),
    N_("Work content per service"),
    N_("service"),
    N_("distribution"),
    N_("mean minutes"),
    N_("standard minutes"),
    N_("share"),
    N_("waiters"),
    N_("why"),
)


def _ci(e: Estimate, pct: bool = False, digits: int = 2) -> str:
    if pct:
        return f"{e.value:.1%} <span class='ci'>[{e.low:.1%}, {e.high:.1%}] n={e.n:,}</span>"
    return f"{e.value:.{digits}f} <span class='ci'>[{e.low:.{digits}f}, {e.high:.{digits}f}] n={e.n:,}</span>"


def _service_chart(code: str, work: np.ndarray, fit: Fit, t: Translator) -> str:
    sf = fit.services[code]
    fig, (hist, qq) = plt.subplots(1, 2, figsize=(9, 2.8))
    hist.hist(work, bins=40, density=True, color="#9ecae1", label=t.gettext("observed"))
    x = np.linspace(max(work.min(), 1e-3), work.max(), 200)
    if sf.distribution == "lognormal":
        hist.plot(
            x,
            stats.lognorm.pdf(x, s=sf.sigma, scale=np.exp(sf.mu)),
            color="#d62728",
            label=t.gettext("lognormal fit"),
        )
    hist.set_title(t.gettext("%(code)s: work content, standard minutes", code=code))
    hist.legend(fontsize=7)
    probs = (np.arange(1, 100) - 0.5) / 99
    observed = np.quantile(work, probs)
    if sf.distribution == "lognormal":
        fitted = stats.lognorm.ppf(probs, s=sf.sigma, scale=np.exp(sf.mu))
        label = t.gettext("lognormal quantiles")
    else:
        fitted = np.interp(probs, np.linspace(0, 1, len(sf.quantiles)), sf.quantiles)
        label = t.gettext("empirical (fitted) quantiles")
    qq.scatter(fitted, observed, s=6)
    lo, hi = float(min(fitted.min(), observed.min())), float(max(fitted.max(), observed.max()))
    qq.plot([lo, hi], [lo, hi], color="#999", lw=1)
    qq.set_xlabel(label)
    qq.set_ylabel(t.gettext("observed quantiles"))
    qq.set_title(t.gettext("Q-Q"))
    return _svg(fig)


def _rates_chart(fit: Fit, t: Translator) -> str:
    fig, (months, hours) = plt.subplots(1, 2, figsize=(9, 2.8))
    names = list(fit.monthly_rate)
    rates = [fit.monthly_rate[m] for m in names]
    months.bar(
        names,
        [r.value for r in rates],
        yerr=[[r.value - r.low for r in rates], [r.high - r.value for r in rates]],
    )
    months.set_title(t.gettext("repair orders a day by month (95 % CI)"))
    months.tick_params(axis="x", labelsize=7, rotation=45)
    labels = list(fit.hourly_share)
    hours.bar(labels, [fit.hourly_share[h].value * 100 for h in labels])
    hours.set_title(t.gettext("drop-offs by hour, %"))
    hours.tick_params(axis="x", labelsize=7, rotation=45)
    return _svg(fig)


def render_fit_html(fit: Fit, history: History, scenario: Scenario, t: Translator | None = None) -> str:
    """The report in `t`'s language (English by default); figures and codes as they are."""
    t = t or Translator()
    work = observed_work(history, scenario, fit)
    label = t.gettext(" (SYNTHETIC history)") if fit.synthetic else ""
    esc = html.escape

    def dist(name: str) -> str:
        return esc(t.gettext("lognormal") if name == "lognormal" else t.gettext("empirical"))

    rows = "".join(
        f"<tr><td>{esc(code)}</td><td>{dist(sf.distribution)}</td><td>{sf.mean_minutes:.1f} "
        f"<span class='ci'>[{sf.mean_low:.1f}, {sf.mean_high:.1f}]</span></td><td>{sf.n:,}</td>"
        f"<td>{sf.standard_minutes:.0f}</td><td>{_ci(sf.share, pct=True)}</td>"
        f"<td>{_ci(sf.waiter_share, pct=True)}</td><td class='why'>{esc(t.phrase(sf.why))}</td></tr>"
        for code, sf in fit.services.items()
    )
    eff = "".join(
        f"<tr><td>{esc(t.gettext(g))}</td><td>{_ci(e)}</td></tr>" for g, e in fit.efficiency.items()
    )
    weekdays = "".join(
        f"<tr><td>{esc(t.gettext(d))}</td><td>{_ci(e)}</td></tr>"
        for d, e in zip(WEEKDAYS, fit.weekday_factor, strict=True)
    )
    with _texts_as_text(t):
        charts = "".join(
            f"<figure>{_service_chart(code, work[code], fit, t)}</figure>"
            for code in fit.services
            if code in work and work[code].size
        )
        rates = _rates_chart(fit, t)
    title = t.gettext("Fit of %(source)s%(label)s", source=fit.source, label=label)
    heading = t.gettext(
        "Fit: %(scenario)s from %(source)s%(label)s", scenario=fit.scenario, source=fit.source, label=label
    )
    summary = t.gettext(
        "%(rows)s rows (%(repairs)s repair orders), %(days)s days from %(first)s to %(last)s."
        " Every estimate with its 95 %% interval and sample size n.",
        rows=f"{fit.orders:,}", repairs=f"{fit.repairs:,}", days=fit.days, first=fit.first, last=fit.last,
    )  # fmt: skip
    w = {text: esc(t.gettext(text)) for text in _PAGE_TEXTS}
    return f"""<!DOCTYPE html>
<html lang="{html_lang(t.locale)}"><head><meta charset="utf-8"><title>{esc(title)}</title>
<style>{_STYLE}</style></head><body>
<h1>{esc(heading)}</h1>
<p>{esc(summary)}</p>
<table><tr><th>{w["quantity"]}</th><th>{w["estimate"]}</th></tr>
<tr><td>{w["booked share (bookings / repair orders)"]}</td><td>{_ci(fit.booked_share, pct=True)}</td></tr>
<tr><td>{w["kept rate"]}</td><td>{_ci(fit.kept_rate, pct=True)}</td></tr>
<tr><td>{w["waiter share (private customers)"]}</td><td>{_ci(fit.waiter_share, pct=True)}</td></tr>
<tr><td>{w["fleet-partner share"]}</td><td>{_ci(fit.fleet_share, pct=True)}</td></tr></table>
<figure>{rates}</figure>
<h2>{w["Weekday factors"]}</h2><table><tr><th>{w["day"]}</th><th>{w["factor"]}</th></tr>{weekdays}</table>
<h2>{w["Efficiency by grade (standard / clocked minutes, single-operation orders)"]}</h2>
<table><tr><th>{w["grade"]}</th><th>{w["efficiency"]}</th></tr>{eff}</table>
<h2>{w["Work content per service"]}</h2>
<table><tr><th>{w["service"]}</th><th>{w["distribution"]}</th><th>{w["mean minutes"]}</th><th>n</th>
<th>{w["standard minutes"]}</th><th>{w["share"]}</th><th>{w["waiters"]}</th>
<th>{w["why"]}</th></tr>{rows}</table>
{charts}
</body></html>
"""
