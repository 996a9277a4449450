"""Every status badge of the HTML report is readable: contrast of at least 4.5:1 (WCAG AA).

The colours are read from the page's own style sheet, so a colour changed later is held
to the same bar: for each status, the badge in the totals, the owners table's heading and
the heatmap's cell, the text colour the style sheet gives it against its background.
"""

from __future__ import annotations

import re

import pytest

from engagerules.model.results import Status
from engagerules.outputs import html as page

CSS = page._CSS  # the page's own style sheet is what is checked
VARIABLES = dict(re.findall(r"--([a-z]+):\s*(#[0-9a-fA-F]{6})", CSS))
WHITE = "#ffffff"


def luminance(colour: str) -> float:
    """WCAG 2 relative luminance of `#rrggbb`."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def inked(selector_prefix: str) -> set[str]:
    """Statuses whose badge under `selector_prefix` the style sheet sets in ink."""
    found: set[str] = set()
    for selectors, body in re.findall(r"([^{}]+)\{([^}]*)\}", CSS):
        if "color: var(--ink)" not in body:
            continue
        for selector in selectors.split(","):
            match = re.fullmatch(rf"\s*{re.escape(selector_prefix)}\.s-([a-z]+)\s*", selector)
            if match:
                found.add(match[1])
    return found


def test_the_style_sheet_is_read() -> None:
    """Every status has a colour, and the ink is dark: the test reads what it means to."""
    assert {s.value for s in Status} <= set(VARIABLES)
    assert luminance(VARIABLES["ink"]) < 0.05
    assert contrast("#000000", WHITE) == pytest.approx(21)


@pytest.mark.parametrize("where", ["ul.totals li", "table.owners thead th", "td.cell"])
@pytest.mark.parametrize("status", [s.value for s in Status])
def test_every_badge_has_contrast_of_at_least_4_5(where: str, status: str) -> None:
    """Text on each status colour, in ink or white as the style sheet sets it, is >= 4.5:1."""
    text = VARIABLES["ink"] if status in inked(where) else WHITE
    assert contrast(text, VARIABLES[status]) >= 4.5, (where, status, text)
