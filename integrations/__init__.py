"""Integrations: the JSON API (`/api/v1/`), its tokens, and outgoing signed webhooks.

The top app (DESIGN): it may import every other app, and nothing imports it. It reaches the domain through each
app's services and selectors, and learns of events through the signals the lower apps send.
"""
