"""Checks shared by the tests of e-mails in their recipient's language (issue #16 item 6)."""

from __future__ import annotations

from django.core.mail import EmailMessage


def sentences(text: str) -> list[str]:
    """The lines of a text that are sentences (more than one word), not links or a lone name."""
    lines = (line.strip() for line in text.splitlines())
    return [line for line in lines if " " in line and not line.startswith("http")]


def shares_no_sentence(message: EmailMessage, other: EmailMessage) -> bool:
    """No line of `other`'s subject or body is in `message`: they are written in different languages."""
    lines = [other.subject, *sentences(other.body)]
    return not any(line in message.body or line == message.subject for line in lines)


def language_of(message: EmailMessage) -> str:
    return str(message.extra_headers["Content-Language"])
