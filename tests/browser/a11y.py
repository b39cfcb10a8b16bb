"""The accessibility checks of the browser tests: axe-core (npm, tests/browser/axe) run in the page, and reflow.

axe-core is injected as a script element, which the site's Content-Security-Policy refuses (no inline script):
the audit's browser context is made with `bypass_csp=True`, and only that context (tests/browser/test_csp.py
checks the policy itself). Without the npm package the audit fails: `make test` installs it (`make axe`).
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import pytest

AXE_FOLDER = Path(__file__).resolve().parent / "axe"
AXE_SCRIPT = AXE_FOLDER / "node_modules" / "axe-core" / "axe.min.js"
# WCAG 2.0, 2.1 and 2.2, levels A and AA (axe has no wcag22a tag: 2.2's A criteria carry wcag2a/wcag21a tags).
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
PHONE_WIDTH = 320  # CSS px: 1280 px at 400 % zoom (WCAG 1.4.10 Reflow)

RUN_AXE = """
async (tags) => {
  const result = await axe.run(document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]});
  return result.violations.map((violation) => ({
    id: violation.id,
    impact: violation.impact,
    help: violation.help,
    targets: violation.nodes.map((node) => node.target.join(" ")),
  }));
}
"""

# Elements whose right edge passes the viewport: what makes the page scroll sideways, for a readable failure.
WIDE_ELEMENTS = """
(everywhere) => {
  const width = window.innerWidth;
  const found = [];
  for (const element of document.body.querySelectorAll("*")) {
    const box = element.getBoundingClientRect();
    if (box.width === 0 || box.right <= width + 1) continue;
    let inside = element.parentElement;  // an element inside a scrolling box scrolls there, not the page
    let scrolled = false;
    while (inside && inside !== document.body) {
      const overflow = getComputedStyle(inside).overflowX;
      if (overflow === "auto" || overflow === "scroll" || overflow === "hidden" || overflow === "clip") { scrolled = true; break; }
      inside = inside.parentElement;
    }
    if (scrolled && !everywhere) continue;
    const name = element.tagName.toLowerCase() + (element.id ? "#" + element.id : "")
      + (element.classList.length ? "." + [...element.classList].join(".") : "");
    found.push(`${name} (right edge ${Math.round(box.right)} px)`);
  }
  return found.slice(0, 15);
}
"""

# Text in the main column cut off by a box that hides its overflow (1.4.4): the box is smaller than its content.
CLIPPED_TEXT = """
() => {
  const found = [];
  for (const element of document.querySelectorAll("main *")) {
    if (element.closest(".visually-hidden, .skip-link")) continue;
    const style = getComputedStyle(element);
    const hidesX = style.overflowX === "hidden" || style.overflowX === "clip";
    const hidesY = style.overflowY === "hidden" || style.overflowY === "clip";
    if (!hidesX && !hidesY) continue;
    if (!element.textContent.trim()) continue;
    const cutX = hidesX && element.scrollWidth > element.clientWidth + 1;
    const cutY = hidesY && element.scrollHeight > element.clientHeight + 1;
    if (cutX || cutY) {
      const name = element.tagName.toLowerCase() + (element.id ? "#" + element.id : "")
        + (element.classList.length ? "." + [...element.classList].join(".") : "");
      found.push(`${name}: content ${element.scrollWidth}x${element.scrollHeight} in ${element.clientWidth}x${element.clientHeight}`);
    }
  }
  return found;
}
"""


@functools.cache
def axe_source() -> str:
    """axe-core's script; a missing package is a failure (never a skip): the audit is what these tests are for."""
    if not AXE_SCRIPT.is_file():
        pytest.fail(
            f"axe-core is not installed at {AXE_SCRIPT}: run `make axe` (npm ci --prefix tests/browser/axe)",
            pytrace=False,
        )
    return AXE_SCRIPT.read_text(encoding="utf-8")


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """axe-core's violations of WCAG 2.2 A and AA on the page as it is now (after any htmx swap)."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(content=axe_source())
    return page.evaluate(RUN_AXE, WCAG_TAGS)


def describe(violations: list[dict[str, Any]]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}")
        lines.extend(f"    {target}" for target in violation["targets"][:10])
    return "\n".join(lines)


def assert_accessible(page: Any, state: str) -> None:
    violations = axe_violations(page)
    assert not violations, f"{state} ({page.url}): axe-core found WCAG violations:\n{describe(violations)}"


def _wide_elements(page: Any) -> list[str]:
    """What passes the right edge; when all of it sits in scrolling boxes, everything (a positioned element
    escapes a scrolling box that is not its containing block)."""
    return page.evaluate(WIDE_ELEMENTS, False) or page.evaluate(WIDE_ELEMENTS, True)


def assert_reflows(page: Any, state: str) -> None:
    """At 320 CSS px wide, the page does not scroll sideways (wide content scrolls inside its own box)."""
    size = page.viewport_size
    page.set_viewport_size({"width": PHONE_WIDTH, "height": 640})
    try:
        page.wait_for_function(f"() => window.innerWidth === {PHONE_WIDTH}")
        widths = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
        wide = _wide_elements(page) if widths[0] > widths[1] else []
    finally:
        page.set_viewport_size(size)
    assert widths[0] <= widths[1], (
        f"{state} ({page.url}): {widths[0]} px wide at a {widths[1]} px viewport; too wide:\n" + "\n".join(wide)
    )


def assert_text_resizes(page: Any, state: str) -> None:
    """With text at 200 % (root font size), no sideways scroll and no text cut off in the main column."""
    style = page.add_style_tag(content="html { font-size: 200% !important; }")
    try:
        widths = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
        wide = _wide_elements(page) if widths[0] > widths[1] else []
        clipped = page.evaluate(CLIPPED_TEXT)
    finally:
        style.evaluate("element => element.remove()")
    assert widths[0] <= widths[1], (
        f"{state} ({page.url}): text at 200 % makes the page {widths[0]} px wide at {widths[1]} px:\n" + "\n".join(wide)
    )
    assert not clipped, f"{state} ({page.url}): text at 200 % is cut off:\n" + "\n".join(clipped)
