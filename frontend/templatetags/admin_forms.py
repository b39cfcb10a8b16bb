"""Our forms inside the Wagtail admin, rendered the way Wagtail's own FieldPanel renders a field.

`{% admin_field form.name %}` uses Wagtail's field template (wagtailadmin/shared/field.html): the label, the
required mark, the help text and the errors sit where Wagtail puts them, and the widget points at them the way
Wagtail's editor does: `aria-describedby` names the help text and the error message, `aria-invalid` marks a
field with errors. No domain knowledge lives here.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.forms import BoundField
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

register = template.Library()


def field_context(field: BoundField) -> dict[str, Any]:
    """The context of wagtailadmin/shared/field.html for a bound field, as Wagtail's FieldPanel builds it."""
    prefix = field.auto_id or field.html_name
    help_text_id = f"{prefix}-helptext"
    error_message_id = f"{prefix}-errors"
    described_by = [help_text_id] if field.help_text else []
    attrs: dict[str, str | bool] = {}
    if field.errors:
        described_by.append(error_message_id)
        attrs["aria-invalid"] = "true"
    if described_by:
        attrs["aria-describedby"] = " ".join(described_by)
    return {
        "field": field,
        "rendered_field": field.as_widget(attrs=attrs),
        "help_text_id": help_text_id,
        "error_message_id": error_message_id,
        "wrapper_id": f"{prefix}-wrapper",
    }


@register.simple_tag
def admin_field(field: BoundField, **options: Any) -> SafeString:
    """One form field in Wagtail's admin layout; options (e.g. `sr_only_label=True`) go to Wagtail's template."""
    return SafeString(render_to_string("wagtailadmin/shared/field.html", {**field_context(field), **options}))


@register.simple_tag
def admin_fields(form: Any) -> SafeString:
    """Every visible field of a form in Wagtail's admin layout, and its hidden fields."""
    rendered = [str(hidden) for hidden in form.hidden_fields()]
    rendered += [admin_field(field) for field in form.visible_fields()]
    return SafeString("\n".join(rendered))
