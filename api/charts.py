"""Small server-rendered SVG bar charts (no script, no CDN): one horizontal bar per label, with a
reference line (e.g. 100 %) and the value written beside each bar."""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence

from markupsafe import Markup

WIDTH = 320
"""Narrow enough for a phone (360 px less the page's margins) to show the chart at its own size, its
texts at 12 px: a wider chart was scaled down to 7 px text there (zhreview-s25)."""
LABEL = 110
ROW = 24
VALUE = 70


def bars(
    title: str,
    items: Sequence[tuple[str, float | None]],
    show: Callable[[float], str],
    reference: float | None = 1.0,
    reference_label: str = "",
) -> Markup:
    """A chart titled `title` (its accessible name); items with no value get an empty row ("–")."""
    values = [v for _, v in items if v is not None]
    top = max([*values, reference or 0.0, 1e-9]) * 1.05
    track = WIDTH - LABEL - VALUE
    height = ROW * len(items) + 28

    def x(value: float) -> float:
        return LABEL + track * max(0.0, value) / top

    parts = [
        f'<svg class="bars" role="img" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}"'
        f' aria-label="{html.escape(title)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{html.escape(title)}</title>",
    ]
    for i, (label, value) in enumerate(items):
        y = 6 + i * ROW
        parts.append(
            f'<text x="{LABEL - 6}" y="{y + 15}" text-anchor="end" font-size="12">{html.escape(label)}</text>'
        )
        if value is None:
            parts.append(f'<text x="{LABEL + 4}" y="{y + 15}" font-size="12" fill="#666">–</text>')
            continue
        width = x(value) - LABEL
        parts.append(
            f'<rect x="{LABEL}" y="{y + 3}" width="{width:.1f}" height="{ROW - 8}" fill="#0072B2">'
            f"<title>{html.escape(label)}: {html.escape(show(value))}</title></rect>"
        )
        parts.append(
            f'<text x="{x(value) + 4:.1f}" y="{y + 15}" font-size="12">{html.escape(show(value))}</text>'
        )
    if reference is not None:
        rx = x(reference)
        bottom = 6 + ROW * len(items)
        parts.append(
            f'<line x1="{rx:.1f}" y1="2" x2="{rx:.1f}" y2="{bottom}" stroke="#D55E00"'
            ' stroke-dasharray="4 3"/>'
        )
        if reference_label:
            parts.append(
                f'<text x="{rx:.1f}" y="{bottom + 16}" text-anchor="middle" font-size="11" fill="#D55E00">'
                f"{html.escape(reference_label)}</text>"
            )
    parts.append("</svg>")
    return Markup("".join(parts))
