"""The focus ring is visible on every background the stylesheet paints (WCAG 2.2 1.4.11 Non-text Contrast, 2.4.7).

The ring is two-tone (`--focus` outline around a `--focus-halo` ring): on each background colour that site.css
declares, at least one of the two tones reaches 3:1, and the two tones reach 3:1 against each other, so the ring's
edge shows whatever lies under it. Colours are read from the stylesheet itself, custom properties resolved.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

STYLESHEET = Path(__file__).resolve().parents[2] / "frontend" / "static" / "frontend" / "css" / "site.css"
CSS = re.sub(r"/\*.*?\*/", "", STYLESHEET.read_text(encoding="utf-8"), flags=re.DOTALL)

CUSTOM_PROPERTY = re.compile(r"(--[\w-]+)\s*:\s*([^;]+);")
BACKGROUND = re.compile(r"(?<![\w-])background(?:-color)?\s*:\s*([^;}]+)")
HEX = re.compile(r"#(?:[0-9a-fA-F]{6}|[0-9a-fA-F]{3})\b")
VAR = re.compile(r"var\((--[\w-]+)\)")
MINIMUM = 3.0

PROPERTIES = {name: value.strip() for name, value in CUSTOM_PROPERTY.findall(CSS)}


def resolve(value: str) -> str:
    for _ in range(5):  # custom properties may name others
        value = VAR.sub(lambda match: PROPERTIES.get(match.group(1), match.group(0)), value)
    return value


def luminance(colour: str) -> float:
    digits = colour.lstrip("#")
    if len(digits) == 3:
        digits = "".join(d * 2 for d in digits)
    channels = [int(digits[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(first: str, second: str) -> float:
    lighter, darker = sorted((luminance(first), luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def background_colours() -> list[str]:
    """Every solid colour used as a background (the `background` and `background-color` declarations)."""
    colours = {colour.lower() for value in BACKGROUND.findall(CSS) for colour in HEX.findall(resolve(value))}
    return sorted(colours)


FOCUS = resolve(PROPERTIES["--focus"])
HALO = resolve(PROPERTIES["--focus-halo"])
BACKGROUNDS = background_colours()


def test_the_formula_matches_wcag_s_reference_values():
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)
    # The amber ring this replaced: 2.15:1 on white, under 3:1 on the grey panels (issue #17).
    assert contrast("#f59e0b", "#ffffff") == pytest.approx(2.15, abs=0.01)
    assert contrast("#f59e0b", "#f4f6f9") < MINIMUM


def test_the_stylesheet_defines_the_focus_ring_once_with_both_tones():
    rules = re.findall(r"(?m)^([^{}\n]*:focus-visible[^{}\n]*)\{([^}]*)\}", CSS)
    assert [selector.strip() for selector, _ in rules] == [":focus-visible"]
    declarations = rules[0][1]
    assert "var(--focus)" in declarations and "var(--focus-halo)" in declarations
    assert "outline-offset" in declarations


def test_the_stylesheet_s_backgrounds_are_found():
    # White, the grey panels, the brand colour, the status tints and the dark code boxes at least.
    for colour in ("#ffffff", "#f4f6f9", "#1d4ed8", "#dcfce7", "#0f172a"):
        assert colour in BACKGROUNDS
    assert len(BACKGROUNDS) >= 8


def test_the_two_tones_of_the_ring_contrast_with_each_other():
    assert contrast(FOCUS, HALO) >= MINIMUM


@pytest.mark.parametrize("background", BACKGROUNDS)
def test_the_focus_ring_shows_on_every_background(background):
    best = max(contrast(FOCUS, background), contrast(HALO, background))
    assert best >= MINIMUM, (
        f"focus ring {FOCUS}/{HALO} on {background}: {contrast(FOCUS, background):.2f}:1 and "
        f"{contrast(HALO, background):.2f}:1, under {MINIMUM}:1"
    )
