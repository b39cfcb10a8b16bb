"""Outgoing webhooks: endpoints, events and their deliveries."""

__all__: list[str] = []
