"""Service colours for the plan page: a qualitative palette, a colour per service code, no two alike.

The first seven are Okabe & Ito's (2008), which readers with the common colour-vision deficiencies
can tell apart; five more (Tol's indigo and olive, a brown, a dark brown, a red) were picked to be far
from them: no two of the twelve are closer than ΔE*76 = 26 in CIELAB. No grey: grey is off-shift.

A code's colour is chosen by the code itself (its CRC-32 picks a place in the palette; a taken place
passes to the next free one, the codes taken in sorted order), so a service keeps its colour when the
workshop's list is reordered, and no two services of a workshop share one while the palette lasts;
past twelve services, further colours are spread round the hue circle by the golden angle.
"""

from __future__ import annotations

import colorsys
import zlib
from collections.abc import Iterable

PALETTE = (
    "#E69F00",  # orange
    "#56B4E9",  # sky blue
    "#009E73",  # bluish green
    "#F0E442",  # yellow
    "#0072B2",  # blue
    "#D55E00",  # vermilion
    "#CC79A7",  # reddish purple
    "#332288",  # indigo
    "#661100",  # dark brown
    "#9C755F",  # brown
    "#E15759",  # red
    "#999933",  # olive
)


def _extra(n: int) -> str:
    """The n-th colour past the palette: hues a golden angle apart, mid lightness and saturation."""
    hue = (0.11 + n * 0.618033988749895) % 1.0
    r, g, b = colorsys.hls_to_rgb(hue, 0.45 + 0.15 * (n % 2), 0.65)
    return f"#{round(r * 255):02X}{round(g * 255):02X}{round(b * 255):02X}"


def assign(codes: Iterable[str]) -> dict[str, str]:
    """A distinct colour for each service code (deterministic: the same codes, the same colours)."""
    taken: dict[int, str] = {}
    out: dict[str, str] = {}
    extra = 0
    for code in sorted(set(codes)):
        if len(taken) == len(PALETTE):
            out[code] = _extra(extra)
            extra += 1
            continue
        place = zlib.crc32(code.encode("utf-8")) % len(PALETTE)
        while place in taken:
            place = (place + 1) % len(PALETTE)
        taken[place] = code
        out[code] = PALETTE[place]
    return out
