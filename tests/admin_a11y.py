"""Checks that one of our pages inside the Wagtail admin follows Wagtail's accessibility conventions.

Read from the served HTML (no browser): one h1; every form control has an accessible name; every table is named
(a caption, or aria-labelledby pointing at its heading); ids are unique; text hidden for screen readers uses
Wagtail's `w-sr-only` (the admin has no `visually-hidden` rule, so such text would show); and, after a failed
submission, each field with an error is marked `aria-invalid` and names the element holding its error in
`aria-describedby`, the way Wagtail's own FieldPanel does.
"""

from __future__ import annotations

from collections import Counter

from bs4 import BeautifulSoup, Tag

UNLABELLED_TYPES = {"hidden", "submit", "button", "reset", "image"}


def _soup(html: str | bytes) -> BeautifulSoup:
    return BeautifulSoup(html.decode() if isinstance(html, bytes) else html, "html.parser")


def _main(soup: BeautifulSoup) -> Tag:
    """The admin's content area (Wagtail's own chrome, the menu and the user bar, is Wagtail's concern)."""
    main = soup.find("main")
    assert isinstance(main, Tag), "the page has no <main>: it does not use Wagtail's admin base template"
    return main


def _controls(root: Tag) -> list[Tag]:
    return [
        control
        for control in root.find_all(["input", "select", "textarea"])
        if control.get("type", "text") not in UNLABELLED_TYPES
    ]


def accessible_name(soup: BeautifulSoup, control: Tag) -> str:
    if control.get("aria-label"):
        return str(control["aria-label"]).strip()
    if control.get("aria-labelledby"):
        parts = [soup.find(id=ref) for ref in str(control["aria-labelledby"]).split()]
        return " ".join(part.get_text(" ", strip=True) for part in parts if part)
    if control.get("id"):
        label = soup.find("label", attrs={"for": control["id"]})
        if label:
            return label.get_text(" ", strip=True)
    wrapping = control.find_parent("label")
    return wrapping.get_text(" ", strip=True) if wrapping else ""


def described_by(soup: BeautifulSoup, element: Tag) -> str:
    refs = str(element.get("aria-describedby", "")).split()
    missing = [ref for ref in refs if soup.find(id=ref) is None]
    assert not missing, f"{element.name} {element.get('name')} points aria-describedby at missing ids {missing}"
    return " ".join(soup.find(id=ref).get_text(" ", strip=True) for ref in refs)  # type: ignore[union-attr]


def assert_admin_page_accessible(html: str | bytes, *, invalid: dict[str, str] | None = None) -> BeautifulSoup:
    """Assert the conventions above; `invalid` maps a control's name to a part of the error it must announce."""
    soup = _soup(html)
    main = _main(soup)

    headings = soup.find_all("h1")
    assert len(headings) == 1, f"{len(headings)} h1: {[h.get_text(' ', strip=True) for h in headings]}"

    duplicates = [value for value, n in Counter(tag["id"] for tag in soup.find_all(id=True)).items() if n > 1]
    assert not duplicates, f"duplicate ids {duplicates}"

    controls = _controls(main)
    unnamed = [f"{c.name} name={c.get('name')}" for c in controls if not accessible_name(soup, c)]
    assert not unnamed, f"controls without a label: {unnamed}"

    for table in main.find_all("table"):
        caption = table.find("caption")
        name = caption.get_text(" ", strip=True) if caption else ""
        if not name and table.get("aria-labelledby"):
            target = soup.find(id=table["aria-labelledby"])
            name = target.get_text(" ", strip=True) if target else ""
        assert name, f"a table without a caption or aria-labelledby: {str(table)[:120]}"

    hidden_the_wrong_way = main.select(".visually-hidden")
    assert not hidden_the_wrong_way, f"use w-sr-only in the admin: {[str(t)[:80] for t in hidden_the_wrong_way]}"

    for name, message in (invalid or {}).items():
        matches = [c for c in controls if c.get("name") == name]
        assert matches, f"no control named {name}"
        for control in matches:
            assert control.get("aria-invalid") == "true", f"{name} is not marked aria-invalid"
            # A radio button or checkbox of a group is described by its fieldset, the way screen readers announce it.
            group = control.find_parent("fieldset") if not control.get("aria-describedby") else None
            description = described_by(soup, group if group is not None else control)
            assert message in description, f"{name} does not announce “{message}”"
    if not invalid:
        marked = [c.get("name") for c in controls if c.get("aria-invalid") == "true"]
        assert not marked, f"fields marked invalid without an error: {marked}"
    return soup
