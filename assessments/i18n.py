"""Translation hook for the pure-Python quiz modules (grading, GIFT, Aiken).

`_` is Django's `gettext` once Django settings are configured and the app registry is ready, and the
identity before that, so these modules import and run without Django. It translates when called,
never at import time, so messages follow the language of the request being served.
"""

from __future__ import annotations


def _(message: str) -> str:
    try:
        from django.conf import settings
        from django.core.exceptions import AppRegistryNotReady
    except ImportError:
        return message
    if not settings.configured:
        return message
    from django.utils.translation import gettext

    try:
        return gettext(message)
    except AppRegistryNotReady:
        return message
