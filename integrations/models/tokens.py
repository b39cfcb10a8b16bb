"""API tokens."""

__all__: list[str] = []
