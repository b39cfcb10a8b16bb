"""Translation hook for the pure-Python quiz modules (grading, GIFT, Aiken).

`_` is Django's `gettext` once Django settings are configured and the app registry is ready, and the
identity before that, so these modules import and run without Django. It translates when called,
never at import time, so messages follow the language of the request being served. `gettext_noop` marks a
message for translation where it is only passed along, to be translated by `_` if it is ever shown.
"""

from __future__ import annotations

from collections.abc import Callable

# Django's gettext once a call has succeeded: grading builds messages for every question it checks, so the
# imports and readiness checks run until then only.
_gettext: Callable[[str], str] | None = None


def _(message: str) -> str:
    global _gettext
    if _gettext is not None:
        return _gettext(message)
    try:
        from django.conf import settings
        from django.core.exceptions import AppRegistryNotReady
    except ImportError:
        return message
    if not settings.configured:
        return message
    from django.utils.translation import gettext

    try:
        translated = gettext(message)
    except AppRegistryNotReady:
        return message
    _gettext = gettext
    return translated


def gettext_noop(message: str) -> str:
    return message
