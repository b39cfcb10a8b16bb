"""Generic template helpers. No domain knowledge lives here."""

from typing import Any

from django import template

register = template.Library()


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    """`{{ states|get_item:item.id }}`: a dict lookup by a variable key; None when absent."""
    if not mapping:
        return None
    return mapping.get(key)
