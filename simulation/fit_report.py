"""The fit report: one self-contained HTML page, the fitted against the observed (inline SVG, no CDN)."""

from __future__ import annotations

import html

import matplotlib.pyplot as plt
import numpy as np
from scipy import stats

from scheduler.scenarios import Scenario
from simulation.fit import Estimate, Fit, observed_work
from simulation.history import History
from simulation.report import _STYLE, _svg  # sets the Agg backend before pyplot is imported


def _ci(e: Estimate, pct: bool = False, digits: int = 2) -> str:
    if pct:
        return f"{e.value:.1%} <span class='ci'>[{e.low:.1%}, {e.high:.1%}] n={e.n:,}</span>"
    return f"{e.value:.{digits}f} <span class='ci'>[{e.low:.{digits}f}, {e.high:.{digits}f}] n={e.n:,}</span>"


def _service_chart(code: str, work: np.ndarray, fit: Fit) -> str:
    sf = fit.services[code]
    fig, (hist, qq) = plt.subplots(1, 2, figsize=(9, 2.8))
    hist.hist(work, bins=40, density=True, color="#9ecae1", label="observed")
    x = np.linspace(max(work.min(), 1e-3), work.max(), 200)
    if sf.distribution == "lognormal":
        hist.plot(
            x, stats.lognorm.pdf(x, s=sf.sigma, scale=np.exp(sf.mu)), color="#d62728", label="lognormal fit"
        )
    hist.set_title(f"{code}: work content, standard minutes")
    hist.legend(fontsize=7)
    probs = (np.arange(1, 100) - 0.5) / 99
    observed = np.quantile(work, probs)
    if sf.distribution == "lognormal":
        fitted = stats.lognorm.ppf(probs, s=sf.sigma, scale=np.exp(sf.mu))
        label = "lognormal quantiles"
    else:
        fitted = np.interp(probs, np.linspace(0, 1, len(sf.quantiles)), sf.quantiles)
        label = "empirical (fitted) quantiles"
    qq.scatter(fitted, observed, s=6)
    lo, hi = float(min(fitted.min(), observed.min())), float(max(fitted.max(), observed.max()))
    qq.plot([lo, hi], [lo, hi], color="#999", lw=1)
    qq.set_xlabel(label)
    qq.set_ylabel("observed quantiles")
    qq.set_title("Q-Q")
    return _svg(fig)


def _rates_chart(fit: Fit, history: History, scenario: Scenario) -> str:
    fig, (months, hours) = plt.subplots(1, 2, figsize=(9, 2.8))
    names = list(fit.monthly_rate)
    rates = [fit.monthly_rate[m] for m in names]
    months.bar(
        names,
        [r.value for r in rates],
        yerr=[[r.value - r.low for r in rates], [r.high - r.value for r in rates]],
    )
    months.set_title("repair orders a day by month (95 % CI)")
    months.tick_params(axis="x", labelsize=7, rotation=45)
    labels = list(fit.hourly_share)
    hours.bar(labels, [fit.hourly_share[h].value * 100 for h in labels])
    hours.set_title("drop-offs by hour, %")
    hours.tick_params(axis="x", labelsize=7, rotation=45)
    return _svg(fig)


def render_fit_html(fit: Fit, history: History, scenario: Scenario) -> str:
    work = observed_work(history, scenario, fit)
    label = " (SYNTHETIC history)" if fit.synthetic else ""
    rows = "".join(
        f"<tr><td>{html.escape(code)}</td><td>{sf.distribution}</td><td>{sf.mean_minutes:.1f} "
        f"<span class='ci'>[{sf.mean_low:.1f}, {sf.mean_high:.1f}]</span></td><td>{sf.n:,}</td>"
        f"<td>{sf.standard_minutes:.0f}</td><td>{_ci(sf.share, pct=True)}</td>"
        f"<td>{_ci(sf.waiter_share, pct=True)}</td><td class='why'>{html.escape(sf.why)}</td></tr>"
        for code, sf in fit.services.items()
    )
    eff = "".join(f"<tr><td>{html.escape(g)}</td><td>{_ci(e)}</td></tr>" for g, e in fit.efficiency.items())
    weekdays = "".join(
        f"<tr><td>{d}</td><td>{_ci(e)}</td></tr>"
        for d, e in zip(("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"), fit.weekday_factor, strict=True)
    )
    charts = "".join(
        f"<figure>{_service_chart(code, work[code], fit)}</figure>"
        for code in fit.services
        if code in work and work[code].size
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Fit of {html.escape(fit.source)}{label}</title>
<style>{_STYLE}</style></head><body>
<h1>Fit: {html.escape(fit.scenario)} from {html.escape(fit.source)}{label}</h1>
<p>{fit.orders:,} rows ({fit.repairs:,} repair orders), {fit.days} days from {fit.first} to {fit.last}.
Every estimate with its 95 % interval and sample size n.</p>
<table><tr><th>quantity</th><th>estimate</th></tr>
<tr><td>booked share (bookings / repair orders)</td><td>{_ci(fit.booked_share, pct=True)}</td></tr>
<tr><td>kept rate</td><td>{_ci(fit.kept_rate, pct=True)}</td></tr>
<tr><td>waiter share (private customers)</td><td>{_ci(fit.waiter_share, pct=True)}</td></tr>
<tr><td>fleet-partner share</td><td>{_ci(fit.fleet_share, pct=True)}</td></tr></table>
<figure>{_rates_chart(fit, history, scenario)}</figure>
<h2>Weekday factors</h2><table><tr><th>day</th><th>factor</th></tr>{weekdays}</table>
<h2>Efficiency by grade (standard / clocked minutes, single-operation orders)</h2>
<table><tr><th>grade</th><th>efficiency</th></tr>{eff}</table>
<h2>Work content per service</h2>
<table><tr><th>service</th><th>distribution</th><th>mean minutes</th><th>n</th><th>standard</th><th>share</th>
<th>waiters</th><th>why</th></tr>{rows}</table>
{charts}
</body></html>
"""
