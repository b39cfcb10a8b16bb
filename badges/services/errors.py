"""The error every badge service raises for an operation that cannot be done."""


class BadgeError(Exception):
    """A badge operation that cannot be done, with a message for the person who asked."""
